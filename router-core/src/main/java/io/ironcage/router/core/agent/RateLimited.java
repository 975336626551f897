package io.ironcage.router.core.agent;

import java.time.Duration;
import java.util.Objects;

/**
 * Why a tenant's limiter refused a request, answered 429 with {@code retry-after}.
 *
 * @param limit the limit that refused it
 * @param retryAfter when trying again may succeed (at least 1 s)
 * @param requestedTokens the worst case of tokens asked for (with {@link Limit#TOKENS} and {@link
 *     Limit#TOKENS_TOO_LARGE}), else {@code 0}
 * @param state what the limiter allows now, for the {@code x-ratelimit-*} headers
 */
public record RateLimited(
        Limit limit, Duration retryAfter, long requestedTokens, RateLimitState state) {
    /** The limits of {@link RateLimits}. */
    public enum Limit {
        /** {@code requests-per-minute}: the window's requests are used up. */
        REQUESTS,
        /** {@code max-concurrent}: as many requests as allowed are in flight. */
        CONCURRENCY,
        /** {@code tokens-per-minute}: the request's worst case does not fit now. */
        TOKENS,
        /** {@code tokens-per-minute}: the request's worst case is more than a minute's tokens. */
        TOKENS_TOO_LARGE
    }

    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     */
    public RateLimited {
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(state, "state");
    }
}
