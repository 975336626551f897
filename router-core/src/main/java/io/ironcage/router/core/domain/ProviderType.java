package io.ironcage.router.core.domain;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/** The upstream providers the router can talk to. */
public enum ProviderType {
    /** OpenAI: Chat Completions, Responses, Embeddings. Authenticates with a Bearer key. */
    OPENAI("openai", URI.create("https://api.openai.com")),
    /** Anthropic: Messages. Authenticates with {@code x-api-key}. */
    ANTHROPIC("anthropic", URI.create("https://api.anthropic.com"));

    private static final String ANTHROPIC_KEY_PREFIX = "sk-ant-";

    private final String id;
    private final URI defaultBaseUrl;

    ProviderType(String id, URI defaultBaseUrl) {
        this.id = id;
        this.defaultBaseUrl = defaultBaseUrl;
    }

    /**
     * Returns the wire identifier, as used in analytics, the control plane and path prefixes.
     *
     * @return {@code "openai"} or {@code "anthropic"}
     */
    public String id() {
        return id;
    }

    /**
     * Returns the provider's public API base URL (reference §3.3 step 10).
     *
     * @return the base URL, without a trailing slash
     */
    public URI defaultBaseUrl() {
        return defaultBaseUrl;
    }

    /**
     * Finds a provider by its wire identifier, ignoring case.
     *
     * @param id {@code "openai"} or {@code "anthropic"}
     * @return the provider, or empty for any other value
     */
    public static Optional<ProviderType> fromId(String id) {
        if (id == null) {
            return Optional.empty();
        }
        String lower = id.toLowerCase(Locale.ROOT);
        for (ProviderType type : values()) {
            if (type.id.equals(lower)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /**
     * Detects a key's provider from its prefix, as the reference's {@code
     * ProviderKey::detect_provider_from_key} (reference §2.3): {@code sk-ant-…} is Anthropic,
     * anything else (including an empty key) is OpenAI.
     *
     * @param apiKey the provider key
     * @return the provider the key belongs to
     */
    public static ProviderType ofKey(String apiKey) {
        return apiKey != null && apiKey.startsWith(ANTHROPIC_KEY_PREFIX) ? ANTHROPIC : OPENAI;
    }
}
