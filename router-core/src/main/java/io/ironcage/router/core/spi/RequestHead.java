package io.ironcage.router.core.spi;

import java.util.Objects;

/**
 * What a server transport knows of a request before it reads the body: the request line and the
 * headers. A transport shows it to {@link ProxyHandler#onHead} first, so a request that will be
 * refused (no token, a path the router never forwards) is answered without reading its body.
 *
 * @param method the HTTP method, upper case
 * @param path the raw path, without the query string, exactly as received
 * @param query the raw query string without {@code ?}, or empty
 * @param headers the request headers
 */
public record RequestHead(String method, String path, String query, HeaderMap headers) {
    /** Validates the components. */
    public RequestHead {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        query = query == null ? "" : query;
        Objects.requireNonNull(headers, "headers");
    }

    /**
     * Returns text from a client as a log line may show it: control characters, backslashes and
     * anything outside printable ASCII as hex escapes, at most 256 characters, so a client cannot
     * forge log lines, drive a terminal or fill the log.
     *
     * @param text e.g. a raw request path
     * @return the escaped text
     */
    public static String printable(String text) {
        return TransportStatus.printable(text);
    }

    /** Shows method and path, escaped; never headers, which may hold secrets. */
    @Override
    public String toString() {
        return "RequestHead["
                + TransportStatus.printable(method)
                + " "
                + TransportStatus.printable(path)
                + "]";
    }
}
