package io.ironcage.router.core.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * How long a provider asked to be left alone: its {@code retry-after-ms} header (milliseconds, as
 * OpenAI sends it), else its {@code Retry-After} header (whole or decimal seconds, or an HTTP date,
 * RFC 9110 §10.2.3). A date in the past is no wait; a value that cannot be read is none.
 *
 * @param delay how long to wait; not negative
 */
public record RetryAfter(Duration delay) {
    /** No header asks for more than this; longer values are read as this (no overflow). */
    static final Duration LONGEST = Duration.ofDays(1);

    /**
     * Validates the wait.
     *
     * @throws IllegalArgumentException if it is negative
     */
    public RetryAfter {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("a retry-after wait must not be negative: " + delay);
        }
    }

    /**
     * Reads the wait from the headers' values.
     *
     * @param retryAfterMs the {@code retry-after-ms} header, if sent
     * @param retryAfter the {@code Retry-After} header, if sent
     * @param nowMillis the current time (epoch milliseconds), for an HTTP date
     * @return the wait, or empty when neither header says one
     */
    public static Optional<RetryAfter> of(
            Optional<String> retryAfterMs, Optional<String> retryAfter, long nowMillis) {
        Optional<RetryAfter> millis = retryAfterMs.flatMap(v -> number(v, 1));
        if (millis.isPresent()) {
            return millis;
        }
        return retryAfter.flatMap(
                v -> number(v, 1000).or(() -> RetryAfter.date(v.trim(), nowMillis)));
    }

    /** A non-negative decimal number of units of {@code unitMillis}, capped. */
    private static Optional<RetryAfter> number(String value, long unitMillis) {
        String text = value.trim();
        if (text.isEmpty() || text.length() > 20 || !text.matches("\\d+(\\.\\d+)?")) {
            return Optional.empty();
        }
        BigDecimal millis =
                new BigDecimal(text)
                        .multiply(BigDecimal.valueOf(unitMillis))
                        .setScale(0, RoundingMode.CEILING);
        BigDecimal longest = BigDecimal.valueOf(LONGEST.toMillis());
        return Optional.of(new RetryAfter(Duration.ofMillis(millis.min(longest).longValueExact())));
    }

    private static Optional<RetryAfter> date(String value, long nowMillis) {
        try {
            long at =
                    ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
                            .toInstant()
                            .toEpochMilli();
            long wait = Math.min(Math.max(0, at - nowMillis), LONGEST.toMillis());
            return Optional.of(new RetryAfter(Duration.ofMillis(wait)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
