package io.ironcage.router.core.resilience;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the router does about failing providers: its {@link RetryOptions}, the fallback models
 * of each model (tried in order once a model's attempts are used up or its breaker is open; a
 * fallback of another provider goes through the translators, with that provider's own key), and the
 * circuit breakers, if configured.
 *
 * @param retries the retries per model
 * @param fallbacks for a model as the caller names it, the models to try after it, in order
 * @param circuitBreaker the breakers per provider and model; empty for none
 */
public record Resilience(
        RetryOptions retries,
        Map<String, List<String>> fallbacks,
        Optional<CircuitBreakerOptions> circuitBreaker) {
    /** The router's defaults: {@link RetryOptions#DEFAULTS}, no fallbacks, no breakers. */
    public static final Resilience DEFAULTS =
            new Resilience(RetryOptions.DEFAULTS, Map.of(), Optional.empty());

    /** Each request tried once, at its own model. */
    public static final Resilience NONE =
            new Resilience(RetryOptions.NONE, Map.of(), Optional.empty());

    /**
     * Validates and copies the components.
     *
     * @throws IllegalArgumentException if a model falls back to itself, names a fallback twice or a
     *     name is blank
     */
    public Resilience {
        Objects.requireNonNull(retries, "retries");
        Objects.requireNonNull(circuitBreaker, "circuitBreaker");
        Map<String, List<String>> copy = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> entry : fallbacks.entrySet()) {
            String model = entry.getKey();
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("a fallback is listed for a blank model name");
            }
            Set<String> seen = new HashSet<>();
            seen.add(model);
            for (String fallback : entry.getValue()) {
                if (fallback == null || fallback.isBlank()) {
                    throw new IllegalArgumentException(
                            "fallbacks." + model + " lists a blank model name");
                }
                if (!seen.add(fallback)) {
                    throw new IllegalArgumentException(
                            "fallbacks."
                                    + model
                                    + " lists "
                                    + fallback
                                    + (fallback.equals(model) ? ", the model itself" : " twice"));
                }
            }
            copy.put(model, List.copyOf(entry.getValue()));
        }
        fallbacks = Map.copyOf(copy);
    }

    /**
     * Returns the models a request for {@code model} may be answered by, in the order tried.
     *
     * @param model the model the caller asked for
     * @return {@code model}, then its fallbacks
     */
    public List<String> candidates(String model) {
        List<String> more = fallbacks.get(model);
        if (more == null) {
            return List.of(model);
        }
        List<String> all = new ArrayList<>(more.size() + 1);
        all.add(model);
        all.addAll(more);
        return all;
    }

    /**
     * Returns these settings with other retries.
     *
     * @param options the retries per model
     * @return the new settings
     */
    public Resilience withRetries(RetryOptions options) {
        return new Resilience(options, fallbacks, circuitBreaker);
    }

    /**
     * Returns these settings with other fallbacks.
     *
     * @param models for a model, the models to try after it, in order
     * @return the new settings
     */
    public Resilience withFallbacks(Map<String, List<String>> models) {
        return new Resilience(retries, models, circuitBreaker);
    }

    /**
     * Returns these settings with circuit breakers.
     *
     * @param options the breakers' settings; empty for none
     * @return the new settings
     */
    public Resilience withCircuitBreaker(Optional<CircuitBreakerOptions> options) {
        return new Resilience(retries, fallbacks, options);
    }

    /**
     * Returns whether a request may take more than the one plain attempt: a retry, a fallback, a
     * breaker's check, or a wait for a rate-limited key (and so the router needs a scheduler for
     * the waits).
     *
     * @return whether any retry, fallback or breaker is configured
     */
    public boolean retriesOrFallsBack() {
        return retries.maxAttempts() > 1 || !fallbacks.isEmpty() || circuitBreaker.isPresent();
    }
}
