package io.ironcage.router.transport.netty;

import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UpstreamProxy;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.ReadTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side: HTTP/1.1, redirects not followed, no retries, compression off, kept-alive
 * connections ({@link NettyTransportOptions#maxConnectionsPerHost()} per upstream, idle ones closed
 * after {@link NettyTransportOptions#connectionMaxIdleTime()}) on the provider's event loops,
 * through {@link LoopClient}: plain Netty with a pool per event loop, so a call made on a loop
 * stays on it.
 *
 * <p>Callers block ({@link #send}, {@link #open}, and each {@link StreamingResponse#read()}) on
 * their own thread while the event loops do the I/O; calling them on an event loop thread is
 * refused rather than stalling it.
 *
 * <p>Headers the JDK client refuses to set ({@code connection}, {@code content-length}, {@code
 * expect}, {@code host}, {@code upgrade}) and {@code transfer-encoding} are skipped, as on the JDK
 * transport: the client sets them itself from the URI and the body. A header value the JDK would
 * refuse (a control character, or a character above U+00FF) fails the call with an {@link
 * IllegalArgumentException} that names the header but never shows its value, which may be a key. No
 * {@code Accept} header is added when the caller sent none.
 *
 * <p>Failures map to {@link ForwardException} exactly as on the JDK transport: no connection
 * (refused, unknown host, connect timeout) is {@code CONNECT}; no answer or no next chunk within
 * the request's timeout is {@code TIMEOUT}; a connection that breaks while the answer arrives is
 * {@code BROKEN}.
 */
final class NettyHttpTransport implements HttpTransport {
    private static final Logger LOG = LoggerFactory.getLogger(NettyHttpTransport.class);
    private static final Set<String> RESTRICTED =
            Set.of(
                    "connection",
                    "content-length",
                    "expect",
                    "host",
                    "upgrade",
                    "transfer-encoding");

    private final EventLoops eventLoops;

    private final LoopClient client;
    private final Set<NettyStreamingResponse> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    NettyHttpTransport(
            Duration connectTimeout, NettyTransportOptions options, EventLoops eventLoops) {
        this(connectTimeout, options, eventLoops, NettyHttpTransport::tls, UpstreamProxy.none());
    }

    NettyHttpTransport(
            Duration connectTimeout,
            NettyTransportOptions options,
            EventLoops eventLoops,
            UpstreamProxy proxy) {
        this(connectTimeout, options, eventLoops, NettyHttpTransport::tls, proxy);
    }

    NettyHttpTransport(
            Duration connectTimeout,
            NettyTransportOptions options,
            EventLoops eventLoops,
            Supplier<SslContext> tls) {
        this(connectTimeout, options, eventLoops, tls, UpstreamProxy.none());
    }

    /**
     * Creates the client with the TLS context whole answers use (tests trust their own
     * certificate).
     */
    NettyHttpTransport(
            Duration connectTimeout,
            NettyTransportOptions options,
            EventLoops eventLoops,
            Supplier<SslContext> tls,
            UpstreamProxy proxy) {
        this.eventLoops = eventLoops;
        EventLoopGroup loops = eventLoops.acquire();
        try {
            this.client =
                    new LoopClient(loops, connectTimeout, options, tls, proxy, Dns.resolvers());
        } catch (RuntimeException | Error e) {
            eventLoops.release(); // the share taken above
            throw e;
        }
    }

    @Override
    public Response send(Request request) {
        refuseOnEventLoop();
        return await(whole(request), request, "complete answer");
    }

    /**
     * Sends without blocking: the I/O runs on the event loops and the stage completes on one of
     * them (the caller's own loop when it calls from one of this provider's server loops), or fails
     * with a {@link ForwardException} mapped as for {@link #send}. {@code blocking} is not used.
     */
    @Override
    public CompletionStage<Response> sendAsync(Request request, Executor blocking) {
        try {
            return whole(request);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // a refused header, a closed transport
        }
    }

    /** A whole answer, on the plain-Netty client with its per-loop pools. */
    private CompletableFuture<Response> whole(Request request) {
        return client.send(request, checked(request));
    }

    /** Refuses a call the client cannot make; the headers it sends upstream. */
    private HttpHeaders checked(Request request) {
        if (closed) {
            throw new IllegalStateException("the transport is closed");
        }
        checkUri(request.uri());
        return upstreamHeaders(request);
    }

    /** The JDK's default trust store and TLS versions; HTTP/1.1 only. */
    private static SslContext tls() {
        try {
            return SslContextBuilder.forClient().build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** No {@code what} (an answer, the headers, data) from the upstream within the timeout. */
    static ForwardException timedOut(String what, String upstream, Duration timeout) {
        return new ForwardException(
                ForwardException.Kind.TIMEOUT,
                "no " + what + " from " + upstream + " within " + timeout,
                null);
    }

    /** The connection ended before any answer came. */
    static ForwardException ended(String upstream) {
        return new ForwardException(
                ForwardException.Kind.BROKEN,
                "the connection to " + upstream + " ended without an answer",
                null);
    }

    @Override
    public StreamingResponse open(Request request) {
        refuseOnEventLoop();
        NettyStreamingResponse streaming = client.open(request, checked(request), open::remove);
        open.add(streaming);
        try {
            streaming.awaitHead();
        } catch (RuntimeException e) {
            streaming.close();
            throw e;
        }
        if (closed) {
            streaming.close();
            throw new IllegalStateException("the transport is closed");
        }
        return streaming;
    }

    /** Closes once, whichever thread asks first: the loops' share is given back exactly once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (NettyStreamingResponse streaming : open) {
            streaming.close();
        }
        client.close();
        eventLoops.release();
    }

    private static void checkUri(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "the netty HTTP client cannot call " + upstream(uri));
        }
    }

    /** The caller's headers, less those the client sets itself; values checked. */
    private static HttpHeaders upstreamHeaders(Request request) {
        HttpHeaders headers = NettyExchange.HEADERS.newHeaders();
        request.headers()
                .forEach(
                        (name, value) -> {
                            if (!RESTRICTED.contains(name)) {
                                headers.add(name, checkedValue(name, value));
                            }
                        });
        return headers;
    }

    /** Refuses a value the JDK client refuses too; never shows it, since it may be a key. */
    private static String checkedValue(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c > 0xFF || c == 0x7F || (c < 0x20 && c != '\t')) {
                throw new IllegalArgumentException(
                        "the netty HTTP client refuses the value of header '"
                                + name
                                + "' (value not shown)");
            }
        }
        return value;
    }

    private static void refuseOnEventLoop() {
        if (EventLoops.onLoopThread()) {
            throw new IllegalStateException(
                    "the HTTP transport blocks; call it from a worker thread, not "
                            + Thread.currentThread().getName());
        }
    }

    private static <T> T await(CompletableFuture<T> future, Request request, String what) {
        try {
            return future.get(request.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw timedOut(what, upstream(request.uri()), request.timeout());
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ForwardException(
                    ForwardException.Kind.BROKEN,
                    "interrupted while calling " + upstream(request.uri()),
                    e);
        } catch (ExecutionException | CancellationException e) {
            throw failure(e, upstream(request.uri()), request.timeout());
        }
    }

    /** Maps a client failure to a {@link ForwardException}. */
    static ForwardException failure(Throwable thrown, String upstream, Duration timeout) {
        Throwable cause = thrown;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof ForwardException) {
            return (ForwardException) cause; // mapped already
        }
        // TimeoutException includes the connection pool's acquire timeout
        return ForwardException.classify(
                cause,
                upstream,
                timeout,
                cause instanceof ConnectTimeoutException,
                cause instanceof TimeoutException || cause instanceof ReadTimeoutException);
    }

    /** The upstream's scheme, host and port (see {@link ForwardException#address}). */
    static String upstream(URI uri) {
        return ForwardException.address(uri);
    }

    /**
     * Netty's headers as a {@link HeaderMap}.
     *
     * @param dropInvalid whether a header HTTP does not allow is dropped (an upstream's answer is
     *     not failed for it) rather than refused
     * @throws IllegalArgumentException for such a header, unless dropped
     */
    static HeaderMap headers(HttpHeaders netty, boolean dropInvalid) {
        HeaderMap.Builder builder = HeaderMap.builder();
        Iterator<Map.Entry<String, String>> entries = netty.iteratorAsString();
        while (entries.hasNext()) {
            Map.Entry<String, String> header = entries.next();
            try {
                builder.add(header.getKey(), header.getValue());
            } catch (IllegalArgumentException e) {
                if (!dropInvalid) {
                    throw e;
                }
            }
        }
        return builder.build();
    }

    @Override
    public String toString() {
        return "NettyHttpTransport" + (closed ? "[closed]" : "");
    }
}
