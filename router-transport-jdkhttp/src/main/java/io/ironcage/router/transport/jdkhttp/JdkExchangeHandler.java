package io.ironcage.router.transport.jdkhttp;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.ironcage.router.core.ClientDisconnectedException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns one JDK exchange into a {@link ProxyRequest}, calls the proxy handler and makes sure the
 * exchange ends: a handler that answers nothing or throws gets {@code 500 Internal error} (plain
 * text, no internals) if nothing was sent yet, else the connection is dropped.
 */
final class JdkExchangeHandler {
    private static final System.Logger LOG = System.getLogger(JdkExchangeHandler.class.getName());
    private static final byte[] INTERNAL_ERROR = "Internal error".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BAD_REQUEST = "Bad request".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UNAVAILABLE =
            "Service unavailable".getBytes(StandardCharsets.UTF_8);
    private static final int READ_BUFFER = 16 * 1024;

    private final ProxyHandler handler;
    private final long maxBodyBytes;

    JdkExchangeHandler(ProxyHandler handler, long maxBodyBytes) {
        this.handler = handler;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Serves one request through the proxy handler. */
    void handle(HttpExchange exchange) throws IOException {
        HeaderMap headers;
        try {
            headers = headers(exchange.getRequestHeaders());
        } catch (IllegalArgumentException e) {
            // a header name the JDK accepted but HTTP does not: a bad request, not a 500
            plain(exchange, 400, BAD_REQUEST, true);
            return;
        }
        Optional<byte[]> body = readBody(exchange.getRequestBody(), headers);
        URI uri = exchange.getRequestURI();
        String path = uri.getRawPath();
        ProxyRequest request =
                new ProxyRequest(
                        exchange.getRequestMethod().toUpperCase(Locale.ROOT),
                        path == null || path.isEmpty() ? "/" : path,
                        uri.getRawQuery(),
                        headers,
                        body.orElse(null),
                        body.isEmpty());
        JdkResponseSink sink = new JdkResponseSink(exchange, request.bodyTooLarge());
        Throwable failure = null;
        try {
            handler.handle(request, sink);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        finish(exchange, request, sink, failure);
    }

    private void finish(
            HttpExchange exchange, ProxyRequest request, JdkResponseSink sink, Throwable failure)
            throws IOException {
        JdkResponseSink.State state = sink.state();
        if (failure != null && !(failure instanceof ClientDisconnectedException)) {
            LOG.log(Level.WARNING, "The proxy handler failed on " + request, failure);
        }
        switch (state) {
            case NONE:
                if (failure == null) {
                    LOG.log(Level.WARNING, "The proxy handler did not answer " + request);
                }
                if (sink.claim()) {
                    plain(exchange, 500, INTERNAL_ERROR, request.bodyTooLarge());
                    return;
                }
                throw new DropConnection(); // the handler started an answer from another thread
            case SENT:
            case CLOSED:
                return;
            case STREAMING:
            case ABORTED:
            case BROKEN:
            default:
                sink.abort();
                throw new DropConnection();
        }
    }

    /** Answers 503 without reading the body, and closes the connection. */
    void refuse(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.getResponseHeaders().set("Connection", "close");
        exchange.sendResponseHeaders(503, UNAVAILABLE.length);
        OutputStream out = exchange.getResponseBody();
        out.write(UNAVAILABLE);
        out.flush();
        // Not exchange.close(): it would first drain the unread body (up to 64 KiB), possibly on
        // the dispatcher thread. Throwing makes the JDK server drop the connection instead.
        throw new DropConnection();
    }

    private static void plain(HttpExchange exchange, int status, byte[] body, boolean close)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if (close) {
            exchange.getResponseHeaders().set("Connection", "close");
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        exchange.close();
    }

    private static HeaderMap headers(Headers jdk) {
        HeaderMap.Builder builder = HeaderMap.builder();
        for (Map.Entry<String, List<String>> header : jdk.entrySet()) {
            for (String value : header.getValue()) {
                builder.add(header.getKey(), value);
            }
        }
        return builder.build();
    }

    /**
     * Reads the body up to the limit, never holding more than limit + 1 bytes.
     *
     * @return the body, or empty if it is longer than the limit (the rest is left unread)
     */
    private Optional<byte[]> readBody(InputStream in, HeaderMap headers) throws IOException {
        long declared = declaredLength(headers);
        if (declared > maxBodyBytes) {
            return Optional.empty();
        }
        long cap = maxBodyBytes + 1;
        int initial =
                (int) Math.min(declared >= 0 ? declared : READ_BUFFER, Math.min(cap, 1 << 20));
        ByteArrayOutputStream body = new ByteArrayOutputStream(Math.max(initial, 16));
        byte[] buffer = new byte[(int) Math.min(READ_BUFFER, cap)];
        long total = 0;
        while (total < cap) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, cap - total));
            if (n < 0) {
                break;
            }
            body.write(buffer, 0, n);
            total += n;
        }
        return total > maxBodyBytes ? Optional.empty() : Optional.of(body.toByteArray());
    }

    private static long declaredLength(HeaderMap headers) {
        Optional<String> length = headers.first("content-length");
        if (length.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(length.get().trim());
        } catch (NumberFormatException e) {
            return -1; // the JDK server rejects such a request before it gets here
        }
    }

    /**
     * Thrown out of the JDK handler to make the server close the connection without ending the
     * response: the client sees a broken stream, not a complete one. No stack trace: it is a
     * signal.
     */
    static final class DropConnection extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DropConnection() {
            super("connection dropped on purpose", null, false, false);
        }
    }
}
