package io.ironcage.router.core.domain.analytics;

import java.util.Optional;

/**
 * What the two payloads of an LLM request ({@link LlmRequestCompleted}, {@link LlmRequestFailed})
 * share: which provider and model it went to, and how it went.
 */
public interface LlmRequestPayload {
    /**
     * Returns the provider and model.
     *
     * @return the meta
     */
    LlmModelMeta meta();

    /**
     * Returns how the request went.
     *
     * @return the request facts
     */
    RequestMeta request();

    /**
     * Returns the provider's wire id ({@link LlmModelMeta#provider()}).
     *
     * @return {@code openai}, {@code anthropic} or {@code unknown}
     */
    default String provider() {
        return meta().provider();
    }

    /**
     * Returns the control server's provider key id ({@link LlmModelMeta#providerId()}).
     *
     * @return the id, if known
     */
    default Optional<String> providerId() {
        return meta().providerId();
    }

    /**
     * Returns the model ({@link LlmModelMeta#model()}).
     *
     * @return the model as sent upstream, or empty text if the request named none
     */
    default String model() {
        return meta().model();
    }
}
