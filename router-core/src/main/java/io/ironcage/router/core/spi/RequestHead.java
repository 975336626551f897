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
     * Splits an HTTP request target into its raw path and raw query, as {@code URI.getRawPath()}
     * and {@code getRawQuery()} would: an absolute target ({@code http://host/p?q}) loses its
     * scheme and authority, a fragment is dropped, an empty path is {@code /}. Nothing is decoded
     * or checked: the handler does that once, for every transport alike.
     *
     * @param target the request target of the request line
     * @return the raw path and the raw query (empty for none), in that order
     */
    public static String[] splitTarget(String target) {
        String rest = target;
        if (rest.startsWith("http://") || rest.startsWith("https://")) {
            int authority = rest.indexOf("//") + 2;
            int slash = rest.indexOf('/', authority);
            int question = rest.indexOf('?', authority);
            int start = slash < 0 ? question : (question < 0 ? slash : Math.min(slash, question));
            rest = start < 0 ? "/" : rest.substring(start);
        }
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        int question = rest.indexOf('?');
        String path = question < 0 ? rest : rest.substring(0, question);
        String query = question < 0 ? "" : rest.substring(question + 1);
        return new String[] {path.isEmpty() ? "/" : path, query};
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
