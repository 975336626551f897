package io.ironcage.router.core.config;

import com.fasterxml.jackson.core.JsonToken;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A value of {@code router.yaml} with its full key path and the line it starts on. */
final class ConfigNode {
    final String path;
    final int line;
    final JsonToken token; // START_OBJECT, START_ARRAY, VALUE_NULL or a scalar
    final Object scalar; // String, Number or Boolean for scalars
    final boolean interpolated;
    final Map<String, ConfigNode> entries = new LinkedHashMap<>();
    final Map<String, Integer> keyLines = new LinkedHashMap<>();
    final List<ConfigNode> items = new ArrayList<>();

    ConfigNode(String path, int line, JsonToken token, Object scalar, boolean interpolated) {
        this.path = path;
        this.line = line;
        this.token = token;
        this.scalar = scalar;
        this.interpolated = interpolated;
    }

    boolean isMap() {
        return token == JsonToken.START_OBJECT;
    }

    boolean isList() {
        return token == JsonToken.START_ARRAY;
    }

    boolean isNull() {
        return token == JsonToken.VALUE_NULL;
    }

    boolean isString() {
        return token == JsonToken.VALUE_STRING;
    }

    boolean isNumber() {
        return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
    }

    /** What the value is, for messages: "a mapping", "a number", .... */
    String describe() {
        switch (token) {
            case START_OBJECT:
                return "a mapping";
            case START_ARRAY:
                return "a list";
            case VALUE_NULL:
                return "nothing";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "true or false";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            default:
                return "a string";
        }
    }
}
