package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.Trees.absent;
import static io.ironcage.router.core.provider.anthropic.Trees.arrayField;
import static io.ironcage.router.core.provider.anthropic.Trees.eachTyped;
import static io.ironcage.router.core.provider.anthropic.Trees.object;
import static io.ironcage.router.core.provider.anthropic.Trees.text;
import static io.ironcage.router.core.provider.anthropic.Trees.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
 *
 * <p>The messages of a request are translated by {@code AnthropicToOpenAiMessages}, the tools by
 * {@code ToolTranslation} and error bodies by {@code ErrorTranslation}.
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

    private static final Set<String> REQUEST_DROPPED =
            Set.of("top_k", "thinking", "service_tier", "cache_control", "context_management");

    private static final Set<String> REQUEST_HANDLED =
            Set.of(
                    "model",
                    "messages",
                    "system",
                    "max_tokens",
                    "temperature",
                    "top_p",
                    "stop_sequences",
                    "metadata",
                    "stream",
                    "tools",
                    "tool_choice");

    /**
     * Translates a Messages request body (from an Anthropic-format caller) into a Chat Completions
     * request body for an OpenAI model.
     *
     * <table>
     *   <caption>Anthropic request field → OpenAI request field</caption>
     *   <tr><th>Anthropic</th><th>OpenAI</th></tr>
     *   <tr><td>{@code system} (string or text blocks)</td><td>a first {@code system} message</td></tr>
     *   <tr><td>{@code text} / {@code image} blocks</td><td>{@code text} / {@code image_url} parts
     *       (base64 → data URL)</td></tr>
     *   <tr><td>assistant {@code tool_use} blocks</td><td>{@code tool_calls} (same ids, input as JSON string)</td></tr>
     *   <tr><td>user {@code tool_result} blocks</td><td>one {@code tool} message each, before the
     *       turn's other content</td></tr>
     *   <tr><td>{@code max_tokens}</td><td>{@code max_completion_tokens}</td></tr>
     *   <tr><td>{@code temperature}, {@code top_p}</td><td>the same</td></tr>
     *   <tr><td>{@code stop_sequences}</td><td>{@code stop}</td></tr>
     *   <tr><td>{@code metadata.user_id}</td><td>{@code user}</td></tr>
     *   <tr><td>{@code stream}</td><td>{@code stream} and {@code stream_options.include_usage}</td></tr>
     *   <tr><td>{@code tools}, {@code tool_choice} (auto, any, tool, none,
     *       {@code disable_parallel_tool_use})</td>
     *       <td>{@code tools}, {@code tool_choice} (auto, required, function, none),
     *       {@code parallel_tool_calls: false}</td></tr>
     * </table>
     *
     * <p>Dropped as harmless: {@code top_k} (a sampling nudge), {@code thinking} (the answer is
     * still an answer, without thinking blocks), {@code service_tier}, {@code cache_control} and
     * {@code context_management} (caching and context hints), {@code thinking} and {@code
     * redacted_thinking} blocks in earlier turns, {@code is_error} on tool results. Refused with a
     * {@link TranslationException} naming the field: server tools (a tool with a {@code type} other
     * than {@code custom}), {@code document} and other block types without a counterpart, and any
     * top-level field not named here (e.g. {@code mcp_servers}, {@code container}).
     *
     * @param anthropicRequest the Anthropic request; not modified
     * @return a new OpenAI Chat Completions request
     * @throws TranslationException naming the field, when a field has the wrong shape or no
     *     counterpart that keeps the request's meaning
     */
    public static ObjectNode request(ObjectNode anthropicRequest) {
        Objects.requireNonNull(anthropicRequest, "anthropicRequest");
        ObjectNode in = anthropicRequest;
        Trees.refuseUnknownFields(
                in,
                REQUEST_HANDLED,
                REQUEST_DROPPED,
                "the OpenAI Chat Completions API",
                "an OpenAI model");
        ObjectNode out = object();
        out.put("model", text(in.get("model"), "model"));
        AnthropicToOpenAiMessages.messages(in, out.putArray("messages"));
        JsonNode maxTokens = in.get("max_tokens");
        if (!absent(maxTokens)) {
            if (!maxTokens.isIntegralNumber() || maxTokens.asLong() < 1) {
                throw new TranslationException(
                        "max_tokens", "The field max_tokens must be a positive integer.");
            }
            out.put("max_completion_tokens", maxTokens.asLong());
        }
        for (String field : new String[] {"temperature", "top_p"}) {
            JsonNode value = in.get(field);
            if (!absent(value)) {
                out.set(field, Trees.number(value, field));
            }
        }
        JsonNode stops = in.get("stop_sequences");
        if (!absent(stops)) {
            ArrayNode all = arrayField(stops, "stop_sequences");
            ArrayNode stop = Trees.array();
            for (int i = 0; i < all.size(); i++) {
                stop.add(text(all.get(i), "stop_sequences[" + i + "]"));
            }
            if (!stop.isEmpty()) {
                out.set("stop", stop);
            }
        }
        JsonNode user = in.path("metadata").get("user_id");
        if (!absent(user)) {
            out.put("user", text(user, "metadata.user_id"));
        }
        ToolTranslation.toOpenAi(in, out);
        JsonNode stream = in.get("stream");
        if (!absent(stream)) {
            out.put("stream", Trees.bool(stream, "stream"));
            if (stream.booleanValue()) {
                out.putObject("stream_options").put("include_usage", true);
            }
        }
        return out;
    }

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

        List<String> texts = new ArrayList<>();
        ArrayNode toolCalls = Trees.array();
        eachTyped(
                in.get("content"),
                "content",
                (block, at, type) -> {
                    if ("text".equals(type)) {
                        texts.add(text(block.get("text"), at + ".text"));
                    } else if ("tool_use".equals(type)) {
                        ToolTranslation.addToolCall(toolCalls, block, at);
                    }
                });

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
        if (!texts.isEmpty()) {
            message.put("content", String.join("", texts));
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
                "finish_reason", absent(stopReason) ? "stop" : finishReason(stopReason.asText()));
        out.set("usage", usage(in.get("usage")));
        out.putNull("system_fingerprint");
        return out;
    }

    private static ObjectNode usage(JsonNode usage) {
        return openAiUsage(
                tokens(usage, "usage.", "input_tokens"),
                tokens(usage, "usage.", "output_tokens"),
                tokens(usage, "usage.", "cache_read_input_tokens"),
                tokens(usage, "usage.", "cache_creation_input_tokens"));
    }

    /**
     * An OpenAI usage object from Anthropic's four counts (used for whole and streamed answers).
     */
    static ObjectNode openAiUsage(long input, long output, long cacheRead, long cacheWrite) {
        long prompt = input + cacheRead + cacheWrite;
        ObjectNode out = object();
        out.put("prompt_tokens", prompt)
                .put("completion_tokens", output)
                .put("total_tokens", prompt + output);
        out.putObject("prompt_tokens_details").put("cached_tokens", cacheRead);
        return out;
    }

    /** OpenAI's {@code finish_reason} for an Anthropic {@code stop_reason}. */
    static String finishReason(String stopReason) {
        return FINISH_REASONS.getOrDefault(stopReason, "stop");
    }

    /**
     * Translates an Anthropic error body into an OpenAI error body, for an OpenAI-format caller of
     * a Claude model. Never throws on odd input: a body without an error message gets one that
     * names the status.
     *
     * <table>
     *   <caption>Anthropic error type → OpenAI type / code</caption>
     *   <tr><th>Anthropic</th><th>OpenAI</th></tr>
     *   <tr><td>{@code invalid_request_error}</td><td>{@code invalid_request_error} / null</td></tr>
     *   <tr><td>{@code authentication_error}, {@code permission_error}, {@code not_found_error},
     *       {@code request_too_large}</td><td>{@code invalid_request_error} / {@code
     *       invalid_api_key}, {@code permission_denied}, {@code not_found}, {@code
     *       request_too_large}</td></tr>
     *   <tr><td>{@code rate_limit_error}</td><td>{@code requests} / {@code rate_limit_exceeded}</td></tr>
     *   <tr><td>{@code api_error}, {@code overloaded_error}, {@code timeout_error}</td>
     *       <td>{@code server_error} / null, {@code overloaded}, {@code timeout}</td></tr>
     *   <tr><td>anything else</td><td>{@code invalid_request_error} below 500, else {@code
     *       server_error} / null</td></tr>
     * </table>
     *
     * @param anthropicErrorBody the upstream body, normally {@code
     *     {"type":"error","error":{"type","message"}}}; any JSON, or {@code null}
     * @param status the upstream HTTP status, 400–599
     * @return a new {@code {"error":{"message","type","param":null,"code"}}}
     * @throws IllegalArgumentException if the status is not 400–599
     */
    public static ObjectNode error(JsonNode anthropicErrorBody, int status) {
        ErrorTranslation.requireErrorStatus(status);
        return ErrorTranslation.toOpenAi(
                anthropicErrorBody == null ? null : anthropicErrorBody.get("error"), status);
    }
}
