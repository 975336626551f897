package io.ironcage.router.core.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ServiceTier;
import io.ironcage.router.core.domain.TokenDetails;
import io.ironcage.router.core.domain.TokenUsage;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Follows the usage a provider reports in one streamed (SSE) response.
 *
 * <p>Create one per streamed response with {@link #forKind(ApiKind)} and give it every event of the
 * <em>upstream</em> stream, in order, before any translation (the kind is the provider's API).
 * Malformed event data, events of other formats and empty events are ignored, never thrown. Not
 * thread-safe.
 *
 * <ul>
 *   <li>{@link ApiKind#CHAT_COMPLETIONS}: usage from a chunk whose {@code usage} is an object (the
 *       last such chunk wins; OpenAI sends one, with {@code choices: []}, only when the request set
 *       {@code stream_options.include_usage}, see {@link OpenAiStreams}); completed on {@code data:
 *       [DONE]}. Output bytes: {@code delta.content}, {@code delta.refusal}, and the {@code name}
 *       and {@code arguments} fragments of {@code delta.tool_calls[*].function} and of the legacy
 *       {@code delta.function_call}, in every choice.
 *   <li>{@link ApiKind#RESPONSES}: usage from {@code response.usage} of the terminal event {@code
 *       response.completed}, {@code response.incomplete} (e.g. output limit reached) or {@code
 *       response.failed}; any of the three counts as completed. Output bytes: the string {@code
 *       delta} of every {@code response.*.delta} event (output text, refusal, function-call and
 *       custom-tool arguments, reasoning text) except the base64 audio ones ({@code
 *       response.audio.delta}, {@code response.output_audio.delta}).
 *   <li>{@link ApiKind#MESSAGES}: {@code message_start.message.usage} gives the input, cache-read
 *       and cache-write tokens (seen at once) and an initial output count; every {@code
 *       message_delta.usage} updates the output tokens (cumulative, the last wins) and, when it has
 *       them (newer API versions), the input and cache counts. Usage is complete once a {@code
 *       message_delta} gave the output tokens and the input tokens are known; completed on {@code
 *       message_stop}. Output bytes: {@code text_delta.text}, {@code
 *       input_json_delta.partial_json}, {@code thinking_delta.thinking}, and the {@code name} of a
 *       {@code tool_use} or {@code server_tool_use} block start.
 *   <li>{@link ApiKind#EMBEDDINGS} and {@link ApiKind#OTHER} do not stream usage: {@link #usage()}
 *       stays empty; completed on {@code data: [DONE]}.
 * </ul>
 *
 * <p>A usage object that breaks the rules of {@link UsageExtraction} (negative, fractional or huge
 * counts) is ignored as a whole.
 */
public abstract class StreamUsage {
    private static final String DONE = "[DONE]";

    /**
     * Events up to this long may be read by tokens ({@link #walk}); a longer one is built into a
     * tree, which checks everything in it, as Jackson's string-length limit (20 million) does.
     */
    private static final int MAX_TOKEN_WALK = 1 << 20;

    private boolean treesOnly;

    private boolean completed;
    private long outputBytes;
    private Optional<String> model = Optional.empty();
    private JsonNode serviceTier;

    StreamUsage() {}

    /**
     * Returns a new, empty tracker for one streamed response.
     *
     * @param kind the upstream API
     * @return the tracker
     */
    public static StreamUsage forKind(ApiKind kind) {
        Objects.requireNonNull(kind, "kind");
        switch (kind) {
            case CHAT_COMPLETIONS:
                return new ChatCompletions();
            case RESPONSES:
                return new Responses();
            case MESSAGES:
                return new Messages();
            default:
                return new NoUsage();
        }
    }

    /**
     * Takes the next event of the stream into account.
     *
     * @param event the event, as {@link SseParser} returned it
     */
    public final void onEvent(SseEvent event) {
        Objects.requireNonNull(event, "event");
        String data = event.data();
        if (data.isEmpty()) {
            return;
        }
        if (DONE.equals(data.strip())) {
            if (endsOnDone()) {
                completed = true;
            }
            return;
        }
        if (!treesOnly && data.length() <= MAX_TOKEN_WALK && walk(data)) {
            return;
        }
        Optional<JsonNode> json = Json.parseObject(data);
        if (json.isEmpty()) {
            return;
        }
        JsonNode node = json.get();
        String type = text(node.get("type")).orElse(event.event().orElse(""));
        handle(type, node);
    }

    /**
     * Returns the complete usage of the response, once the stream has reported it.
     *
     * @return the usage, or empty if the stream has not (yet) reported a complete usage
     */
    public abstract Optional<TokenUsage> usage();

    /**
     * Returns the input-side tokens reported so far: Anthropic reports them at the start ({@code
     * message_start}); OpenAI only in its final usage.
     *
     * @return the input, cache-read and cache-write tokens with {@code outputTokens} 0, or empty if
     *     none were reported yet
     */
    public abstract Optional<TokenUsage> inputUsageSeen();

    /**
     * Returns the input tokens at the plain input price reported so far ({@link
     * TokenUsage#inputTokens()} of {@link #inputUsageSeen()}, so cache tokens are not included).
     *
     * @return the count, or empty if none was reported yet
     */
    public final OptionalLong inputTokensSeen() {
        Optional<TokenUsage> seen = inputUsageSeen();
        return seen.isPresent() ? OptionalLong.of(seen.get().inputTokens()) : OptionalLong.empty();
    }

    /**
     * Returns the UTF-8 bytes of generated output seen so far (text deltas and tool-call fragments,
     * per kind as listed in the class comment), for billing a stream that ended before its usage.
     *
     * @return the byte count, {@code >= 0}
     */
    public final long outputBytesSeen() {
        return outputBytes;
    }

    /**
     * Returns whether the stream's own end marker arrived ({@code data: [DONE]}, {@code
     * message_stop}, or a terminal {@code response.*} event), as opposed to a stream cut short.
     *
     * @return {@code true} once the end marker was seen
     */
    public final boolean completed() {
        return completed;
    }

    /**
     * Returns the model the stream names (the first one seen), for analytics.
     *
     * @return the model, or empty if none was seen yet
     */
    public final Optional<String> model() {
        return model;
    }

    /** For tests: every event is built into a tree, the reference for {@link #walk}. */
    final StreamUsage treesOnly() {
        treesOnly = true;
        return this;
    }

    /**
     * Takes an event by reading its tokens, without a tree, where the kind can: true if it did
     * (also for data that is not a JSON object, which is then ignored, as {@link #onEvent} does),
     * false to have the tree built and {@link #handle} called.
     */
    boolean walk(String data) {
        return false;
    }

    /** Whether {@code data: [DONE]} ends this kind of stream. */
    boolean endsOnDone() {
        return true;
    }

    /** Handles one parsed JSON event; {@code type} is its {@code type} field, else its name. */
    abstract void handle(String type, JsonNode node);

    final void markCompleted() {
        completed = true;
    }

    final void seeModel(JsonNode holder) {
        if (model.isEmpty() && holder != null) {
            model = RequestShapes.model(holder);
        }
    }

    /** As {@link #seeModel(JsonNode)}, given the holder's {@code model} value if it is a string. */
    final void seeModel(String text) {
        if (model.isEmpty() && text != null && !text.isEmpty()) {
            model = Optional.of(text);
        }
    }

    final void addOutputBytes(long bytes) {
        outputBytes += bytes;
    }

    /** Adds the UTF-8 length of {@code node} if it is a string. */
    final void countOutput(JsonNode node) {
        if (node != null && node.isTextual()) {
            outputBytes += RequestShapes.utf8Length(node.textValue());
        }
    }

    static Optional<String> text(JsonNode node) {
        return node != null && node.isTextual() ? Optional.of(node.textValue()) : Optional.empty();
    }

    static Optional<TokenUsage> inputPart(Optional<TokenUsage> usage) {
        return usage.map(
                u ->
                        new TokenUsage(
                                u.inputTokens(),
                                0,
                                u.cacheReadTokens(),
                                u.cacheWriteTokens(),
                                new TokenDetails(
                                        u.details().cacheWriteOneHourTokens(),
                                        u.details().inputAudioTokens(),
                                        0,
                                        0,
                                        u.details().serviceTier())));
    }

    /** Remembers the {@code service_tier} an OpenAI event reports, if it is a string. */
    final void seeServiceTier(JsonNode tier) {
        if (tier != null && tier.isTextual()) {
            serviceTier = tier;
        }
    }

    /** The usage with the service tier the stream reported. */
    final Optional<TokenUsage> served(ApiKind kind, Optional<TokenUsage> usage) {
        return usage.map(u -> UsageExtraction.servedAt(kind, u, serviceTier));
    }

    /** OpenAI Chat Completions chunks. */
    private static final class ChatCompletions extends StreamUsage {
        private Optional<TokenUsage> usage = Optional.empty();

        @Override
        void handle(String type, JsonNode chunk) {
            seeModel(chunk);
            seeServiceTier(chunk.get(UsageExtraction.SERVICE_TIER));
            JsonNode usageNode = chunk.get("usage");
            if (usageNode != null && usageNode.isObject()) {
                Optional<TokenUsage> parsed =
                        UsageExtraction.fromUsageObject(ApiKind.CHAT_COMPLETIONS, usageNode);
                if (parsed.isPresent()) {
                    usage = parsed;
                }
            }
            JsonNode choices = chunk.get("choices");
            if (choices == null || !choices.isArray()) {
                return;
            }
            for (JsonNode choice : choices) {
                JsonNode delta = choice.get("delta");
                if (delta == null || !delta.isObject()) {
                    continue;
                }
                countOutput(delta.get("content"));
                countOutput(delta.get("refusal"));
                JsonNode calls = delta.get("tool_calls");
                if (calls != null && calls.isArray()) {
                    for (JsonNode call : calls) {
                        countFunction(call.get("function"));
                    }
                }
                countFunction(delta.get("function_call"));
            }
        }

        private void countFunction(JsonNode function) {
            if (function != null && function.isObject()) {
                countOutput(function.get("name"));
                countOutput(function.get("arguments"));
            }
        }

        /**
         * The chunk read by tokens, with what {@link #handle} takes from its tree: where a name
         * comes twice in an object the last one counts, as in a tree, and nothing is taken from an
         * event that turns out not to be whole JSON.
         */
        @Override
        boolean walk(String data) {
            String modelText = null;
            JsonNode usageNode = null;
            JsonNode tier = null;
            long bytes = 0;
            try (JsonParser parser = Json.parser(data)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    return true; // not an object: ignored
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    switch (name) {
                        case "model":
                            modelText = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                            parser.skipChildren();
                            break;
                        case "usage":
                            usageNode = value == JsonToken.START_OBJECT ? Json.tree(parser) : null;
                            parser.skipChildren();
                            break;
                        case UsageExtraction.SERVICE_TIER:
                            tier =
                                    value == JsonToken.VALUE_STRING
                                            ? TextNode.valueOf(parser.getText())
                                            : null;
                            parser.skipChildren();
                            break;
                        case "choices":
                            bytes = value == JsonToken.START_ARRAY ? eachObject(parser, 0) : 0;
                            parser.skipChildren();
                            break;
                        default:
                            parser.skipChildren();
                    }
                }
            } catch (IOException e) {
                return true; // not whole JSON: ignored
            }
            seeModel(modelText);
            seeServiceTier(tier);
            if (usageNode != null) {
                Optional<TokenUsage> parsed =
                        UsageExtraction.fromUsageObject(ApiKind.CHAT_COMPLETIONS, usageNode);
                if (parsed.isPresent()) {
                    usage = parsed;
                }
            }
            addOutputBytes(bytes);
            return true;
        }

        /**
         * At an array: the output bytes of its objects, each read as a choice ({@code level} 0), a
         * delta (1), a tool call (2) or a function (3).
         */
        private static long eachObject(JsonParser parser, int level) throws IOException {
            long bytes = 0;
            JsonToken element;
            while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
                if (element == JsonToken.START_OBJECT) {
                    bytes += object(parser, level);
                } else {
                    parser.skipChildren();
                }
            }
            return bytes;
        }

        /** At an object of {@code level} (see {@link #eachObject}): the output bytes in it. */
        private static long object(JsonParser parser, int level) throws IOException {
            long delta = 0; // a choice's
            long content = 0; // a delta's
            long refusal = 0;
            long calls = 0;
            long legacy = 0;
            long function = 0; // a tool call's
            long name = 0; // a function's
            long arguments = 0;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                boolean object = value == JsonToken.START_OBJECT;
                if (level == 0 && field.equals("delta")) {
                    delta = object ? object(parser, 1) : 0;
                } else if (level == 1 && field.equals("content")) {
                    content = textBytes(parser, value);
                } else if (level == 1 && field.equals("refusal")) {
                    refusal = textBytes(parser, value);
                } else if (level == 1 && field.equals("tool_calls")) {
                    calls = value == JsonToken.START_ARRAY ? eachObject(parser, 2) : 0;
                } else if (level == 1 && field.equals("function_call")) {
                    legacy = object ? object(parser, 3) : 0;
                } else if (level == 2 && field.equals("function")) {
                    function = object ? object(parser, 3) : 0;
                } else if (level == 3 && field.equals("name")) {
                    name = textBytes(parser, value);
                } else if (level == 3 && field.equals("arguments")) {
                    arguments = textBytes(parser, value);
                }
                parser.skipChildren(); // a value not read above (after one read: nothing)
            }
            return delta + content + refusal + calls + legacy + function + name + arguments;
        }

        private static long textBytes(JsonParser parser, JsonToken value) throws IOException {
            return value == JsonToken.VALUE_STRING ? RequestShapes.utf8Length(parser.getText()) : 0;
        }

        @Override
        public Optional<TokenUsage> usage() {
            return served(ApiKind.CHAT_COMPLETIONS, usage);
        }

        @Override
        public Optional<TokenUsage> inputUsageSeen() {
            return inputPart(usage());
        }
    }

    /** OpenAI Responses events. */
    private static final class Responses extends StreamUsage {
        private Optional<TokenUsage> usage = Optional.empty();

        @Override
        boolean endsOnDone() {
            return false;
        }

        @Override
        void handle(String type, JsonNode event) {
            if (!type.startsWith("response.")) {
                return;
            }
            if (type.endsWith(".delta")) {
                if (!"response.audio.delta".equals(type)
                        && !"response.output_audio.delta".equals(type)) {
                    countOutput(event.get("delta"));
                }
                return;
            }
            JsonNode response = event.get("response");
            if (response == null || !response.isObject()) {
                return;
            }
            seeModel(response);
            seeServiceTier(response.get(UsageExtraction.SERVICE_TIER));
            if ("response.completed".equals(type)
                    || "response.incomplete".equals(type)
                    || "response.failed".equals(type)) {
                markCompleted();
                Optional<TokenUsage> parsed =
                        UsageExtraction.fromUsageObject(ApiKind.RESPONSES, response.get("usage"));
                if (parsed.isPresent()) {
                    usage = parsed;
                }
            }
        }

        @Override
        public Optional<TokenUsage> usage() {
            return served(ApiKind.RESPONSES, usage);
        }

        @Override
        public Optional<TokenUsage> inputUsageSeen() {
            return inputPart(usage());
        }
    }

    /** Anthropic Messages events. */
    private static final class Messages extends StreamUsage {
        private long input = UsageExtraction.MISSING;
        private long cacheRead;
        private long cacheWrite;
        private long oneHourWrite;
        private long finalOutput = UsageExtraction.MISSING;

        @Override
        boolean endsOnDone() {
            return false;
        }

        @Override
        void handle(String type, JsonNode event) {
            switch (type) {
                case "message_start":
                    JsonNode message = event.get("message");
                    if (message != null && message.isObject()) {
                        seeModel(message);
                        takeUsage(message.get("usage"), false);
                    }
                    break;
                case "message_delta":
                    takeUsage(event.get("usage"), true);
                    break;
                case "content_block_start":
                    JsonNode block = event.get("content_block");
                    if (block != null && block.isObject()) {
                        String blockType = text(block.get("type")).orElse("");
                        if ("tool_use".equals(blockType) || "server_tool_use".equals(blockType)) {
                            countOutput(block.get("name"));
                        }
                    }
                    break;
                case "content_block_delta":
                    JsonNode delta = event.get("delta");
                    if (delta != null && delta.isObject()) {
                        countOutput(delta.get("text"));
                        countOutput(delta.get("partial_json"));
                        countOutput(delta.get("thinking"));
                    }
                    break;
                case "message_stop":
                    markCompleted();
                    break;
                default:
                    break;
            }
        }

        /** Takes the counts of a usage object, unless one of them is invalid. */
        private void takeUsage(JsonNode usage, boolean isFinalOutput) {
            if (usage == null || !usage.isObject()) {
                return;
            }
            long in = UsageExtraction.count(usage, "input_tokens");
            long read = UsageExtraction.count(usage, "cache_read_input_tokens");
            long write = UsageExtraction.count(usage, "cache_creation_input_tokens");
            long out = UsageExtraction.count(usage, "output_tokens");
            long oneHour = UsageExtraction.oneHourCacheWrites(usage);
            if (oneHour == UsageExtraction.INVALID
                    || in == UsageExtraction.INVALID
                    || read == UsageExtraction.INVALID
                    || write == UsageExtraction.INVALID
                    || out == UsageExtraction.INVALID) {
                return;
            }
            if (in >= 0) {
                input = in;
            }
            if (read >= 0) {
                cacheRead = read;
            }
            if (write >= 0) {
                cacheWrite = write;
            }
            if (oneHour >= 0) {
                oneHourWrite = oneHour;
            }
            if (isFinalOutput && out >= 0) {
                finalOutput = out;
            }
        }

        @Override
        public Optional<TokenUsage> usage() {
            if (input < 0 || finalOutput < 0 || oneHourWrite > cacheWrite) {
                return Optional.empty();
            }
            return Optional.of(
                    new TokenUsage(input, finalOutput, cacheRead, cacheWrite, details()));
        }

        @Override
        public Optional<TokenUsage> inputUsageSeen() {
            return input < 0 || oneHourWrite > cacheWrite
                    ? Optional.empty()
                    : Optional.of(new TokenUsage(input, 0, cacheRead, cacheWrite, details()));
        }

        private TokenDetails details() {
            return oneHourWrite > 0
                    ? new TokenDetails(oneHourWrite, 0, 0, 0, ServiceTier.STANDARD)
                    : TokenDetails.NONE;
        }
    }

    /** Embeddings and other APIs: no streamed usage. */
    private static final class NoUsage extends StreamUsage {
        @Override
        void handle(String type, JsonNode event) {}

        @Override
        public Optional<TokenUsage> usage() {
            return Optional.empty();
        }

        @Override
        public Optional<TokenUsage> inputUsageSeen() {
            return Optional.empty();
        }
    }
}
