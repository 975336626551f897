package io.ironcage.router.core.config;

import io.ironcage.router.core.agent.RateLimits;
import java.util.List;
import java.util.Map;

/**
 * The {@code rate-limits} section: the limits of each agent (of the router's token in direct mode);
 * a key left out sets no limit.
 *
 * <pre>{@code
 * rate-limits:
 *   requests-per-minute: 600
 *   tokens-per-minute: 1000000      # the worst case at admission, corrected when settled
 *   max-concurrent: 64
 * }</pre>
 */
final class RateLimitsSection {
    /** The most requests per minute (Resilience4j counts permits in an {@code int}). */
    static final long MAX_REQUESTS_PER_MINUTE = 1_000_000_000L;

    /** The most requests in flight at once (as {@code server.max-concurrent-requests}). */
    static final long MAX_CONCURRENT = 100_000L;

    private final ConfigKeys keys;

    RateLimitsSection(ConfigKeys keys) {
        this.keys = keys;
    }

    RateLimits rateLimits(ConfigNode node) {
        Map<String, ConfigNode> fields =
                keys.section(
                        node,
                        List.of("requests-per-minute", "tokens-per-minute", "max-concurrent"));
        return new RateLimits(
                Math.toIntExact(
                        keys.get(
                                fields,
                                "requests-per-minute",
                                0L,
                                n -> positive(n, MAX_REQUESTS_PER_MINUTE))),
                keys.get(
                        fields,
                        "tokens-per-minute",
                        0L,
                        n -> positive(n, RateLimits.MAX_TOKENS_PER_MINUTE)),
                Math.toIntExact(
                        keys.get(fields, "max-concurrent", 0L, n -> positive(n, MAX_CONCURRENT))));
    }

    /** A whole number from 1 to {@code max}; the message names the key. */
    private long positive(ConfigNode node, long max) {
        double value = keys.number(node);
        if (value != Math.rint(value) || value < 1 || value > max) {
            throw keys.error(
                    node,
                    "must be a positive whole number up to "
                            + max
                            + ", got "
                            + (value == Math.rint(value) && Math.abs(value) < 1e15
                                    ? Long.toString((long) value)
                                    : Double.toString(value))
                            + "; leave the key out for no limit.");
        }
        return (long) value;
    }
}
