package io.ironcage.router.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Finds where the value of one top-level field of a JSON object lies, reading the bytes once
 * without building tokens, names or strings: what a proxy needs to take the {@code usage} of an
 * answer it passes on as is.
 *
 * <p>It accepts what Jackson's default parser accepts, up to the end of the top-level object (what
 * follows is not read, as with {@code readTree}): RFC 8259 JSON in UTF-8 (an optional byte-order
 * mark), whitespace of space, tab, CR and LF only, no comments, no trailing commas, no leading
 * zeros, the escapes JSON defines, no raw control characters in strings, UTF-8 sequences checked
 * the way Jackson checks them (a lead byte and its continuation bytes), at most 1,000 levels of
 * nesting. Where Jackson's answer would take more than that (a document that may be UTF-16 or
 * UTF-32, a number over 1,000 characters, a field name over 50,000 bytes, any field name with
 * escapes or non-ASCII bytes, which Jackson decodes and checks further), it says so and the caller
 * asks Jackson.
 *
 * <p>{@link #tree} then builds the value found, with Jackson's node types, unless a string in it
 * needs decoding (escapes, non-ASCII bytes, over Jackson's length limit); then Jackson builds it.
 */
final class JsonScan {
    /** The bytes are not a whole JSON object, or it has no such field. */
    static final long NONE = -1;

    /** Ask Jackson: this scan does not decide such input. */
    static final long ASK_JACKSON = -2;

    private static final int MAX_DEPTH = 1000; // Jackson's StreamReadConstraints defaults
    private static final int MAX_NUMBER_LENGTH = 1000;
    private static final int MAX_NAME_BYTES = 50_000;
    private static final int MAX_STRING_LENGTH = 20_000_000; // Jackson refuses to decode more

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Bytes a string's plain run stops at: quote, backslash, control characters, non-ASCII. */
    private static final boolean[] SPECIAL = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            SPECIAL[c] = c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
        }
    }

    private final byte[] json;
    private final int end;
    private final String sought;
    private boolean undecided; // Jackson must decide
    private boolean plain; // the last string had no escapes and no bytes over 127
    private int at; // where tree() reads

    private JsonScan(byte[] json, String name) {
        this.json = json;
        this.end = json.length;
        this.sought = name;
    }

    /**
     * Finds the value of the last top-level field called {@code name} (as Jackson's {@code
     * readTree(json).get(name)} would).
     *
     * @return the value's start index in the high 32 bits and its end (exclusive) in the low 32;
     *     {@link #NONE} if the bytes are not a whole JSON object or have no such field; {@link
     *     #ASK_JACKSON} if this scan cannot tell
     */
    static long find(byte[] json, String name) {
        for (int k = 0; k < name.length(); k++) {
            if (name.charAt(k) >= 0x80) {
                throw new IllegalArgumentException("an ASCII name only: " + name);
            }
        }
        return new JsonScan(json, name).scan();
    }

    private long scan() {
        int p = 0;
        if (end >= 2 && (json[0] == 0 || json[1] == 0 || (json[0] & 0xFE) == 0xFE)) {
            return ASK_JACKSON; // UTF-16 or UTF-32, which Jackson detects
        }
        if (end >= 3
                && json[0] == (byte) 0xEF
                && json[1] == (byte) 0xBB
                && json[2] == (byte) 0xBF) {
            p = 3;
        }
        p = whitespace(p);
        if (p >= end || json[p] != '{') {
            return NONE;
        }
        long found = topLevel(p);
        return undecided ? ASK_JACKSON : found;
    }

    /** The top-level object at {@code p}: where the last field of the name holds its value. */
    private long topLevel(int p) {
        long found = NONE;
        p = whitespace(p + 1);
        if (p >= end) {
            return NONE;
        }
        if (json[p] == '}') {
            return NONE; // the rest is not read
        }
        while (true) {
            int after = name(p);
            if (after < 0) {
                return NONE;
            }
            boolean match = after - p - 2 == sought.length() && sought(p + 1);
            p = colon(after);
            if (p < 0) {
                return NONE;
            }
            int valueEnd = value(p, 1);
            if (valueEnd < 0) {
                return NONE;
            }
            if (match) {
                found = ((long) p << 32) | valueEnd;
            }
            p = whitespace(valueEnd);
            if (p >= end) {
                return NONE;
            }
            if (json[p] == '}') {
                return found; // the rest is not read
            }
            if (json[p] != ',') {
                return NONE;
            }
            p = whitespace(p + 1);
        }
    }

    /**
     * A member's name at {@code p}: the index after its closing quote, or -1 (Jackson decodes every
     * name and checks more in it than in a value: one with escapes or non-ASCII bytes, or a long
     * one, is left to Jackson).
     */
    private int name(int p) {
        if (p >= end || json[p] != '"') {
            return -1;
        }
        int after = string(p);
        if (after >= 0 && (!plain || after - p - 2 > MAX_NAME_BYTES)) {
            undecided = true;
            return -1;
        }
        return after;
    }

    /** After a name: the index of the value after the colon, or -1. */
    private int colon(int p) {
        p = whitespace(p);
        if (p >= end || json[p] != ':') {
            return -1;
        }
        return whitespace(p + 1);
    }

    /** Whether the plain name starting at {@code from} is the one sought (lengths are equal). */
    private boolean sought(int from) {
        for (int k = 0; k < sought.length(); k++) {
            if (json[from + k] != sought.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** A value at {@code p} inside a container at {@code depth}: the index after it, or -1. */
    private int value(int p, int depth) {
        if (p >= end) {
            return -1;
        }
        switch (json[p]) {
            case '{':
                return container(p, depth + 1, (byte) '}');
            case '[':
                return container(p, depth + 1, (byte) ']');
            case '"':
                return string(p);
            case 't':
                return literal(p, "true");
            case 'f':
                return literal(p, "false");
            case 'n':
                return literal(p, "null");
            default:
                return number(p);
        }
    }

    /** An object ({@code close} '}') or array (']') at {@code p}: the index after it, or -1. */
    private int container(int p, int depth, byte close) {
        if (depth > MAX_DEPTH) {
            return -1;
        }
        p = whitespace(p + 1);
        if (p < end && json[p] == close) {
            return p + 1;
        }
        while (true) {
            if (close == '}') {
                p = name(p);
                if (p < 0) {
                    return -1;
                }
                p = colon(p);
                if (p < 0) {
                    return -1;
                }
            }
            p = value(p, depth);
            if (p < 0) {
                return -1;
            }
            p = whitespace(p);
            if (p >= end) {
                return -1;
            }
            if (json[p] == close) {
                return p + 1;
            }
            if (json[p] != ',') {
                return -1;
            }
            p = whitespace(p + 1);
        }
    }

    private int whitespace(int p) {
        while (p < end) {
            byte c = json[p];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return p;
            }
            p++;
        }
        return p;
    }

    private int literal(int p, String word) {
        int n = word.length();
        if (p + n > end) {
            return -1;
        }
        for (int k = 1; k < n; k++) {
            if (json[p + k] != word.charAt(k)) {
                return -1;
            }
        }
        return p + n; // what follows is checked as what comes after a value
    }

    private int number(int p) {
        int q = p;
        if (json[q] == '-') {
            q++;
        }
        if (q >= end) {
            return -1;
        }
        if (json[q] == '0') {
            q++;
            if (q < end && digit(json[q])) {
                return -1; // leading zeros
            }
        } else if (digit(json[q])) {
            q = digits(q);
        } else {
            return -1;
        }
        if (q < end && json[q] == '.') {
            int fraction = ++q;
            q = digits(q);
            if (q == fraction) {
                return -1;
            }
        }
        if (q < end && (json[q] == 'e' || json[q] == 'E')) {
            q++;
            if (q < end && (json[q] == '+' || json[q] == '-')) {
                q++;
            }
            int exponent = q;
            q = digits(q);
            if (q == exponent) {
                return -1;
            }
        }
        if (q - p > MAX_NUMBER_LENGTH) {
            undecided = true;
            return -1;
        }
        return q;
    }

    private int digits(int p) {
        while (p < end && digit(json[p])) {
            p++;
        }
        return p;
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** A string at {@code p} (its opening quote): the index after its closing quote, or -1. */
    private int string(int p) {
        byte[] json = this.json;
        int end = json.length; // so the JIT drops the range checks
        int q = p + 1;
        plain = true;
        while (true) {
            while (q < end && !SPECIAL[json[q] & 0xFF]) {
                q++; // most bytes: a loop of its own, which the JIT makes tight
            }
            if (q >= end) {
                return -1;
            }
            int c = json[q] & 0xFF;
            if (c == '"') {
                return q + 1;
            }
            plain = false;
            if (c == '\\') {
                if (++q >= end) {
                    return -1;
                }
                switch (json[q]) {
                    case '"':
                    case '\\':
                    case '/':
                    case 'b':
                    case 'f':
                    case 'n':
                    case 'r':
                    case 't':
                        q++;
                        break;
                    case 'u':
                        if (q + 4 >= end) {
                            return -1;
                        }
                        for (int k = 1; k <= 4; k++) {
                            if (Character.digit(json[q + k], 16) < 0) {
                                return -1;
                            }
                        }
                        q += 5;
                        break;
                    default:
                        return -1;
                }
            } else if (c < 0x20) {
                return -1; // a raw control character
            } else {
                int more;
                if ((c & 0xE0) == 0xC0) {
                    more = 1;
                } else if ((c & 0xF0) == 0xE0) {
                    more = 2;
                } else if ((c & 0xF8) == 0xF0) {
                    more = 3;
                } else {
                    return -1;
                }
                for (int k = 1; k <= more; k++) {
                    if (q + k >= end || (json[q + k] & 0xC0) != 0x80) {
                        return -1;
                    }
                }
                q += 1 + more;
            }
        }
    }

    /**
     * Builds the tree of a value {@link #find} located, as Jackson's {@code readTree} builds it
     * (the same node types for the same numbers), or null when a string in it has escapes or
     * non-ASCII bytes: Jackson then decodes it.
     *
     * @param json the bytes {@link #find} scanned
     * @param start where the value starts (it ends where {@link #find} said)
     * @return the tree, or null
     */
    static JsonNode tree(byte[] json, int start) {
        JsonScan reader = new JsonScan(json, "");
        reader.at = start;
        JsonNode tree = reader.node();
        return reader.undecided ? null : tree;
    }

    /** The node at {@link #at}, which is valid JSON (found so by the scan); moves past it. */
    private JsonNode node() {
        at = whitespace(at);
        int p = at;
        switch (json[p]) {
            case '{':
                {
                    ObjectNode object = NODES.objectNode();
                    at = whitespace(p + 1);
                    if (json[at] == '}') {
                        at++;
                        return object;
                    }
                    while (!undecided) {
                        int nameEnd = string(at); // plain: the scan left names with escapes out
                        String name =
                                new String(
                                        json,
                                        at + 1,
                                        nameEnd - at - 2,
                                        StandardCharsets.ISO_8859_1);
                        at = colon(nameEnd);
                        object.replace(name, node()); // the last of duplicates, as Jackson
                        at = whitespace(at);
                        if (json[at++] == '}') {
                            return object;
                        }
                        at = whitespace(at);
                    }
                    return null;
                }
            case '[':
                {
                    ArrayNode array = NODES.arrayNode();
                    at = whitespace(p + 1);
                    if (json[at] == ']') {
                        at++;
                        return array;
                    }
                    while (!undecided) {
                        array.add(node());
                        at = whitespace(at);
                        if (json[at++] == ']') {
                            return array;
                        }
                    }
                    return null;
                }
            case '"':
                at = string(p);
                if (!plain || at - p - 2 > MAX_STRING_LENGTH) {
                    undecided = true;
                    return null;
                }
                return NODES.textNode(
                        new String(json, p + 1, at - p - 2, StandardCharsets.ISO_8859_1));
            case 't':
                at = p + 4;
                return NODES.booleanNode(true);
            case 'f':
                at = p + 5;
                return NODES.booleanNode(false);
            case 'n':
                at = p + 4;
                return NODES.nullNode();
            default:
                at = number(p);
                return numberNode(p, at);
        }
    }

    /** A number as Jackson types it: int, then long, then big integer; a double if not whole. */
    private JsonNode numberNode(int from, int to) {
        String text = new String(json, from, to - from, StandardCharsets.ISO_8859_1);
        for (int k = from; k < to; k++) {
            byte c = json[k];
            if (c == '.' || c == 'e' || c == 'E') {
                return NODES.numberNode(Double.parseDouble(text));
            }
        }
        if (to - from <= 18) {
            long value = Long.parseLong(text);
            return value == (int) value ? NODES.numberNode((int) value) : NODES.numberNode(value);
        }
        BigInteger value = new BigInteger(text);
        return value.bitLength() < 64
                ? NODES.numberNode(value.longValue())
                : NODES.numberNode(value);
    }
}
