package io.ironcage.router.core.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import io.ironcage.router.core.domain.ApiKind;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Counts an upper bound of the text input tokens OpenAI bills for a request, with the model's own
 * BPE encoding (JTokkit): {@code o200k_base} for the gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o-series,
 * chatgpt-4o and codex models, {@code cl100k_base} for gpt-4, gpt-3.5-turbo and the embedding
 * models. Any other model, and any body it cannot bound, is left to the byte bound (empty).
 *
 * <p>What is counted (OpenAI cookbook, "How to count tokens with tiktoken"):
 *
 * <ul>
 *   <li>a chat message: {@value #TOKENS_PER_MESSAGE} framing tokens, the tokens of its role and of
 *       every other field's value (a string as itself, anything else as its compact JSON: tool
 *       calls with {@value #TOKENS_PER_CALL} more each), {@value #TOKENS_PER_NAME} more for a name;
 *       content parts: the text of text parts, nothing for image parts (the worst case adds {@code
 *       RequestShape.IMAGE_TOKEN_ALLOWANCE} per image), {@value #TOKENS_PER_PART} more per part for
 *       the join; {@value #REPLY_PRIMING} tokens priming the reply;
 *   <li>tools and every other top-level field that is not a plain sampling or routing parameter
 *       ({@code response_format}, {@code tool_choice}, Responses {@code text}, {@code reasoning}…):
 *       the tokens of its compact JSON, plus the cookbook's per-function constants, {@value
 *       #FUNCTION_INIT} per array element, {@value #PROPERTIES_INIT} per {@code properties} object
 *       and {@value #PROPERTY_KEY} per property in it, {@value #ENUM_ITEM} per enum item, at any
 *       depth, and {@value #FIELD_END} per field. OpenAI renders a function as a TypeScript-like
 *       signature holding the same names, descriptions, types and enum values with less syntax than
 *       the JSON; the constants are what the cookbook measured that rendering to add, and its
 *       negative {@code enum_init} is left out;
 *   <li>Responses: {@code instructions} and a string {@code input} as one message each; input items
 *       that are messages as chat messages, function calls and their outputs as their JSON plus the
 *       message framing; any other item (reasoning with encrypted content, audio, files, computer
 *       calls) leaves the request to the byte bound;
 *   <li>Embeddings: the tokens of each input string, or the number of token ids given, with no
 *       framing.
 * </ul>
 *
 * <p>The margin: the count {@code c} becomes {@code c + ⌈c × }{@value #MARGIN_PERCENT}{@code %⌉ +
 * }{@value #MARGIN_TOKENS}, for what the cookbook calls an estimate rather than a guarantee: a
 * model whose framing differs by a token or two, BPE merges across joined pieces, the hidden
 * rendering of tool calls and tool results.
 *
 * <p>Encodings are loaded once, on first use (about 3.6 MB of ranks for {@code o200k_base}, 1.7 MB
 * for {@code cl100k_base}); counting allocates no token list. Thread-safe.
 */
final class OpenAiTokenCounter {
    /** Framing of each message: {@code <|start|>}, {@code <|message|>}, {@code <|end|>}. */
    static final int TOKENS_PER_MESSAGE = 3;

    /** A message's {@code name}, besides its own tokens. */
    static final int TOKENS_PER_NAME = 1;

    /** Every reply is primed with {@code <|start|>assistant<|message|>}. */
    static final int REPLY_PRIMING = 3;

    /** Slack at each content-part boundary, where the parts are joined. */
    static final int TOKENS_PER_PART = 1;

    /** Framing of each tool call in an assistant message, besides its JSON. */
    static final int TOKENS_PER_CALL = 3;

    /**
     * The start of each function: the larger of the cookbook's {@code func_init} for gpt-4o (7) and
     * for gpt-4 and gpt-3.5-turbo (10).
     */
    static final int FUNCTION_INIT = 10;

    /** The cookbook's {@code prop_init}: the start of a function's properties. */
    static final int PROPERTIES_INIT = 3;

    /** The cookbook's {@code prop_key}: each property. */
    static final int PROPERTY_KEY = 3;

    /** The cookbook's {@code enum_item}: each enum value, besides its own tokens. */
    static final int ENUM_ITEM = 3;

    /** The cookbook's {@code func_end}: the end of the tool section, counted per field. */
    static final int FIELD_END = 12;

    /** The margin's share of the count, in percent, rounded up. */
    static final int MARGIN_PERCENT = 5;

    /** The margin's constant part, in tokens. */
    static final int MARGIN_TOKENS = 16;

    /** Model prefixes of {@code o200k_base}, matched after a provider prefix and {@code ft:}. */
    private static final String[] O200K_PREFIXES = {
        "gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o", "codex"
    };

    /** Top-level fields of a request that are not rendered into the prompt. */
    private static final Set<String> NOT_RENDERED =
            Set.of(
                    "model",
                    "stream",
                    "stream_options",
                    "max_tokens",
                    "max_completion_tokens",
                    "max_output_tokens",
                    "max_tool_calls",
                    "temperature",
                    "top_p",
                    "n",
                    "stop",
                    "presence_penalty",
                    "frequency_penalty",
                    "logit_bias",
                    "logprobs",
                    "top_logprobs",
                    "seed",
                    "user",
                    "service_tier",
                    "store",
                    "metadata",
                    "parallel_tool_calls",
                    "modalities",
                    "audio",
                    "safety_identifier",
                    "prompt_cache_key",
                    "prompt_cache_retention",
                    "truncation",
                    "include",
                    "background",
                    "encoding_format",
                    "dimensions");

    /** Content part types whose tokens the worst case's image allowance covers. */
    private static final Set<String> IMAGE_PARTS = Set.of("image_url", "input_image", "image");

    /** Content part types whose {@code text} is all the model reads of them. */
    private static final Set<String> TEXT_PARTS = Set.of("text", "input_text", "output_text");

    /** Responses input items counted as their JSON: function calls and their outputs. */
    private static final Set<String> CALL_ITEMS =
            Set.of(
                    "function_call",
                    "function_call_output",
                    "custom_tool_call",
                    "custom_tool_call_output");

    /** What a count that cannot be bounded returns; the byte bound applies. */
    private static final long UNCOUNTABLE = -1;

    private static final EncodingRegistry ENCODINGS = Encodings.newLazyEncodingRegistry();

    /**
     * Each encoding's counter, which keeps the counts of texts seen lately ({@link RecentCounts}).
     */
    private static final ConcurrentMap<EncodingType, RecentCounts> RECENT =
            new ConcurrentHashMap<>();

    private OpenAiTokenCounter() {}

    /**
     * Returns the encoding of an OpenAI model, if it has a public one.
     *
     * @param model the model, optionally with a provider prefix ({@code openai/gpt-4o}), a date
     *     ({@code gpt-4o-2024-08-06}) or as a fine-tune ({@code ft:gpt-4o-mini-2024-07-18:org::id})
     * @return the encoding's type, or empty for any other model
     */
    static Optional<EncodingType> encodingOf(String model) {
        if (model == null) {
            return Optional.empty();
        }
        String base = model.substring(model.lastIndexOf('/') + 1);
        if (base.startsWith("ft:")) {
            int end = base.indexOf(':', 3);
            base = end < 0 ? base.substring(3) : base.substring(3, end);
        }
        for (String prefix : O200K_PREFIXES) {
            if (base.startsWith(prefix)) {
                return Optional.of(EncodingType.O200K_BASE);
            }
        }
        if (base.equals("gpt-3.5-turbo-0301")) {
            // frames each message with 4 tokens, not 3: beyond the margin for many short ones
            return Optional.empty();
        }
        if (base.equals("gpt-4")
                || base.startsWith("gpt-4-")
                || base.startsWith("gpt-3.5-turbo")
                || base.startsWith("text-embedding-3-")
                || base.equals("text-embedding-ada-002")) {
            return Optional.of(EncodingType.CL100K_BASE);
        }
        return Optional.empty();
    }

    /**
     * Returns an upper bound of the text input tokens of a request, margin included, images
     * excluded.
     *
     * @param kind the API called
     * @param model the model the request goes to
     * @param body the parsed request body
     * @return the bound, or empty when the model has no public tokenizer or the body holds input
     *     this counter cannot bound (audio, files, reasoning items, odd JSON)
     */
    static OptionalLong inputTokenBound(ApiKind kind, String model, JsonNode body) {
        if (body == null || !body.isObject()) {
            return OptionalLong.empty();
        }
        Optional<EncodingType> type = encodingOf(model);
        if (type.isEmpty()) {
            return OptionalLong.empty();
        }
        RecentCounts encoding =
                RECENT.computeIfAbsent(type.get(), t -> new RecentCounts(ENCODINGS.getEncoding(t)));
        long count;
        try {
            switch (kind) {
                case CHAT_COMPLETIONS:
                    count = chat(encoding, body);
                    break;
                case RESPONSES:
                    count = responses(encoding, body);
                    break;
                case EMBEDDINGS:
                    count = embeddings(encoding, body.get("input"));
                    break;
                default:
                    return OptionalLong.empty();
            }
            return count == UNCOUNTABLE ? OptionalLong.empty() : OptionalLong.of(withMargin(count));
        } catch (ArithmeticException e) {
            return OptionalLong.empty(); // beyond a long: the bytes bound it
        }
    }

    /**
     * The count with its margin: {@code c + ⌈c × MARGIN_PERCENT / 100⌉ + MARGIN_TOKENS}.
     *
     * @param count the counted tokens, {@code >= 0}
     * @return the bound
     */
    static long withMargin(long count) {
        long share = Math.addExact(Math.multiplyExact(count, MARGIN_PERCENT), 99) / 100;
        return Math.addExact(Math.addExact(count, share), MARGIN_TOKENS);
    }

    /** The sum of two counts, {@link #UNCOUNTABLE} if either is. */
    private static long plus(long a, long b) {
        return a == UNCOUNTABLE || b == UNCOUNTABLE ? UNCOUNTABLE : Math.addExact(a, b);
    }

    private static long chat(RecentCounts encoding, JsonNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray()) {
            return UNCOUNTABLE;
        }
        long count = REPLY_PRIMING;
        for (JsonNode message : messages) {
            count = plus(count, message(encoding, message));
            if (count == UNCOUNTABLE) {
                return UNCOUNTABLE;
            }
        }
        return plus(count, otherFields(encoding, body, "messages"));
    }

    private static long responses(RecentCounts encoding, JsonNode body) {
        long count = REPLY_PRIMING;
        JsonNode instructions = body.get("instructions");
        boolean textInstructions = instructions != null && instructions.isTextual();
        if (textInstructions) {
            count = plus(count, framedText(encoding, instructions.textValue()));
        }
        JsonNode input = body.get("input");
        if (input != null && input.isTextual()) {
            count = plus(count, framedText(encoding, input.textValue()));
        } else if (input != null && input.isArray()) {
            for (JsonNode item : input) {
                count = plus(count, inputItem(encoding, item));
                if (count == UNCOUNTABLE) {
                    return UNCOUNTABLE;
                }
            }
        } else if (input != null && !input.isNull()) {
            return UNCOUNTABLE;
        }
        // instructions of another type are counted as their JSON, with the other fields
        return textInstructions
                ? plus(count, otherFields(encoding, body, "input", "instructions"))
                : plus(count, otherFields(encoding, body, "input"));
    }

    private static long embeddings(RecentCounts encoding, JsonNode input) {
        if (input == null) {
            return UNCOUNTABLE;
        }
        if (input.isTextual()) {
            return tokens(encoding, input.textValue());
        }
        if (!input.isArray()) {
            return UNCOUNTABLE;
        }
        long count = 0;
        for (JsonNode element : input) {
            if (element.isTextual()) {
                count = Math.addExact(count, tokens(encoding, element.textValue()));
            } else if (element.isIntegralNumber()) {
                count = Math.addExact(count, 1);
            } else if (element.isArray() && allIntegral(element)) {
                count = Math.addExact(count, element.size());
            } else {
                return UNCOUNTABLE;
            }
        }
        return count;
    }

    /** A role-less text rendered as one message: instructions, or a string input. */
    private static long framedText(RecentCounts encoding, String text) {
        // the role's own token ("developer", "user") is one token in both encodings
        return TOKENS_PER_MESSAGE + 1 + tokens(encoding, text);
    }

    private static long inputItem(RecentCounts encoding, JsonNode item) {
        if (!item.isObject()) {
            return UNCOUNTABLE;
        }
        JsonNode type = item.get("type");
        if (type == null || (type.isTextual() && type.textValue().equals("message"))) {
            return message(encoding, item);
        }
        if (type.isTextual() && CALL_ITEMS.contains(type.textValue())) {
            return Math.addExact(TOKENS_PER_MESSAGE + TOKENS_PER_CALL, json(encoding, item));
        }
        return UNCOUNTABLE;
    }

    /** A chat message or a Responses message item. */
    private static long message(RecentCounts encoding, JsonNode message) {
        if (!message.isObject()) {
            return UNCOUNTABLE;
        }
        long count = TOKENS_PER_MESSAGE;
        for (Map.Entry<String, JsonNode> field : message.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (value.isNull() || key.equals("type")) {
                continue;
            }
            if (key.equals("content")) {
                count = plus(count, content(encoding, value));
            } else if (key.equals("audio") && value.isObject()) {
                // an earlier audio answer, billed as audio tokens the body does not hold
                return UNCOUNTABLE;
            } else if (value.isTextual()) {
                count = plus(count, tokens(encoding, value.textValue()));
                if (key.equals("name")) {
                    count = plus(count, TOKENS_PER_NAME);
                }
            } else {
                long calls = value.isArray() ? value.size() : 1;
                count = plus(count, json(encoding, value));
                count = plus(count, Math.multiplyExact(calls, TOKENS_PER_CALL));
            }
        }
        return count;
    }

    private static long content(RecentCounts encoding, JsonNode content) {
        if (content.isTextual()) {
            return tokens(encoding, content.textValue());
        }
        if (!content.isArray()) {
            return json(encoding, content);
        }
        long count = 0;
        for (JsonNode part : content) {
            count = Math.addExact(count, TOKENS_PER_PART);
            if (part.isTextual()) {
                count = Math.addExact(count, tokens(encoding, part.textValue()));
                continue;
            }
            JsonNode type = part.get("type");
            if (type != null && type.isTextual() && IMAGE_PARTS.contains(type.textValue())) {
                continue;
            }
            // only the text part types: another type with a "text" field (an audio part with its
            // transcript) is billed for more than that text
            String kind = type != null && type.isTextual() ? type.textValue() : "";
            JsonNode text =
                    TEXT_PARTS.contains(kind)
                            ? part.get("text")
                            : "refusal".equals(kind) ? part.get("refusal") : null;
            if (text == null || !text.isTextual()) {
                // audio, files and parts of unknown types are left to the byte bound
                return UNCOUNTABLE;
            }
            count = Math.addExact(count, tokens(encoding, text.textValue()));
        }
        return count;
    }

    /** Every top-level field but the ones counted already and those never rendered. */
    private static long otherFields(RecentCounts encoding, JsonNode body, String... counted) {
        long count = 0;
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (value.isNull() || NOT_RENDERED.contains(key) || isOneOf(key, counted)) {
                continue;
            }
            count = Math.addExact(count, json(encoding, value));
            count = Math.addExact(count, FIELD_END);
            if (value.isArray()) {
                count = Math.addExact(count, Math.multiplyExact(value.size(), FUNCTION_INIT));
            }
            count = Math.addExact(count, schemaOverhead(value));
        }
        return count;
    }

    /** The cookbook's property and enum constants, for every schema object in a subtree. */
    private static long schemaOverhead(JsonNode node) {
        if (!node.isContainerNode()) {
            return 0;
        }
        long count = 0;
        if (node.isObject()) {
            JsonNode properties = node.get("properties");
            if (properties != null && properties.isObject() && !properties.isEmpty()) {
                count = PROPERTIES_INIT + (long) PROPERTY_KEY * properties.size();
            }
            JsonNode values = node.get("enum");
            if (values != null && values.isArray()) {
                count += (long) ENUM_ITEM * values.size();
            }
        }
        for (JsonNode child : node) {
            count = Math.addExact(count, schemaOverhead(child));
        }
        return count;
    }

    private static boolean isOneOf(String key, String[] keys) {
        for (String candidate : keys) {
            if (candidate.equals(key)) {
                return true;
            }
        }
        return false;
    }

    private static boolean allIntegral(JsonNode array) {
        for (JsonNode element : array) {
            if (!element.isIntegralNumber()) {
                return false;
            }
        }
        return true;
    }

    /** The tokens of a value's compact JSON, which holds every string the rendering holds. */
    private static long json(RecentCounts encoding, JsonNode value) {
        return tokens(encoding, value.isTextual() ? value.textValue() : value.toString());
    }

    private static long tokens(RecentCounts encoding, String text) {
        // ordinary: a "<|endoftext|>" typed by a caller is text to OpenAI, not a special token
        return text.isEmpty() ? 0 : encoding.count(text);
    }
}
