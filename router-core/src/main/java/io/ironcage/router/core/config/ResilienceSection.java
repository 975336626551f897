package io.ironcage.router.core.config;

import io.ironcage.router.core.resilience.CircuitBreakerOptions;
import io.ironcage.router.core.resilience.Resilience;
import io.ironcage.router.core.resilience.RetryOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code retries}, {@code fallbacks} and {@code circuit-breaker}: what the router does when a
 * provider fails.
 *
 * <pre>{@code
 * retries:
 *   max-attempts: 3              # per model, the first included; 1 = no retry
 *   initial-backoff: 250ms       # exponential with full jitter, capped by max-backoff
 *   max-backoff: 8s
 *   retry-on: [429, 500, 502, 503, 504, 529, connect, timeout]
 *   max-retry-after: 30s         # a longer Retry-After moves to the next fallback
 * fallbacks:
 *   gpt-4o-mini: [claude-haiku-4-5]
 * circuit-breaker:
 *   failure-rate-percent: 50
 *   window: 20
 *   open-for: 30s
 * }</pre>
 */
final class ResilienceSection {
    private final ConfigKeys keys;

    ResilienceSection(ConfigKeys keys) {
        this.keys = keys;
    }

    /** The three sections of the file's top level; each may be absent. */
    Resilience resilience(Map<String, ConfigNode> top) {
        RetryOptions retries =
                keys.get(top, "retries", Resilience.DEFAULTS.retries(), this::retries);
        Map<String, List<String>> fallbacks = keys.get(top, "fallbacks", Map.of(), this::fallbacks);
        Optional<CircuitBreakerOptions> breaker =
                keys.get(
                        top,
                        "circuit-breaker",
                        Optional.empty(),
                        n -> Optional.of(circuitBreaker(n)));
        return new Resilience(retries, fallbacks, breaker);
    }

    private RetryOptions retries(ConfigNode node) {
        Map<String, ConfigNode> fields =
                keys.section(
                        node,
                        List.of(
                                "max-attempts",
                                "initial-backoff",
                                "max-backoff",
                                "retry-on",
                                "max-retry-after"));
        RetryOptions d = RetryOptions.DEFAULTS;
        int attempts =
                keys.get(
                        fields,
                        "max-attempts",
                        d.maxAttempts(),
                        n -> keys.integer(n, 1, RetryOptions.MAX_ATTEMPTS));
        Duration initial = keys.get(fields, "initial-backoff", d.initialBackoff(), keys::positive);
        Duration max = keys.get(fields, "max-backoff", d.maxBackoff(), keys::positive);
        if (max.compareTo(initial) < 0) {
            throw keys.error(
                    fields.containsKey("max-backoff")
                            ? fields.get("max-backoff")
                            : fields.get("initial-backoff"),
                    "max-backoff must not be shorter than initial-backoff.");
        }
        List<String> retryOn =
                keys.get(fields, "retry-on", RetryOptions.DEFAULT_RETRY_ON, this::retryOn);
        Duration maxRetryAfter =
                keys.get(fields, "max-retry-after", d.maxRetryAfter(), keys::duration);
        return RetryOptions.of(attempts, initial, max, retryOn).withMaxRetryAfter(maxRetryAfter);
    }

    private List<String> retryOn(ConfigNode node) {
        if (!node.isList()) {
            throw keys.error(
                    node,
                    "expected a list such as [429, 500, 502, 503, 504, 529, connect, timeout].");
        }
        List<String> entries = new ArrayList<>();
        for (ConfigNode item : node.items) {
            String entry = item.isNumber() ? item.scalar.toString() : keys.string(item);
            try {
                RetryOptions.of(1, Duration.ofMillis(1), Duration.ofMillis(1), List.of(entry));
            } catch (IllegalArgumentException e) {
                throw keys.error(item, e.getMessage() + ".");
            }
            entries.add(entry);
        }
        return entries;
    }

    private Map<String, List<String>> fallbacks(ConfigNode node) {
        Map<String, ConfigNode> entries = keys.section(node, null);
        Map<String, List<String>> fallbacks = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigNode> entry : entries.entrySet()) {
            ConfigNode list = entry.getValue();
            if (!list.isList() || list.items.isEmpty()) {
                throw keys.error(
                        list,
                        "expected a list of models to try in order, e.g. [claude-haiku-4-5].");
            }
            List<String> models = new ArrayList<>();
            for (ConfigNode item : list.items) {
                models.add(keys.nonBlank(item, "fallback model"));
            }
            try {
                new Resilience(RetryOptions.NONE, Map.of(entry.getKey(), models), Optional.empty());
            } catch (IllegalArgumentException e) {
                throw keys.error(list, e.getMessage() + ".");
            }
            fallbacks.put(entry.getKey(), models);
        }
        return fallbacks;
    }

    private CircuitBreakerOptions circuitBreaker(ConfigNode node) {
        Map<String, ConfigNode> fields =
                keys.section(node, List.of("failure-rate-percent", "window", "open-for"));
        CircuitBreakerOptions d = CircuitBreakerOptions.DEFAULTS;
        return new CircuitBreakerOptions(
                keys.get(
                        fields,
                        "failure-rate-percent",
                        d.failureRatePercent(),
                        n -> keys.integer(n, 1, 100)),
                keys.get(fields, "window", d.window(), n -> keys.integer(n, 1, 1000)),
                keys.get(fields, "open-for", d.openFor(), keys::positive));
    }
}
