package io.ironcage.router.core.config;

import io.ironcage.router.core.errors.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads typed values of {@code router.yaml} ({@link ConfigNode}s) for the sections' readers, and
 * makes their errors: each names the source, the full key path and the line. Messages never echo a
 * secret (a token, a key, a variable's value) or a URL.
 */
final class ConfigKeys {
    /** A decimal number, as a string from an environment variable may hold one. */
    static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

    final String source;

    ConfigKeys(String source) {
        this.source = source;
    }

    /**
     * The value of an optional key, read by {@code read}, or {@code otherwise} when the key is
     * absent.
     */
    <T> T get(
            Map<String, ConfigNode> fields, String key, T otherwise, Function<ConfigNode, T> read) {
        ConfigNode node = fields.get(key);
        return node == null ? otherwise : read.apply(node);
    }

    /** {@code reject} or {@code allow}: whether it is {@code allow}. */
    boolean allow(ConfigNode node, String name) {
        String value = string(node);
        if (value.equals("reject")) {
            return false;
        }
        if (value.equals("allow")) {
            return true;
        }
        throw error(node, name + " must be reject or allow, got '" + shorten(value) + "'.");
    }

    /** A string that must not be blank, e.g. a token: "the token is empty" names {@code what}. */
    String nonBlank(ConfigNode node, String what) {
        String value = string(node);
        if (value.isBlank()) {
            throw error(node, "the " + what + " is empty" + emptyHint(node) + ".");
        }
        return value;
    }

    /** The entries of a mapping; {@code null} is an empty one. Unknown keys are errors. */
    Map<String, ConfigNode> section(ConfigNode node, List<String> allowed) {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isMap()) {
            throw error(node, "expected a mapping, got " + node.describe() + ".");
        }
        if (allowed != null) {
            for (String name : node.entries.keySet()) {
                if (!allowed.contains(name)) {
                    String where = node.path.isEmpty() ? name : node.path + "." + name;
                    throw error(
                            where,
                            node.keyLines.get(name),
                            "unknown key '"
                                    + shorten(name)
                                    + "'; known keys here are "
                                    + String.join(", ", allowed)
                                    + ".");
                }
            }
        }
        return node.entries;
    }

    /** A string; anything else is an error that suggests quotes. */
    String string(ConfigNode node) {
        if (!node.isString()) {
            throw error(
                    node,
                    "expected a string, got "
                            + node.describe()
                            + (node.isNull() ? "" : "; put the value in quotes")
                            + ".");
        }
        return (String) node.scalar;
    }

    /** A number, or a string from a variable that reads as one. */
    double number(ConfigNode node) {
        if (node.isNumber()) {
            return ((Number) node.scalar).doubleValue();
        }
        if (node.isString() && node.interpolated) {
            String text = ((String) node.scalar).strip();
            if (DECIMAL.matcher(text).matches()) {
                return Double.parseDouble(text);
            }
            throw error(node, "expected a number; the environment variable's value is not one.");
        }
        throw error(node, "expected a number, got " + node.describe() + ".");
    }

    /** A whole number with a unit: 250ms, 10s, 5m or 1h. */
    Duration duration(ConfigNode node) {
        if (!node.isString()) {
            throw error(
                    node,
                    "expected a duration such as 250ms, 10s, 5m or 1h, got "
                            + node.describe()
                            + ".");
        }
        String text = ((String) node.scalar).strip();
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw error(
                    node,
                    "expected a duration such as 250ms, 10s, 5m or 1h, got '"
                            + shorten(text)
                            + "'.");
        }
        long amount = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            default:
                return Duration.ofHours(amount);
        }
    }

    /** A whole number from {@code min} to {@code max}. */
    int integer(ConfigNode node, int min, int max) {
        double value = number(node);
        if (value != Math.rint(value) || value < min || value > max) {
            throw error(
                    node,
                    "expected a whole number from "
                            + min
                            + " to "
                            + max
                            + ", got "
                            + (value == Math.rint(value) && Math.abs(value) < 1e15
                                    ? Long.toString((long) value)
                                    : Double.toString(value))
                            + ".");
        }
        return (int) value;
    }

    /** A duration longer than 0. */
    Duration positive(ConfigNode node) {
        Duration duration = duration(node);
        if (duration.isZero()) {
            throw error(node, "the duration must be longer than 0.");
        }
        return duration;
    }

    /**
     * An absolute http(s) URL with a host, without user information, query, fragment or trailing
     * {@code /}; never echoed.
     */
    URI url(ConfigNode node) {
        String text = string(node).strip();
        String problem =
                "expected an absolute http or https URL with a host and no user information,"
                        + " query or fragment, e.g. https://api.openai.com; the value is not shown.";
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw error(node, problem);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https"))
                || uri.getHost() == null
                || uri.getRawUserInfo() != null
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw error(node, problem);
        }
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text);
    }

    /** A file path, not blank. */
    Path path(ConfigNode node) {
        String value = string(node);
        if (value.isBlank()) {
            throw error(node, "the path is empty.");
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw error(node, "the value is not a valid file path (" + e.getReason() + ").");
        }
    }

    /** An error at the node's key and line. */
    ConfigException error(ConfigNode node, String problem) {
        return error(node.path, node.line, problem);
    }

    /**
     * An error at a key and line ({@code ""} and {@link ConfigException#NO_LINE} for the whole
     * file).
     */
    ConfigException error(String key, int line, String problem) {
        return new ConfigException(source, key, line, problem);
    }

    /** Why a value from a variable may be empty. */
    static String emptyHint(ConfigNode node) {
        return node.interpolated ? " (check the environment variable it names)" : "";
    }

    /** At most 60 characters of a value, for a message. */
    static String shorten(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }

    /** The text, ending with a full stop. */
    static String sentence(String text) {
        return text.endsWith(".") ? text : text + ".";
    }
}
