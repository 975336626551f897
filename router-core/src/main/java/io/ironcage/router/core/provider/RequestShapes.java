package io.ironcage.router.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.core.domain.pricing.RequestShape;
import io.ironcage.router.core.domain.pricing.ServerSideUse;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Extracts the {@link RequestShape} of an OpenAI (Chat Completions, Responses) or Anthropic
 * (Messages) request body.
 *
 * <p>Never throws on odd JSON: a field of the wrong type counts as absent, and a body that is not
 * an object yields a shape with only its byte count.
 */
public final class RequestShapes {
    private static final String[] IMAGE_PART_TYPES = {"image_url", "input_image", "image"};
    private static final String PRIORITY_TIER = "priority";
    private static final String ONE_HOUR_TTL = "1h";
    private static final String AUDIO_INPUT_PART_TYPE = "input_audio";
    private static final String AUDIO = "audio";

    private RequestShapes() {}

    /**
     * Returns the model a request names.
     *
     * @param body the parsed request body
     * @return the {@code model} string, or empty if it is absent, empty or not a string
     */
    public static Optional<String> model(JsonNode body) {
        if (body == null || !body.isObject()) {
            return Optional.empty();
        }
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.textValue().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(model.textValue());
    }

    /**
     * A field the router reads to bill that has a value it cannot bill by.
     *
     * @param field the field's name, e.g. {@code max_tokens}
     * @param message a sentence saying what the field must be
     */
    public record InvalidField(String field, String message) {
        /** Validates the components. */
        public InvalidField {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(message, "message");
        }
    }

    private static final String[] OUTPUT_LIMITS = {
        "max_tokens", "max_completion_tokens", "max_output_tokens"
    };

