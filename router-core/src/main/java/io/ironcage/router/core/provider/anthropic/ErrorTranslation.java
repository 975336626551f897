package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.Trees.object;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Upstream error bodies in the caller's format, both ways: whole answers ({@code
 * OpenAiToAnthropic.error}, {@code AnthropicToOpenAi.error}) and error events inside a stream
 * ({@code status} 0). Never throws on odd input: a body without an error message gets one that
 * names the status.
 */
final class ErrorTranslation {
    /** Anthropic's error type of each status it names; others by class (4xx, 5xx). */
    private static final Map<Integer, String> TYPES =
            Map.of(
                    400, "invalid_request_error",
                    401, "authentication_error",
                    402, "billing_error",
                    403, "permission_error",
                    404, "not_found_error",
                    413, "request_too_large",
                    429, "rate_limit_error",
                    504, "timeout_error",
                    529, "overloaded_error");

    /** Anthropic error type → OpenAI {@code type} and {@code code}. */
    private static final Map<String, String[]> OPENAI_TYPES =
            Map.of(
                    "invalid_request_error", new String[] {"invalid_request_error", null},
                    "authentication_error",
                            new String[] {"invalid_request_error", "invalid_api_key"},
                    "permission_error", new String[] {"invalid_request_error", "permission_denied"},
                    "not_found_error", new String[] {"invalid_request_error", "not_found"},
                    "request_too_large",
                            new String[] {"invalid_request_error", "request_too_large"},
                    "rate_limit_error", new String[] {"requests", "rate_limit_exceeded"},
                    "api_error", new String[] {"server_error", null},
                    "overloaded_error", new String[] {"server_error", "overloaded"},
                    "timeout_error", new String[] {"server_error", "timeout"});

    private ErrorTranslation() {}

    /**
     * Checks the status of a whole error answer.
     *
     * @throws IllegalArgumentException if the status is not 400–599
     */
    static void requireErrorStatus(int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status is 400-599, got " + status);
        }
    }

    /**
     * The Anthropic error body for an OpenAI error body; {@code status} 0 for an error chunk inside
     * a stream, where OpenAI's {@code type} and {@code code} decide.
     */
    static ObjectNode toAnthropic(JsonNode openAiErrorBody, int status) {
        JsonNode error = openAiErrorBody == null ? null : openAiErrorBody.get("error");
        String message = message(error, "OpenAI", status);
        String type;
        if (status != 0) {
            type = anthropicType(status);
        } else {
            String openAiType = Trees.textOr(error, "type", "");
            String code = Trees.textOr(error, "code", "");
            if ("rate_limit_exceeded".equals(code)
                    || "requests".equals(openAiType)
                    || "tokens".equals(openAiType)) {
                type = "rate_limit_error";
            } else if ("invalid_request_error".equals(openAiType)) {
                type = "invalid_request_error";
            } else {
                type = "api_error";
            }
        }
        ObjectNode out = object().put("type", "error");
        out.putObject("error").put("type", type).put("message", message);
        return out;
    }

    /**
     * The OpenAI error body for Anthropic's inner {@code error} object; {@code status} 0 for an
     * error event inside a stream (the type alone decides).
     */
    static ObjectNode toOpenAi(JsonNode anthropicError, int status) {
        String type = Trees.textOr(anthropicError, "type", "");
        String message = message(anthropicError, "Anthropic", status);
        String[] mapped = OPENAI_TYPES.get(type);
        if (mapped == null) {
            mapped =
                    new String[] {
                        status != 0 && status < 500 ? "invalid_request_error" : "server_error", null
                    };
        }
        ObjectNode out = object();
        ObjectNode error = out.putObject("error");
        error.put("message", message).put("type", mapped[0]).putNull("param");
        if (mapped[1] == null) {
            error.putNull("code");
        } else {
            error.put("code", mapped[1]);
        }
        return out;
    }

    /** The upstream's message, else one that names the upstream and the status. */
    private static String message(JsonNode error, String upstream, int status) {
        return Trees.textOr(
                error,
                "message",
                status == 0
                        ? "The " + upstream + " API reported an error in the stream."
                        : "The " + upstream + " API answered " + status + ".");
    }

    static String anthropicType(int status) {
        String type = TYPES.get(status);
        if (type != null) {
            return type;
        }
        return status < 500 ? "invalid_request_error" : "api_error";
    }
}
