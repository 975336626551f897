package io.ironcage.router.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * jqwik generators of JSON for the translation properties: arbitrary trees biased towards the field
 * names and values the translators look at (so generated input reaches deep into them), and valid
 * requests from the golden files with random mutations.
 */
public final class JsonArbitraries {
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

    private JsonArbitraries() {}

    private static Arbitrary<JsonNode> leaves() {
        return Arbitraries.<JsonNode>frequencyOf(
                Tuple.of(4, Arbitraries.of(VALUES).map(NODES::textNode)),
                Tuple.of(2, Arbitraries.strings().ofMaxLength(12).map(NODES::textNode)),
                Tuple.of(2, Arbitraries.integers().between(-2, 5).map(NODES::numberNode)),
                Tuple.of(1, Arbitraries.longs().map(NODES::numberNode)),
                Tuple.of(
                        1,
                        Arbitraries.of(
                                (JsonNode) NODES.numberNode(1.5),
                                NODES.numberNode(-0.0),
                                NODES.numberNode(1e300),
                                NODES.numberNode(new BigInteger("123456789012345678901234567890")),
                                NODES.numberNode(2.0))),
                Tuple.of(2, Arbitraries.of(true, false).map(NODES::booleanNode)),
                Tuple.of(1, Arbitraries.just(NODES.nullNode())));
    }

    private static Arbitrary<String> keys() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.of(KEYS)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(6)));
    }

    /**
     * Any JSON value: objects, arrays, strings, numbers, booleans and nulls, nested up to {@code
     * depth}.
     *
     * @param depth the deepest nesting
     * @return the generator
     */
    public static Arbitrary<JsonNode> values(int depth) {
        if (depth <= 0) {
            return leaves();
        }
        Arbitrary<JsonNode> inner = Arbitraries.lazy(() -> values(depth - 1));
        return Arbitraries.frequencyOf(
                Tuple.of(3, leaves()),
                Tuple.of(2, inner.list().ofMaxSize(4).map(JsonArbitraries::array)),
                Tuple.of(3, objects(inner)));
    }

    /**
     * Any JSON object, nested up to {@code depth}.
     *
     * @param depth the deepest nesting
     * @return the generator
     */
    public static Arbitrary<ObjectNode> objects(int depth) {
        return objects(Arbitraries.lazy(() -> values(depth - 1)));
    }

    private static Arbitrary<ObjectNode> objects(Arbitrary<JsonNode> values) {
        return Arbitraries.maps(keys(), values).ofMaxSize(6).map(JsonArbitraries::object);
    }

    private static ArrayNode array(List<JsonNode> items) {
        ArrayNode array = NODES.arrayNode();
        items.forEach(i -> array.add(i.deepCopy()));
        return array;
    }

    private static ObjectNode object(Map<String, JsonNode> fields) {
        ObjectNode object = NODES.objectNode();
        fields.forEach((k, v) -> object.set(k, v.deepCopy()));
        return object;
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
            Path root = Path.of(JsonArbitraries.class.getResource("/translate").toURI());
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

    /**
     * Valid documents with up to four random mutations each: a node anywhere in the tree replaced
     * by any JSON value, or removed, or a field added.
     *
     * @param bases the valid documents
     * @return the generator; every generated tree is a fresh copy
     */
    public static Arbitrary<ObjectNode> mutated(List<ObjectNode> bases) {
        Arbitrary<Mutation> mutation =
                Combinators.combine(
                                Arbitraries.integers().between(0, 1_000_000),
                                Arbitraries.integers().between(0, 2),
                                keys(),
                                values(2))
                        .as(Mutation::new);
        return Combinators.combine(Arbitraries.of(bases), mutation.list().ofMinSize(1).ofMaxSize(4))
                .as(
                        (base, mutations) -> {
                            ObjectNode copy = base.deepCopy();
                            mutations.forEach(m -> m.apply(copy));
                            return copy;
                        });
    }

    /** One change to a tree: at the {@code pick}-th container, replace, remove or add. */
    private static final class Mutation {
        final int pick;
        final int kind;
        final String key;
        final JsonNode value;

        Mutation(int pick, int kind, String key, JsonNode value) {
            this.pick = pick;
            this.kind = kind;
            this.key = key;
            this.value = value;
        }

        void apply(ObjectNode root) {
            List<JsonNode> containers = new ArrayList<>();
            collect(root, containers);
            JsonNode target = containers.get(pick % containers.size());
            if (target.isObject()) {
                ObjectNode object = (ObjectNode) target;
                List<String> names = new ArrayList<>();
                object.fieldNames().forEachRemaining(names::add);
                if (kind == 2 || names.isEmpty()) {
                    object.set(key, value.deepCopy());
                } else if (kind == 1) {
                    object.remove(names.get(pick % names.size()));
                } else {
                    object.set(names.get(pick % names.size()), value.deepCopy());
                }
            } else {
                ArrayNode array = (ArrayNode) target;
                if (kind == 2 || array.isEmpty()) {
                    array.add(value.deepCopy());
                } else if (kind == 1) {
                    array.remove(pick % array.size());
                } else {
                    array.set(pick % array.size(), value.deepCopy());
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

        @Override
        public String toString() {
            return "Mutation[" + pick + ", " + kind + ", " + key + ", " + value + "]";
        }
    }
}
