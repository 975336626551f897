package io.ironcage.router.core.domain;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * How long to wait before the next try after failures in a row: exponential with full jitter,
 * capped. After {@code n} failures the ceiling is {@code initial × 2^(n-1)}, at most {@code max},
 * and the wait is drawn uniformly between zero and that ceiling. The jitter is what keeps a fleet
 * of routers from retrying in lockstep after a shared outage: with a fixed doubling every router
 * that failed at the same moment would try again at the same moment too.
 *
 * <p>Immutable and pure apart from the random source, which tests pass in.
 *
 * @param initial the ceiling after the first failure; positive
 * @param max the largest ceiling; not shorter than {@code initial}
 */
public record Backoff(Duration initial, Duration max) {
    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException if {@code initial} is not positive or {@code max} is shorter
     */
    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("the first backoff must be positive: " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    "the longest backoff ("
                            + max
                            + ") is shorter than the first ("
                            + initial
                            + ")");
        }
    }

    /**
     * A backoff starting at {@code initial} and doubling up to {@code max}.
     *
     * @param initial the ceiling after the first failure; positive
     * @param max the largest ceiling; not shorter than {@code initial}
     * @return the backoff
     * @throws IllegalArgumentException if {@code initial} is not positive or {@code max} is shorter
     */
    public static Backoff exponential(Duration initial, Duration max) {
        return new Backoff(initial, max);
    }

    /**
     * The longest wait after {@code failures} failures in a row: {@code initial × 2^(failures-1)},
     * capped by {@link #max()}.
     *
     * @param failures failures in a row; at least 1
     * @return the ceiling of the wait
     */
    public Duration ceiling(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures must be at least 1: " + failures);
        }
        int doublings = Math.min(failures - 1, 62);
        long initialNanos = initial.toNanos();
        long maxNanos = max.toNanos();
        if (doublings >= Long.numberOfLeadingZeros(initialNanos) - 1) {
            return max; // the doubling alone would overflow: past any cap
        }
        return Duration.ofNanos(Math.min(initialNanos << doublings, maxNanos));
    }

    /**
     * A wait after {@code failures} failures in a row, drawn uniformly from zero to {@link
     * #ceiling(int)} with {@code random}.
     *
     * @param failures failures in a row; at least 1
     * @param random the random source
     * @return the wait
     */
    public Duration delay(int failures, RandomGenerator random) {
        long ceiling = ceiling(failures).toNanos();
        return Duration.ofNanos(random.nextLong(ceiling + 1));
    }

    /**
     * A wait after {@code failures} failures in a row, with the thread's random source.
     *
     * @param failures failures in a row; at least 1
     * @return the wait
     */
    public Duration delay(int failures) {
        return delay(failures, ThreadLocalRandom.current());
    }

    @Override
    public String toString() {
        return "Backoff[" + initial + " doubling to " + max + ", full jitter]";
    }
}
