package io.ironcage.router.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.errors.ConfigException;
import io.ironcage.router.core.errors.PricingParseException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code pricing.overrides}: each model's prices, read by {@link PricingTables#parseOverrides} so
 * that the file and the pricing table follow one set of rules; its errors get the key and line.
 */
final class PricingSection {
    private final ConfigKeys keys;

    PricingSection(ConfigKeys keys) {
        this.keys = keys;
    }

    /** The {@code pricing} section: its overrides, in file order. */
    List<ModelPricing> pricing(ConfigNode node) {
        Map<String, ConfigNode> pricing = keys.section(node, List.of("overrides"));
        return keys.get(pricing, "overrides", List.of(), this::overrides);
    }

    private List<ModelPricing> overrides(ConfigNode node) {
        Map<String, ConfigNode> models = keys.section(node, null);
        List<ModelPricing> result = new ArrayList<>();
        for (Map.Entry<String, ConfigNode> entry : models.entrySet()) {
            String model = entry.getKey();
            ConfigNode value = entry.getValue();
            ObjectNode single = JsonNodeFactory.instance.objectNode();
            single.set(model, json(value));
            try {
                result.addAll(PricingTables.parseOverrides(single));
            } catch (PricingParseException e) {
                String key = value.path;
                int line = node.keyLines.get(model);
                ConfigNode at = fieldNamed(value, e.getMessage(), "");
                if (at != null) {
                    key = at.path;
                    line = at.line;
                }
                throw new ConfigException(
                        keys.source, key, line, ConfigKeys.sentence(e.getMessage()), e);
            }
        }
        return List.copyOf(result);
    }

    /**
     * The field of an override the message names ({@code field 'long-context.input-usd-per-mtok'}
     * is the nested one), or {@code null}.
     */
    private static ConfigNode fieldNamed(ConfigNode node, String message, String prefix) {
        if (!node.isMap()) {
            return null;
        }
        for (Map.Entry<String, ConfigNode> field : node.entries.entrySet()) {
            String path = prefix + field.getKey();
            if (message.contains("field '" + path + "'")) {
                return field.getValue();
            }
            if (message.contains("field '" + path + ".")) {
                ConfigNode inner = fieldNamed(field.getValue(), message, path + ".");
                return inner != null ? inner : field.getValue();
            }
        }
        return null;
    }

    /** The value as JSON; a string from a variable that reads as a number is that number. */
    private static JsonNode json(ConfigNode node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        switch (node.token) {
            case START_OBJECT:
                {
                    ObjectNode object = f.objectNode();
                    node.entries.forEach((k, v) -> object.set(k, json(v)));
                    return object;
                }
            case START_ARRAY:
                {
                    ArrayNode array = f.arrayNode();
                    node.items.forEach(v -> array.add(json(v)));
                    return array;
                }
            case VALUE_NULL:
                return f.nullNode();
            case VALUE_TRUE:
            case VALUE_FALSE:
                return f.booleanNode((Boolean) node.scalar);
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return numberNode((Number) node.scalar);
            default:
                String text = (String) node.scalar;
                if (node.interpolated && ConfigKeys.DECIMAL.matcher(text).matches()) {
                    return f.numberNode(new BigDecimal(text));
                }
                return f.textNode(text);
        }
    }

    private static JsonNode numberNode(Number number) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (number instanceof Integer || number instanceof Long || number instanceof Short) {
            return f.numberNode(number.longValue());
        }
        if (number instanceof BigInteger) {
            return f.numberNode((BigInteger) number);
        }
        if (number instanceof BigDecimal) {
            return f.numberNode((BigDecimal) number);
        }
        return f.numberNode(number.doubleValue());
    }
}
