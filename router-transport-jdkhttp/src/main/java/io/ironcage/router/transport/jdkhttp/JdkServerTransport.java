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
     * Turns on {@code TCP_NODELAY} for the JDK's HTTP server unless the application chose
     * otherwise. Without it, a response written in two parts (headers, then body; or SSE events)
     * waits for the client's delayed ACK: about 40 ms per exchange on Linux loopback (measured by
     * the load harness). The JDK reads {@code sun.net.httpserver.nodelay} once, when the first
     * server in the JVM is created, so this must run before that.
     */
    static void disableNagle() {
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
    }

    private static final String NODELAY = "sun.net.httpserver.nodelay";

    @Override
    public RunningServer start(ServerOptions options, ProxyHandler handler) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        String where = options.host() + ":" + options.port();
        InetSocketAddress requested = new InetSocketAddress(options.host(), options.port());
        if (requested.isUnresolved()) {
            throw new ServerStartException("cannot resolve the host to bind, " + where, null);
        }
        disableNagle();
        HttpServer server;
        try {
            server = HttpServer.create(requested, 0);
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
