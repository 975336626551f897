package io.ironcage.router.core.domain;

import java.util.Objects;

/**
 * The provider API a request is addressed to, which decides where its usage is reported.
 *
 * <p>The kind describes the upstream API: for a translated request it is the provider's API, not
 * the caller's.
 */
public enum ApiKind {
    /** OpenAI Chat Completions, {@code POST /v1/chat/completions}. */
    CHAT_COMPLETIONS,
    /** OpenAI Responses, {@code POST /v1/responses}. */
    RESPONSES,
    /** OpenAI Embeddings, {@code POST /v1/embeddings}. */
    EMBEDDINGS,
    /** Anthropic Messages, {@code POST /v1/messages}. */
    MESSAGES,
    /** Any other path (models list, legacy completions, files, ...): no usage is extracted. */
    OTHER;

    /**
     * Returns the kind of a request path.
     *
     * <p>Matching is exact and case-sensitive after dropping a query string ({@code ?...}) and one
     * trailing slash, so {@code /v1/messages/} is {@link #MESSAGES} but {@code
     * /v1/messages/batches} and {@code /V1/messages} are {@link #OTHER}.
     *
     * @param pathWithoutProviderPrefix the path with any {@code /openai} or {@code /anthropic}
     *     routing prefix already removed, e.g. {@code /v1/chat/completions}
     * @return the kind; {@link #OTHER} for any path not listed above
     */
    public static ApiKind ofPath(String pathWithoutProviderPrefix) {
        String path = withoutQuery(pathWithoutProviderPrefix);
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        switch (path) {
            case "/v1/chat/completions":
                return CHAT_COMPLETIONS;
            case "/v1/responses":
                return RESPONSES;
            case "/v1/embeddings":
                return EMBEDDINGS;
            case "/v1/messages":
                return MESSAGES;
            default:
                return OTHER;
        }
    }

    /** The path without a query string, if one is still attached. */
    static String withoutQuery(String path) {
        Objects.requireNonNull(path, "path");
        int query = path.indexOf('?');
        return query >= 0 ? path.substring(0, query) : path;
    }
}
