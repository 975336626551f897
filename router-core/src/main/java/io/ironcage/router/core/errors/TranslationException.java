package io.ironcage.router.core.errors;

import java.util.Objects;

/**
 * A request or response that cannot be translated between the OpenAI Chat Completions and the
 * Anthropic Messages formats: a field has the wrong shape, or has no counterpart in the other
 * format and dropping it would change the meaning of the request. The router answers 400.
 *
 * <p>The message is a sentence naming the field (e.g. {@code
 * messages[2].tool_calls[0].function.arguments}); it never echoes the content of a message, which
 * may be large or private.
 */
public class TranslationException extends LlmRouterException {
    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * Creates an exception.
     *
     * @param field the path of the offending field, e.g. {@code n} or {@code
     *     messages[1].content[0].type}
     * @param message what is wrong, as a sentence naming the field; never the field's content
     */
    public TranslationException(String field, String message) {
        super(message);
        this.field = Objects.requireNonNull(field, "field");
    }

    /**
     * Returns the path of the field that could not be translated.
     *
     * @return the field path, e.g. {@code logprobs}
     */
    public String field() {
        return field;
    }
}
