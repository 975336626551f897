package io.ironcage.router.transport.jdkhttp;

import com.sun.net.httpserver.HttpServer;
import io.ironcage.router.core.ServerStartException;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The server side on {@code com.sun.net.httpserver.HttpServer}. Binds exactly the host and port it
 * is given (port 0: the bound port is reported), routes every path and method to the handler, and
 * runs handlers on a bounded pool (see {@link JdkRunningServer}).
 */
final class JdkServerTransport implements ServerTransport {
    /** Queue as many waiting requests as there are workers. */
    static final int QUEUE_LIKE_POOL = -1;

    private final int queueCapacity;

    JdkServerTransport() {
        this(QUEUE_LIKE_POOL);
    }

    /**
     * Creates the transport with an explicit queue size (tests use it to provoke saturation).
     *
     * @param queueCapacity requests that may wait for a worker; 0 for none, {@link
     *     #QUEUE_LIKE_POOL} for as many as there are workers
     */
    JdkServerTransport(int queueCapacity) {
        if (queueCapacity < QUEUE_LIKE_POOL) {
            throw new IllegalArgumentException("queueCapacity must not be negative");
        }
        this.queueCapacity = queueCapacity;
    }

    /**
     * Tunes the JDK's HTTP server for a proxy, unless the application set these properties itself
     * (the JDK reads them once, when the first server in the JVM is created, so this must run
     * before that):
     *
     * <ul>
     *   <li>{@code sun.net.httpserver.nodelay=true}: without {@code TCP_NODELAY}, an answer written
     *       in two parts (headers, then body; or SSE events) waits for the client's delayed ACK,
     *       about 40 ms per exchange on Linux loopback (measured by the load harness).
     *   <li>{@code sun.net.httpserver.maxIdleConnections=}{@value #MAX_IDLE_CONNECTIONS}: the JDK
     *       keeps at most 200 idle keep-alive connections by default and closes every connection
     *       after its answer beyond that, so a few hundred pooled clients make it close half of its
     *       connections (each client then sees its next request fail and reconnects).
     *   <li>{@code sun.net.httpserver.drainAmount=}{@value #DRAIN_BYTES}: after answering a request
     *       whose body was over the limit (413), the JDK reads and drops at most this much of the
     *       body still coming (64 KiB by default) before it closes the connection. Closing with
     *       more unread makes the kernel reset the connection, and a client that sends its whole
     *       body before reading (most do) then sees the reset instead of the 413.
     * </ul>
     */
    static void tuneJdkServer() {
        setUnlessSet(NODELAY, "true");
        setUnlessSet(MAX_IDLE, Integer.toString(MAX_IDLE_CONNECTIONS));
        setUnlessSet(DRAIN, Integer.toString(DRAIN_BYTES));
    }

    private static void setUnlessSet(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** Idle keep-alive connections the server keeps open. */
    static final int MAX_IDLE_CONNECTIONS = 4096;

    /** Connections waiting to be accepted (the kernel caps it at {@code net.core.somaxconn}). */
    static final int BACKLOG = 4096;

    private static final String MAX_IDLE = "sun.net.httpserver.maxIdleConnections";

    private static final String NODELAY = "sun.net.httpserver.nodelay";

    /** Bytes of a refused body read and dropped before the connection closes. */
    static final int DRAIN_BYTES = 32 * 1024 * 1024;

    private static final String DRAIN = "sun.net.httpserver.drainAmount";

    @Override
    public RunningServer start(ServerOptions options, ProxyHandler handler) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        String where = options.host() + ":" + options.port();
        InetSocketAddress requested = new InetSocketAddress(options.host(), options.port());
        if (requested.isUnresolved()) {
            throw new ServerStartException("cannot resolve the host to bind, " + where, null);
        }
        tuneJdkServer();
        HttpServer server;
        try {
            server = HttpServer.create(requested, BACKLOG);
        } catch (IOException e) {
            throw new ServerStartException("cannot bind " + where + " (" + e.getMessage() + ")", e);
        }
        int queue =
                queueCapacity == QUEUE_LIKE_POOL ? options.maxConcurrentRequests() : queueCapacity;
        return JdkRunningServer.start(server, options, handler, queue);
    }

    @Override
    public String toString() {
        return "JdkServerTransport";
    }
}
