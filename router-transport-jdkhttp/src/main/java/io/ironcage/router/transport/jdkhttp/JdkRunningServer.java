package io.ironcage.router.transport.jdkhttp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ironcage.router.core.spi.InFlight;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.spi.WorkerPool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * A started JDK server and its worker pool.
 *
 * <p><b>Admission.</b> The JDK server hands each request to an {@link Executor}. Ours is a {@link
 * ThreadPoolExecutor} of {@code maxConcurrentRequests} threads with a bounded queue (never the
 * JDK's default of running every request on its single dispatcher thread). When both are full the
 * request is not queued further: it is answered {@code 503} with {@code Connection: close} right
 * away, on the JDK's dispatcher thread, without reading its body. That answer is small, but the
 * dispatcher does read the request line and headers for it, so a client that trickles its headers
 * while the pool is saturated delays the dispatcher (a known limit of the JDK server, which has no
 * header read timeout by default).
 *
 * <p><b>Close.</b> Stops admitting (requests that arrive meanwhile get {@code 503} with {@code
 * Connection: close}), waits up to the shutdown grace for the requests already admitted (running or
 * queued), then stops the JDK server (closing the listening socket and every connection) and
 * interrupts handlers still running.
 */
final class JdkRunningServer implements ServerTransport.RunningServer {
    private static final ThreadLocal<Admission> ADMISSION = new ThreadLocal<>();

    /** How a request was admitted; decides whether the handler sees it. */
    enum Admission {
        /** A worker runs it: the proxy handler sees it. */
        ADMITTED,
        /** The pool and queue were full: 503. */
        SATURATED,
        /** The server is closing: 503. */
        CLOSING
    }

    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final InetSocketAddress address;
    private final ServerOptions options;
    private final JdkExchangeHandler exchanges;
    private final InFlight inFlight = new InFlight();
    private volatile boolean closing;
    private boolean closed;

    private JdkRunningServer(
            HttpServer server, ServerOptions options, ProxyHandler handler, int queueCapacity) {
        this.server = server;
        this.options = options;
        this.pool = newPool(options.maxConcurrentRequests(), queueCapacity);
        this.exchanges = new JdkExchangeHandler(handler, options.maxRequestBodyBytes());
        this.address = server.getAddress();
    }

    static JdkRunningServer start(
            HttpServer server, ServerOptions options, ProxyHandler handler, int queueCapacity) {
        JdkRunningServer running = new JdkRunningServer(server, options, handler, queueCapacity);
        server.createContext("/", running::handle);
        server.setExecutor(running::admit);
        server.start();
        return running;
    }

    private static ThreadPoolExecutor newPool(int threads, int queueCapacity) {
        return WorkerPool.create("iron-router-jdk", threads, queueCapacity);
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /** The worker pool, for tests. */
    ThreadPoolExecutor pool() {
        return pool;
    }

    /** Runs one exchange the JDK server accepted; called on the JDK's dispatcher thread. */
    private void admit(Runnable exchange) {
        inFlight.enter();
        Admission admission = closing ? Admission.CLOSING : Admission.ADMITTED;
        try {
            pool.execute(() -> run(exchange, admission));
        } catch (RejectedExecutionException e) {
            run(exchange, Admission.SATURATED);
        }
    }

    private void run(Runnable exchange, Admission admission) {
        ADMISSION.set(admission);
        try {
            exchange.run();
        } finally {
            ADMISSION.remove();
            inFlight.leave();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        Admission admission = ADMISSION.get();
        if (admission == null || admission == Admission.ADMITTED) {
            exchanges.handle(exchange);
        } else {
            exchanges.refuse(exchange);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        inFlight.awaitIdle(options.shutdownGrace());
        server.stop(0);
        pool.shutdownNow();
    }

    @Override
    public String toString() {
        return "JdkRunningServer[" + address + (closing ? ", closed" : "") + "]";
    }
}
