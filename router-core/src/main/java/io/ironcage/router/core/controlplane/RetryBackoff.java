package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.domain.Backoff;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * A {@link Backoff} with the random source its jitter is drawn from: the one given (tests pass a
 * fixed one), or, when none was, the calling thread's own.
 */
final class RetryBackoff {
    private final Backoff backoff;
    private final RandomGenerator random; // null: the calling thread's own

    /**
     * @param backoff the backoff
     * @param random the random source, or null for the calling thread's own
     */
    RetryBackoff(Backoff backoff, RandomGenerator random) {
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.random = random;
    }

    /** The wait after {@code failures} failures in a row. */
    Duration delay(int failures) {
        return random == null ? backoff.delay(failures) : backoff.delay(failures, random);
    }
}
