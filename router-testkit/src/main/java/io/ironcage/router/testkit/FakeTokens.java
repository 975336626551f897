package io.ironcage.router.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Deterministic token counting for unscripted answers: one token per started 4 bytes of UTF-8,
 * counted over the prompt's text. Not a real tokenizer; stable, so tests can predict it.
 */
final class FakeTokens {
    private static final Set<String> TEXT_FIELDS =
            Set.of("content", "text", "system", "input", "instructions", "prompt");

    private FakeTokens() {}

    static long count(String text) {
        long bytes = text.getBytes(StandardCharsets.UTF_8).length;
        return (bytes + 3) / 4;
    }

    /** Tokens of every text value in the request's prompt fields, at least 1. */
    static long prompt(JsonNode request) {
        StringBuilder all = new StringBuilder();
        collect(request, false, all);
        return Math.max(1, count(all.toString()));
    }

    /** The text of the last user turn, for the default echo reply. */
    static String lastUserText(JsonNode request) {
        JsonNode messages = request.path("messages");
        String last = "";
        if (messages.isArray()) {
            for (JsonNode message : messages) {
                if ("user".equals(message.path("role").asText())) {
                    StringBuilder text = new StringBuilder();
                    collect(message.path("content"), true, text);
                    last = text.toString();
                }
            }
        } else if (request.path("input").isTextual()) {
            last = request.path("input").asText();
        }
        return last;
    }

    /**
     * One input of an embeddings request.
     *
     * @param seed what its vector is computed from
     * @param tokens its tokens: counted from a string, the length of a token array
     */
    record EmbeddingInput(int seed, long tokens) {}

    /**
     * The inputs of an embeddings request, as OpenAI reads {@code input}: a string, an array of
     * strings, one array of token ids, or an array of such arrays.
     */
    static List<EmbeddingInput> embeddingInputs(JsonNode request) {
        JsonNode input = request.path("input");
        List<EmbeddingInput> inputs = new ArrayList<>();
        if (!input.isArray()) {
            inputs.add(embeddingInput(input));
        } else if (!input.isEmpty() && input.get(0).isNumber()) {
            inputs.add(embeddingInput(input)); // one token array
        } else {
            input.forEach(item -> inputs.add(embeddingInput(item)));
        }
        return inputs;
    }

    private static EmbeddingInput embeddingInput(JsonNode item) {
        if (item.isArray()) {
            return new EmbeddingInput(item.toString().hashCode(), item.size());
        }
        String text = item.asText();
        return new EmbeddingInput(text.hashCode(), Math.max(1, count(text)));
    }

    private static void collect(JsonNode node, boolean inText, StringBuilder out) {
        if (node.isTextual()) {
            if (inText) {
                out.append(node.asText()).append(' ');
            }
        } else if (node.isArray()) {
            node.forEach(child -> collect(child, inText, out));
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                boolean text =
                        inText
                                || TEXT_FIELDS.contains(field.getKey())
                                || "messages".equals(field.getKey());
                if (!"role".equals(field.getKey()) && !"type".equals(field.getKey())) {
                    collect(field.getValue(), text, out);
                }
            }
        }
    }

    /** Splits a reply into stream deltas: one per word, spaces kept, so deltas rejoin exactly. */
    static List<String> deltas(String text) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == ' ') {
                parts.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length() || parts.isEmpty()) {
            parts.add(text.substring(start));
        }
        return parts;
    }

    /** Splits tool-call arguments into up to three fragments, as providers stream them. */
    static List<String> fragments(String json) {
        if (json.length() < 3) {
            return List.of(json);
        }
        int third = json.length() / 3;
        return List.of(
                json.substring(0, third),
                json.substring(third, 2 * third),
                json.substring(2 * third));
    }
}
