package io.ironcage.router.core.domain;

import java.util.Objects;
import java.util.Optional;

/**
 * A request for the model list ({@code GET /v1/models}) or for one model ({@code GET
 * /v1/models/{id}}) without a provider path prefix: the router answers it itself from every
 * configured provider (the list) or from the provider the model routes to (one model), in the
 * format the caller speaks. With a prefix ({@code /openai/v1/models}) the request is an ordinary
 * one, forwarded to that provider as it is.
 *
 * <p>The caller speaks Anthropic's format when it sends an {@code anthropic-version} or an {@code
 * x-api-key} header, as the Anthropic SDKs do; else OpenAI's.
 *
 * @param modelId the model asked for; empty for the whole list
 */
public record ModelsPath(Optional<String> modelId) {
    private static final String LIST = "/v1/models";
    private static final String ONE = LIST + "/";

    /** Validates the component. */
    public ModelsPath {
        Objects.requireNonNull(modelId, "modelId");
    }

    /**
     * Recognises a models request.
     *
     * @param method the HTTP method, upper case
     * @param path the normalised path, with any provider prefix still on it
     * @return the request, or empty when it is not a {@code GET} of the models path without a
     *     prefix
     */
    public static Optional<ModelsPath> of(String method, String path) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        if (!"GET".equals(method)) {
            return Optional.empty();
        }
        if (path.equals(LIST)) {
            return Optional.of(new ModelsPath(Optional.empty()));
        }
        if (path.startsWith(ONE) && path.length() > ONE.length()) {
            // the rest may be "openai/gpt-4o": a model prefix, routed like a body's model
            return Optional.of(new ModelsPath(Optional.of(path.substring(ONE.length()))));
        }
        return Optional.empty();
    }

    /**
     * Returns the format the caller of a models request speaks (see the class comment).
     *
     * @param anthropicVersion whether the request has an {@code anthropic-version} header
     * @param xApiKey whether the request has an {@code x-api-key} header
     * @return the format to answer in
     */
    public static ProviderType callerFormat(boolean anthropicVersion, boolean xApiKey) {
        return anthropicVersion || xApiKey ? ProviderType.ANTHROPIC : ProviderType.OPENAI;
    }
}
