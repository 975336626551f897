package io.ironcage.router.core.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;

/** The translators' small shared vocabulary over Jackson trees. */
final class Trees {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Trees() {}

    static ObjectNode object() {
        return NODES.objectNode();
    }

    static ArrayNode array() {
        return NODES.arrayNode();
    }

    /** True when the field is absent or JSON null. */
    static boolean absent(JsonNode node) {
        return node == null || node.isMissingNode() || node.isNull();
    }

    /**
     * A token count of a usage object: 0 when the object or the field is absent, else a
     * non-negative integer.
     *
     * @throws TranslationException naming {@code prefix + field} when the value is not one
     */
    static long tokens(JsonNode usage, String prefix, String field) {
        if (usage == null || !usage.isObject()) {
            return 0;
        }
        JsonNode value = usage.get(field);
        if (absent(value)) {
            return 0;
        }
        if (!value.isIntegralNumber() || value.asLong() < 0) {
            throw new TranslationException(
                    prefix + field,
                    "The field " + prefix + field + " must be a non-negative integer.");
        }
        return value.asLong();
    }

    /** The field as a string, or a translation error naming it. */
    static String text(JsonNode node, String field) {
        if (node == null || !node.isTextual()) {
            throw new TranslationException(field, "The field " + field + " must be a string.");
        }
        return node.textValue();
    }

    /** The field as an array, or a translation error naming it. */
    static ArrayNode arrayField(JsonNode node, String field) {
        if (node == null || !node.isArray()) {
            throw new TranslationException(field, "The field " + field + " must be an array.");
        }
        return (ArrayNode) node;
    }

    /** The field as an object, or a translation error naming it. */
    static ObjectNode objectField(JsonNode node, String field) {
        if (node == null || !node.isObject()) {
            throw new TranslationException(field, "The field " + field + " must be an object.");
        }
        return (ObjectNode) node;
    }

    /** Parses a JSON object held in a string field (tool-call arguments). */
    static ObjectNode parseObject(String json, String field) {
        if (json.isBlank()) {
            return object();
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new TranslationException(
                    field,
                    "The field " + field + " is not valid JSON, so it cannot be translated.");
        }
        if (node == null || !node.isObject()) {
            throw new TranslationException(
                    field,
                    "The field " + field + " must hold a JSON object, but holds another value.");
        }
        return (ObjectNode) node;
    }

    /**
     * Parses the data of one stream event, which must be a JSON object.
     *
     * @throws TranslationException when it is not, without echoing the data
     */
    static ObjectNode parseEvent(String data) {
        JsonNode node;
        try {
            node = MAPPER.readTree(data);
        } catch (JsonProcessingException e) {
            node = null;
        }
        if (node == null || !node.isObject()) {
            throw new TranslationException(
                    "", "The provider's stream sent an event whose data is not a JSON object.");
        }
        return (ObjectNode) node;
    }

    /** The string value of {@code node.field}, or {@code fallback} when it is not a string. */
    static String textOr(JsonNode node, String field, String fallback) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.textValue() : fallback;
    }

    /** Writes a tree as compact JSON text (tool-call arguments, stream events). */
    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Jackson tree could not be written", e);
        }
    }
}
