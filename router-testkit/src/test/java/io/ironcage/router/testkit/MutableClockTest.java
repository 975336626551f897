package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class MutableClockTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void standsStillUntilMoved() {
        MutableClock clock = MutableClock.at(START);
        assertEquals(START, clock.instant());
        assertEquals(START.toEpochMilli(), clock.millis());
        assertEquals(START.plusSeconds(90), clock.advance(Duration.ofSeconds(90)));
        assertEquals(START.plusSeconds(90), clock.instant());
        clock.set(START);
        assertEquals(START, clock.instant());
    }

    @Test
    void refusesToMoveBackwardByAdvancing() {
        MutableClock clock = MutableClock.at(START);
        assertThrows(IllegalArgumentException.class, () -> clock.advance(Duration.ofSeconds(-1)));
    }

    @Test
    void aZonedViewSharesTheTime() {
        MutableClock clock = MutableClock.at(START);
        java.time.Clock paris = clock.withZone(ZoneId.of("Europe/Paris"));
        clock.advance(Duration.ofMinutes(5));
        assertEquals(START.plusSeconds(300), paris.instant());
        assertEquals(ZoneId.of("Europe/Paris"), paris.getZone());
    }
}
