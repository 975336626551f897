package io.ironcage.router.core.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * A circuit breaker per provider and model ({@code circuit-breaker:} in router.yaml): once the last
 * {@link #window()} calls of a model hold at least {@link #failureRatePercent()} % failures, the
 * router stops calling it for {@link #openFor()} and goes straight to its fallbacks (or answers
 * 503); then one trial call decides whether it closes again. A failure is a 5xx (529 included), a
 * connection that could not be made or a timeout; a 429 is not (key cooldowns and {@code
 * Retry-After} deal with it), nor are the caller's own mistakes.
 *
 * @param failureRatePercent the failure rate that opens the breaker, 1–100
 * @param window how many of the latest calls the rate is over (and at least how many calls it waits
 *     for), 1–1000
 * @param openFor how long an open breaker refuses calls before its trial; positive
 */
public record CircuitBreakerOptions(int failureRatePercent, int window, Duration openFor) {
    /** The defaults: 50 % of the last 20 calls, open for 30 s. */
    public static final CircuitBreakerOptions DEFAULTS =
            new CircuitBreakerOptions(50, 20, Duration.ofSeconds(30));

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if a value is out of its range
     */
    public CircuitBreakerOptions {
        Objects.requireNonNull(openFor, "openFor");
        if (failureRatePercent < 1 || failureRatePercent > 100) {
            throw new IllegalArgumentException(
                    "failure-rate-percent must be between 1 and 100, got " + failureRatePercent);
        }
        if (window < 1 || window > 1000) {
            throw new IllegalArgumentException(
                    "window must be between 1 and 1000 calls, got " + window);
        }
        if (openFor.isNegative() || openFor.isZero()) {
            throw new IllegalArgumentException("open-for must be positive, got " + openFor);
        }
    }
}
