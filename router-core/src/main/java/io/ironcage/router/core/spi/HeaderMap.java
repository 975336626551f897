package io.ironcage.router.core.spi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * HTTP headers as they cross a transport: immutable, ordered, multi-valued, with names compared
 * ignoring case (names are kept in lower case, as HTTP/2 sends them).
 *
 * <p>{@link #toString()} shows header names only: values may hold provider keys or tokens.
 */
public final class HeaderMap {
    private static final String[] NONE = new String[0];
    private static final HeaderMap EMPTY = new HeaderMap(NONE, NONE, 0);

    /** RFC 9110 token characters, upper case included (names are lowered after the check). */
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = 0; c < 128; c++) {
            TOKEN[c] =
                    (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }
    }

    private final String[] names; // lower case; the first size entries are used
    private final String[] values;
    private final int size;

    private HeaderMap(String[] names, String[] values, int size) {
        this.names = names;
        this.values = values;
        this.size = size;
    }

    /**
     * Returns headers with no entries.
     *
     * @return the empty map
     */
    public static HeaderMap empty() {
        return EMPTY;
    }

    /**
     * Returns headers from alternating names and values.
     *
     * @param namesAndValues {@code name1, value1, name2, value2, ...}
     * @return the headers
     * @throws IllegalArgumentException if the count is odd or a name or value is invalid
     */
    public static HeaderMap of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("header names and values must come in pairs");
        }
        Builder builder = builder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            builder.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return builder.build();
    }

    /**
     * Returns an empty builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder(NONE, NONE, 0);
    }

    /**
     * Returns a builder holding these headers.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        return new Builder(names, values, size);
    }

    /**
     * Returns the first value of a header.
     *
     * @param name the name, in any case
     * @return the first value, or empty if absent
     */
    public Optional<String> first(String name) {
        int at = indexOf(normalize(name));
        return at < 0 ? Optional.empty() : Optional.of(values[at]);
    }

    /**
     * Returns every value of a header, in order.
     *
     * @param name the name, in any case
     * @return the values; empty if absent
     */
    public List<String> all(String name) {
        String key = normalize(name);
        List<String> found = new ArrayList<>(1);
        for (int i = 0; i < size; i++) {
            if (names[i].equals(key)) {
                found.add(values[i]);
            }
        }
        return Collections.unmodifiableList(found);
    }

    /**
     * Returns whether a header is present.
     *
     * @param name the name, in any case
     * @return {@code true} if at least one value is present
     */
    public boolean contains(String name) {
        return indexOf(normalize(name)) >= 0;
    }

    private int indexOf(String key) {
        for (int i = 0; i < size; i++) {
            if (names[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Returns the distinct names, lower case, in first-seen order.
     *
     * @return the names
     */
    public Set<String> names() {
        return Collections.unmodifiableSet(
                new LinkedHashSet<>(Arrays.asList(names).subList(0, size)));
    }

    /**
     * Calls {@code action} with each name and value, in order (a name with several values comes
     * once per value).
     *
     * @param action receives the lower-case name and a value
     */
    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < size; i++) {
            action.accept(names[i], values[i]);
        }
    }

    /**
     * Returns the number of name/value pairs.
     *
     * @return the size
     */
    public int size() {
        return size;
    }

    /**
     * Returns whether there are no headers.
     *
     * @return {@code true} if empty
     */
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof HeaderMap)) {
            return false;
        }
        HeaderMap other = (HeaderMap) o;
        return Arrays.equals(names, 0, size, other.names, 0, other.size)
                && Arrays.equals(values, 0, size, other.values, 0, other.size);
    }

    @Override
    public int hashCode() {
        int hash = 1;
        for (int i = 0; i < size; i++) {
            hash = 31 * (31 * hash + names[i].hashCode()) + values[i].hashCode();
        }
        return hash;
    }

    /** Shows the names only; values may be secrets. */
    @Override
    public String toString() {
        return "HeaderMap" + Arrays.asList(names).subList(0, size);
    }

    private static String normalize(String name) {
        Objects.requireNonNull(name, "name");
        return name.toLowerCase(Locale.ROOT);
    }

    /** Builds a {@link HeaderMap}. Not thread-safe. */
    public static final class Builder {
        private String[] names;
        private String[] values;
        private int size;
        private boolean shared; // the arrays are also a built map's: copy before changing them

        private Builder(String[] names, String[] values, int size) {
            this.names = names;
            this.values = values;
            this.size = size;
            this.shared = true;
        }

        /**
         * Adds a value, keeping any existing ones.
         *
         * @param name a header name (RFC 9110 token characters)
         * @param value the value (no CR, LF or NUL)
         * @return this builder
         * @throws IllegalArgumentException if the name or value is not valid in HTTP
         */
        public Builder add(String name, String value) {
            String key = validName(name);
            String checked = validValue(key, value);
            if (shared || size == names.length) {
                int capacity = Math.max(8, size == names.length ? size * 2 : names.length);
                names = Arrays.copyOf(names, capacity);
                values = Arrays.copyOf(values, capacity);
                shared = false;
            }
            names[size] = key;
            values[size] = checked;
            size++;
            return this;
        }

        /**
         * Replaces every value of a header with one value.
         *
         * @param name a header name
         * @param value the value
         * @return this builder
         * @throws IllegalArgumentException if the name or value is not valid in HTTP
         */
        public Builder set(String name, String value) {
            remove(name);
            return add(name, value);
        }

        /**
         * Removes every value of a header.
         *
         * @param name the name, in any case
         * @return this builder
         */
        public Builder remove(String name) {
            String key = normalize(name);
            int at = 0;
            while (at < size && !names[at].equals(key)) {
                at++;
            }
            if (at == size) {
                return this;
            }
            if (shared) {
                names = names.clone();
                values = values.clone();
                shared = false;
            }
            int kept = at;
            for (int i = at + 1; i < size; i++) {
                if (!names[i].equals(key)) {
                    names[kept] = names[i];
                    values[kept] = values[i];
                    kept++;
                }
            }
            Arrays.fill(names, kept, size, null);
            Arrays.fill(values, kept, size, null);
            size = kept;
            return this;
        }

        /**
         * Returns the headers built so far.
         *
         * @return an immutable map
         */
        public HeaderMap build() {
            if (size == 0) {
                return EMPTY;
            }
            shared = true; // later changes copy first: the map keeps these arrays
            return new HeaderMap(names, values, size);
        }

        private static String validName(String name) {
            Objects.requireNonNull(name, "name");
            int length = name.length();
            if (length == 0) {
                throw new IllegalArgumentException("a header name must not be empty");
            }
            boolean lower = true;
            for (int i = 0; i < length; i++) {
                char c = name.charAt(i);
                if (c >= 128 || !TOKEN[c]) {
                    throw new IllegalArgumentException(
                            "a header name may not contain character code " + (int) c);
                }
                lower &= c < 'A' || c > 'Z';
            }
            return lower ? name : name.toLowerCase(Locale.ROOT);
        }

        private static String validValue(String key, String value) {
            Objects.requireNonNull(value, "value");
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\r' || c == '\n' || c == 0) {
                    throw new IllegalArgumentException(
                            "the value of header '" + key + "' contains CR, LF or NUL");
                }
            }
            return value;
        }
    }
}
