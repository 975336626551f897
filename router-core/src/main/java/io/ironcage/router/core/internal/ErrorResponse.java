package io.ironcage.router.core.internal;

import io.ironcage.router.core.spi.HeaderMap;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An HTTP error response the router produces itself, ready to send: status, headers and a JSON
 * body. Made by {@link ErrorResponses}.
 *
 * <p>The body array is copied on the way in and on the way out, and {@link #equals(Object)}
 * compares its content.
 *
 * @param status the HTTP status, 400–599
 * @param headers the response headers ({@code content-type: application/json})
 * @param body the UTF-8 JSON body
 */
public record ErrorResponse(int status, HeaderMap headers, byte[] body) {
    /**
     * Validates and copies the components.
     *
     * @throws NullPointerException if {@code headers} or {@code body} is {@code null}
     * @throws IllegalArgumentException if {@code status} is not 400–599
     */
    public ErrorResponse {
        Objects.requireNonNull(headers, "headers");
        body = Objects.requireNonNull(body, "body").clone();
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status must be 400-599, got " + status);
        }
    }

    /**
     * Returns a copy of the body.
     *
     * @return the UTF-8 JSON body
     */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /**
     * Returns the body as text.
     *
     * @return the JSON body decoded as UTF-8
     */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErrorResponse
                && status == ((ErrorResponse) o).status
                && headers.equals(((ErrorResponse) o).headers)
                && Arrays.equals(body, ((ErrorResponse) o).body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, headers, Arrays.hashCode(body));
    }

    /** Shows the status, the header names and the body (error bodies hold no secrets). */
    @Override
    public String toString() {
        return "ErrorResponse[status="
                + status
                + ", headers="
                + headers
                + ", body="
                + bodyText()
                + "]";
    }
}
