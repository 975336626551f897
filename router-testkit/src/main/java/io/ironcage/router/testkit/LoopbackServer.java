package io.ironcage.router.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The JDK HTTP server every fake runs on: 127.0.0.1, a free port, daemon threads. */
final class LoopbackServer {
    private final HttpServer server;
    private final ExecutorService executor;

    private LoopbackServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static LoopbackServer start(String name, HttpHandler handler) {
        return start(name, handler, 0);
    }

    /** Starts on a given port of 127.0.0.1 (0 for any free one). */
    static LoopbackServer start(String name, HttpHandler handler, int port) {
        // Unless the application chose otherwise (the JDK reads these once, when the first server
        // in the JVM is created): TCP_NODELAY, or every answer written in two parts waits ~40 ms
        // for the client's delayed ACK; and more than the default 200 idle keep-alive connections,
        // or beyond 200 pooled clients the server closes connections after each answer.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "4096");
        }
        HttpServer server;
        try {
            server =
                    HttpServer.create(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4096);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind 127.0.0.1:" + port + " for a " + name, e);
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t = new Thread(r, name + "-" + threads.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        server.setExecutor(executor);
        server.createContext("/", handler);
        server.start();
        return new LoopbackServer(server, executor);
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** Reads the whole request into a {@link RecordedRequest}. */
    static RecordedRequest read(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        URI uri = exchange.getRequestURI();
        return new RecordedRequest(
                exchange.getRequestMethod(),
                uri.getRawPath(),
                uri.getRawQuery(),
                exchange.getRequestHeaders(),
                body);
    }

    /** Sends a whole response and closes the exchange. */
    static void send(
            HttpExchange exchange,
            int status,
            String contentType,
            Map<String, String> headers,
            byte[] body)
            throws IOException {
        exchange.getResponseHeaders().set("content-type", contentType);
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    static void sendJson(HttpExchange exchange, int status, String json) throws IOException {
        send(exchange, status, "application/json", Map.of(), json.getBytes(StandardCharsets.UTF_8));
    }

    /** Waits until the latch opens (the fake closes); used to hang a response on purpose. */
    static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until either latch opens: a held call is let go by its gate or by closing the fake. */
    static void awaitEither(
            java.util.concurrent.CountDownLatch gate, java.util.concurrent.CountDownLatch closed) {
        try {
            while (closed.getCount() > 0
                    && !gate.await(10, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                // look at the other latch every 10 ms
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Simulated latency: a fake's whole job here is to wait. */
    static void pause(java.time.Duration delay) {
        if (delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
