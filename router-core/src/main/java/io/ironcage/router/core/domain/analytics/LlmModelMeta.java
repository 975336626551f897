package io.ironcage.router.core.domain.analytics;

import io.ironcage.router.core.domain.ProviderType;
import java.util.Objects;
import java.util.Optional;

/**
 * Which provider and model an LLM request went to (reference §8.1 {@code LlmModelMeta}).
 *
 * @param provider the provider's wire id: {@code openai}, {@code anthropic} or {@code unknown} (the
 *     only values the control server accepts, reference §8.5, §8.6)
 * @param providerId the control server's id of the provider key used, if known
 * @param model the model as sent upstream; empty when the request named no model (e.g. {@code GET
 *     /v1/models})
 */
public record LlmModelMeta(String provider, Optional<String> providerId, String model) {
    /** The provider wire id for a provider the router could not name. */
    public static final String UNKNOWN_PROVIDER = "unknown";

    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code provider} is not {@code openai}, {@code anthropic}
     *     or {@code unknown}, or {@code providerId} is blank
     */
    public LlmModelMeta {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(providerId, "providerId");
        Objects.requireNonNull(model, "model");
        if (!UNKNOWN_PROVIDER.equals(provider)
                && ProviderType.fromId(provider).filter(p -> p.id().equals(provider)).isEmpty()) {
            throw new IllegalArgumentException(
                    "provider must be \"openai\", \"anthropic\" or \"unknown\", got \""
                            + provider
                            + "\"");
        }
        if (providerId.isPresent() && providerId.get().isBlank()) {
            throw new IllegalArgumentException("providerId must not be blank when present");
        }
    }

    /**
     * Returns the meta of a request routed to a known provider, without a provider key id.
     *
     * @param provider the provider
     * @param model the model as sent upstream
     * @return the meta
     */
    public static LlmModelMeta of(ProviderType provider, String model) {
        return new LlmModelMeta(
                Objects.requireNonNull(provider, "provider").id(), Optional.empty(), model);
    }

    /**
     * Returns a copy with the control server's provider key id.
     *
     * @param providerId the id
     * @return the copy
     */
    public LlmModelMeta withProviderId(String providerId) {
        return new LlmModelMeta(
                provider, Optional.of(Objects.requireNonNull(providerId, "providerId")), model);
    }
}
