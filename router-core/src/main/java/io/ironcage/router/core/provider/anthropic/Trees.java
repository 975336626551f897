package io.ironcage.router.core.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

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

    /** The field as a boolean, or a translation error naming it. */
    static boolean bool(JsonNode node, String field) {
        if (node == null || !node.isBoolean()) {
            throw new TranslationException(field, "The field " + field + " must be a boolean.");
        }
        return node.booleanValue();
    }

    /** The field, checked to be a number, or a translation error naming it. */
    static JsonNode number(JsonNode node, String field) {
        if (node == null || !node.isNumber()) {
            throw new TranslationException(field, "The field " + field + " must be a number.");
        }
        return node;
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

    /**
     * Calls {@code each} with every element of the array field, checked to be an object, and its
     * path ({@code field[i]}), in order.
     */
    static void eachObject(JsonNode node, String field, BiConsumer<ObjectNode, String> each) {
        ArrayNode all = arrayField(node, field);
        for (int i = 0; i < all.size(); i++) {
            String at = field + "[" + i + "]";
            each.accept(objectField(all.get(i), at), at);
        }
    }

    /** What {@link #eachTyped} calls with each element: the element, its path and its type. */
    interface TypedElement {
        void accept(ObjectNode element, String at, String type);
    }

    /**
     * As {@link #eachObject}, with each element's {@code type}, which must be a string (content
     * parts and blocks).
     */
    static void eachTyped(JsonNode node, String field, TypedElement each) {
        eachObject(node, field, (o, at) -> each.accept(o, at, text(o.get("type"), at + ".type")));
    }

    /**
     * The error for an element at {@code at} whose {@code type} the translation does not take: "The
     * field {@code at}.type {@code rule}."
     */
    static TranslationException wrongType(String at, String rule) {
        return new TranslationException(at + ".type", "The field " + at + ".type " + rule + ".");
    }

    /**
     * The texts of an array of {@code text} parts or blocks, joined with {@code "\n"}; {@code
     * where} (e.g. {@code " in a system message"}) ends the error for a part of another type.
     */
    static String joinedText(JsonNode parts, String field, String where) {
        List<String> texts = new ArrayList<>();
        eachObject(
                parts,
                field,
                (part, at) -> {
                    if (!"text".equals(part.path("type").asText())) {
                        throw wrongType(at, "must be text" + where);
                    }
                    texts.add(text(part.get("text"), at + ".text"));
                });
        return String.join("\n", texts);
    }

    /**
     * Refuses a request with a top-level field that is neither translated nor harmless to drop.
     *
     * @param api the target API, e.g. {@code "the Anthropic Messages API"}
     * @param target what the request could not be sent to, e.g. {@code "an Anthropic model"}
     */
    static void refuseUnknownFields(
            ObjectNode in, Set<String> handled, Set<String> dropped, String api, String target) {
        Iterator<String> names = in.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!handled.contains(name) && !dropped.contains(name)) {
                throw new TranslationException(
                        name,
                        "The field "
                                + name
                                + " has no counterpart in "
                                + api
                                + ", so the request cannot be sent to "
                                + target
                                + ".");
            }
        }
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
