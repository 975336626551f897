package io.ironcage.router.core.agent;

/**
 * The rate limits of each tenant ({@code rate-limits:} in {@code router.yaml}; README, "Rate
 * limits"): every agent in server mode, and the router's own token in direct mode, gets its own
 * limiter built from these values ({@link TenantLimiter#of}). A request beyond a limit is answered
 * 429 in the caller's format, with {@code retry-after} and OpenAI-style {@code x-ratelimit-*}
 * headers. {@code 0} turns a limit off; {@link #NONE} turns them all off.
 *
 * @param requestsPerMinute requests admitted per one-minute window (fixed windows counted from when
 *     the tenant starts); {@code 0}: no limit
 * @param tokensPerMinute tokens per minute, counted at admission on the request's worst case (input
 *     bound plus output limit) and corrected to the billed tokens when it settles; a bucket that
 *     refills continuously, so a correction gives the room back at once; {@code 0}: no limit
 * @param maxConcurrent requests of the tenant in flight at once (streams until their end); {@code
 *     0}: no limit
 */
public record RateLimits(int requestsPerMinute, long tokensPerMinute, int maxConcurrent) {
    /** No limits: the default. */
    public static final RateLimits NONE = new RateLimits(0, 0, 0);

    /**
     * The highest {@link #tokensPerMinute()}: a bucket of more tokens than this would overflow its
     * integer arithmetic.
     */
    public static final long MAX_TOKENS_PER_MINUTE = 1_000_000_000_000L;

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if a limit is negative, or {@code tokensPerMinute} is above
     *     {@link #MAX_TOKENS_PER_MINUTE}
     */
    public RateLimits {
        if (requestsPerMinute < 0) {
            throw new IllegalArgumentException(
                    "requestsPerMinute must not be negative, got " + requestsPerMinute);
        }
        if (tokensPerMinute < 0 || tokensPerMinute > MAX_TOKENS_PER_MINUTE) {
            throw new IllegalArgumentException(
                    "tokensPerMinute must be from 0 to "
                            + MAX_TOKENS_PER_MINUTE
                            + ", got "
                            + tokensPerMinute);
        }
        if (maxConcurrent < 0) {
            throw new IllegalArgumentException(
                    "maxConcurrent must not be negative, got " + maxConcurrent);
        }
    }

    /**
     * Returns whether no limit is set.
     *
     * @return {@code true} if every limit is {@code 0}
     */
    public boolean isNone() {
        return requestsPerMinute == 0 && tokensPerMinute == 0 && maxConcurrent == 0;
    }

    /**
     * Returns these limits with another requests-per-minute limit.
     *
     * @param requests requests per minute; {@code 0}: no limit
     * @return the limits
     */
    public RateLimits withRequestsPerMinute(int requests) {
        return new RateLimits(requests, tokensPerMinute, maxConcurrent);
    }

    /**
     * Returns these limits with another tokens-per-minute limit.
     *
     * @param tokens tokens per minute; {@code 0}: no limit
     * @return the limits
     */
    public RateLimits withTokensPerMinute(long tokens) {
        return new RateLimits(requestsPerMinute, tokens, maxConcurrent);
    }

    /**
     * Returns these limits with another concurrency limit.
     *
     * @param requests requests in flight at once; {@code 0}: no limit
     * @return the limits
     */
    public RateLimits withMaxConcurrent(int requests) {
        return new RateLimits(requestsPerMinute, tokensPerMinute, requests);
    }
}
