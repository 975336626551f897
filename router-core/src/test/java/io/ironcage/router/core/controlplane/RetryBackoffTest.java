package io.ironcage.router.core.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Backoff;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {
    private static final Backoff BACKOFF =
            Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(60));

    @Test
    void aGivenRandomSourceIsTheOneDrawnFrom() {
        RetryBackoff ceiling = new RetryBackoff(BACKOFF, TestRandom.CEILING);
        RetryBackoff half = new RetryBackoff(BACKOFF, TestRandom.HALF);

        for (int failures = 1; failures <= 8; failures++) {
            assertEquals(BACKOFF.ceiling(failures), ceiling.delay(failures));
            assertEquals(BACKOFF.delay(failures, TestRandom.HALF), half.delay(failures));
        }
    }

    @Test
    void withoutOneTheThreadsOwnDrawsWithinTheCeiling() {
        RetryBackoff own = new RetryBackoff(BACKOFF, null);

        for (int failures = 1; failures <= 8; failures++) {
            Duration wait = own.delay(failures);
            assertFalse(wait.isNegative(), wait::toString);
            assertTrue(wait.compareTo(BACKOFF.ceiling(failures)) <= 0, wait::toString);
        }
    }
}
