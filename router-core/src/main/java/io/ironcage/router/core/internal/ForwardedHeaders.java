package io.ironcage.router.core.internal;

import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.spi.HeaderMap;
import java.util.Optional;
import java.util.Set;

/** Which headers cross the router, in each direction (ARCHITECTURE.md step 6 and 7). */
final class ForwardedHeaders {
    /** The {@code anthropic-version} sent when the caller sent none. */
    static final String DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

    /** Caller headers that reach the provider; everything else (the caller's token!) stays. */
    private static final Set<String> PASSED_UPSTREAM =
            Set.of(
                    "anthropic-version",
                    "anthropic-beta",
                    "openai-organization",
                    "openai-project",
                    "user-agent");

    /** Upstream headers that never reach the caller: hop-by-hop, and lengths the server sets. */
    private static final Set<String> NOT_PASSED_DOWNSTREAM =
            Set.of(
                    "connection",
                    "keep-alive",
                    "proxy-authenticate",
                    "proxy-authorization",
                    "te",
                    "trailer",
                    "trailers",
                    "transfer-encoding",
                    "upgrade",
                    "content-length");

    private ForwardedHeaders() {}

    /**
     * Returns the first caller header the router would forward whose value it cannot send: one with
     * a control character (other than a tab) or a character outside Latin-1, which an HTTP client
     * refuses (or, worse, writes as a line break).
     *
     * @param caller the caller's headers
     * @return the header's name, or empty when every forwarded value can be sent
     */
    static Optional<String> unsendable(HeaderMap caller) {
        String[] bad = {null};
        caller.forEach(
                (name, value) -> {
                    if (bad[0] == null && PASSED_UPSTREAM.contains(name) && !sendable(value)) {
                        bad[0] = name;
                    }
                });
        return Optional.ofNullable(bad[0]);
    }

    private static boolean sendable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return false;
            }
        }
        return true;
    }

    /** The headers of the upstream request: the provider's auth, then the allowed caller ones. */
    static HeaderMap upstream(HeaderMap caller, ProviderKey key, boolean hasBody) {
        HeaderMap.Builder out = HeaderMap.builder();
        if (key.provider() == ProviderType.ANTHROPIC) {
            out.add("x-api-key", key.secret());
            if (!caller.contains("anthropic-version")) {
                out.add("anthropic-version", DEFAULT_ANTHROPIC_VERSION);
            }
        } else {
            out.add("authorization", "Bearer " + key.secret());
        }
        if (hasBody) {
            out.add("content-type", "application/json");
        }
        String otherProvidersPrefix =
                key.provider() == ProviderType.ANTHROPIC ? "openai-" : "anthropic-";
        caller.forEach(
                (name, value) -> {
                    if (PASSED_UPSTREAM.contains(name) && !name.startsWith(otherProvidersPrefix)) {
                        out.add(name, value);
                    }
                });
        return out.build();
    }

    /** The upstream response headers that reach the caller. */
    static HeaderMap downstream(HeaderMap upstream) {
        HeaderMap.Builder out = HeaderMap.builder();
        upstream.forEach(
                (name, value) -> {
                    if (!NOT_PASSED_DOWNSTREAM.contains(name)) {
                        out.add(name, value);
                    }
                });
        return out.build();
    }
}
