package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.Trees.absent;
import static io.ironcage.router.core.provider.anthropic.Trees.arrayField;
import static io.ironcage.router.core.provider.anthropic.Trees.object;
import static io.ironcage.router.core.provider.anthropic.Trees.objectField;
import static io.ironcage.router.core.provider.anthropic.Trees.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.TranslationException;
import java.util.Map;
import java.util.Objects;

/**
 * Translates an Anthropic Messages response into an OpenAI Chat Completions response. A pure
 * function over Jackson trees: no I/O, no clock (the caller passes the id and {@code created}), no
 * logging; the input is never modified.
 *
 * <table>
 *   <caption>Anthropic response field → OpenAI response field</caption>
 *   <tr><th>Anthropic</th><th>OpenAI</th></tr>
 *   <tr><td>—</td><td>{@code id}, {@code created}: from the caller; {@code object: chat.completion}</td></tr>
 *   <tr><td>{@code model}</td><td>{@code model}</td></tr>
 *   <tr><td>{@code text} blocks</td><td>{@code choices[0].message.content}, joined without separator;
 *       {@code null} when there is none</td></tr>
 *   <tr><td>{@code tool_use} blocks</td><td>{@code choices[0].message.tool_calls} (same ids;
 *       {@code input} as a JSON string in {@code arguments})</td></tr>
 *   <tr><td>{@code stop_reason}</td><td>{@code finish_reason}: {@code end_turn}, {@code stop_sequence},
 *       {@code pause_turn} → {@code stop}; {@code max_tokens}, {@code model_context_window_exceeded} →
 *       {@code length}; {@code tool_use} → {@code tool_calls}; {@code refusal} →
 *       {@code content_filter}; anything else → {@code stop}</td></tr>
 *   <tr><td>{@code usage}</td><td>{@code prompt_tokens} = input + cache read + cache write;
 *       {@code completion_tokens} = output; {@code prompt_tokens_details.cached_tokens} = cache read</td></tr>
 * </table>
 *
 * <p>{@code thinking}, {@code redacted_thinking} and server-tool blocks have no Chat Completions
 * counterpart and are left out of the answer.
 */
public final class AnthropicToOpenAi {
    private static final Map<String, String> FINISH_REASONS =
            Map.of(
                    "end_turn", "stop",
                    "stop_sequence", "stop",
                    "pause_turn", "stop",
                    "max_tokens", "length",
                    "model_context_window_exceeded", "length",
                    "tool_use", "tool_calls",
                    "refusal", "content_filter");

    private AnthropicToOpenAi() {}

    /**
     * Translates a Messages response body into a Chat Completions response body.
     *
     * @param anthropicMessage the Anthropic response ({@code "type": "message"}); not modified
     * @param completionId the OpenAI {@code id} to give the completion, e.g. {@code chatcmpl-…}
     * @param createdEpochSeconds the OpenAI {@code created} time, in Unix seconds
     * @return a new {@code chat.completion} object
     * @throws TranslationException naming the field, when the response has the wrong shape
     */
    public static ObjectNode response(
            ObjectNode anthropicMessage, String completionId, long createdEpochSeconds) {
        Objects.requireNonNull(anthropicMessage, "anthropicMessage");
        Objects.requireNonNull(completionId, "completionId");
        ObjectNode in = anthropicMessage;

        StringBuilder text = new StringBuilder();
        boolean anyText = false;
        ArrayNode toolCalls = Trees.array();
        ArrayNode content = arrayField(in.get("content"), "content");
        for (int i = 0; i < content.size(); i++) {
            String at = "content[" + i + "]";
            ObjectNode block = objectField(content.get(i), at);
            String type = text(block.get("type"), at + ".type");
            if ("text".equals(type)) {
                text.append(text(block.get("text"), at + ".text"));
                anyText = true;
            } else if ("tool_use".equals(type)) {
                ObjectNode call = toolCalls.addObject();
                call.put("id", text(block.get("id"), at + ".id")).put("type", "function");
                JsonNode input = block.get("input");
                call.putObject("function")
                        .put("name", text(block.get("name"), at + ".name"))
                        .put("arguments", Trees.write(absent(input) ? object() : input));
            }
        }

        ObjectNode out = object();
        out.put("id", completionId)
                .put("object", "chat.completion")
                .put("created", createdEpochSeconds);
        JsonNode model = in.get("model");
        out.put("model", absent(model) ? "" : text(model, "model"));
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (anyText) {
            message.put("content", text.toString());
        } else {
            message.putNull("content");
        }
        message.putNull("refusal");
        if (!toolCalls.isEmpty()) {
            message.set("tool_calls", toolCalls);
        }
        choice.putNull("logprobs");
        JsonNode stopReason = in.get("stop_reason");
        choice.put(
                "finish_reason",
                absent(stopReason)
                        ? "stop"
                        : FINISH_REASONS.getOrDefault(stopReason.asText(), "stop"));
        out.set("usage", usage(in.get("usage")));
        out.putNull("system_fingerprint");
        return out;
    }

    private static ObjectNode usage(JsonNode usage) {
        long input = tokens(usage, "input_tokens");
        long cacheRead = tokens(usage, "cache_read_input_tokens");
        long cacheWrite = tokens(usage, "cache_creation_input_tokens");
        long output = tokens(usage, "output_tokens");
        long prompt = input + cacheRead + cacheWrite;
        ObjectNode out = object();
        out.put("prompt_tokens", prompt)
                .put("completion_tokens", output)
                .put("total_tokens", prompt + output);
        out.putObject("prompt_tokens_details").put("cached_tokens", cacheRead);
        return out;
    }

    private static long tokens(JsonNode usage, String field) {
        if (usage == null) {
            return 0;
        }
        JsonNode value = usage.get(field);
        if (absent(value)) {
            return 0;
        }
        if (!value.isIntegralNumber() || value.asLong() < 0) {
            throw new TranslationException(
                    "usage." + field,
                    "The field usage." + field + " must be a non-negative integer.");
        }
        return value.asLong();
    }
}
