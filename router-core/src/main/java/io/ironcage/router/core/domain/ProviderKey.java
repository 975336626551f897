package io.ironcage.router.core.domain;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * A real provider API key, with the provider it belongs to and an optional base URL.
 *
 * <p>A key is only ever sent to its own provider. Its {@link #toString()} never shows the secret.
 *
 * @param provider the provider the key belongs to
 * @param secret the key itself
 * @param baseUrl where to send requests; empty for the provider's public API
 */
public record ProviderKey(ProviderType provider, String secret, Optional<URI> baseUrl) {
    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is null
     * @throws IllegalArgumentException if the secret is blank
     */
    public ProviderKey {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(baseUrl, "baseUrl");
        if (secret.isBlank()) {
            throw new IllegalArgumentException("the " + provider.id() + " key must not be blank");
        }
    }

    /**
     * Returns a key for the provider its prefix names ({@link ProviderType#ofKey(String)}).
     *
     * @param secret the key
     * @return the key, sent to the provider's public API
     */
    public static ProviderKey of(String secret) {
        return new ProviderKey(ProviderType.ofKey(secret), secret, Optional.empty());
    }

    /**
     * Returns an OpenAI key sent to the given base URL.
     *
     * @param secret the key
     * @param baseUrl the base URL, e.g. a {@code FakeProvider}'s
     * @return the key
     */
    public static ProviderKey openAi(String secret, URI baseUrl) {
        return new ProviderKey(ProviderType.OPENAI, secret, Optional.of(baseUrl));
    }

    /**
     * Returns an Anthropic key sent to the given base URL.
     *
     * @param secret the key
     * @param baseUrl the base URL, e.g. a {@code FakeProvider}'s
     * @return the key
     */
    public static ProviderKey anthropic(String secret, URI baseUrl) {
        return new ProviderKey(ProviderType.ANTHROPIC, secret, Optional.of(baseUrl));
    }

    /**
     * Returns the base URL requests go to.
     *
     * @return the configured base URL, else the provider's public one
     */
    public URI effectiveBaseUrl() {
        return baseUrl.orElse(provider.defaultBaseUrl());
    }

    /** Shows the provider and base URL, never the secret. */
    @Override
    public String toString() {
        return "ProviderKey[provider="
                + provider.id()
                + ", secret=<redacted>, baseUrl="
                + effectiveBaseUrl()
                + "]";
    }
}
