package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.Trees.absent;
import static io.ironcage.router.core.provider.anthropic.Trees.object;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
 * Translates one OpenAI {@code chat.completion.chunk} stream into an Anthropic Messages event
 * stream, event by event: for an Anthropic-format caller of an OpenAI model that asked for {@code
 * "stream": true}. A small state machine, one instance per stream, free of I/O, clock and logging;
 * not thread-safe.
 *
 * <p>The output keeps the order strict clients (anthropic-java's accumulator, Claude Code) need:
 * {@code message_start} first; then per content block {@code content_block_start}, its deltas and
 * {@code content_block_stop}, blocks numbered from 0 and never interleaved; then {@code
 * message_delta} with {@code stop_reason} and usage; then {@code message_stop}.
 *
 * <table>
 *   <caption>OpenAI chunk → Anthropic events</caption>
 *   <tr><th>OpenAI</th><th>Anthropic</th></tr>
 *   <tr><td>the first chunk</td><td>{@code message_start} (id from the caller, the chunk's model,
 *       empty content, usage 0: OpenAI reports usage only at the end)</td></tr>
 *   <tr><td>{@code delta.content}, {@code delta.refusal}</td><td>a {@code text} block (started on
 *       the first fragment) and {@code text_delta}s</td></tr>
 *   <tr><td>{@code delta.tool_calls[]} with an {@code id}</td><td>the open block stops; a {@code
 *       tool_use} block starts with the same id and name, {@code input: {}}</td></tr>
 *   <tr><td>{@code delta.tool_calls[].function.arguments}</td><td>{@code input_json_delta}</td></tr>
 *   <tr><td>{@code finish_reason}</td><td>the open block stops; the reason is kept ({@code stop} →
 *       {@code end_turn}, {@code length} → {@code max_tokens}, {@code tool_calls} → {@code
 *       tool_use}, {@code content_filter} or any refusal text → {@code refusal})</td></tr>
 *   <tr><td>the usage chunk ({@code choices: []})</td><td>kept for {@code message_delta}</td></tr>
 *   <tr><td>{@code data: [DONE]}</td><td>{@code message_delta} ({@code stop_reason}, usage with
 *       {@code input_tokens} = prompt − cached, {@code cache_read_input_tokens} = cached, {@code
 *       output_tokens} = completion), then {@code message_stop}</td></tr>
 *   <tr><td>{@code {"error": {…}}}</td><td>an {@code error} event; the stream ends</td></tr>
 * </table>
 *
 * <p>Choices other than index 0 are ignored ({@code n} above 1 is refused when the request is
 * translated). Events after the end are ignored. An event that cannot be translated — data that is
 * not a JSON object, a field of the wrong type, arguments for a tool call that never started or
 * that resume after another one started — raises a {@link TranslationException}; the caller ends
 * the stream with an error event.
 */
public final class OpenAiToAnthropicStream implements StreamTranslator {
    private final String messageId;
    private final String requestedModel;

    /** OpenAI tool-call index → Anthropic block index. */
    private final Map<Long, Integer> toolBlocks = new HashMap<>();

    private boolean started;
    private boolean finished;
    private int nextBlock;

    /** The open block's index, or -1. */
    private int openBlock = -1;

    private boolean openIsText;
    private boolean refused;
    private String stopReason;
    private long inputTokens;
    private long cacheReadTokens;
    private long outputTokens;

    /**
     * Starts the translation of one stream.
     *
     * @param messageId the Anthropic message {@code id}, e.g. {@code msg_…}
     * @param requestedModel the model the caller asked for, used when the first chunk names none
     */
    public OpenAiToAnthropicStream(String messageId, String requestedModel) {
        this.messageId = Objects.requireNonNull(messageId, "messageId");
        this.requestedModel = Objects.requireNonNull(requestedModel, "requestedModel");
    }

    /**
     * Translates the next event of the OpenAI stream.
     *
     * @param event the event, as {@link io.ironcage.router.core.provider.SseParser} returned it
     * @return the Anthropic events to send for it, in order; often empty
     * @throws TranslationException when the event cannot be translated (see the class comment)
     */
    @Override
    public List<SseEvent> onEvent(SseEvent event) {
        Objects.requireNonNull(event, "event");
        if (finished || !event.hasData()) {
            return List.of();
        }
        List<SseEvent> out = new ArrayList<>(3);
        if ("[DONE]".equals(event.data().strip())) {
            start(null, out);
            end(out);
            return out;
        }
        ObjectNode chunk = Trees.parseEvent(event.data());
        JsonNode error = chunk.get("error");
        if (!absent(error)) {
            finished = true;
            out.add(SseEvent.named("error", Trees.write(ErrorTranslation.toAnthropic(chunk, 0))));
            return out;
        }
        start(chunk, out);
        JsonNode usage = chunk.get("usage");
        if (!absent(usage)) {
            takeUsage(Trees.objectField(usage, "usage"));
        }
        JsonNode choices = chunk.get("choices");
        if (absent(choices)) {
            return out;
        }
        ArrayNode all = Trees.arrayField(choices, "choices");
        for (int i = 0; i < all.size(); i++) {
            ObjectNode choice = Trees.objectField(all.get(i), "choices[" + i + "]");
            JsonNode index = choice.get("index");
            if (index != null && !(index.isIntegralNumber() && index.asLong() == 0)) {
                continue;
            }
            choice(choice, out);
        }
        return out;
    }

    /**
     * Returns whether the stream has ended: {@code message_stop} or an {@code error} event was
     * sent. A stream that ends before this is cut short.
     *
     * @return {@code true} once the caller has its final event
     */
    @Override
    public boolean finished() {
        return finished;
    }

    private void start(ObjectNode chunk, List<SseEvent> out) {
        if (started) {
            return;
        }
        started = true;
        JsonNode model = chunk == null ? null : chunk.get("model");
        ObjectNode message = object();
        message.put("id", messageId)
                .put("type", "message")
                .put("role", "assistant")
                .put(
                        "model",
                        model != null && model.isTextual() && !model.textValue().isEmpty()
                                ? model.textValue()
                                : requestedModel);
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        message.putObject("usage")
                .put("input_tokens", 0)
                .put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", 0)
                .put("output_tokens", 0);
        ObjectNode start = object().put("type", "message_start");
        start.set("message", message);
        out.add(event("message_start", start));
    }

    private void takeUsage(ObjectNode usage) {
        long prompt = Trees.tokens(usage, "usage.", "prompt_tokens");
        long cached =
                Trees.tokens(
                        usage.get("prompt_tokens_details"),
                        "usage.prompt_tokens_details.",
                        "cached_tokens");
        inputTokens = Math.max(0, prompt - cached);
        cacheReadTokens = cached;
        outputTokens = Trees.tokens(usage, "usage.", "completion_tokens");
    }

    private void choice(ObjectNode choice, List<SseEvent> out) {
        JsonNode delta = choice.get("delta");
        if (!absent(delta)) {
            ObjectNode d = Trees.objectField(delta, "choices[0].delta");
            text(d.get("content"), "choices[0].delta.content", out);
            JsonNode refusal = d.get("refusal");
            if (!absent(refusal) && !Trees.text(refusal, "choices[0].delta.refusal").isEmpty()) {
                refused = true;
                text(refusal, "choices[0].delta.refusal", out);
            }
            JsonNode calls = d.get("tool_calls");
            if (!absent(calls)) {
                ArrayNode all = Trees.arrayField(calls, "choices[0].delta.tool_calls");
                for (int k = 0; k < all.size(); k++) {
                    toolCall(
                            Trees.objectField(all.get(k), "choices[0].delta.tool_calls[" + k + "]"),
                            "choices[0].delta.tool_calls[" + k + "]",
                            out);
                }
            }
        }
        JsonNode finish = choice.get("finish_reason");
        if (!absent(finish)) {
            stopReason =
                    OpenAiToAnthropic.stopReason(Trees.text(finish, "choices[0].finish_reason"));
            closeBlock(out);
        }
    }

    private void text(JsonNode node, String field, List<SseEvent> out) {
        if (absent(node)) {
            return;
        }
        String text = Trees.text(node, field);
        if (text.isEmpty()) {
            return;
        }
        if (openBlock < 0 || !openIsText) {
            closeBlock(out);
            openBlock = nextBlock++;
            openIsText = true;
            ObjectNode start = object().put("type", "content_block_start").put("index", openBlock);
            start.putObject("content_block").put("type", "text").put("text", "");
            out.add(event("content_block_start", start));
        }
        ObjectNode delta = object().put("type", "content_block_delta").put("index", openBlock);
        delta.putObject("delta").put("type", "text_delta").put("text", text);
        out.add(event("content_block_delta", delta));
    }

    private void toolCall(ObjectNode call, String at, List<SseEvent> out) {
        JsonNode indexNode = call.get("index");
        long index = indexNode != null && indexNode.isIntegralNumber() ? indexNode.longValue() : 0;
        JsonNode id = call.get("id");
        JsonNode function = call.get("function");
        ObjectNode fn = absent(function) ? object() : Trees.objectField(function, at + ".function");
        Integer block = toolBlocks.get(index);
        if (block == null) {
            if (absent(id)) {
                throw new TranslationException(
                        at + ".id",
                        "The provider's stream continued a tool call (index "
                                + index
                                + ") it never started.");
            }
            closeBlock(out);
            block = nextBlock++;
            toolBlocks.put(index, block);
            openBlock = block;
            openIsText = false;
            ObjectNode start = object().put("type", "content_block_start").put("index", block);
            ObjectNode content = start.putObject("content_block");
            content.put("type", "tool_use")
                    .put("id", Trees.text(id, at + ".id"))
                    .put("name", Trees.text(fn.get("name"), at + ".function.name"));
            content.putObject("input");
            out.add(event("content_block_start", start));
        } else if (block != openBlock) {
            throw new TranslationException(
                    at + ".index",
                    "The provider's stream resumed tool call "
                            + index
                            + " after another content block had started; its arguments cannot be"
                            + " streamed in order.");
        }
        JsonNode arguments = fn.get("arguments");
        if (!absent(arguments)) {
            String json = Trees.text(arguments, at + ".function.arguments");
            if (!json.isEmpty()) {
                ObjectNode delta = object().put("type", "content_block_delta").put("index", block);
                delta.putObject("delta").put("type", "input_json_delta").put("partial_json", json);
                out.add(event("content_block_delta", delta));
            }
        }
    }

    private void closeBlock(List<SseEvent> out) {
        if (openBlock < 0) {
            return;
        }
        out.add(
                event(
                        "content_block_stop",
                        object().put("type", "content_block_stop").put("index", openBlock)));
        openBlock = -1;
    }

    private void end(List<SseEvent> out) {
        closeBlock(out);
        finished = true;
        String reason = refused ? "refusal" : stopReason == null ? "end_turn" : stopReason;
        ObjectNode messageDelta = object().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", reason).putNull("stop_sequence");
        messageDelta
                .putObject("usage")
                .put("input_tokens", inputTokens)
                .put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", cacheReadTokens)
                .put("output_tokens", outputTokens);
        out.add(event("message_delta", messageDelta));
        out.add(event("message_stop", object().put("type", "message_stop")));
    }

    private static SseEvent event(String name, ObjectNode data) {
        return SseEvent.named(name, Trees.write(data));
    }
}
