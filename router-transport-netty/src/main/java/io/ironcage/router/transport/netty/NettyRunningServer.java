package io.ironcage.router.transport.netty;

import io.ironcage.router.core.ServerStartException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.InFlight;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.spi.WorkerPool;
import io.netty.buffer.ByteBuf;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * A started reactor-netty server, its event loops and its worker pool.
 *
 * <p><b>Threads.</b> The event loops accept connections, parse requests and read bodies without
 * blocking. A request whose body has arrived goes to {@link ProxyHandler#handleAsync} on its event
 * loop, with the worker pool ({@link WorkerPool}, up to {@code maxConcurrentRequests} threads) for
 * what may block: the core's pipeline answers a plain pass-through request without leaving the loop
 * and moves streams to a worker; a handler that only implements {@code handle} runs entirely on a
 * worker.
 *
 * <p><b>Admission.</b> A request takes a permit before its body is read: there are as many permits
 * as workers plus queue slots, and a request keeps it until its answer is written and its handler
 * is done, so the requests in flight and the bodies held in memory are bounded. With no permit left
 * the request is answered {@code 503} with {@code Connection: close} right away, on the event loop,
 * without reading its body. Requests with more than {@link NettyTransportOptions#maxHeaderCount()}
 * headers get {@code 431} the same way; header sections and request lines over their limits are
 * refused by the HTTP decoder ({@code 431}, {@code 414}).
 *
 * <p><b>Close.</b> Stops admitting (requests that arrive meanwhile get {@code 503} with {@code
 * Connection: close}), waits up to the shutdown grace for the requests in flight (body being read,
 * queued, handled, or answer being written), then closes the listening socket and every connection,
 * interrupts handlers still running and lets go of the event loops (stopped with the last server or
 * client of the provider).
 */
final class NettyRunningServer implements ServerTransport.RunningServer {
    private static final Logger LOG = LoggerFactory.getLogger(NettyRunningServer.class);
    private static final byte[] BAD_REQUEST = "Bad request".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UNAVAILABLE = NettyExchange.UNAVAILABLE;
    private static final byte[] HEADERS_TOO_LARGE =
            "Request header fields too large".getBytes(StandardCharsets.UTF_8);
    private static final int INITIAL_BODY_BUFFER = 16 * 1024;
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final ServerOptions options;
    private final NettyTransportOptions netty;
    private final ProxyHandler handler;
    private final EventLoops eventLoops;
    private final LoopResources loops;
    private final ThreadPoolExecutor workers;
    private final Semaphore admission;
    private final ChannelGroup connections;
    private final InFlight inFlight = new InFlight();
    private volatile boolean closing;
    private boolean closed;
    private DisposableServer server;
    private InetSocketAddress address;

    private NettyRunningServer(
            ServerOptions options,
            NettyTransportOptions netty,
            ProxyHandler handler,
            int queueCapacity,
            EventLoops eventLoops) {
        this.options = options;
        this.netty = netty;
        this.handler = handler;
        this.eventLoops = eventLoops;
        this.loops = eventLoops.acquire();
        this.workers = newPool(options.maxConcurrentRequests());
        this.admission = new Semaphore(options.maxConcurrentRequests() + queueCapacity);
        this.connections =
                new DefaultChannelGroup("iron-router-netty", ImmediateEventExecutor.INSTANCE);
    }

    static NettyRunningServer start(
            ServerOptions options,
            NettyTransportOptions netty,
            ProxyHandler handler,
            int queueCapacity,
            EventLoops loops) {
        String where = options.host() + ":" + options.port();
        InetSocketAddress requested = new InetSocketAddress(options.host(), options.port());
        if (requested.isUnresolved()) {
            throw new ServerStartException("cannot resolve the host to bind, " + where, null);
        }
        NettyRunningServer running =
                new NettyRunningServer(options, netty, handler, queueCapacity, loops);
        try {
            running.bind(requested);
        } catch (RuntimeException e) {
            running.stopResources();
            throw new ServerStartException("cannot bind " + where + " (" + rootMessage(e) + ")", e);
        }
        return running;
    }

    private void bind(InetSocketAddress requested) {
        server =
                HttpServer.create()
                        .runOn(loops)
                        .bindAddress(() -> requested)
                        .channelGroup(connections)
                        .httpRequestDecoder(
                                spec ->
                                        spec.maxHeaderSize(netty.maxHeaderBytes())
                                                .maxInitialLineLength(netty.maxRequestLineBytes()))
                        .idleTimeout(netty.idleTimeout())
                        .readTimeout(netty.requestReadTimeout())
                        .handle(this::handle)
                        .bindNow(BIND_TIMEOUT);
        address = (InetSocketAddress) server.address();
    }

    private static ThreadPoolExecutor newPool(int threads) {
        // unbounded line: the admission semaphore bounds what waits
        return WorkerPool.create("iron-router-netty", threads, Integer.MAX_VALUE);
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /** The worker pool, for tests. */
    ThreadPoolExecutor workers() {
        return workers;
    }

    /** Permits left: requests that may still be admitted, for tests. */
    int admissionsLeft() {
        return admission.availablePermits();
    }

    /** Serves one request; called on an event loop, so nothing here blocks. */
    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        Flight flight = new Flight();
        Mono<Void> reply;
        try {
            reply = serve(request, response, flight);
        } catch (RuntimeException e) {
            LOG.warn("The netty transport failed to dispatch a request", e);
            reply = plain(response, 500, NettyExchange.INTERNAL_ERROR, true);
        }
        return reply.doFinally(signal -> flight.partDone());
    }

    private Mono<Void> serve(
            HttpServerRequest request, HttpServerResponse response, Flight flight) {
        if (closing) {
            return plain(response, 503, UNAVAILABLE, true);
        }
        HeaderMap headers;
        try {
            headers = headers(request.requestHeaders());
        } catch (IllegalArgumentException e) {
            return plain(response, 400, BAD_REQUEST, true); // a header HTTP does not allow
        }
        if (headers.size() > netty.maxHeaderCount()) {
            return plain(response, 431, HEADERS_TOO_LARGE, true);
        }
        if (!admission.tryAcquire()) {
            return plain(response, 503, UNAVAILABLE, true);
        }
        Permit permit = new Permit();
        long declared = declaredLength(headers);
        Mono<Optional<byte[]>> body =
                declared > options.maxRequestBodyBytes()
                        ? Mono.just(Optional.empty())
                        : readBody(request, declared);
        return body.flatMap(read -> dispatch(request, response, headers, read, permit, flight))
                .onErrorResume(
                        failure -> {
                            // the body could not be read (client gone, read timeout, bad chunk)
                            LOG.debug("request body not read: {}", failure.toString());
                            response.withConnection(c -> c.channel().close());
                            return Mono.empty();
                        })
                .doFinally(signal -> permit.release());
    }

    private Mono<Void> dispatch(
            HttpServerRequest request,
            HttpServerResponse response,
            HeaderMap headers,
            Optional<byte[]> body,
            Permit permit,
            Flight flight) {
        String[] target = target(request.uri());
        ProxyRequest proxied =
                new ProxyRequest(
                        request.method().name().toUpperCase(Locale.ROOT),
                        target[0],
                        target[1],
                        headers,
                        body.orElse(null),
                        body.isEmpty());
        NettyExchange exchange =
                new NettyExchange(response, proxied.bodyTooLarge(), netty.writeTimeout());
        permit.handOver();
        flight.addPart();
        exchange.start(handler, proxied, workers)
                .whenComplete(
                        (done, failure) -> {
                            permit.release();
                            flight.partDone();
                        });
        return exchange.reply();
    }

    /**
     * Reads the body up to the limit without blocking, never holding more than the limit.
     *
     * @return the body, or empty if it is longer than the limit (the rest is not kept)
     */
    private Mono<Optional<byte[]>> readBody(HttpServerRequest request, long declared) {
        BodyBuffer buffer = new BodyBuffer(options.maxRequestBodyBytes(), declared);
        return request.receive().takeWhile(buffer::append).then(Mono.fromSupplier(buffer::result));
    }

    /** Answers with a short plain-text body, e.g. a refusal. */
    static Mono<Void> plain(HttpServerResponse response, int status, byte[] body, boolean close) {
        response.status(status)
                .header("content-type", "text/plain; charset=utf-8")
                .header("date", HttpDates.now());
        if (close) {
            response.header("connection", "close");
        }
        return response.sendByteArray(Mono.just(body)).then();
    }

    private static HeaderMap headers(HttpHeaders netty) {
        HeaderMap.Builder builder = HeaderMap.builder();
        Iterator<Map.Entry<String, String>> entries = netty.iteratorAsString();
        while (entries.hasNext()) {
            Map.Entry<String, String> header = entries.next();
            builder.add(header.getKey(), header.getValue());
        }
        return builder.build();
    }

    private static long declaredLength(HeaderMap headers) {
        Optional<String> length = headers.first("content-length");
        if (length.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(length.get().trim());
        } catch (NumberFormatException e) {
            return -1; // the HTTP decoder rejects such a request before it gets here
        }
    }

    /**
     * Splits a request target into raw path and raw query, like {@code URI.getRawPath()} and {@code
     * getRawQuery()} on the JDK server.
     */
    static String[] target(String uri) {
        String target = uri;
        if (target.startsWith("http://") || target.startsWith("https://")) {
            int authority = target.indexOf("//") + 2;
            int slash = target.indexOf('/', authority);
            int question = target.indexOf('?', authority);
            int start = slash < 0 ? question : (question < 0 ? slash : Math.min(slash, question));
            target = start < 0 ? "/" : target.substring(start);
        }
        int hash = target.indexOf('#');
        if (hash >= 0) {
            target = target.substring(0, hash);
        }
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        String query = question < 0 ? "" : target.substring(question + 1);
        return new String[] {path.isEmpty() ? "/" : path, query};
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        inFlight.awaitIdle(options.shutdownGrace());
        server.dispose(); // the listening socket
        connections.close(); // every connection, idle or not
        try {
            server.onDispose().block(STOP_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warn("the netty server did not stop within {}", STOP_TIMEOUT);
        }
        stopResources();
    }

    private void stopResources() {
        workers.shutdownNow(); // interrupts handlers still running after the grace
        try {
            if (!workers.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("proxy handlers still running {} after close", STOP_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        eventLoops.release();
    }

    private static String rootMessage(Throwable thrown) {
        Throwable root = thrown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    @Override
    public String toString() {
        return "NettyRunningServer[" + address + (closing ? ", closed" : "") + "]";
    }

    /**
     * One request in flight: the answer being written and, once dispatched, the handler running.
     * The request leaves the count when every part is done.
     */
    private final class Flight {
        private final AtomicInteger parts = new AtomicInteger(1);

        Flight() {
            inFlight.enter();
        }

        void addPart() {
            parts.incrementAndGet();
        }

        void partDone() {
            if (parts.decrementAndGet() == 0) {
                inFlight.leave();
            }
        }
    }

    /**
     * An admission permit, given back once, when both the reply has ended and, if the request was
     * handed to the handler, the handler is done: until then its body or its answer is held.
     */
    private final class Permit {
        private final AtomicInteger holders = new AtomicInteger(1);

        /** The handler holds it too from now on. */
        void handOver() {
            holders.incrementAndGet();
        }

        void release() {
            if (holders.decrementAndGet() == 0) {
                admission.release();
            }
        }
    }

    /** Collects a request body up to the limit. */
    private static final class BodyBuffer {
        private final long limit;
        private byte[] data;
        private int size;
        private boolean tooLarge;

        BodyBuffer(long limit, long declared) {
            this.limit = Math.min(limit, Integer.MAX_VALUE - 16); // a Java array's limit
            long initial = declared >= 0 ? declared : INITIAL_BODY_BUFFER;
            this.data = new byte[(int) Math.min(Math.min(initial, limit), 1 << 20)];
        }

        /** Takes a chunk; false once the body is over the limit (reading then stops). */
        boolean append(ByteBuf chunk) {
            int n = chunk.readableBytes();
            if (size + (long) n > limit) {
                tooLarge = true;
                data = null;
                return false;
            }
            if (size + n > data.length) {
                long grown = Math.max(size + (long) n, Math.min(limit, data.length * 2L));
                data = Arrays.copyOf(data, (int) grown);
            }
            chunk.getBytes(chunk.readerIndex(), data, size, n);
            size += n;
            return true;
        }

        Optional<byte[]> result() {
            if (tooLarge) {
                return Optional.empty();
            }
            return Optional.of(size == data.length ? data : Arrays.copyOf(data, size));
        }
    }
}
