package io.ironcage.router.transport.netty;

import io.ironcage.router.core.errors.ServerStartException;
import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.transport.BodyMemory;
import io.ironcage.router.core.transport.InFlight;
import io.ironcage.router.core.transport.WorkerPool;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started server, its event loops and its worker pool. Plain Netty: a {@code ServerBootstrap}
 * with the HTTP codec and one {@link ServerConnection} per connection, on the event loops the
 * provider shares with its clients (so that a pass-through request stays on one thread).
 *
 * <p><b>Threads.</b> The event loops accept connections, parse requests and read bodies without
 * blocking. A request whose body has arrived goes to {@link ProxyHandler#handle} on its event loop,
 * with the worker pool ({@link WorkerPool}, up to {@code maxConcurrentRequests} threads) for what
 * may block: the core's pipeline answers a plain pass-through request without leaving the loop and
 * moves streams to a worker; a handler that only implements {@code handle} runs entirely on a
 * worker.
 *
 * <p><b>Admission.</b> A complete head is first shown to {@link ProxyHandler#onHead}: a request
 * refused there (no token) is answered at once and its body never read. A request that passes takes
 * its declared body length from the body memory ({@link ServerOptions#maxBufferedBodyBytes()}; a
 * chunked body takes each chunk as it arrives, and gives all back once read) and a permit: there
 * are as many permits as workers plus queue slots, and a request keeps it until its answer is
 * written and its handler is done, so the requests in flight and the bodies held in memory are
 * bounded. With no memory or permit left the request is answered {@code 503} with {@code
 * Connection: close} right away, on the event loop, without reading its body. Requests with more
 * than {@link NettyTransportOptions#maxHeaderCount()} headers get {@code 431} the same way; header
 * sections and request lines over their limits are refused by the HTTP decoder ({@code 431}, {@code
 * 414}), malformed requests ({@code 400}) by the decoder or the connection (see {@link
 * ServerConnection}). Every answer the server gives by itself comes from {@link
 * ProxyHandler#unreadable}.
 *
 * <p><b>Timeouts.</b> A request's head must arrive within {@link ServerOptions#headerTimeout()}
 * (from the connection's start, or the head's first byte) and its body within {@link
 * ServerOptions#bodyTimeout()}, or it is answered {@code 408} and its connection closed; a head
 * still arriving holds no permit and no worker. A connection with no request for {@link
 * NettyTransportOptions#idleTimeout()}, or whose request stalls for {@link
 * NettyTransportOptions#requestReadTimeout()} between reads, is closed. An answer may take as long
 * as it takes to produce, but one whose client takes none of it for {@link
 * ServerOptions#writeTimeout()} (or {@link NettyTransportOptions#writeTimeout()} when set there)
 * closes its connection (see {@link ServerConnection}).
 *
 * <p><b>Close.</b> Closes the listening socket and stops admitting (requests that arrive meanwhile
 * on open connections get {@code 503} with {@code Connection: close}), waits up to the shutdown
 * grace for the requests in flight (body being read, queued, handled, or answer being written),
 * returning as soon as they are done, then closes every connection, interrupts handlers still
 * running and lets go of the event loops (stopped with the last server or client of the provider).
 */
final class NettyRunningServer implements ServerTransport.RunningServer {
    private static final Logger LOG = LoggerFactory.getLogger(NettyRunningServer.class);
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final ServerOptions options;
    private final NettyTransportOptions netty;
    private final ProxyHandler handler;
    private final EventLoops eventLoops;
    private final EventLoopGroup loops;
    private final ThreadPoolExecutor workers;
    private final Semaphore admission;
    private final BodyMemory bodyMemory;
    private final ChannelGroup connections;
    private final InFlight inFlight = new InFlight();
    private volatile boolean closing;
    private boolean closed;
    private Channel listening;
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
        this.bodyMemory = new BodyMemory(options.maxBufferedBodyBytes());
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
        // strict whatever the JVM's properties say: a line ended by a bare LF, or Content-Length
        // with Transfer-Encoding, is refused (a request-smuggling primitive), not tolerated
        HttpDecoderConfig decoding =
                new HttpDecoderConfig()
                        .setMaxHeaderSize(netty.maxHeaderBytes())
                        .setMaxInitialLineLength(netty.maxRequestLineBytes())
                        .setStrictLineParsing(true)
                        .setUseRfc9112TransferEncoding(true);
        ChannelFuture bound =
                new ServerBootstrap()
                        .group(loops)
                        .channel(EventLoops.serverChannel())
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(
                                new ChannelInitializer<Channel>() {
                                    @Override
                                    protected void initChannel(Channel channel) {
                                        connections.add(channel);
                                        ServerConnection connection =
                                                new ServerConnection(NettyRunningServer.this);
                                        channel.pipeline()
                                                .addLast(connection.arrivals())
                                                .addLast(new HttpServerCodec(decoding))
                                                .addLast(connection);
                                    }
                                })
                        .bind(requested);
        if (!bound.awaitUninterruptibly(BIND_TIMEOUT.toMillis())) {
            bound.cancel(false);
            throw new IllegalStateException("timed out after " + BIND_TIMEOUT);
        }
        if (!bound.isSuccess()) {
            throw new IllegalStateException(bound.cause().getMessage(), bound.cause());
        }
        listening = bound.channel();
        address = (InetSocketAddress) listening.localAddress();
    }

    private static ThreadPoolExecutor newPool(int threads) {
        // unbounded line: the admission semaphore bounds what waits
        return WorkerPool.create("iron-router-netty", threads, Integer.MAX_VALUE);
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /** The open connections, for tests. */
    ChannelGroup connections() {
        return connections;
    }

    /** Permits left: requests that may still be admitted, for tests. */
    int admissionsLeft() {
        return admission.availablePermits();
    }

    /**
     * Takes an admission permit for a request.
     *
     * @return the permit, or null if none is left
     */
    Permit admit() {
        return admission.tryAcquire() ? new Permit() : null;
    }

    /** The memory the bodies being read share. */
    BodyMemory bodyMemory() {
        return bodyMemory;
    }

    /**
     * The handler's answer to a request the server will not serve ({@link
     * ProxyHandler#unreadable}); plain text if the handler fails to give one.
     */
    EarlyAnswer unreadable(int status, Optional<String> path) {
        try {
            return handler.unreadable(status, path);
        } catch (RuntimeException e) {
            LOG.warn("the proxy handler's unreadable failed", e);
            return new EarlyAnswer(
                    status,
                    HeaderMap.of("content-type", "text/plain; charset=utf-8"),
                    ("Error " + status).getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Counts a request in flight until its parts are done, or returns null once close has begun:
     * the check and the count are one step, so close either waits for the request or it is refused.
     */
    Flight tryNewFlight() {
        return inFlight.tryEnter() ? new Flight() : null;
    }

    /** Counts the server's own answer (a refusal) in flight, even while closing. */
    Flight newFlight() {
        inFlight.enter();
        return new Flight();
    }

    ServerOptions options() {
        return options;
    }

    NettyTransportOptions netty() {
        return netty;
    }

    ProxyHandler handler() {
        return handler;
    }

    ThreadPoolExecutor workers() {
        return workers;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        inFlight.close(); // a request not counted by now is refused 503, not cut
        // no new connection from now on (the port is free for a successor at once); requests on
        // open connections are answered 503 while those in flight finish
        boolean stopped = listening.close().awaitUninterruptibly(STOP_TIMEOUT.toMillis());
        inFlight.awaitIdle(options.shutdownGrace());
        stopped &=
                connections
                        .close() // every connection, idle or not
                        .awaitUninterruptibly(STOP_TIMEOUT.toMillis());
        if (!stopped) {
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
    final class Flight {
        private final AtomicInteger parts = new AtomicInteger(1);

        /** Counted already ({@link #tryNewFlight()}, {@link #newFlight()}). */
        Flight() {}

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
    final class Permit {
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
}
