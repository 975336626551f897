package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
    private static final long NOW = Instant.parse("2026-12-07T12:00:00Z").toEpochMilli();

    private static Optional<Duration> read(String ms, String header) {
        return RetryAfter.of(Optional.ofNullable(ms), Optional.ofNullable(header), NOW)
                .map(RetryAfter::delay);
    }

    @Test
    void secondsWholeAndDecimal() {
        assertEquals(Optional.of(Duration.ofSeconds(7)), read(null, "7"));
        assertEquals(Optional.of(Duration.ofMillis(1_500)), read(null, " 1.5 "));
        assertEquals(Optional.of(Duration.ZERO), read(null, "0"));
        // a fraction of a millisecond rounds up, never down to a shorter wait
        assertEquals(Optional.of(Duration.ofMillis(2)), read(null, "0.0011"));
    }

    @Test
    void millisecondsHeaderWinsOverSeconds() {
        assertEquals(Optional.of(Duration.ofMillis(250)), read("250", "30"));
        assertEquals(Optional.of(Duration.ofMillis(20)), read("19.2", null));
        // an unreadable ms header falls back to Retry-After
        assertEquals(Optional.of(Duration.ofSeconds(3)), read("soon", "3"));
    }

    @Test
    void anHttpDateIsTheTimeUntilIt() {
        assertEquals(
                Optional.of(Duration.ofSeconds(90)), read(null, "Mon, 07 Dec 2026 12:01:30 GMT"));
        // in the past: no wait
        assertEquals(Optional.of(Duration.ZERO), read(null, "Mon, 07 Dec 2026 11:00:00 GMT"));
    }

    @Test
    void unreadableOrAbsentIsNone() {
        assertEquals(Optional.empty(), read(null, null));
        assertEquals(Optional.empty(), read(null, "-5"));
        assertEquals(Optional.empty(), read(null, "1e3"));
        assertEquals(Optional.empty(), read(null, "tomorrow"));
        assertEquals(Optional.empty(), read("", ""));
    }

    @Test
    void hugeValuesAreCappedAtADay() {
        assertEquals(Optional.of(Duration.ofDays(1)), read(null, "99999999999999999999"));
        assertEquals(Optional.of(Duration.ofDays(1)), read(null, "Fri, 01 Jan 2100 00:00:00 GMT"));
    }

    @Test
    void aNegativeWaitIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RetryAfter(Duration.ofMillis(-1)));
    }
}
