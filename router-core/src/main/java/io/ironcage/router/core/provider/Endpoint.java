package io.ironcage.router.core.provider;

import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ApiPath;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a request to a provider API path costs, and whether the router can meter it: the one
 * classification of every path the router forwards, made on the normalised path (see {@link
 * io.ironcage.router.core.domain.RequestTarget}).
 *
 * <ul>
 *   <li>{@link Metering#METERED}: {@code POST} to chat completions, messages, responses or
 *       embeddings. The router reserves the worst case and bills the provider's usage.
 *   <li>{@link Metering#FREE}: reads ({@code GET}, {@code HEAD}: models, batches, files, stored
 *       responses and completions...), deletions ({@code DELETE}), and the free {@code POST}s:
 *       {@code /v1/messages/count_tokens}, {@code /v1/responses/input_tokens}, {@code
 *       /v1/moderations}, cancelling a batch, response or fine-tuning job, and updating a stored
 *       chat completion's metadata. Nothing is reserved or billed.
 *   <li>{@link Metering#UNMETERED}: every other request, e.g. batch creation ({@code POST
 *       /v1/batches}, {@code /v1/messages/batches}), fine-tuning jobs, vector stores, images,
 *       audio, assistants runs, legacy completions. The provider bills them, but the router cannot
 *       tell how much: under a finite budget they are refused unless the router is told to allow
 *       them.
 * </ul>
 *
 * @param metering how the request is billed
 * @param kind the API whose usage is metered; {@link ApiKind#OTHER} unless metered
 */
public record Endpoint(Metering metering, ApiKind kind) {
    /** How a request is billed. */
    public enum Metering {
        /** The provider bills it and reports usage the router reads. */
        METERED,
        /** The provider does not bill it. */
        FREE,
        /** The provider bills it, but the router cannot meter it. */
        UNMETERED
    }

    /** {@code POST} paths the providers do not bill. */
    private static final Pattern FREE_POSTS =
            Pattern.compile(
                    "/v1/messages/count_tokens"
                            + "|/v1/responses/input_tokens"
                            + "|/v1/moderations"
                            + "|/v1/(messages/)?batches/[A-Za-z0-9_-]+/cancel"
                            + "|/v1/responses/[A-Za-z0-9_-]+/cancel"
                            + "|/v1/fine_tuning/jobs/[A-Za-z0-9_-]+/cancel"
                            + "|/v1/chat/completions/[A-Za-z0-9_-]+");

    private static final Endpoint FREE = new Endpoint(Metering.FREE, ApiKind.OTHER);
    private static final Endpoint UNMETERED = new Endpoint(Metering.UNMETERED, ApiKind.OTHER);

    /** The metered endpoint of each metered API, made once: every request is classified. */
    private static final Map<ApiKind, Endpoint> METERED = meteredByKind();

    private static Map<ApiKind, Endpoint> meteredByKind() {
        Map<ApiKind, Endpoint> all = new EnumMap<>(ApiKind.class);
        for (ApiKind kind : ApiKind.values()) {
            if (kind != ApiKind.OTHER) {
                all.put(kind, new Endpoint(Metering.METERED, kind));
            }
        }
        return all;
    }

    /** Validates the components. */
    public Endpoint {
        Objects.requireNonNull(metering, "metering");
        Objects.requireNonNull(kind, "kind");
        if ((metering == Metering.METERED) == (kind == ApiKind.OTHER)) {
            throw new IllegalArgumentException("a metered endpoint has a kind, no other has one");
        }
    }

    /**
     * Classifies a request (see the class comment).
     *
     * @param method the HTTP method, upper case
     * @param path the normalised path with any {@code /openai} or {@code /anthropic} prefix removed
     * @return the classification
     */
    public static Endpoint of(String method, String path) {
        return of(method, ApiPath.of(path), path);
    }

    /**
     * Classifies a request whose path is already classified (see the class comment).
     *
     * @param method the HTTP method, upper case
     * @param apiPath what the path is
     * @param path the normalised path with any {@code /openai} or {@code /anthropic} prefix removed
     * @return the classification
     */
    public static Endpoint of(String method, ApiPath apiPath, String path) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(apiPath, "apiPath");
        Objects.requireNonNull(path, "path");
        switch (method) {
            case "POST":
                if (apiPath.kind() != ApiKind.OTHER) {
                    return METERED.get(apiPath.kind());
                }
                return FREE_POSTS.matcher(path).matches() ? FREE : UNMETERED;
            case "GET":
            case "HEAD":
            case "DELETE":
                return FREE;
            default:
                return UNMETERED;
        }
    }

    /**
     * Returns whether the router reserves and bills this request.
     *
     * @return whether it is {@link Metering#METERED}
     */
    public boolean metered() {
        return metering == Metering.METERED;
    }
}