    /**
     * Checks the fields the router reads to bill a metered request: {@code model} a string, {@code
     * stream} a boolean, {@code max_tokens}, {@code max_completion_tokens} and {@code
     * max_output_tokens} non-negative integers, {@code n} a positive integer. A field that is
     * absent or {@code null} is not checked. Such a request is refused before anything is reserved:
     * forwarded on faith, {@code "stream": "yes"} or {@code "max_tokens": "100"} would be billed by
     * a guess while the provider may read it otherwise.
     *
     * @param body the parsed request body, an object
     * @return the first field at fault, or empty when all can be billed by
     */
    public static Optional<InvalidField> invalidBillingField(JsonNode body) {
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            return Optional.of(new InvalidField("model", "'model' must be a string."));
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            return Optional.of(new InvalidField("stream", "'stream' must be true or false."));
        }
        for (String field : OUTPUT_LIMITS) {
            JsonNode value = body.get(field);
            if (value != null && !value.isNull() && nonNegativeLong(value).isEmpty()) {
                return Optional.of(
                        new InvalidField(field, "'" + field + "' must be a non-negative integer."));
            }
        }
        JsonNode n = body.get("n");
        if (n != null
                && !n.isNull()
                && (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 1)) {
            return Optional.of(new InvalidField("n", "'n' must be a positive integer."));
        }
        return Optional.empty();
    }

    /**
     * Extracts the pricing facts of a request body.
     *
     * <ul>
     *   <li>{@code promptTextUtf8Bytes}: as the reference's estimator (reference §6.5), the UTF-8
     *       bytes of the {@code messages[*].content} strings and of the string {@code text} of
     *       content blocks, plus a top-level string {@code system};
     *   <li>{@code requestedMaxOutputTokens}: the largest of {@code max_tokens}, {@code
     *       max_completion_tokens} and {@code max_output_tokens} (Responses API) that is a
     *       non-negative integer — the largest, so the bound holds whichever one the provider
     *       honours;
     *   <li>{@code referenceMaxTokens}: as the reference's {@code estimate_max_cost}, the {@code
     *       max_tokens} key if present (empty when its value is not a non-negative integer), else
     *       {@code max_completion_tokens};
     *   <li>{@code hasTools}: {@code tools} is a non-empty array;
     *   <li>{@code imageCount}: every object with {@code type} {@code image_url} (OpenAI chat
     *       parts), {@code input_image} (Responses input parts) or {@code image} (Anthropic blocks,
     *       any source) anywhere inside {@code messages} or {@code input}, so images nested in
     *       {@code tool_result} blocks or tool outputs count too;
     *   <li>{@code choices}: {@code n} if it is an integer of at least 1 (capped at {@link
     *       Integer#MAX_VALUE}), else 1;
     *   <li>{@code priorityTier}: {@code service_tier} is the string {@code "priority"}. Only an
     *       explicit request counts: {@code "auto"} or no {@code service_tier} is served at the
     *       project's default tier, which the body does not show, so a project whose default is
     *       priority is not bounded;
     *   <li>{@code oneHourCache}: an object anywhere in the body has a {@code cache_control} object
     *       whose {@code ttl} is the string {@code "1h"} (system, tool and message blocks alike);
     *   <li>{@code audioInput}: inside {@code messages} or {@code input}, an object with {@code
     *       type} {@code input_audio} (Chat Completions and Responses audio parts), or an object
     *       with an {@code audio} object (an assistant message that refers to an earlier audio
     *       answer by id, which is billed again as audio input);
     *   <li>{@code audioOutput}: {@code modalities} is an array holding the string {@code "audio"},
     *       or {@code audio} (the output voice and format) is an object.
     * </ul>
     *
     * <p>A field of the wrong type never triggers a tier.
     *
     * @param body the parsed request body
     * @param bodyUtf8Bytes the size of the body as received, in bytes, {@code >= 0}
     * @return the shape
     * @throws IllegalArgumentException if {@code bodyUtf8Bytes} is negative
     */
    public static RequestShape of(JsonNode body, long bodyUtf8Bytes) {
        if (bodyUtf8Bytes < 0) {
            throw new IllegalArgumentException(
                    "bodyUtf8Bytes must not be negative, got " + bodyUtf8Bytes);
        }
        if (body == null || !body.isObject()) {
            return new RequestShape(
                    bodyUtf8Bytes, 0, OptionalLong.empty(), OptionalLong.empty(), false, 0, 1);
        }
        return new RequestShape(
                bodyUtf8Bytes,
                promptTextUtf8Bytes(body),
                requestedMaxOutputTokens(body),
                referenceMaxTokens(body),
                hasTools(body),
                imageCount(body),
                choices(body),
                isText(body.get("service_tier"), PRIORITY_TIER),
                anyObject(body, RequestShapes::hasOneHourCacheControl),
                anyObject(body.get("messages"), RequestShapes::isAudioInput)
                        || anyObject(body.get("input"), RequestShapes::isAudioInput),
                asksForAudioOutput(body),
                serverSide(body));
    }

    /** Top-level fields that make the provider read stored input the body does not hold. */
    private static final String[] STORED_INPUT_FIELDS = {
        "previous_response_id", "conversation", "container", "web_search_options"
    };

    /** Part types whose content the provider fetches or renders itself. */
    private static final Set<String> SERVER_INPUT_PARTS =
            Set.of("input_file", "file", "item_reference", "container_upload");

    /** Server tools by type prefix: the provider runs them and bills what they read as input. */
    private static final String[] SERVER_TOOL_PREFIXES = {
        "web_search",
        "web_fetch",
        "file_search",
        "code_execution",
        "code_interpreter",
        "mcp",
        "image_generation"
    };

    /** Server tools with fees the price table does not list (per call, session or image). */
    private static final String[] UNPRICED_TOOL_PREFIXES = {
        "file_search", "code_execution", "code_interpreter", "image_generation"
    };

    /**
     * What the request makes the provider read or do beyond its body ({@link ServerSideUse}):
     *
     * <ul>
     *   <li>stored input: a non-null {@code previous_response_id}, {@code conversation}, {@code
     *       container} or {@code web_search_options}, a {@code prompt} object (a stored prompt), a
     *       non-empty {@code mcp_servers}; inside {@code messages} or {@code input}, a part of type
     *       {@code input_file}, {@code file}, {@code item_reference}, {@code container_upload}, or
     *       a {@code document} whose source is not inline text (a PDF or a file by id or URL: its
     *       pages are billed as text and images); any server tool;
     *   <li>web search: a tool whose type starts with {@code web_search}, or {@code
     *       web_search_options} (one search per call); bounded by the tools' {@code max_uses} added
     *       up, else by {@code max_tool_calls};
     *   <li>unmetered work: file search, code execution or interpreter, image generation; a stored
     *       {@code prompt}; {@code background: true}.
     * </ul>
     */
    /** {@code field} when the body sets it to something other than its default, else null. */
    private static String notDefault(JsonNode body, String field, String byDefault) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        return value.isTextual() && byDefault.equals(value.textValue()) ? null : field;
    }

    static ServerSideUse serverSide(JsonNode body) {
        String inputField = null;
        for (String field : STORED_INPUT_FIELDS) {
            JsonNode value = body.get(field);
            if (value != null && !value.isNull()) {
                inputField = field;
                break;
            }
        }
        String unmetered = null;
        JsonNode prompt = body.get("prompt");
        if (prompt != null && prompt.isObject()) {
            inputField = inputField == null ? "prompt" : inputField;
            unmetered = "prompt"; // a stored prompt may turn on tools the body does not show
        }
        JsonNode background = body.get("background");
        if (unmetered == null && background != null && background.asBoolean(false)) {
            unmetered = "background";
        }
        // Anthropic bills fast mode and a pinned inference region at a multiple of the table's
        // prices, which the table does not list
        unmetered = unmetered == null ? notDefault(body, "speed", "standard") : unmetered;
        unmetered = unmetered == null ? notDefault(body, "inference_geo", "global") : unmetered;
        JsonNode mcpServers = body.get("mcp_servers");
        if (inputField == null
                && mcpServers != null
                && mcpServers.isArray()
                && !mcpServers.isEmpty()) {
            inputField = "mcp_servers";
        }
        if (inputField == null) {
            inputField = serverInputPart(body, "messages");
        }
        if (inputField == null) {
            inputField = serverInputPart(body, "input");
        }
        String webSearch = null;
        long searches = 0;
        String unboundedSearch = null;
        JsonNode tools = body.get("tools");
        if (tools != null && tools.isArray()) {
            for (int i = 0; i < tools.size(); i++) {
                JsonNode type = tools.get(i).path("type");
                if (!type.isTextual()) {
                    continue;
                }
                String name = type.textValue();
                String field = "tools[" + i + "]";
                if (startsWithAny(name, SERVER_TOOL_PREFIXES) && inputField == null) {
                    inputField = field;
                }
                if (startsWithAny(name, UNPRICED_TOOL_PREFIXES) && unmetered == null) {
                    unmetered = field;
                }
                if (name.startsWith("web_search")) {
                    webSearch = webSearch == null ? field : webSearch;
                    OptionalLong maxUses = nonNegativeLong(tools.get(i).get("max_uses"));
                    if (maxUses.isPresent()) {
                        searches = saturatedAdd(searches, maxUses.getAsLong());
                    } else if (unboundedSearch == null) {
                        unboundedSearch = field + ".max_uses";
                    }
                }
            }
        }
        JsonNode searchOptions = body.get("web_search_options");
        if (searchOptions != null && !searchOptions.isNull()) {
            webSearch = webSearch == null ? "web_search_options" : webSearch;
            searches = saturatedAdd(searches, 1);
        }
        OptionalLong bound = OptionalLong.of(searches);
        String boundField = "";
        if (unboundedSearch != null) {
            // max_tool_calls caps every built-in tool call of a Responses request
            bound = nonNegativeLong(body.get("max_tool_calls"));
            boundField = unboundedSearch + "' or 'max_tool_calls";
        }
        if (inputField == null && webSearch == null && unmetered == null) {
            return ServerSideUse.NONE;
        }
        return new ServerSideUse(
                Optional.ofNullable(inputField),
                Optional.ofNullable(webSearch),
                webSearch != null ? bound : OptionalLong.empty(),
                webSearch != null ? boundField : "",
                Optional.ofNullable(unmetered));
    }

    /** The path of the first part under {@code field} whose content the provider fetches. */
    private static String serverInputPart(JsonNode body, String field) {
        JsonNode root = body.get(field);
        if (root == null || !root.isContainerNode()) {
            return null;
        }
        Deque<JsonNode> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isObject() && isServerInputPart(node)) {
                return field + "[…]." + node.path("type").textValue();
            }
            for (JsonNode child : node) {
                if (child.isContainerNode()) {
                    pending.push(child);
                }
            }
        }
        return null;
    }

    private static boolean isServerInputPart(JsonNode object) {
        JsonNode type = object.get("type");
        if (type == null || !type.isTextual()) {
            return false;
        }
        if (SERVER_INPUT_PARTS.contains(type.textValue())) {
            return true;
        }
        if (!"document".equals(type.textValue())) {
            return false;
        }
        // a document of inline text is bounded by its bytes; a PDF, a URL or a file is not
        JsonNode source = object.path("source").path("type");
        return !(isText(source, "text") || isText(source, "content"));
    }

    private static boolean startsWithAny(String value, String[] prefixes) {
        for (String prefix : prefixes) {
            if (value.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private static long promptTextUtf8Bytes(JsonNode body) {
        long total = 0;
        JsonNode messages = body.get("messages");
        if (messages != null && messages.isArray()) {
            for (JsonNode message : messages) {
                JsonNode content = message.get("content");
                if (content == null) {
                    continue;
                }
                if (content.isTextual()) {
                    total += utf8Length(content.textValue());
                } else if (content.isArray()) {
                    for (JsonNode block : content) {
                        JsonNode text = block.get("text");
                        if (text != null && text.isTextual()) {
                            total += utf8Length(text.textValue());
                        }
                    }
                }
            }
        }
        JsonNode system = body.get("system");
        if (system != null && system.isTextual()) {
            total += utf8Length(system.textValue());
        }
        return total;
    }

    private static OptionalLong requestedMaxOutputTokens(JsonNode body) {
        OptionalLong largest = OptionalLong.empty();
        for (String field :
                new String[] {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
            OptionalLong value = nonNegativeLong(body.get(field));
            if (value.isPresent()
                    && (largest.isEmpty() || value.getAsLong() > largest.getAsLong())) {
                largest = value;
            }
        }
        return largest;
    }

    private static OptionalLong referenceMaxTokens(JsonNode body) {
        JsonNode maxTokens = body.get("max_tokens");
        if (maxTokens != null) {
            return nonNegativeLong(maxTokens);
        }
        return nonNegativeLong(body.get("max_completion_tokens"));
    }

    private static boolean hasTools(JsonNode body) {
        JsonNode tools = body.get("tools");
        return tools != null && tools.isArray() && !tools.isEmpty();
    }

    private static int imageCount(JsonNode body) {
        long count = countImages(body.get("messages")) + countImages(body.get("input"));
        return (int) Math.min(count, Integer.MAX_VALUE);
    }

    /** Walks a subtree without recursion (bodies may nest deeply) and counts image parts. */
    private static long countImages(JsonNode root) {
        if (root == null || !root.isContainerNode()) {
            return 0;
        }
        long count = 0;
        Deque<JsonNode> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isObject() && isImagePart(node.get("type"))) {
                count++;
            }
            for (JsonNode child : node) {
                if (child.isContainerNode()) {
                    pending.push(child);
                }
            }
        }
        return count;
    }

    private static boolean isImagePart(JsonNode type) {
        if (type == null || !type.isTextual()) {
            return false;
        }
        for (String imageType : IMAGE_PART_TYPES) {
            if (imageType.equals(type.textValue())) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasOneHourCacheControl(JsonNode object) {
        JsonNode cacheControl = object.get("cache_control");
        return cacheControl != null
                && cacheControl.isObject()
                && isText(cacheControl.get("ttl"), ONE_HOUR_TTL);
    }

    private static boolean isAudioInput(JsonNode object) {
        if (isText(object.get("type"), AUDIO_INPUT_PART_TYPE)) {
            return true;
        }
        JsonNode audio = object.get(AUDIO);
        return audio != null && audio.isObject();
    }

    private static boolean asksForAudioOutput(JsonNode body) {
        JsonNode modalities = body.get("modalities");
        if (modalities != null && modalities.isArray()) {
            for (JsonNode modality : modalities) {
                if (isText(modality, AUDIO)) {
                    return true;
                }
            }
        }
        JsonNode audio = body.get(AUDIO);
        return audio != null && audio.isObject();
    }

    /** Walks a subtree without recursion and tells whether one of its objects matches. */
    private static boolean anyObject(JsonNode root, Predicate<JsonNode> matches) {
        if (root == null || !root.isContainerNode()) {
            return false;
        }
        Deque<JsonNode> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isObject() && matches.test(node)) {
                return true;
            }
            for (JsonNode child : node) {
                if (child.isContainerNode()) {
                    pending.push(child);
                }
            }
        }
        return false;
    }

    private static boolean isText(JsonNode node, String text) {
        return node != null && node.isTextual() && text.equals(node.textValue());
    }

    private static int choices(JsonNode body) {
        JsonNode n = body.get("n");
        if (n == null || !n.isIntegralNumber()) {
            return 1;
        }
        if (!n.canConvertToLong()) {
            return n.bigIntegerValue().signum() > 0 ? Integer.MAX_VALUE : 1;
        }
        long value = n.longValue();
        return value < 1 ? 1 : (int) Math.min(value, Integer.MAX_VALUE);
    }

    private static OptionalLong nonNegativeLong(JsonNode value) {
        if (value == null
                || !value.isIntegralNumber()
                || !value.canConvertToLong()
                || value.longValue() < 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(value.longValue());
    }

    /**
     * Returns the UTF-8 length of a string without encoding it, equal to {@code
     * s.getBytes(UTF_8).length} (an unpaired surrogate is one replacement byte there, and here).
     */
    static long utf8Length(String s) {
        Objects.requireNonNull(s, "s");
        long bytes = 0;
        int length = s.length();
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < length
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
