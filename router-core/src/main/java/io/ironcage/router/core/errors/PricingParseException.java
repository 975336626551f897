package io.ironcage.router.core.errors;

/**
 * A pricing table or a {@code pricing.overrides} section that cannot be read: invalid JSON, a top
 * level that is not an object, or an entry with a field of the wrong type or value. The message
 * names the model and the field.
 */
public class PricingParseException extends LlmRouterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what is wrong, naming the model and the field
     */
    public PricingParseException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message what is wrong, naming the model and the field
     * @param cause the underlying failure
     */
    public PricingParseException(String message, Throwable cause) {
        super(message, cause);
    }
}
