package io.ironcage.router.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.ironcage.router.core.errors.ConfigException;
import java.io.IOException;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML text into a tree of {@link ConfigNode}s, each with its key path and line: duplicate
 * keys are errors, {@code ${NAME}} in a string is replaced by the environment variable, and a
 * syntax error is reported without the parser's excerpt of the file (which may hold a secret).
 */
final class YamlTree {
    private static final YAMLFactory YAML =
            YAMLFactory.builder().enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();
    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final ConfigKeys keys;
    private final Map<String, String> env;

    YamlTree(ConfigKeys keys, Map<String, String> env) {
        this.keys = keys;
        this.env = env;
    }

    /**
     * Parses the text into a tree.
     *
     * @throws ConfigException if it is empty, not YAML, more than one document, or names a variable
     *     that is not set
     */
    ConfigNode read(String yaml) {
        ConfigNode root;
        try (JsonParser parser = YAML.createParser(yaml)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw keys.error(
                        "",
                        ConfigException.NO_LINE,
                        "the configuration is empty; it needs providers (direct mode) or"
                                + " control-plane (server mode).");
            }
            root = node(parser, "");
            if (parser.nextToken() != null) {
                throw keys.error(
                        "",
                        parser.currentTokenLocation().getLineNr(),
                        "the configuration holds more than one YAML document; use one.");
            }
        } catch (JsonProcessingException e) {
            throw syntaxError(e, yaml);
        } catch (IOException e) {
            throw new ConfigException(
                    keys.source,
                    "",
                    ConfigException.NO_LINE,
                    "the configuration could not be read.",
                    e);
        }
        return root;
    }

    private ConfigNode node(JsonParser parser, String path) throws IOException {
        JsonToken token = parser.currentToken();
        int line = parser.currentTokenLocation().getLineNr();
        switch (token) {
            case START_OBJECT:
                {
                    ConfigNode map = new ConfigNode(path, line, token, null, false);
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String name = parser.currentName();
                        int keyLine = parser.currentTokenLocation().getLineNr();
                        String childPath = path.isEmpty() ? name : path + "." + name;
                        if (map.entries.containsKey(name)) {
                            throw keys.error(
                                    childPath,
                                    keyLine,
                                    "the key is given twice (first on line "
                                            + map.keyLines.get(name)
                                            + ").");
                        }
                        parser.nextToken();
                        map.keyLines.put(name, keyLine);
                        map.entries.put(name, node(parser, childPath));
                    }
                    return map;
                }
            case START_ARRAY:
                {
                    ConfigNode list = new ConfigNode(path, line, token, null, false);
                    while (parser.nextToken() != JsonToken.END_ARRAY) {
                        list.items.add(node(parser, path + "[" + list.items.size() + "]"));
                    }
                    return list;
                }
            case VALUE_STRING:
                {
                    String raw = parser.getText();
                    return new ConfigNode(
                            path, line, token, interpolate(raw, path, line), raw.contains("${"));
                }
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                try {
                    return new ConfigNode(path, line, token, parser.getNumberValue(), false);
                } catch (JsonProcessingException e) {
                    throw keys.error(path, line, "the number is out of range.");
                }
            case VALUE_TRUE:
            case VALUE_FALSE:
                return new ConfigNode(path, line, token, token == JsonToken.VALUE_TRUE, false);
            case VALUE_NULL:
                return new ConfigNode(path, line, token, null, false);
            default:
                throw keys.error(path, line, "this kind of YAML value is not supported here.");
        }
    }

    /**
     * Replaces {@code ${NAME}} with the variable's value; <code>$${</code> is a literal <code>${
     * </code>.
     */
    private String interpolate(String raw, String path, int line) {
        if (raw.indexOf('$') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '$' && raw.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && raw.startsWith("${", i)) {
                int end = raw.indexOf('}', i + 2);
                String name = end < 0 ? "" : raw.substring(i + 2, end);
                if (!VARIABLE_NAME.matcher(name).matches()) {
                    throw keys.error(
                            path,
                            line,
                            "the value has a malformed variable reference; write ${NAME} with a"
                                    + " letter or _ first, then letters, digits or _, or $${ for a"
                                    + " literal ${.");
                }
                String value = env.get(name);
                if (value == null) {
                    throw keys.error(
                            path, line, "the environment variable " + name + " is not set.");
                }
                out.append(value);
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private ConfigException syntaxError(JsonProcessingException e, String yaml) {
        int line =
                e.getLocation() == null
                        ? ConfigException.NO_LINE
                        : Math.max(ConfigException.NO_LINE, e.getLocation().getLineNr());
        String problem = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException) {
                MarkedYAMLException marked = (MarkedYAMLException) t;
                problem = marked.getProblem();
                if (marked.getProblemMark() != null) {
                    line = marked.getProblemMark().getLine() + 1;
                }
                break;
            }
        }
        // The parser's own message quotes the offending line, which may hold a secret: not used,
        // and the exception is not attached as the cause.
        return new ConfigException(
                keys.source,
                "",
                line,
                "the configuration is not valid YAML"
                        + (problem == null ? "" : " (" + problem + ")")
                        + (variableInFlowCollection(problem, yaml, line)
                                ? "; ${…} inside { … } or [ … ] is read as the start of a"
                                        + " mapping: quote it, key: \"${VAR}\", or use block"
                                        + " style, one key per line"
                                : "")
                        + ".");
    }

    /**
     * Whether a syntax error is YAML tripping over an unquoted {@code ${VAR}} in a flow collection:
     * the parser expected {@code ,} or a closing bracket but got the variable's {@code {}.
     */
    private static boolean variableInFlowCollection(String problem, String yaml, int line) {
        if (problem == null || !problem.endsWith("but got {") || line < 1) {
            return false;
        }
        String[] lines = yaml.split("\\R", -1);
        return line <= lines.length && lines[line - 1].contains("${");
    }
}
