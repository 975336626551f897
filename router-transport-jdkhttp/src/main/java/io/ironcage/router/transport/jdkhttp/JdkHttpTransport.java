package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.errors.ProxyException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UpstreamProxy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 *
 * <p>Through an {@link UpstreamProxy}: the client's {@link ProxySelector} picks the proxy per
 * upstream ({@code https} through {@code CONNECT}, {@code http} in absolute form, as the JDK does);
 * Basic credentials go as a {@code Proxy-Authorization} header on each request. The JDK sends that
 * header to the proxy of an {@code http} upstream, but strips Basic from {@code CONNECT} unless the
 * JVM was started with {@code -Djdk.http.auth.tunneling.disabledSchemes=} (empty; the JDK reads it
 * once): without it a proxy that wants credentials refuses {@code https} upstreams with 407. A
 * proxy's 407, a refused tunnel, or no connection to the proxy is a {@link ProxyException}.
 *
 * <p>Stale pooled connections: the JDK client retries a request whose reused connection turns out
 * closed only for idempotent methods (unless {@code jdk.httpclient.enableAllMethodRetry} is set).
 */
final class JdkHttpTransport implements HttpTransport {
    private static final Set<String> RESTRICTED =
            Set.of("connection", "content-length", "expect", "host", "upgrade");

    private final HttpClient client;
    private final ExecutorService executor;
    private final Set<JdkStreamingResponse> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private final UpstreamProxy proxy;

    JdkHttpTransport(Duration connectTimeout) {
        this(connectTimeout, UpstreamProxy.none());
    }

    JdkHttpTransport(Duration connectTimeout, UpstreamProxy proxy) {
        this.proxy = java.util.Objects.requireNonNull(proxy, "proxy");
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
                        .proxy(new Selector(proxy))
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
        Optional<UpstreamProxy.Server> via = proxy.select(request.uri());
        HttpRequest jdk = toJdk(request, via);
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response;
        try {
            response = client.send(jdk, HttpResponse.BodyHandlers.ofPublisher());
        } catch (IOException e) {
            if (via.isPresent()) {
                throw proxyFailure(via.get(), e, upstream(request.uri()), request.timeout());
            }
            throw failure(e, upstream(request.uri()), request.timeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ForwardException(
                    ForwardException.Kind.BROKEN,
                    "interrupted while calling " + upstream(request.uri()),
                    e);
        }
        if (via.isPresent() && response.statusCode() == 407) {
            // the proxy, not the upstream, wants (other) credentials
            response.body().subscribe(new Discard());
            throw new ProxyException(via.get().address(), 407, upstream(request.uri()), null);
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

    private HttpRequest toJdk(Request request, Optional<UpstreamProxy.Server> via) {
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
        via.flatMap(UpstreamProxy.Server::authorization)
                .ifPresent(value -> builder.setHeader("Proxy-Authorization", value));
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

    private static final Pattern TUNNEL_REFUSED = Pattern.compile("Tunnel failed, got: (\\d{3})");

    /**
     * A failure of a call through the proxy: a refused tunnel (the JDK's "Tunnel failed, got:
     * 403"), no connection (the client connects to the proxy only), or else a failure as without a
     * proxy. Names the proxy's {@code host:port}, never its credentials.
     */
    static ForwardException proxyFailure(
            UpstreamProxy.Server via, Throwable thrown, String upstream, Duration timeout) {
        ForwardException mapped = failure(thrown, upstream, timeout);
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            Matcher refused =
                    t.getMessage() == null ? null : TUNNEL_REFUSED.matcher(t.getMessage());
            if (refused != null && refused.find()) {
                return new ProxyException(
                        via.address(), Integer.parseInt(refused.group(1)), upstream, null);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        if (mapped.kind() == ForwardException.Kind.CONNECT) {
            return new ProxyException(via.address(), 0, upstream, null);
        }
        return mapped;
    }

    /** Picks the proxy per upstream; the JDK resolves its name when it connects. */
    private static final class Selector extends ProxySelector {
        private final UpstreamProxy proxy;

        Selector(UpstreamProxy proxy) {
            this.proxy = proxy;
        }

        @Override
        public List<Proxy> select(URI uri) {
            return proxy.select(uri)
                    .map(
                            server ->
                                    List.of(
                                            new Proxy(
                                                    Proxy.Type.HTTP,
                                                    InetSocketAddress.createUnresolved(
                                                            server.host(), server.port()))))
                    .orElse(List.of(Proxy.NO_PROXY));
        }

        @Override
        public void connectFailed(URI uri, SocketAddress address, IOException failure) {
            // one proxy, no alternatives: the call fails as a ProxyException
        }
    }

    /** Reads and drops a body nobody wants, so the connection can be reused or closed. */
    private static final class Discard implements Flow.Subscriber<List<ByteBuffer>> {
        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            // dropped
        }

        @Override
        public void onError(Throwable throwable) {
            // nothing waits for it
        }

        @Override
        public void onComplete() {
            // nothing waits for it
        }
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
