package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.Trees.absent;
import static io.ironcage.router.core.provider.anthropic.Trees.object;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;
import io.ironcage.router.core.provider.SseEvent;
import io.ironcage.router.core.provider.StreamTranslator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Translates one Anthropic Messages event stream into an OpenAI {@code chat.completion.chunk}
 * stream, event by event: for an OpenAI-format caller of a Claude model that asked for {@code
 * "stream": true}. A small state machine, one instance per stream, free of I/O, clock and logging;
 * not thread-safe.
 *
 * <table>
 *   <caption>Anthropic event → OpenAI chunks</caption>
 *   <tr><th>Anthropic</th><th>OpenAI</th></tr>
 *   <tr><td>{@code message_start}</td><td>nothing yet (the model and the input usage are kept)</td></tr>
 *   <tr><td>first {@code content_block_start}</td><td>the role chunk {@code {"role":"assistant",
 *       "content":""}} ({@code "content":null} when the first block is a tool call)</td></tr>
 *   <tr><td>{@code text} block, {@code text_delta}</td><td>{@code delta.content}</td></tr>
 *   <tr><td>{@code tool_use} block start</td><td>{@code delta.tool_calls[{index, id, type:
 *       function, function:{name, arguments:""}}]}, the index counting tool calls from 0; the id
 *       is Anthropic's, unchanged</td></tr>
 *   <tr><td>{@code input_json_delta}</td><td>{@code delta.tool_calls[{index,
 *       function:{arguments}}]}</td></tr>
 *   <tr><td>{@code message_delta}</td><td>the finish chunk: {@code delta: {}}, {@code
 *       finish_reason} mapped as in {@link AnthropicToOpenAi#response}</td></tr>
 *   <tr><td>{@code message_stop}</td><td>the usage chunk ({@code choices: []}) if the caller asked
 *       for {@code stream_options.include_usage}, then {@code data: [DONE]}</td></tr>
 *   <tr><td>{@code error}</td><td>{@code data: {"error":{message, type, param, code}}}, and the
 *       stream ends (no {@code [DONE]}, as OpenAI does)</td></tr>
 *   <tr><td>{@code ping}, {@code content_block_stop}, keep-alive comments, unknown events</td>
 *       <td>nothing</td></tr>
 *   <tr><td>{@code thinking}, {@code redacted_thinking}, server-tool and unknown blocks, and
 *       their deltas ({@code thinking_delta}, {@code signature_delta}, {@code
 *       citations_delta}, …)</td><td>nothing: Chat Completions has no counterpart (as for whole
 *       answers)</td></tr>
 * </table>
 *
 * <p>Usage in the final chunk: {@code prompt_tokens} = input + cache read + cache write, {@code
 * completion_tokens} = the last {@code message_delta} output count, {@code
 * prompt_tokens_details.cached_tokens} = cache read. When the caller asked for usage every chunk
 * before it carries {@code "usage": null}, as OpenAI's own chunks do.
 *
 * <p>Events after the end ({@code message_stop} or {@code error}) are ignored. An event that cannot
 * be translated — data that is not a JSON object, a known event with a field of the wrong type, a
 * delta for a block that never started — raises a {@link TranslationException}; the caller ends the
 * stream with an error event.
 */
public final class AnthropicToOpenAiStream implements StreamTranslator {
    private static final String TEXT = "text";
    private static final String TOOL = "tool";
    private static final String SKIPPED = "skipped";

    private final String completionId;
    private final long created;
    private final boolean includeUsage;
    private String model;

    /** Anthropic block index → {@link #TEXT}, {@link #SKIPPED} or a tool-call index. */
    private final Map<Long, Object> blocks = new HashMap<>();

    private int toolCalls;
    private boolean roleSent;
    private boolean finishSent;
    private boolean finished;
    private String finishReason = "stop";
    private long inputTokens;
    private long cacheReadTokens;
    private long cacheWriteTokens;
    private long outputTokens;

    /**
     * Starts the translation of one stream.
     *
     * @param completionId the OpenAI {@code id} every chunk carries, e.g. {@code chatcmpl-…}
     * @param createdEpochSeconds the {@code created} time of every chunk, in Unix seconds
     * @param requestedModel the model the caller asked for, used until {@code message_start} names
     *     the one that answers
     * @param includeUsage whether the caller asked for {@code stream_options.include_usage}
     */
    public AnthropicToOpenAiStream(
            String completionId,
            long createdEpochSeconds,
            String requestedModel,
            boolean includeUsage) {
        this.completionId = Objects.requireNonNull(completionId, "completionId");
        this.created = createdEpochSeconds;
        this.model = Objects.requireNonNull(requestedModel, "requestedModel");
        this.includeUsage = includeUsage;
    }

    /**
     * Translates the next event of the Anthropic stream.
     *
     * @param event the event, as {@link io.ironcage.router.core.provider.SseParser} returned it
     * @return the OpenAI events to send for it, in order; often empty
     * @throws TranslationException when the event cannot be translated (see the class comment)
     */
    @Override
    public List<SseEvent> onEvent(SseEvent event) {
        Objects.requireNonNull(event, "event");
        if (finished || !event.hasData()) {
            return List.of();
        }
        ObjectNode data = Trees.parseEvent(event.data());
        JsonNode typeNode = data.get("type");
        String type =
                typeNode != null && typeNode.isTextual()
                        ? typeNode.textValue()
                        : event.event().orElse("");
        List<SseEvent> out = new ArrayList<>(2);
        switch (type) {
            case "message_start":
                messageStart(data);
                break;
            case "content_block_start":
                blockStart(data, out);
                break;
            case "content_block_delta":
                blockDelta(data, out);
                break;
            case "message_delta":
                messageDelta(data, out);
                break;
            case "message_stop":
                messageStop(out);
                break;
            case "error":
                finished = true;
                JsonNode error = data.get("error");
                out.add(SseEvent.ofData(Trees.write(ErrorTranslation.toOpenAi(error, 0))));
                break;
            default: // ping, content_block_stop, and event types added later
                break;
        }
        return out;
    }

    /**
     * Returns whether the stream has ended: {@code message_stop} or an {@code error} event was
     * translated. A stream that ends before this is cut short.
     *
     * @return {@code true} once the caller has its final event
     */
    @Override
    public boolean finished() {
        return finished;
    }

    private void messageStart(ObjectNode data) {
        JsonNode message = data.get("message");
        if (message == null || !message.isObject()) {
            throw new TranslationException(
                    "message", "The provider's message_start event has no message object.");
        }
        JsonNode name = message.get("model");
        if (name != null && name.isTextual() && !name.textValue().isEmpty()) {
            model = name.textValue();
        }
        takeUsage(message.get("usage"), "message.usage.");
    }

    private void takeUsage(JsonNode usage, String prefix) {
        if (usage == null || !usage.isObject()) {
            return;
        }
        if (!absent(usage.get("input_tokens"))) {
            inputTokens = Trees.tokens(usage, prefix, "input_tokens");
        }
        if (!absent(usage.get("cache_read_input_tokens"))) {
            cacheReadTokens = Trees.tokens(usage, prefix, "cache_read_input_tokens");
        }
        if (!absent(usage.get("cache_creation_input_tokens"))) {
            cacheWriteTokens = Trees.tokens(usage, prefix, "cache_creation_input_tokens");
        }
        if (!absent(usage.get("output_tokens"))) {
            outputTokens = Trees.tokens(usage, prefix, "output_tokens");
        }
    }

    private static long index(ObjectNode data) {
        JsonNode index = data.get("index");
        if (index == null || !index.isIntegralNumber() || !index.canConvertToLong()) {
            throw new TranslationException(
                    "index", "The provider's stream sent a content block event without an index.");
        }
        return index.longValue();
    }

    private void blockStart(ObjectNode data, List<SseEvent> out) {
        long index = index(data);
        ObjectNode block = Trees.objectField(data.get("content_block"), "content_block");
        JsonNode typeNode = block.get("type");
        String type = typeNode != null && typeNode.isTextual() ? typeNode.textValue() : "";
        if ("text".equals(type)) {
            blocks.put(index, TEXT);
            sendRole(out, true);
            JsonNode text = block.get("text");
            if (!absent(text) && !Trees.text(text, "content_block.text").isEmpty()) {
                out.add(chunk(object().put("content", text.textValue()), null));
            }
        } else if ("tool_use".equals(type)) {
            int call = toolCalls++;
            blocks.put(index, call);
            sendRole(out, false);
            ObjectNode delta = object();
            ObjectNode toolCall = delta.putArray("tool_calls").addObject();
            toolCall.put("index", call)
                    .put("id", Trees.text(block.get("id"), "content_block.id"))
                    .put("type", "function");
            JsonNode input = block.get("input");
            String arguments =
                    input != null && input.isObject() && !input.isEmpty() ? Trees.write(input) : "";
            toolCall.putObject("function")
                    .put("name", Trees.text(block.get("name"), "content_block.name"))
                    .put("arguments", arguments);
            out.add(chunk(delta, null));
        } else {
            blocks.put(index, SKIPPED); // thinking, server tools, blocks added later
        }
    }

    private void blockDelta(ObjectNode data, List<SseEvent> out) {
        long index = index(data);
        Object kind = blocks.get(index);
        if (kind == null) {
            throw new TranslationException(
                    "index",
                    "The provider's stream sent a delta for content block "
                            + index
                            + " before starting it.");
        }
        ObjectNode delta = Trees.objectField(data.get("delta"), "delta");
        JsonNode typeNode = delta.get("type");
        String type = typeNode != null && typeNode.isTextual() ? typeNode.textValue() : "";
        if (TEXT.equals(kind) && "text_delta".equals(type)) {
            String text = Trees.text(delta.get("text"), "delta.text");
            if (!text.isEmpty()) {
                out.add(chunk(object().put("content", text), null));
            }
        } else if (kind instanceof Integer && "input_json_delta".equals(type)) {
            String json = Trees.text(delta.get("partial_json"), "delta.partial_json");
            if (!json.isEmpty()) {
                ObjectNode d = object();
                ObjectNode toolCall = d.putArray("tool_calls").addObject();
                toolCall.put("index", (Integer) kind);
                toolCall.putObject("function").put("arguments", json);
                out.add(chunk(d, null));
            }
        }
        // citations, thinking and signature deltas, and deltas of skipped blocks: no counterpart
    }

    private void messageDelta(ObjectNode data, List<SseEvent> out) {
        JsonNode delta = data.get("delta");
        if (delta != null && delta.isObject()) {
            JsonNode reason = delta.get("stop_reason");
            if (!absent(reason)) {
                finishReason =
                        AnthropicToOpenAi.finishReason(Trees.text(reason, "delta.stop_reason"));
            }
        }
        takeUsage(data.get("usage"), "usage.");
        sendFinish(out);
    }

    private void messageStop(List<SseEvent> out) {
        sendFinish(out);
        if (includeUsage) {
            ObjectNode usageChunk = head();
            usageChunk.putArray("choices");
            usageChunk.set(
                    "usage",
                    AnthropicToOpenAi.openAiUsage(
                            inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens));
            out.add(SseEvent.ofData(Trees.write(usageChunk)));
        }
        out.add(SseEvent.ofData("[DONE]"));
        finished = true;
    }

    private void sendRole(List<SseEvent> out, boolean emptyContent) {
        if (roleSent) {
            return;
        }
        roleSent = true;
        ObjectNode delta = object().put("role", "assistant");
        if (emptyContent) {
            delta.put("content", "");
        } else {
            delta.putNull("content");
        }
        out.add(chunk(delta, null));
    }

    private void sendFinish(List<SseEvent> out) {
        if (finishSent) {
            return;
        }
        sendRole(out, true);
        finishSent = true;
        out.add(chunk(object(), finishReason));
    }

    private ObjectNode head() {
        ObjectNode chunk = object();
        chunk.put("id", completionId)
                .put("object", "chat.completion.chunk")
                .put("created", created)
                .put("model", model);
        return chunk;
    }

    private SseEvent chunk(ObjectNode delta, String finish) {
        ObjectNode chunk = head();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return SseEvent.ofData(Trees.write(chunk));
    }
}
