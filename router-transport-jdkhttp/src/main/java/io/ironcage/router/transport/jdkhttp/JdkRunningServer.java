package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.transport.AnswerState;
import io.ironcage.router.core.transport.BodyMemory;
import io.ironcage.router.core.transport.InFlight;
import io.ironcage.router.core.transport.WorkerPool;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A started JDK server: one selector thread and a bounded worker pool.
 *
 * <p><b>Heads.</b> The selector thread accepts connections and reads each request's line and
 * headers as they arrive, strictly ({@link RequestHeadParser}) and against the header timeout,
 * without any worker: a client trickling its head holds a little memory and no thread. A complete
 * head is shown to {@link ProxyHandler#onHead}; a request refused there is answered at once and its
 * body never read.
 *
 * <p><b>Admission.</b> A request whose head passes takes its declared body length from the body
 * memory ({@link ServerOptions#maxBufferedBodyBytes()}; a chunked body takes each chunk as it
 * comes) and goes to the worker pool ({@link WorkerPool}: {@code maxConcurrentRequests} threads and
 * a bounded queue). With no room in either, it is answered {@code 503} with {@code Connection:
 * close} at once, on the selector thread, without reading its body. The worker reads the body
 * (against the body timeout), runs the handler and writes the answer, then gives the connection
 * back to the selector thread for its next request.
 *
 * <p><b>Refusals.</b> Every answer the server gives by itself (400, 408, 413, 414, 431, 503) comes
 * from {@link ProxyHandler#unreadable}, then the connection closes lingering (see {@link
 * JdkConnection}).
 *
 * <p><b>Close.</b> Closes the listening socket and stops admitting (requests that arrive meanwhile
 * on open connections get {@code 503}), waits up to the shutdown grace for the requests already
 * admitted (being read, queued, handled or answered), returning as soon as they are done, then
 * closes every connection and interrupts handlers still running.
 */
final class JdkRunningServer implements ServerTransport.RunningServer {
    private static final System.Logger LOG = System.getLogger(JdkRunningServer.class.getName());
    private static final long STOP_MILLIS = 5_000;

    /** Deadlines are looked at no more often than this. */
    private static final long SWEEP_GRANULARITY = TimeUnit.MILLISECONDS.toNanos(10);

    /** ... and at least this often (a worker's stalled write has no deadline of its own). */
    private static final long SWEEP_INTERVAL = TimeUnit.SECONDS.toNanos(1);

    private static final EarlyAnswer INTERNAL_ERROR = AnswerState.internalError();

    private final ServerSocketChannel listener;
    private final Selector selector;
    private final ServerOptions options;
    private final ProxyHandler handler;
    private final ThreadPoolExecutor pool;
    private final InetSocketAddress address;
    private final InFlight inFlight = new InFlight();
    private final BodyMemory bodyMemory;
    private final long headerNanos;
    private final long idleNanos;
    private final long writeNanos;
    private final Set<JdkConnection> open = ConcurrentHashMap.newKeySet();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<JdkExchange> handOvers = new ArrayList<>(); // the selector thread's
    private final ByteBuffer scratch = ByteBuffer.allocate(16 * 1024); // the selector thread's
    private final Thread loop;
    private volatile boolean closing;
    private volatile boolean stopping;
    private boolean closed;
    private long nextSweep;

    private JdkRunningServer(
            ServerSocketChannel listener,
            Selector selector,
            ServerOptions options,
            ProxyHandler handler,
            int queueCapacity,
            JdkServerTransport.Timeouts timeouts)
            throws IOException {
        this.listener = listener;
        this.selector = selector;
        this.options = options;
        this.handler = handler;
        this.pool =
                WorkerPool.create(
                        "iron-router-jdk", options.maxConcurrentRequests(), queueCapacity);
        this.bodyMemory = new BodyMemory(options.maxBufferedBodyBytes());
        this.headerNanos = options.headerTimeout().toNanos();
        this.idleNanos = timeouts.idle().toNanos();
        this.writeNanos =
                (timeouts.write() == null ? options.writeTimeout() : timeouts.write()).toNanos();
        this.address = (InetSocketAddress) listener.getLocalAddress();
        this.nextSweep = System.nanoTime() + SWEEP_INTERVAL;
        this.loop = new Thread(this::run, "iron-router-jdk-selector-" + address.getPort());
        loop.setDaemon(true);
    }

    /**
     * Starts serving on a bound listening channel.
     *
     * @param listener the bound channel
     * @param options the options
     * @param handler the handler
     * @param queueCapacity requests that may wait for a worker
     * @param timeouts the idle and write timeouts
     * @return the running server
     * @throws IOException if the selector cannot be opened
     */
    static JdkRunningServer start(
            ServerSocketChannel listener,
            ServerOptions options,
            ProxyHandler handler,
            int queueCapacity,
            JdkServerTransport.Timeouts timeouts)
            throws IOException {
        Selector selector = Selector.open();
        try {
            listener.configureBlocking(false);
            listener.register(selector, SelectionKey.OP_ACCEPT);
            JdkRunningServer running =
                    new JdkRunningServer(
                            listener, selector, options, handler, queueCapacity, timeouts);
            running.loop.start();
            return running;
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /** The worker pool, for tests. */
    ThreadPoolExecutor pool() {
        return pool;
    }

    /** The memory the bodies being read share. */
    BodyMemory bodyMemory() {
        return bodyMemory;
    }

    ServerOptions options() {
        return options;
    }

    ProxyHandler handler() {
        return handler;
    }

    long headerNanos() {
        return headerNanos;
    }

    long idleNanos() {
        return idleNanos;
    }

    long writeNanos() {
        return writeNanos;
    }

    /** The selector thread's buffer for input that is dropped. */
    ByteBuffer scratch() {
        return scratch;
    }

    // --- the selector thread ---

    private void run() {
        try {
            while (!stopping) {
                long wait = TimeUnit.NANOSECONDS.toMillis(nextSweep - System.nanoTime() + 999_999);
                if (wait > 0) {
                    selector.select(Math.min(wait, TimeUnit.NANOSECONDS.toMillis(SWEEP_INTERVAL)));
                } else {
                    selector.selectNow();
                }
                for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                    task.run();
                }
                Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
                while (ready.hasNext()) {
                    SelectionKey key = ready.next();
                    ready.remove();
                    serve(key);
                }
                startHandOvers();
                if (System.nanoTime() - nextSweep >= 0) {
                    sweep();
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            // the selector itself failed: nothing can be served any more
            LOG.log(Level.ERROR, "the JDK server's selector thread failed", e);
        }
    }

    private void serve(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.channel() == listener) {
            accept();
            return;
        }
        JdkConnection connection = (JdkConnection) key.attachment();
        long now = System.nanoTime();
        try {
            if (key.isWritable()) {
                connection.onWritable(now);
            }
            if (key.isValid() && key.isReadable()) {
                connection.onReadable(now);
            }
        } catch (IOException e) {
            connection.close(); // the client is gone
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "serving a connection failed", e);
            connection.close();
        }
    }

    private void accept() {
        while (true) {
            SocketChannel accepted;
            try {
                accepted = listener.accept();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "accept failed: {0}", e.toString());
                return; // e.g. out of file descriptors: try again on the next readiness
            }
            if (accepted == null) {
                return;
            }
            JdkConnection connection = new JdkConnection(this, accepted);
            try {
                accepted.configureBlocking(false);
                accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
                open.add(connection);
                connection.accepted(
                        accepted.register(selector, SelectionKey.OP_READ, connection),
                        System.nanoTime());
            } catch (IOException e) {
                connection.close();
            }
        }
    }

    /** Makes the next sweep come no later than {@code deadline}. */
    void schedule(long deadline) {
        if (deadline - nextSweep < 0) {
            nextSweep = deadline;
        }
    }

    /** Acts on every passed deadline, and cuts workers' writes that have stalled. */
    private void sweep() {
        long now = System.nanoTime();
        long next = now + SWEEP_INTERVAL;
        for (JdkConnection connection : open) {
            if (connection.onSelector()) {
                if (connection.deadline() - now <= 0) {
                    connection.onDeadline(now);
                }
                if (connection.onSelector() && connection.deadline() - next < 0) {
                    next = connection.deadline();
                }
            } else {
                long since = connection.writingSince();
                if (since != 0 && now - since > writeNanos) {
                    LOG.log(
                            Level.DEBUG,
                            "the client took no data for {0} ms: closing",
                            TimeUnit.NANOSECONDS.toMillis(writeNanos));
                    connection.abort();
                }
            }
        }
        nextSweep = Math.max(next, now + SWEEP_GRANULARITY);
    }

    /**
     * A request's head is complete: refuses it, or hands it to a worker. On the selector thread.
     */
    void headArrived(JdkConnection connection, RequestHeadParser.ParsedHead head) {
        Optional<String> path = Optional.of(head.path());
        if (closing) {
            connection.refuse(503, path, head.isHead());
            return;
        }
        Optional<EarlyAnswer> early;
        try {
            early = handler.onHead(head.toRequestHead());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the proxy handler's onHead failed on " + head, e);
            connection.answer(INTERNAL_ERROR, head.isHead());
            return;
        }
        if (early.isPresent()) {
            connection.answer(early.get(), head.isHead());
            return;
        }
        long declared = head.contentLength();
        long taken = 0;
        if (declared > 0 && declared <= options.maxRequestBodyBytes()) {
            if (!bodyMemory.take(declared)) {
                LOG.log(Level.DEBUG, "no body memory left for {0}: 503", head);
                connection.refuse(503, path, head.isHead());
                return;
            }
            taken = declared;
        }
        connection.handOver();
        handOvers.add(new JdkExchange(this, connection, head, taken));
    }

    /** Gives the requests whose heads arrived to the workers, or refuses them. */
    private void startHandOvers() throws IOException {
        if (handOvers.isEmpty()) {
            return;
        }
        selector.selectNow(); // lets go of the channels handed over, so that they may block
        for (JdkExchange exchange : handOvers) {
            // counted and checked in one step: close() either waits for it or it is refused
            if (!inFlight.tryEnter()) {
                LOG.log(Level.DEBUG, "closing: {0} refused 503", exchange);
                refuseHandOver(exchange);
                continue;
            }
            try {
                pool.execute(exchange);
            } catch (RejectedExecutionException e) {
                inFlight.leave();
                LOG.log(Level.DEBUG, "no worker free for {0}: 503", exchange);
                refuseHandOver(exchange);
            }
        }
        handOvers.clear();
    }

    /** Answers 503 to a request that was to be handed over, on the selector again. */
    private void refuseHandOver(JdkExchange exchange) {
        exchange.giveBackMemory();
        JdkConnection connection = exchange.connection();
        try {
            connection.reattach(
                    connection.channel().register(selector, SelectionKey.OP_READ, connection));
            connection.refuse(503, Optional.of(exchange.head().path()), exchange.head().isHead());
        } catch (IOException | RuntimeException failed) {
            connection.abort();
        }
    }

    /**
     * A worker is done with a connection, whose channel is non-blocking again: it waits for its
     * next request, or lingers after its last answer. Any thread.
     */
    void giveBack(JdkConnection connection, boolean linger) {
        tasks.add(
                () -> {
                    if (stopping) {
                        connection.abort();
                        return;
                    }
                    try {
                        connection.resume(
                                connection
                                        .channel()
                                        .register(selector, SelectionKey.OP_READ, connection),
                                linger,
                                System.nanoTime());
                    } catch (IOException | RuntimeException e) {
                        connection.abort();
                    }
                });
        selector.wakeup();
    }

    /** A connection is closed. */
    void forget(JdkConnection connection) {
        open.remove(connection);
    }

    /**
     * The handler's answer to a request the server will not serve; plain text if it fails to give
     * one.
     */
    EarlyAnswer unreadable(int status, Optional<String> path) {
        try {
            return handler.unreadable(status, path);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the proxy handler's unreadable failed", e);
            return new EarlyAnswer(
                    status,
                    HeaderMap.of("content-type", "text/plain; charset=utf-8"),
                    Http1.reason(status).getBytes(StandardCharsets.UTF_8));
        }
    }

    InFlight inFlight() {
        return inFlight;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closing = true;
        inFlight.close(); // a request not counted by now is refused 503, not cut
        // no new connection from now on (the port is free for a successor at once); requests on
        // open connections are answered 503 while those in flight finish
        try {
            listener.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the listening socket failed: {0}", e.toString());
        }
        selector.wakeup();
        inFlight.awaitIdle(options.shutdownGrace());
        stopping = true;
        selector.wakeup();
        try {
            loop.join(STOP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (JdkConnection connection : open) {
            connection.abort();
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the selector failed: {0}", e.toString());
        }
        pool.shutdownNow(); // interrupts handlers still running after the grace
        try {
            if (!pool.awaitTermination(STOP_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.log(
                        Level.WARNING,
                        "proxy handlers still running {0} ms after close",
                        STOP_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "JdkRunningServer[" + address + (closing ? ", closed" : "") + "]";
    }
}
