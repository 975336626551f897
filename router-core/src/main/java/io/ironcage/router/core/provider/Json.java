package io.ironcage.router.core.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;

/** The provider package's JSON parsing, which never throws on bad input. */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** A streaming parser over the text (the caller closes it). */
    static JsonParser parser(String text) throws IOException {
        return MAPPER.createParser(text);
    }

    /** The value the parser is at, as a tree (it moves past the value). */
    static JsonNode tree(JsonParser parser) throws IOException {
        return MAPPER.readTree(parser);
    }

    /** Parses one JSON object; empty if the text is not valid JSON or not an object. */
    static Optional<JsonNode> parseObject(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    /**
     * Parses one top-level field of a JSON object alone: the other fields are skimmed byte by byte
     * ({@link JsonScan}), never tokenized or built into a tree. Gives what {@code
     * readTree(json).get(name)} would: the last of duplicate fields, and empty when the bytes are
     * not a whole JSON object (truncated, not an object, not JSON) or have no such field.
     */
    static Optional<JsonNode> topLevelField(byte[] json, String name) {
        long at = JsonScan.find(json, name);
        if (at == JsonScan.ASK_JACKSON) {
            return topLevelFieldParsed(json, name);
        }
        if (at == JsonScan.NONE) {
            return Optional.empty();
        }
        int start = (int) (at >>> 32);
        JsonNode built = JsonScan.tree(json, start);
        if (built != null) {
            return Optional.of(built);
        }
        try {
            return Optional.ofNullable(MAPPER.readTree(json, start, (int) at - start));
        } catch (IOException e) {
            return Optional.empty(); // the scan let through what Jackson refuses
        }
    }

    /** {@link #topLevelField} by Jackson's parser alone: slower, and the reference. */
    static Optional<JsonNode> topLevelFieldParsed(byte[] json, String name) {
        try (JsonParser parser = MAPPER.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            JsonNode found = null;
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (name.equals(field)) {
                    found = MAPPER.readTree(parser);
                } else {
                    parser.skipChildren();
                }
            }
            return token == JsonToken.END_OBJECT ? Optional.ofNullable(found) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
