package io.ironcage.router.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;

/**
 * Makes OpenAI Chat Completions streams report their usage, and hides that from callers who did not
 * ask for it (ARCHITECTURE.md, request path step 7).
 *
 * <p>The pipeline, for a streamed {@code /v1/chat/completions} request: remembers {@link
 * #callerAskedForUsage(JsonNode)}, forwards {@link #withUsageRequested(ObjectNode)}, and, if the
 * caller did not ask, drops the event for which {@link #isUsageOnlyChunk(SseEvent)} holds (after
 * giving it to {@link StreamUsage}). The Responses API always reports usage in {@code
 * response.completed} and needs none of this.
 *
 * <p>The {@code "usage": null} field that OpenAI adds to every other chunk once usage is requested
 * is left in place: chunks pass through byte for byte, and the field is harmless to clients — the
 * official SDKs declare {@code usage} on a chunk as optional and nullable (openai-java: {@code
 * Optional<CompletionUsage> usage()}, empty for null; openai-python: {@code
 * Optional[CompletionUsage] = None}), and the API reference documents it as present with a null
 * value whenever usage is on.
 */
public final class OpenAiStreams {
    private OpenAiStreams() {}

    /**
     * Returns whether a Chat Completions request asked for the usage chunk itself.
     *
     * @param request the parsed request body (any JSON; {@code null} gives {@code false})
     * @return {@code true} only if {@code stream_options.include_usage} is the JSON boolean {@code
     *     true}
     */
    public static boolean callerAskedForUsage(JsonNode request) {
        if (request == null || !request.isObject()) {
            return false;
        }
        JsonNode options = request.get("stream_options");
        if (options == null || !options.isObject()) {
            return false;
        }
        JsonNode include = options.get("include_usage");
        return include != null && include.isBoolean() && include.booleanValue();
    }

    /**
     * Returns a copy of a Chat Completions request that asks for the usage chunk.
     *
     * <p>Sets {@code stream_options.include_usage} to {@code true}, keeping the other {@code
     * stream_options} fields (a {@code stream_options} that is not an object is replaced). Only
     * when {@code stream} is the JSON boolean {@code true}: OpenAI rejects {@code stream_options}
     * on a request that does not stream, so such a request is copied unchanged.
     *
     * @param request the request body; not modified
     * @return a deep copy, with usage requested if the request streams
     */
    public static ObjectNode withUsageRequested(ObjectNode request) {
        Objects.requireNonNull(request, "request");
        ObjectNode copy = request.deepCopy();
        JsonNode stream = copy.get("stream");
        if (stream == null || !stream.isBoolean() || !stream.booleanValue()) {
            return copy;
        }
        JsonNode options = copy.get("stream_options");
        ObjectNode streamOptions =
                options != null && options.isObject()
                        ? (ObjectNode) options
                        : copy.putObject("stream_options");
        streamOptions.put("include_usage", true);
        return copy;
    }

    /**
     * Returns whether an event is the extra chunk OpenAI sends when usage is requested: a JSON
     * object whose {@code choices} is an empty array and whose {@code usage} is an object.
     *
     * <p>Cheap for other events: data without a {@code "usage"} key, or with a {@code "delta"} key
     * (every content chunk has one), is rejected without parsing.
     *
     * @param event an event of a Chat Completions stream
     * @return {@code true} if it is the usage-only chunk
     */
    public static boolean isUsageOnlyChunk(SseEvent event) {
        Objects.requireNonNull(event, "event");
        String data = event.data();
        if (!data.contains("\"usage\"") || data.contains("\"delta\"")) {
            return false;
        }
        Optional<JsonNode> json = Json.parseObject(data);
        if (json.isEmpty()) {
            return false;
        }
        JsonNode choices = json.get().get("choices");
        JsonNode usage = json.get().get("usage");
        return choices != null
                && choices.isArray()
                && choices.isEmpty()
                && usage != null
                && usage.isObject();
    }
}
