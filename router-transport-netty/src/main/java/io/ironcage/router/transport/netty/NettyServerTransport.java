package io.ironcage.router.transport.netty;

import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import java.util.Objects;

/**
 * The server side, on plain Netty (see {@link NettyRunningServer}). Binds exactly the host and port
 * it is given (port 0: the bound port is reported), routes every path and method to the handler's
 * {@code handle} on an event loop, with a bounded worker pool for what may block (see {@link
 * NettyRunningServer}).
 */
final class NettyServerTransport implements ServerTransport {
    /** Queue as many waiting requests as there are workers. */
    static final int QUEUE_LIKE_POOL = -1;

    private final NettyTransportOptions netty;
    private final int queueCapacity;
    private final EventLoops loops;

    NettyServerTransport(NettyTransportOptions netty) {
        this(netty, QUEUE_LIKE_POOL);
    }

    NettyServerTransport(NettyTransportOptions netty, int queueCapacity) {
        this(netty, queueCapacity, new EventLoops("iron-router-netty", netty.eventLoopThreads()));
    }

    /**
     * Creates the transport with an explicit queue size (tests use it to provoke saturation).
     *
     * @param netty the transport options
     * @param queueCapacity requests that may wait for a worker; 0 for none, {@link
     *     #QUEUE_LIKE_POOL} for as many as there are workers
     * @param loops the event loops, shared with the provider's clients
     */
    NettyServerTransport(NettyTransportOptions netty, int queueCapacity, EventLoops loops) {
        if (queueCapacity < QUEUE_LIKE_POOL) {
            throw new IllegalArgumentException("queueCapacity must not be negative");
        }
        this.netty = Objects.requireNonNull(netty, "netty");
        this.queueCapacity = queueCapacity;
        this.loops = Objects.requireNonNull(loops, "loops");
    }

    @Override
    public RunningServer start(ServerOptions options, ProxyHandler handler) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        int queue =
                queueCapacity == QUEUE_LIKE_POOL ? options.maxConcurrentRequests() : queueCapacity;
        return NettyRunningServer.start(options, netty, handler, queue, loops);
    }

    @Override
    public String toString() {
        return "NettyServerTransport";
    }
}
