package io.ironcage.router.core.spi;

import java.util.Objects;

/**
 * A request as a server transport received it, handed to the {@link ProxyHandler}.
 *
 * <p>The transport reads the body up to {@link ServerOptions#maxRequestBodyBytes()}; a longer body
 * is not read further: the request arrives with {@code bodyTooLarge} set and an empty body, so the
 * handler can answer 413 in the caller's API format.
 *
 * @param method the HTTP method, upper case
 * @param path the raw path, without the query string, e.g. {@code /v1/chat/completions}
 * @param query the raw query string without {@code ?}, or empty
 * @param headers the request headers
 * @param body the body bytes, exactly as received; empty if too large. The array is handed over:
 *     the caller must not change it afterwards; {@link #body()} returns it without copying and
 *     callers must not change it
 * @param bodyTooLarge whether the body exceeded the limit
 */
public record ProxyRequest(
        String method,
        String path,
        String query,
        HeaderMap headers,
        byte[] body,
        boolean bodyTooLarge) {
    private static final byte[] EMPTY = new byte[0];

    /** Validates the components; takes the body array as it is, without copying it. */
    public ProxyRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        query = query == null ? "" : query;
        Objects.requireNonNull(headers, "headers");
        body = body == null ? EMPTY : body;
    }

    /**
     * Returns the body's length without copying it.
     *
     * @return the number of body bytes
     */
    public int bodyLength() {
        return body.length;
    }

    /** Shows method, path and size; never headers or body, which may hold secrets. */
    @Override
    public String toString() {
        return "ProxyRequest["
                + TransportStatus.printable(method)
                + " "
                + TransportStatus.printable(path)
                + ", "
                + body.length
                + " bytes"
                + (bodyTooLarge ? ", too large" : "")
                + "]";
    }
}
