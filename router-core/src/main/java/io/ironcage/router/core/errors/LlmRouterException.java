package io.ironcage.router.core.errors;

/**
 * The root of every exception Iron Router throws.
 *
 * <p>Unchecked, like the official OpenAI and Anthropic SDKs' roots. Messages are complete sentences
 * with the values that matter and never contain provider keys or Iron Cage tokens. Expected
 * outcomes (a budget that says no, a model without a price) are return values, not exceptions.
 */
public class LlmRouterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong, as a sentence; never a secret
     */
    public LlmRouterException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message what went wrong, as a sentence; never a secret
     * @param cause the underlying failure
     */
    public LlmRouterException(String message, Throwable cause) {
        super(message, cause);
    }
}
