package io.ironcage.router.core.spi;

import java.util.ArrayList;
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
    private static final HeaderMap EMPTY = new HeaderMap(List.of(), List.of());

    private final List<String> names;
    private final List<String> values;

    private HeaderMap(List<String> names, List<String> values) {
        this.names = names;
        this.values = values;
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
        return new Builder();
    }

    /**
     * Returns a builder holding these headers.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.names.addAll(names);
        builder.values.addAll(values);
        return builder;
    }

    /**
     * Returns the first value of a header.
     *
     * @param name the name, in any case
     * @return the first value, or empty if absent
     */
    public Optional<String> first(String name) {
        String key = normalize(name);
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(key)) {
                return Optional.of(values.get(i));
            }
        }
        return Optional.empty();
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
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(key)) {
                found.add(values.get(i));
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
        return names.contains(normalize(name));
    }

    /**
     * Returns the distinct names, lower case, in first-seen order.
     *
     * @return the names
     */
    public Set<String> names() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(names));
    }

    /**
     * Calls {@code action} with each name and value, in order (a name with several values comes
     * once per value).
     *
     * @param action receives the lower-case name and a value
     */
    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < names.size(); i++) {
            action.accept(names.get(i), values.get(i));
        }
    }

    /**
     * Returns the number of name/value pairs.
     *
     * @return the size
     */
    public int size() {
        return names.size();
    }

    /**
     * Returns whether there are no headers.
     *
     * @return {@code true} if empty
     */
    public boolean isEmpty() {
        return names.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderMap
                && names.equals(((HeaderMap) o).names)
                && values.equals(((HeaderMap) o).values);
    }

    @Override
    public int hashCode() {
        return 31 * names.hashCode() + values.hashCode();
    }

    /** Shows the names only; values may be secrets. */
    @Override
    public String toString() {
        return "HeaderMap" + names;
    }

    private static String normalize(String name) {
        Objects.requireNonNull(name, "name");
        return name.toLowerCase(Locale.ROOT);
    }

    /** Builds a {@link HeaderMap}. Not thread-safe. */
    public static final class Builder {
        private final List<String> names = new ArrayList<>();
        private final List<String> values = new ArrayList<>();

        private Builder() {}

        /**
         * Adds a value, keeping any existing ones.
         *
         * @param name a header name (RFC 9110 token characters)
         * @param value the value (no CR, LF or NUL)
         * @return this builder
         * @throws IllegalArgumentException if the name or value is not valid in HTTP
         */
        public Builder add(String name, String value) {
            names.add(validName(name));
            values.add(validValue(name, value));
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
            for (int i = names.size() - 1; i >= 0; i--) {
                if (names.get(i).equals(key)) {
                    names.remove(i);
                    values.remove(i);
                }
            }
            return this;
        }

        /**
         * Returns the headers built so far.
         *
         * @return an immutable map
         */
        public HeaderMap build() {
            return names.isEmpty() ? EMPTY : new HeaderMap(List.copyOf(names), List.copyOf(values));
        }

        private static String validName(String name) {
            String key = normalize(name);
            if (key.isEmpty()) {
                throw new IllegalArgumentException("a header name must not be empty");
            }
            for (int i = 0; i < key.length(); i++) {
                char c = key.charAt(i);
                boolean token =
                        (c >= 'a' && c <= 'z')
                                || (c >= '0' && c <= '9')
                                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
                if (!token) {
                    throw new IllegalArgumentException(
                            "a header name may not contain character code " + (int) c);
                }
            }
            return key;
        }

        private static String validValue(String name, String value) {
            Objects.requireNonNull(value, "value");
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\r' || c == '\n' || c == 0) {
                    throw new IllegalArgumentException(
                            "the value of header '" + normalize(name) + "' contains CR, LF or NUL");
                }
            }
            return value;
        }
    }
}
