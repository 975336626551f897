package io.ironcage.router.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Seeded generators of JSON for the translation properties: arbitrary trees biased towards the
 * field names and values the translators look at (so generated input reaches deep into them), and
 * valid documents from the golden files with random mutations.
 *
 * <p>One instance generates one case: everything it returns is a function of the seed it was made
 * with (and of the golden files), so a case seed reported by {@link RandomCases} gives back the
 * same input. Plain {@link SplittableRandom}; no shrinking.
 */
public final class RandomJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Field names of both APIs' requests, responses and stream events. */
    static final List<String> KEYS =
            List.of(
                    "model",
                    "messages",
                    "role",
                    "content",
                    "type",
                    "text",
                    "system",
                    "max_tokens",
                    "max_completion_tokens",
                    "temperature",
                    "top_p",
                    "stop",
                    "stop_sequences",
                    "user",
                    "metadata",
                    "user_id",
                    "stream",
                    "stream_options",
                    "include_usage",
                    "tools",
                    "tool_choice",
                    "parallel_tool_calls",
                    "function",
                    "name",
                    "arguments",
                    "parameters",
                    "input_schema",
                    "description",
                    "tool_calls",
                    "id",
                    "tool_call_id",
                    "tool_use_id",
                    "input",
                    "image_url",
                    "url",
                    "source",
                    "media_type",
                    "data",
                    "n",
                    "logprobs",
                    "response_format",
                    "modalities",
                    "logit_bias",
                    "choices",
                    "index",
                    "delta",
                    "finish_reason",
                    "message",
                    "usage",
                    "prompt_tokens",
                    "completion_tokens",
                    "prompt_tokens_details",
                    "cached_tokens",
                    "input_tokens",
                    "output_tokens",
                    "cache_read_input_tokens",
                    "cache_creation_input_tokens",
                    "stop_reason",
                    "content_block",
                    "partial_json",
                    "refusal",
                    "error",
                    "thinking",
                    "top_k",
                    "disable_parallel_tool_use",
                    "is_error",
                    "developer",
                    "audio");

    /** String values the translators branch on. */
    static final List<String> VALUES =
            List.of(
                    "user",
                    "assistant",
                    "system",
                    "developer",
                    "tool",
                    "function",
                    "text",
                    "image",
                    "image_url",
                    "tool_use",
                    "tool_result",
                    "thinking",
                    "auto",
                    "none",
                    "required",
                    "any",
                    "base64",
                    "url",
                    "custom",
                    "json_object",
                    "end_turn",
                    "max_tokens",
                    "tool_use",
                    "stop",
                    "length",
                    "tool_calls",
                    "content_filter",
                    "refusal",
                    "text_delta",
                    "input_json_delta",
                    "message_start",
                    "content_block_start",
                    "content_block_delta",
                    "message_delta",
                    "message_stop",
                    "error",
                    "data:image/png;base64,iVBORw0KGgo=",
                    "https://example.com/cat.png",
                    "data:nonsense",
                    "{\"city\":\"Paris\"}",
                    "{",
                    "[1]",
                    "",
                    "claude-sonnet-4-5",
                    "gpt-4o-mini",
                    "[DONE]");

    /** Numbers beyond small integers: fractional, negative, signed zero, huge and tiny. */
    private static final List<JsonNode> ODD_NUMBERS =
            List.of(
                    NODES.numberNode(1.5),
                    NODES.numberNode(-0.0),
                    NODES.numberNode(2.0),
                    NODES.numberNode(-2.5),
                    NODES.numberNode(0.1),
                    NODES.numberNode(1e300),
                    NODES.numberNode(-1e300),
                    NODES.numberNode(Double.MIN_VALUE),
                    NODES.numberNode(new BigInteger("123456789012345678901234567890")),
                    NODES.numberNode(new BigInteger("-98765432109876543210987654321")),
                    NODES.numberNode(new BigDecimal("3.14159265358979323846264338327950288")),
                    NODES.numberNode(new BigDecimal("1E+400")));

    /** Longs at the edges of the integer types. */
    private static final List<Long> EDGE_LONGS =
            List.of(
                    0L,
                    1L,
                    -1L,
                    (long) Integer.MAX_VALUE,
                    Integer.MAX_VALUE + 1L,
                    (long) Integer.MIN_VALUE,
                    Long.MAX_VALUE,
                    Long.MIN_VALUE);

    /** Characters that need escaping in JSON or end lines. */
    private static final String SPECIAL_CHARS = "\"\\/\n\r\t\b\f\u0000\u001f\u007f\u2028";

    private final SplittableRandom random;

    /**
     * A generator for one case.
     *
     * @param seed the case seed
     */
    public RandomJson(long seed) {
        // split() mixes the seed, so consecutive case seeds give unrelated sequences
        this.random = new SplittableRandom(seed).split();
    }

    // --- plain values ---

    /**
     * Returns an int in {@code [min, max]}.
     *
     * @param min the smallest
     * @param max the largest
     * @return the int
     */
    public int between(int min, int max) {
        return random.nextInt(min, max + 1);
    }

    /**
     * Returns true or false.
     *
     * @return the boolean
     */
    public boolean bool() {
        return random.nextBoolean();
    }

    /**
     * Returns one of the options, uniformly.
     *
     * @param options the options, not empty
     * @param <T> the option type
     * @return the option picked
     */
    public <T> T pick(List<T> options) {
        return options.get(random.nextInt(options.size()));
    }

    /**
     * Picks an index with the given relative weights, e.g. {@code weighted(3, 1)} is 0 three times
     * in four.
     *
     * @param weights the weight of each index
     * @return the index picked
     */
    public int weighted(int... weights) {
        int roll = random.nextInt(Arrays.stream(weights).sum());
        for (int i = 0; i < weights.length; i++) {
            roll -= weights[i];
            if (roll < 0) {
                return i;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * Returns a string of up to {@code maxLength} chars: ASCII mostly, with characters JSON
     * escapes, other scripts, emoji (surrogate pairs) and now and then a lone surrogate; empty as
     * often as any other length.
     *
     * @param maxLength the longest
     * @return the string
     */
    public String string(int maxLength) {
        int length = between(0, maxLength);
        StringBuilder out = new StringBuilder(length);
        while (out.length() < length) {
            switch (weighted(12, 2, 3, 1, 1)) {
                case 0 -> out.append((char) between(0x20, 0x7e));
                case 1 -> out.append(SPECIAL_CHARS.charAt(random.nextInt(SPECIAL_CHARS.length())));
                case 2 -> out.append((char) between(0xa0, 0xd7ff));
                case 3 ->
                        out.appendCodePoint(
                                out.length() + 1 < length ? between(0x1f300, 0x1faff) : 'x');
                default -> out.append((char) between(0xd800, 0xdfff));
            }
        }
        return out.toString();
    }

    private long anyLong() {
        return bool() ? pick(EDGE_LONGS) : random.nextLong();
    }

    // --- JSON ---

    private JsonNode leaf() {
        return switch (weighted(4, 2, 2, 1, 1, 2, 1)) {
            case 0 -> NODES.textNode(pick(VALUES));
            case 1 -> NODES.textNode(weighted(19, 1) == 0 ? string(12) : string(4096));
            case 2 -> NODES.numberNode(between(-2, 5));
            case 3 -> NODES.numberNode(anyLong());
            case 4 -> pick(ODD_NUMBERS);
            case 5 -> NODES.booleanNode(bool());
            default -> NODES.nullNode();
        };
    }

    private String key() {
        return weighted(5, 1) == 0 ? pick(KEYS) : string(6);
    }

    /**
     * Returns any JSON value: an object, array, string, number, boolean or null, nested up to
     * {@code depth}.
     *
     * @param depth the deepest nesting
     * @return a fresh tree
     */
    public JsonNode value(int depth) {
        if (depth <= 0) {
            return leaf();
        }
        return switch (weighted(3, 2, 3)) {
            case 0 -> leaf();
            case 1 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = between(0, 4); i > 0; i--) {
                    array.add(value(depth - 1));
                }
                yield array;
            }
            default -> object(depth);
        };
    }

    /**
     * Returns any JSON object of up to six fields, nested up to {@code depth}.
     *
     * @param depth the deepest nesting
     * @return a fresh tree
     */
    public ObjectNode object(int depth) {
        ObjectNode object = NODES.objectNode();
        for (int i = between(0, 6); i > 0; i--) {
            object.set(key(), value(depth - 1));
        }
        return object;
    }

    /**
     * Returns a copy of one of the valid documents with one to four random mutations: a node
     * anywhere in the tree replaced by any JSON value (so a field of any type gets every other
     * type), or removed, or a field or element added.
     *
     * @param bases the valid documents
     * @return a fresh tree
     */
    public ObjectNode mutated(List<ObjectNode> bases) {
        ObjectNode copy = pick(bases).deepCopy();
        for (int i = between(1, 4); i > 0; i--) {
            mutate(copy, between(0, 1_000_000), between(0, 2), key(), value(2));
        }
        return copy;
    }

    /**
     * One change to a tree: at the {@code pick}-th container, replace (0), remove (1) or add (2).
     */
    private static void mutate(ObjectNode root, int pick, int kind, String key, JsonNode value) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.get(pick % containers.size());
        if (target.isObject()) {
            ObjectNode object = (ObjectNode) target;
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            if (kind == 2 || names.isEmpty()) {
                object.set(key, value);
            } else if (kind == 1) {
                object.remove(names.get(pick % names.size()));
            } else {
                object.set(names.get(pick % names.size()), value);
            }
        } else {
            ArrayNode array = (ArrayNode) target;
            if (kind == 2 || array.isEmpty()) {
                array.add(value);
            } else if (kind == 1) {
                array.remove(pick % array.size());
            } else {
                array.set(pick % array.size(), value);
            }
        }
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            Iterator<JsonNode> children = node.elements();
            while (children.hasNext()) {
                collect(children.next(), out);
            }
        }
    }

    /**
     * A golden-file file of every {@code translate/} folder, parsed, e.g. {@code
     * request.openai.json}.
     *
     * @param fileName the file name to collect
     * @return the parsed files, in folder order
     */
    public static List<ObjectNode> goldenFiles(String fileName) {
        try {
            Path root = Path.of(RandomJson.class.getResource("/translate").toURI());
            try (Stream<Path> dirs = Files.list(root)) {
                List<ObjectNode> out = new ArrayList<>();
                for (Path file :
                        dirs.map(d -> d.resolve(fileName))
                                .filter(Files::exists)
                                .sorted()
                                .collect(Collectors.toList())) {
                    out.add((ObjectNode) MAPPER.readTree(file.toFile()));
                }
                return out;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
