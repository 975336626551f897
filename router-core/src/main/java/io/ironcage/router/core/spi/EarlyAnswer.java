package io.ironcage.router.core.spi;

import java.util.Objects;

/**
 * A whole answer a {@link ProxyHandler} gives before the request's body is read ({@link
 * ProxyHandler#onHead}) or for a request the transport could not read ({@link
 * ProxyHandler#unreadable}). The transport sends it, leaves any body unread and closes the
 * connection once the client has stopped sending (a lingering close), so the client sees the answer
 * rather than a reset.
 *
 * @param status the HTTP status
 * @param headers the response headers; the transport sets the length itself
 * @param body the body
 */
public record EarlyAnswer(int status, HeaderMap headers, byte[] body) {
    /** Validates and copies the components. */
    public EarlyAnswer {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("an HTTP status is 100-599, got " + status);
        }
        Objects.requireNonNull(headers, "headers");
        body = body.clone();
    }

    /**
     * Returns the body; a copy, since arrays are mutable.
     *
     * @return the body bytes
     */
    @Override
    public byte[] body() {
        return body.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EarlyAnswer
                && ((EarlyAnswer) o).status == status
                && ((EarlyAnswer) o).headers.equals(headers)
                && java.util.Arrays.equals(((EarlyAnswer) o).body, body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, headers, java.util.Arrays.hashCode(body));
    }

    /** Shows the status and size. */
    @Override
    public String toString() {
        return "EarlyAnswer[" + status + ", " + body.length + " bytes]";
    }
}
