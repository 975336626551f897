package io.ironcage.router.core.agent;

import java.time.Duration;

/**
 * What a tenant's limiter allows now, for OpenAI-style {@code x-ratelimit-*} headers. A limit of
 * {@code 0} is not set (its remaining and reset are {@code 0}).
 *
 * @param requestLimit requests per minute, or {@code 0}
 * @param requestsRemaining requests left in the current window
 * @param requestsReset until the window ends and the requests are all available again
 * @param tokenLimit tokens per minute, or {@code 0}
 * @param tokensRemaining tokens the bucket holds now
 * @param tokensReset until the bucket is full again
 */
public record RateLimitState(
        int requestLimit,
        long requestsRemaining,
        Duration requestsReset,
        long tokenLimit,
        long tokensRemaining,
        Duration tokensReset) {}
