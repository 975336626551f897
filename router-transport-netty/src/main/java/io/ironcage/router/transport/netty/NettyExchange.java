package io.ironcage.router.transport.netty;

import io.ironcage.router.core.ClientDisconnectedException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.ResponseSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerResponse;

/**
 * One request between the event loop and a worker: the {@link ResponseSink} the proxy handler
 * writes to on its worker thread, and the {@link #reply()} reactor-netty subscribes to on the event
 * loop.
 *
 * <p>The worker decides what the answer is ({@link #send}, {@link #stream}, or the transport's own
 * {@code 500}) by completing a future with the reactor-netty publisher that writes it; {@link
 * #reply()} waits for that future and then for the publisher. When the client goes away,
 * reactor-netty cancels the reply: the future is cancelled, a waiting or later write throws {@link
 * ClientDisconnectedException}, as on the JDK transport.
 *
 * <p>Headers go out as given, except {@code content-length} and {@code transfer-encoding}, which
 * the transport sets itself (fixed length for {@link #send}, chunked for {@link #stream}); a {@code
 * Date} is added when absent; when the request body was too large and left unread, {@code
 * Connection: close} is added. {@link ResponseStream#abort()} closes the connection at once, so the
 * client sees a broken stream without the terminating chunk.
 */
final class NettyExchange implements ResponseSink {
    static final byte[] INTERNAL_ERROR = "Internal error".getBytes(StandardCharsets.UTF_8);
    static final byte[] UNAVAILABLE = "Service unavailable".getBytes(StandardCharsets.UTF_8);

    private static final Logger LOG = LoggerFactory.getLogger(NettyExchange.class);

    /** Where the answer stands. */
    enum State {
        NONE,
        SENT,
        STREAMING,
        CLOSED,
        ABORTED,
        BROKEN
    }

    private final HttpServerResponse response;
    private final boolean closeConnection;
    private final Duration writeTimeout;
    private final CompletableFuture<Mono<Void>> answer = new CompletableFuture<>();
    private final CompletableFuture<Void> written = new CompletableFuture<>();
    private volatile ChunkPublisher chunks;
    private State state = State.NONE;

    NettyExchange(HttpServerResponse response, boolean closeConnection, Duration writeTimeout) {
        this.response = response;
        this.closeConnection = closeConnection;
        this.writeTimeout = writeTimeout;
    }

    /**
     * Returns what reactor-netty subscribes to: the answer, once the worker has decided it.
     *
     * @return completes when the answer is written; cancelled when the client goes away
     */
    Mono<Void> reply() {
        return Mono.fromFuture(answer).flatMap(writing -> writing).doFinally(this::ended);
    }

    /** Called once, on the event loop, when the reply ends for any reason. */
    private void ended(SignalType signal) {
        if (signal == SignalType.ON_COMPLETE) {
            written.complete(null);
        } else {
            written.completeExceptionally(new ClientDisconnectedException(null));
        }
        ChunkPublisher stream = chunks;
        if (stream != null) {
            stream.fail(); // no effect once completed; wakes a writer waiting for demand
        }
    }

    /**
     * Hands the request to the proxy handler on this event loop ({@link ProxyHandler#handleAsync}),
     * which moves what may block to {@code workers}, and makes sure the exchange ends when the
     * handler is done.
     *
     * @return completes when the handler is done and the exchange has an answer
     */
    CompletionStage<Void> start(ProxyHandler handler, ProxyRequest request, Executor workers) {
        CompletionStage<Void> handled;
        try {
            handled = handler.handleAsync(request, this, workers);
            if (handled == null) {
                handled =
                        CompletableFuture.failedFuture(
                                new IllegalStateException("handleAsync returned no stage"));
            }
        } catch (RuntimeException | Error e) {
            handled = CompletableFuture.failedFuture(e);
        }
        return handled.handle(
                (done, failure) -> {
                    finish(failure, request);
                    return null;
                });
    }

    /**
     * Makes sure the exchange ends once the handler is done: the transport's own 500 if need be.
     */
    private void finish(Throwable thrown, ProxyRequest request) {
        Throwable failure = thrown;
        while (failure instanceof CompletionException && failure.getCause() != null) {
            failure = failure.getCause();
        }
        if (failure != null
                && !(failure instanceof ClientDisconnectedException)
                && !(failure instanceof RejectedExecutionException)) {
            LOG.warn("The proxy handler failed on {}", request, failure);
        }
        switch (state()) {
            case NONE:
                if (failure == null) {
                    LOG.warn("The proxy handler did not answer {}", request);
                }
                if (claim()) {
                    // no worker took it: the server is closing
                    boolean refused = failure instanceof RejectedExecutionException;
                    answer.complete(
                            NettyRunningServer.plain(
                                    response,
                                    refused ? 503 : 500,
                                    refused ? UNAVAILABLE : INTERNAL_ERROR,
                                    refused || closeConnection));
                    return;
                }
                dropConnection(); // the handler started an answer from another thread
                return;
            case SENT:
            case CLOSED:
                return;
            case STREAMING:
            case ABORTED:
            case BROKEN:
            default:
                abortStream();
                dropConnection();
        }
    }

