package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.errors.ServerStartException;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * The server side: a small HTTP/1.1 server on {@code java.nio} (see {@link JdkRunningServer}).
 * Binds exactly the host and port it is given (port 0: the bound port is reported), routes every
 * path and method to the handler, and runs handlers on a bounded pool.
 */
final class JdkServerTransport implements ServerTransport {
    /** Queue as many waiting requests as there are workers. */
    static final int QUEUE_LIKE_POOL = -1;

    /** Connections waiting to be accepted (the kernel caps it at {@code net.core.somaxconn}). */
    static final int BACKLOG = 4096;

    private final int queueCapacity;
    private final Timeouts timeouts;

    JdkServerTransport() {
        this(QUEUE_LIKE_POOL);
    }

    JdkServerTransport(int queueCapacity) {
        this(queueCapacity, Timeouts.DEFAULTS);
    }

    /**
     * Creates the transport with an explicit queue size and timeouts (tests use them to provoke
     * saturation and cuts).
     *
     * @param queueCapacity requests that may wait for a worker; 0 for none, {@link
     *     #QUEUE_LIKE_POOL} for as many as there are workers
     * @param timeouts the idle and write timeouts
     */
    JdkServerTransport(int queueCapacity, Timeouts timeouts) {
        if (queueCapacity < QUEUE_LIKE_POOL) {
            throw new IllegalArgumentException("queueCapacity must not be negative");
        }
        this.queueCapacity = queueCapacity;
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
    }

    /**
     * How long a keep-alive connection may wait for its next request, and how long a write may make
     * no progress before the client counts as gone.
     *
     * @param idle the idle timeout
     * @param write the write timeout; {@code null} for the server options' ({@link
     *     ServerOptions#writeTimeout()})
     */
    record Timeouts(Duration idle, Duration write) {
        /** 30 s idle (as the netty transport's default), the server options' write timeout. */
        static final Timeouts DEFAULTS = new Timeouts(Duration.ofSeconds(30), null);
    }

    @Override
    public RunningServer start(ServerOptions options, ProxyHandler handler) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        String where = options.host() + ":" + options.port();
        InetSocketAddress requested = new InetSocketAddress(options.host(), options.port());
        if (requested.isUnresolved()) {
            throw new ServerStartException("cannot resolve the host to bind, " + where, null);
        }
        int queue =
                queueCapacity == QUEUE_LIKE_POOL ? options.maxConcurrentRequests() : queueCapacity;
        ServerSocketChannel listener = null;
        try {
            listener = ServerSocketChannel.open();
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(requested, BACKLOG);
            return JdkRunningServer.start(listener, options, handler, queue, timeouts);
        } catch (IOException e) {
            if (listener != null) {
                try {
                    listener.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw new ServerStartException("cannot bind " + where + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return "JdkServerTransport";
    }
}
