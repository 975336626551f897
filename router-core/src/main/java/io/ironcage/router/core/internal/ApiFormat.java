package io.ironcage.router.core.internal;

import java.util.Objects;

/**
 * The API format a caller speaks, which decides the shape of the errors the router itself produces
 * (ARCHITECTURE.md, "The request path").
 */
public enum ApiFormat {
    /** OpenAI: errors are {@code {"error":{"message","type","param","code"}}}. */
    OPENAI,
    /** Anthropic Messages: errors are {@code {"type":"error","error":{"type","message"}}}. */
    ANTHROPIC;

    private static final String MESSAGES_PATH = "/v1/messages";

    /**
     * Returns the format of a request path: {@code /v1/messages} and every path below it ({@code
     * /v1/messages/count_tokens}, {@code /v1/messages/batches/…}) are Anthropic; every other path
     * is OpenAI. A query string, if still attached, is ignored. The match is exact and
     * case-sensitive, like the providers' own routes.
     *
     * @param pathWithoutProviderPrefix the request path after any {@code /openai} or {@code
     *     /anthropic} prefix was removed, e.g. {@code /v1/messages}
     * @return {@link #ANTHROPIC} or {@link #OPENAI}
     */
    public static ApiFormat ofPath(String pathWithoutProviderPrefix) {
        Objects.requireNonNull(pathWithoutProviderPrefix, "pathWithoutProviderPrefix");
        String path = pathWithoutProviderPrefix;
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (path.startsWith(MESSAGES_PATH)
                && (path.length() == MESSAGES_PATH.length()
                        || path.charAt(MESSAGES_PATH.length()) == '/')) {
            return ANTHROPIC;
        }
        return OPENAI;
    }
}
