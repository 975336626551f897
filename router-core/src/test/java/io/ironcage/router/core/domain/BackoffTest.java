package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff =
            Backoff.exponential(Duration.ofMillis(250), Duration.ofSeconds(8));

    @Test
    void theCeilingDoublesFromTheFirstUpToTheCap() {
        assertEquals(Duration.ofMillis(250), backoff.ceiling(1));
        assertEquals(Duration.ofMillis(500), backoff.ceiling(2));
        assertEquals(Duration.ofSeconds(1), backoff.ceiling(3));
        assertEquals(Duration.ofSeconds(4), backoff.ceiling(5));
        assertEquals(Duration.ofSeconds(8), backoff.ceiling(6));
        assertEquals(Duration.ofSeconds(8), backoff.ceiling(7));
        assertEquals(Duration.ofSeconds(8), backoff.ceiling(64));
        assertEquals(Duration.ofSeconds(8), backoff.ceiling(Integer.MAX_VALUE));
    }

    @Test
    void aWaitIsDrawnBetweenZeroAndTheCeilingSoRoutersDoNotRetryInLockstep() {
        SplittableRandom random = new SplittableRandom(42);
        Set<Duration> seen = new HashSet<>();
        Duration shortest = Duration.ofDays(1);
        Duration longest = Duration.ZERO;
        for (int i = 0; i < 2_000; i++) {
            Duration wait = backoff.delay(3, random);
            assertTrue(!wait.isNegative() && wait.compareTo(Duration.ofSeconds(1)) <= 0, "" + wait);
            seen.add(wait);
            shortest = wait.compareTo(shortest) < 0 ? wait : shortest;
            longest = wait.compareTo(longest) > 0 ? wait : longest;
        }
        assertTrue(seen.size() > 1_900, "waits differ: " + seen.size());
        // spread over the whole range, not bunched at one end
        assertTrue(shortest.compareTo(Duration.ofMillis(50)) < 0, "shortest " + shortest);
        assertTrue(longest.compareTo(Duration.ofMillis(950)) > 0, "longest " + longest);
    }

    @Test
    void aCapEqualToTheFirstWaitIsAllowed() {
        Backoff flat = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertEquals(Duration.ofSeconds(1), flat.ceiling(10));
    }

    @Test
    void badSettingsAreRefusedWithTheirValues() {
        IllegalArgumentException shorter =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertTrue(shorter.getMessage().contains("PT1S") && shorter.getMessage().contains("PT2S"));
        assertThrows(
                IllegalArgumentException.class,
                () -> Backoff.exponential(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> backoff.ceiling(0));
    }
}