    synchronized State state() {
        return state;
    }

    /** Takes the right to answer, for the transport's own 500; false if already taken. */
    private synchronized boolean claim() {
        if (state != State.NONE) {
            return false;
        }
        state = State.SENT;
        return true;
    }

    private synchronized void begin(State next) {
        if (state != State.NONE) {
            throw new IllegalStateException("a response was already started");
        }
        state = next;
    }

    private synchronized void broken() {
        state = State.BROKEN;
    }

    @Override
    public void send(int status, HeaderMap headers, byte[] body) {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        begin(State.SENT);
        copyHeaders(status, headers);
        if (!answer.complete(response.sendByteArray(Mono.just(body)).then())) {
            broken();
            throw new ClientDisconnectedException(null);
        }
        if (!Schedulers.isInNonBlockingThread()) {
            awaitWritten(); // a worker waits while the client is slow to read
        }
    }

    @Override
    public ResponseStream stream(int status, HeaderMap headers) {
        Objects.requireNonNull(headers, "headers");
        begin(State.STREAMING);
        copyHeaders(status, headers);
        ChunkPublisher publisher = new ChunkPublisher(writeTimeout, this::stalled);
        chunks = publisher;
        // flush after every chunk: each write reaches the client before the next one
        if (!answer.complete(response.send(publisher, chunk -> true).then())) {
            broken();
            throw new ClientDisconnectedException(null);
        }
        return new Stream(publisher);
    }

    private void awaitWritten() {
        try {
            written.get(writeTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            stalled();
            broken();
            throw new ClientDisconnectedException(e);
        } catch (ExecutionException e) {
            broken();
            throw new ClientDisconnectedException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            broken();
            throw new ClientDisconnectedException(e);
        }
    }

    /** The client took no data for the write timeout: close its connection. */
    private void stalled() {
        response.withConnection(connection -> connection.dispose());
    }

    private void copyHeaders(int status, HeaderMap headers) {
        response.status(status);
        headers.forEach(
                (name, value) -> {
                    if (!name.equals("content-length") && !name.equals("transfer-encoding")) {
                        response.addHeader(name, value);
                    }
                });
        if (!headers.contains("date")) {
            response.header("date", HttpDates.now());
        }
        if (closeConnection) {
            response.header("connection", "close");
        }
    }

    /** Marks a started stream aborted; false if it was not streaming. */
    private synchronized boolean markAborted() {
        if (state != State.STREAMING) {
            return false;
        }
        state = State.ABORTED;
        return true;
    }

    private void abortStream() {
        markAborted();
        ChunkPublisher stream = chunks;
        if (stream != null) {
            stream.fail();
        }
    }

    private void dropConnection() {
        response.withConnection(connection -> connection.channel().close());
    }

    @Override
    public String toString() {
        return "NettyExchange[" + state() + "]";
    }

    /** The chunked body of a streamed answer. */
    private final class Stream implements ResponseStream {
        private final ChunkPublisher publisher;
        private final ReentrantLock writing = new ReentrantLock();

        Stream(ChunkPublisher publisher) {
            this.publisher = publisher;
        }

        @Override
        public void write(byte[] chunk) {
            Objects.requireNonNull(chunk, "chunk");
            writing.lock();
            try {
                State now = state();
                if (now == State.BROKEN) {
                    throw new ClientDisconnectedException(null);
                }
                if (now != State.STREAMING) {
                    throw new IllegalStateException("the stream has ended");
                }
                if (chunk.length == 0) {
                    return; // an empty chunk would end the body
                }
                try {
                    publisher.emit(chunk.clone());
                } catch (ClientDisconnectedException e) {
                    synchronized (NettyExchange.this) {
                        if (state == State.STREAMING) {
                            state = State.BROKEN;
                        }
                    }
                    throw e;
                }
            } finally {
                writing.unlock();
            }
        }

        /**
         * Ends the body with the terminating chunk. A client already gone is not reported here: the
         * answer is over either way.
         */
        @Override
        public void close() {
            writing.lock();
            try {
                synchronized (NettyExchange.this) {
                    if (state != State.STREAMING) {
                        return;
                    }
                    state = State.CLOSED;
                }
                publisher.complete();
            } finally {
                writing.unlock();
            }
        }

        @Override
        public void abort() {
            if (markAborted()) {
                publisher.fail();
                dropConnection();
            }
        }
    }
}
