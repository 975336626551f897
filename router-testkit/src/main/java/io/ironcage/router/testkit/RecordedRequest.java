package io.ironcage.router.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A request a fake received, exactly as it arrived.
 *
 * @param method the HTTP method, e.g. {@code POST}
 * @param path the path, without the query string
 * @param query the raw query string without {@code ?}, or empty
 * @param headers the headers; names in lower case, values in arrival order
 * @param body the raw body
 */
public record RecordedRequest(
        String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Validates and copies the components (header names are lower-cased). */
    public RecordedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        query = query == null ? "" : query;
        Map<String, List<String>> copy = new TreeMap<>();
        headers.forEach(
                (name, values) ->
                        copy.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                                .addAll(values));
        copy.replaceAll((name, values) -> List.copyOf(values));
        headers = Map.copyOf(copy);
        body = body == null ? new byte[0] : body.clone();
    }

    /**
     * Returns the raw body; a copy, since arrays are mutable.
     *
     * @return the body bytes
     */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /**
     * Returns the first value of a header, ignoring the case of its name.
     *
     * @param name the header name
     * @return the first value, or empty if the header was not sent
     */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /**
     * Returns the body decoded as UTF-8.
     *
     * @return the body text
     */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * Returns the body parsed as JSON.
     *
     * @return the JSON tree ({@code MissingNode} for an empty body)
     * @throws UncheckedIOException if the body is not valid JSON
     */
    public JsonNode bodyJson() {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("the request body is not valid JSON", e);
        }
    }

    /** Shows method, path and body size; never header values, which may hold keys. */
    @Override
    public String toString() {
        return "RecordedRequest["
                + method
                + " "
                + path
                + (query.isEmpty() ? "" : "?" + query)
                + ", "
                + body.length
                + " bytes]";
    }
}
