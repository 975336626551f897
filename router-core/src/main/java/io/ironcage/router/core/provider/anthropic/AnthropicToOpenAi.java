package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.Trees.absent;
import static io.ironcage.router.core.provider.anthropic.Trees.arrayField;
import static io.ironcage.router.core.provider.anthropic.Trees.object;
import static io.ironcage.router.core.provider.anthropic.Trees.objectField;
import static io.ironcage.router.core.provider.anthropic.Trees.text;
import static io.ironcage.router.core.provider.anthropic.Trees.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;
import java.util.Iterator;
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
        Iterator<String> names = in.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!REQUEST_HANDLED.contains(name) && !REQUEST_DROPPED.contains(name)) {
                throw new TranslationException(
                        name,
                        "The field "
                                + name
                                + " has no counterpart in the OpenAI Chat Completions API, so the"
                                + " request cannot be sent to an OpenAI model.");
            }
        }
        ObjectNode out = object();
        out.put("model", text(in.get("model"), "model"));
        ArrayNode messages = out.putArray("messages");
        JsonNode system = in.get("system");
        if (!absent(system)) {
            String prompt = system.isTextual() ? system.textValue() : joinedText(system, "system");
            if (!prompt.isEmpty()) {
                messages.addObject().put("role", "system").put("content", prompt);
            }
        }
        ArrayNode turns = arrayField(in.get("messages"), "messages");
        for (int i = 0; i < turns.size(); i++) {
            String at = "messages[" + i + "]";
            ObjectNode turn = objectField(turns.get(i), at);
            String role = text(turn.get("role"), at + ".role");
            if ("user".equals(role)) {
                userTurn(turn.get("content"), at + ".content", messages);
            } else if ("assistant".equals(role)) {
                assistantTurn(turn.get("content"), at + ".content", messages);
            } else {
                throw new TranslationException(
                        at + ".role", "The field " + at + ".role must be user or assistant.");
            }
        }
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
                if (!value.isNumber()) {
                    throw new TranslationException(
                            field, "The field " + field + " must be a number.");
                }
                out.set(field, value);
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
        requestTools(in, out);
        JsonNode stream = in.get("stream");
        if (!absent(stream)) {
            if (!stream.isBoolean()) {
                throw new TranslationException("stream", "The field stream must be a boolean.");
            }
            out.put("stream", stream.booleanValue());
            if (stream.booleanValue()) {
                out.putObject("stream_options").put("include_usage", true);
            }
        }
        return out;
    }

    private static String joinedText(JsonNode blocks, String at) {
        ArrayNode all = arrayField(blocks, at);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < all.size(); i++) {
            String blockAt = at + "[" + i + "]";
            ObjectNode block = objectField(all.get(i), blockAt);
            if (!"text".equals(block.path("type").asText())) {
                throw new TranslationException(
                        blockAt + ".type", "The field " + blockAt + ".type must be text.");
            }
            if (text.length() > 0) {
                text.append('\n');
            }
            text.append(text(block.get("text"), blockAt + ".text"));
        }
        return text.toString();
    }

    private static void userTurn(JsonNode content, String at, ArrayNode messages) {
        if (content != null && content.isTextual()) {
            messages.addObject().put("role", "user").put("content", content.textValue());
            return;
        }
        ArrayNode blocks = arrayField(content, at);
        ArrayNode parts = Trees.array();
        for (int j = 0; j < blocks.size(); j++) {
            String blockAt = at + "[" + j + "]";
            ObjectNode block = objectField(blocks.get(j), blockAt);
            String type = text(block.get("type"), blockAt + ".type");
            if ("tool_result".equals(type)) {
                ObjectNode tool = messages.addObject().put("role", "tool");
                tool.put("tool_call_id", text(block.get("tool_use_id"), blockAt + ".tool_use_id"));
                JsonNode result = block.get("content");
                if (absent(result)) {
                    tool.put("content", "");
                } else if (result.isTextual()) {
                    tool.put("content", result.textValue());
                } else {
                    tool.put("content", joinedText(result, blockAt + ".content"));
                }
            } else if ("text".equals(type)) {
                parts.addObject()
                        .put("type", "text")
                        .put("text", text(block.get("text"), blockAt + ".text"));
            } else if ("image".equals(type)) {
                parts.add(imagePart(block.get("source"), blockAt + ".source"));
            } else {
                throw new TranslationException(
                        blockAt + ".type",
                        "The field "
                                + blockAt
                                + ".type names a content block the translation to OpenAI does not"
                                + " support; use text, image or tool_result.");
            }
        }
        if (parts.isEmpty()) {
            return;
        }
        ObjectNode user = messages.addObject().put("role", "user");
        if (parts.size() == 1 && "text".equals(parts.get(0).get("type").asText())) {
            user.put("content", parts.get(0).get("text").textValue());
        } else {
            user.set("content", parts);
        }
    }

    private static ObjectNode imagePart(JsonNode source, String at) {
        ObjectNode src = objectField(source, at);
        String type = text(src.get("type"), at + ".type");
        String url;
        if ("base64".equals(type)) {
            url =
                    "data:"
                            + text(src.get("media_type"), at + ".media_type")
                            + ";base64,"
                            + text(src.get("data"), at + ".data");
        } else if ("url".equals(type)) {
            url = text(src.get("url"), at + ".url");
        } else {
            throw new TranslationException(
                    at + ".type", "The field " + at + ".type must be base64 or url.");
        }
        ObjectNode part = object().put("type", "image_url");
        part.putObject("image_url").put("url", url);
        return part;
    }

    private static void assistantTurn(JsonNode content, String at, ArrayNode messages) {
        ObjectNode assistant = object().put("role", "assistant");
        if (content != null && content.isTextual()) {
            messages.add(assistant.put("content", content.textValue()));
            return;
        }
        ArrayNode blocks = arrayField(content, at);
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Trees.array();
        for (int j = 0; j < blocks.size(); j++) {
            String blockAt = at + "[" + j + "]";
            ObjectNode block = objectField(blocks.get(j), blockAt);
            String type = text(block.get("type"), blockAt + ".type");
            if ("text".equals(type)) {
                text.append(text(block.get("text"), blockAt + ".text"));
            } else if ("tool_use".equals(type)) {
                ObjectNode call = calls.addObject();
                call.put("id", text(block.get("id"), blockAt + ".id")).put("type", "function");
                JsonNode input = block.get("input");
                call.putObject("function")
                        .put("name", text(block.get("name"), blockAt + ".name"))
                        .put("arguments", Trees.write(absent(input) ? object() : input));
            } else if (!"thinking".equals(type) && !"redacted_thinking".equals(type)) {
                throw new TranslationException(
                        blockAt + ".type",
                        "The field "
                                + blockAt
                                + ".type names a content block the translation to OpenAI does not"
                                + " support; use text or tool_use.");
            }
        }
        if (text.length() > 0) {
            assistant.put("content", text.toString());
        } else {
            assistant.putNull("content");
        }
        if (!calls.isEmpty()) {
            assistant.set("tool_calls", calls);
        }
        if (text.length() > 0 || !calls.isEmpty()) {
            messages.add(assistant);
        }
    }

    private static void requestTools(ObjectNode in, ObjectNode out) {
        JsonNode tools = in.get("tools");
        if (absent(tools) || tools.isEmpty()) {
            return;
        }
        ArrayNode all = arrayField(tools, "tools");
        ArrayNode translated = out.putArray("tools");
        for (int i = 0; i < all.size(); i++) {
            String at = "tools[" + i + "]";
            ObjectNode tool = objectField(all.get(i), at);
            JsonNode type = tool.get("type");
            if (!absent(type) && !"custom".equals(type.asText())) {
                throw new TranslationException(
                        at + ".type",
                        "The field "
                                + at
                                + ".type names an Anthropic server tool, which OpenAI models"
                                + " cannot use.");
            }
            ObjectNode t = translated.addObject().put("type", "function");
            ObjectNode function = t.putObject("function");
            function.put("name", text(tool.get("name"), at + ".name"));
            JsonNode description = tool.get("description");
            if (!absent(description)) {
                function.put("description", text(description, at + ".description"));
            }
            function.set(
                    "parameters",
                    objectField(tool.get("input_schema"), at + ".input_schema").deepCopy());
        }
        JsonNode choice = in.get("tool_choice");
        if (absent(choice)) {
            return;
        }
        ObjectNode c = objectField(choice, "tool_choice");
        String type = text(c.get("type"), "tool_choice.type");
        if ("auto".equals(type)) {
            out.put("tool_choice", "auto");
        } else if ("any".equals(type)) {
            out.put("tool_choice", "required");
        } else if ("none".equals(type)) {
            out.put("tool_choice", "none");
        } else if ("tool".equals(type)) {
            out.putObject("tool_choice")
                    .put("type", "function")
                    .putObject("function")
                    .put("name", text(c.get("name"), "tool_choice.name"));
        } else {
            throw new TranslationException(
                    "tool_choice.type",
                    "The field tool_choice.type must be auto, any, tool or none.");
        }
        if (c.path("disable_parallel_tool_use").asBoolean(false)) {
            out.put("parallel_tool_calls", false);
        }
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

    /** Anthropic error type → OpenAI {@code type} and {@code code}. */
    private static final Map<String, String[]> ERROR_TYPES =
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
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status is 400-599, got " + status);
        }
        return errorObject(
                anthropicErrorBody == null ? null : anthropicErrorBody.get("error"), status);
    }

    /**
     * The OpenAI error body for Anthropic's inner {@code error} object; {@code status} 0 for an
     * error event inside a stream (the type alone decides).
     */
    static ObjectNode errorObject(JsonNode anthropicError, int status) {
        String type = Trees.textOr(anthropicError, "type", "");
        String message =
                Trees.textOr(
                        anthropicError,
                        "message",
                        status == 0
                                ? "The Anthropic API reported an error in the stream."
                                : "The Anthropic API answered " + status + ".");
        String[] mapped = ERROR_TYPES.get(type);
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
}
