package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side on {@code java.net.http.HttpClient} (HTTP/1.1, redirects not followed).
 *
 * <p>Headers the JDK client refuses to set ({@code connection}, {@code content-length}, {@code
 * expect}, {@code host}, {@code upgrade}) are skipped silently: the client sets them itself from
 * the URI and the body. A header value the JDK refuses (e.g. a character above U+00FF) fails the
 * call with an {@link IllegalArgumentException} that names the header but never shows its value,
 * which may be a key.
 *
 * <p>Failures map to {@link ForwardException}: no connection (refused, unknown host, connect
 * timeout) is {@code CONNECT}; no answer or no next chunk within the request's timeout is {@code
 * TIMEOUT}; a connection that breaks while the answer arrives is {@code BROKEN}.
 */
final class JdkHttpTransport implements HttpTransport {
    private static final Set<String> RESTRICTED =
            Set.of("connection", "content-length", "expect", "host", "upgrade");

    private final HttpClient client;
    private final ExecutorService executor;
    private final Set<JdkStreamingResponse> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    JdkHttpTransport(Duration connectTimeout) {
        AtomicInteger count = new AtomicInteger();
        this.executor =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t =
                                    new Thread(
                                            r, "iron-router-jdk-client-" + count.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        this.client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(connectTimeout)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .executor(executor)
                        .build();
    }

    /**
     * Sends and reads the whole answer within the request's timeout. The body arrives through the
     * same path as a stream's ({@link #open(Request)}), with one deadline for the whole exchange.
     */
    @Override
    public Response send(Request request) {
        long deadline = System.nanoTime() + request.timeout().toNanos();
        JdkStreamingResponse streaming = open(request);
        try {
            byte[] body = streaming.readAll(deadline);
            return new Response(streaming.status(), streaming.headers(), body);
        } finally {
            streaming.close();
        }
    }

    /**
     * Sends and waits for the response headers (the JDK client's request timeout covers that wait).
     * Uses the client's blocking {@code send}, not {@code sendAsync}: the latter hands every
     * completion to {@code CompletableFuture}'s default executor, which on a machine with fewer
     * than three cores starts <em>a new thread per request</em> (the common pool's parallelism is
     * then 1); the load harness measured that as most of the transport's CPU time.
     */
    @Override
    public JdkStreamingResponse open(Request request) {
        HttpRequest jdk = toJdk(request);
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response;
        try {
            response = client.send(jdk, HttpResponse.BodyHandlers.ofPublisher());
        } catch (IOException e) {
            throw failure(e, upstream(request.uri()), request.timeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ForwardException(
                    ForwardException.Kind.BROKEN,
                    "interrupted while calling " + upstream(request.uri()),
                    e);
        }
        JdkStreamingResponse streaming =
                new JdkStreamingResponse(
                        response.statusCode(),
                        headers(response.headers()),
                        request.timeout(),
                        upstream(request.uri()),
                        open::remove);
        open.add(streaming);
        response.body().subscribe(streaming.subscriber());
        if (closed) {
            streaming.close();
            throw new IllegalStateException("the transport is closed");
        }
        return streaming;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (JdkStreamingResponse streaming : open) {
            streaming.close();
        }
        executor.shutdown();
    }

    private HttpRequest toJdk(Request request) {
        if (closed) {
            throw new IllegalStateException("the transport is closed");
        }
        HttpRequest.Builder builder;
        try {
            builder = HttpRequest.newBuilder(request.uri());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the JDK HTTP client cannot call " + upstream(request.uri()), e);
        }
        byte[] body = request.body();
        builder.method(
                        request.method(),
                        body.length == 0
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(request.timeout());
        request.headers()
                .forEach(
                        (name, value) -> {
                            if (RESTRICTED.contains(name)) {
                                return;
                            }
                            try {
                                builder.header(name, value);
                            } catch (IllegalArgumentException e) {
                                // the JDK's message quotes the value: do not chain it
                                throw new IllegalArgumentException(
                                        "the JDK HTTP client refuses the value of header '"
                                                + name
                                                + "' (value not shown)");
                            }
                        });
        return builder.build();
    }

    /** Maps a JDK client failure to a {@link ForwardException}. */
    static ForwardException failure(Throwable thrown, String upstream, Duration timeout) {
        Throwable cause = thrown;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return ForwardException.classify(
                cause,
                upstream,
                timeout,
                cause instanceof HttpConnectTimeoutException,
                cause instanceof HttpTimeoutException);
    }

    /** The upstream's scheme, host and port (see {@link ForwardException#address}). */
    static String upstream(URI uri) {
        return ForwardException.address(uri);
    }

    private static HeaderMap headers(HttpHeaders jdk) {
        HeaderMap.Builder builder = HeaderMap.builder();
        for (Map.Entry<String, List<String>> header : jdk.map().entrySet()) {
            if (header.getKey().startsWith(":")) {
                continue; // HTTP/2 pseudo-headers
            }
            for (String value : header.getValue()) {
                try {
                    builder.add(header.getKey(), value);
                } catch (IllegalArgumentException e) {
                    // a header HTTP does not allow: dropped rather than failing the answer
                }
            }
        }
        return builder.build();
    }

    @Override
    public String toString() {
        return "JdkHttpTransport" + (closed ? "[closed]" : "");
    }
}
