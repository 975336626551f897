package io.ironcage.router.core.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a request path is: the provider whose API it belongs to and, for the APIs the router meters,
 * which one. The one classification of a path, used to route a request with an unknown model, to
 * answer the caller in its own format, to meter and to decide whether a request needs translating.
 *
 * <p>A path belongs to Anthropic when it is {@code /v1/messages} or below it ({@code
 * /v1/messages/count_tokens}, {@code /v1/messages/batches/…}); to OpenAI when it is {@code
 * /v1/chat/completions}, {@code /v1/responses} or {@code /v1/embeddings}, or below one of them; to
 * neither otherwise (e.g. {@code /v1/models}, which both providers have). Matching is by whole path
 * segment and case-sensitive, like the providers' own routes; a query string is ignored.
 *
 * @param api the provider whose API the path belongs to; empty for a path both or neither have
 * @param kind the metered API the path is exactly; {@link ApiKind#OTHER} for any other path
 */
public record ApiPath(Optional<ProviderType> api, ApiKind kind) {
    private static final String[] OPENAI_APIS = {
        "/v1/chat/completions", "/v1/responses", "/v1/embeddings"
    };
    private static final String ANTHROPIC_API = "/v1/messages";

    /** Every classification there is, made once: a path is classified on every request. */
    private static final int KINDS = ApiKind.values().length;

    private static final List<ApiPath> ALL = all();

    /** Validates the components. */
    public ApiPath {
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(kind, "kind");
    }

    /**
     * Classifies a path.
     *
     * @param pathWithoutProviderPrefix the path after any {@code /openai} or {@code /anthropic}
     *     prefix was removed, e.g. {@code /v1/messages}
     * @return what the path is
     */
    public static ApiPath of(String pathWithoutProviderPrefix) {
        String path = ApiKind.withoutQuery(pathWithoutProviderPrefix);
        int row = 0; // no provider's API
        if (under(path, ANTHROPIC_API)) {
            row = ProviderType.ANTHROPIC.ordinal() + 1;
        } else {
            for (String root : OPENAI_APIS) {
                if (under(path, root)) {
                    row = ProviderType.OPENAI.ordinal() + 1;
                }
            }
        }
        ApiKind kind = ApiKind.ofPath(path);
        return ALL.get(row * KINDS + kind.ordinal());
    }

    private static List<ApiPath> all() {
        List<ApiPath> all = new ArrayList<>();
        List<Optional<ProviderType>> apis = new ArrayList<>();
        apis.add(Optional.empty());
        for (ProviderType provider : ProviderType.values()) {
            apis.add(Optional.of(provider));
        }
        for (Optional<ProviderType> api : apis) {
            for (ApiKind kind : ApiKind.values()) {
                all.add(new ApiPath(api, kind));
            }
        }
        return List.copyOf(all);
    }

    /**
     * Returns the format the caller speaks, which shapes the errors the router itself answers:
     * Anthropic's on Anthropic's API, OpenAI's everywhere else.
     *
     * @return the provider whose error format the caller expects
     */
    public ProviderType format() {
        return api.orElse(ProviderType.OPENAI);
    }

    private static boolean under(String path, String root) {
        return path.startsWith(root)
                && (path.length() == root.length() || path.charAt(root.length()) == '/');
    }
}
