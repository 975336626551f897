package io.ironcage.router.transport.netty;

import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.RequestHead;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.transport.AnswerState;
import io.ironcage.router.core.transport.AnswerState.State;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request's answer: the {@link ResponseSink} the proxy handler writes to, on the event loop or
 * on a worker, turned into Netty writes on the caller's connection.
 *
 * <p>{@link #send} writes the whole answer at once; called off the event loop it waits until the
 * answer is written. {@link #stream} writes the head at once and each chunk with a flush, so every
 * SSE event reaches the client when it is written; a writer waits while the connection's outbound
 * buffer is over its high-water mark, so a client that reads slowly slows the writer down and
 * memory stays bounded. A client that takes none of the answer for the write timeout counts as
 * gone: the connection's timer ({@link ServerConnection}) closes it, however the answer is written,
 * so a slow client is never cut off while it reads. When the client goes away, a waiting or later
 * write returns {@code false}, as on the JDK transport.
 *
 * <p>Headers go out as given, except {@code content-length} and {@code transfer-encoding}, which
 * the transport sets itself (fixed length for {@link #send}, chunked for {@link #stream}, or to an
 * HTTP/1.0 client a body that ends when the connection closes); a {@code Date} is added when
 * absent; when the connection closes after the answer (the request said so, or its body was too
 * large and left unread), {@code Connection: close} is added. {@link ResponseStream#abort()} closes
 * the connection at once, so the client sees a broken stream without the terminating chunk. Where
 * the answer stands is an {@link AnswerState}, as on every transport.
 */
final class NettyExchange implements ResponseSink {
    /** Answer headers are checked by {@link HeaderMap} already. */
    static final HttpHeadersFactory HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    static final HttpHeadersFactory TRAILERS =
            DefaultHttpHeadersFactory.trailersFactory().withValidation(false);

    private static final Logger LOG = LoggerFactory.getLogger(NettyExchange.class);

    /** How often a waiting writer checks the connection is still open, as a safety net. */
    private static final long LOOK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ServerConnection connection;
    private final Channel channel;
    private final boolean http10;
    private volatile boolean closeConnection;

    /** Completes with whether the whole answer was written, or false once the client is gone. */
    private final CompletableFuture<Boolean> written = new CompletableFuture<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition writableOrGone = lock.newCondition();
    private final ChannelFutureListener lastWritten = this::lastWritten;
    private final ChannelFutureListener partWritten = this::partWritten;
    private volatile boolean gone;
    private final AnswerState answer = new AnswerState();

    /**
     * @param closeConnection whether the connection closes after the answer
     * @param http10 whether the request was HTTP/1.0, whose clients know no chunked bodies
     */
    NettyExchange(
            ServerConnection connection, Channel channel, boolean closeConnection, boolean http10) {
        this.connection = connection;
        this.channel = channel;
        this.closeConnection = closeConnection;
        this.http10 = http10;
    }

    /** Whether the connection closes once this answer is written. */
    boolean closesConnection() {
        return closeConnection;
    }

    /**
     * Hands the request to the proxy handler on this event loop ({@link ProxyHandler#handle}),
     * which moves what may block to {@code workers}, and makes sure the exchange ends when the
     * handler is done.
     *
     * @return completes when the handler is done and the exchange has an answer
     */
    CompletionStage<Void> start(ProxyHandler handler, ProxyRequest request, Executor workers) {
        return AnswerState.handle(handler, request, this, workers)
                .handle(
                        (done, failure) -> {
                            finish(failure, request);
                            return null;
                        });
    }

    /**
     * Makes sure the exchange ends once the handler is done: the transport's own 500 if need be.
     */
    private void finish(Throwable thrown, ProxyRequest request) {
        Throwable failure = AnswerState.unwrapped(thrown);
        if (failure != null && !(failure instanceof RejectedExecutionException)) {
            LOG.warn("The proxy handler failed on {}", describe(request), failure);
        }
        switch (answer.finish()) {
            case INTERNAL_ERROR:
                if (failure == null) {
                    LOG.warn("The proxy handler did not answer {}", describe(request));
                }
                // no worker took it: the server is closing
                boolean refused = failure instanceof RejectedExecutionException;
                if (refused) {
                    closeConnection = true;
                }
                FullHttpResponse response =
                        refused
                                ? ServerConnection.response(
                                        connection.unreadable(503, Optional.of(request.path())))
                                : internalError();
                channel.writeAndFlush(response).addListener(lastWritten);
                return;
            case NOTHING:
                return;
            case ABORT:
            default: // a stream not ended, aborted or broken
                closeAfterQueuedWrites();
        }
    }

    /**
     * Closes the connection once the writes already handed to its event loop are done. A handler on
     * a worker can finish before the event loop has even attached {@link #finish}, which then runs
     * on the event loop: a plain close there would go before the worker's queued writes, and the
     * client would see the connection end without the head and chunks written before it.
     */
    private void closeAfterQueuedWrites() {
        try {
            channel.eventLoop().execute(channel::close);
        } catch (RejectedExecutionException e) {
            channel.close(); // the loop is stopping: it closes everything anyway
        }
    }

    /** The transport's own 500: plain text that names no internals. */
    private FullHttpResponse internalError() {
        EarlyAnswer error = AnswerState.internalError();
        byte[] body = error.body();
        FullHttpResponse response =
                new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(error.status()),
                        Unpooled.wrappedBuffer(body),
                        HEADERS,
                        TRAILERS);
        HttpHeaders headers = response.headers();
        error.headers().forEach(headers::set);
        headers.set("date", HttpDates.now());
        headers.set("content-length", body.length);
        if (closeConnection) {
            headers.set("connection", "close");
        }
        return response;
    }

    /** A request for a log line: method, escaped path and size; never headers or body. */
    static String describe(ProxyRequest request) {
        return request.method()
                + " "
                + RequestHead.printable(request.path())
                + " ("
                + request.bodyLength()
                + " bytes"
                + (request.bodyTooLarge() ? ", too large" : "")
                + ")";
    }

    State state() {
        return answer.state();
    }

    @Override
    public boolean send(int status, HeaderMap headers, byte[] body) {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        answer.begin(State.SENT);
        if (gone) {
            answer.broken();
            return false;
        }
        FullHttpResponse response =
                new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(status),
                        Unpooled.wrappedBuffer(body),
                        HEADERS,
                        TRAILERS);
        copyHeaders(response, headers);
        if (status != 204 && status != 304 && status >= 200) {
            response.headers().set("content-length", body.length);
        }
        channel.writeAndFlush(response).addListener(lastWritten);
        if (!onEventLoop()) {
            return awaitWritten(); // a worker waits while the client is slow to read
        }
        return true;
    }

    @Override
    public ResponseStream stream(int status, HeaderMap headers) {
        Objects.requireNonNull(headers, "headers");
        answer.begin(State.STREAMING);
        if (gone) {
            answer.broken(); // the stream's writes report it
            return new Stream();
        }
        HttpResponse head =
                new DefaultHttpResponse(
                        HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), HEADERS);
        if (http10) {
            closeConnection = true; // no chunks: the body ends where the connection does
        }
        copyHeaders(head, headers);
        if (!http10) {
            head.headers().set("transfer-encoding", "chunked");
        }
        channel.writeAndFlush(head).addListener(partWritten);
        return new Stream();
    }

    private boolean onEventLoop() {
        return channel.eventLoop().inEventLoop() || EventLoops.onLoopThread();
    }

    /** The last write of the answer ended: the connection may serve its next request. */
    private void lastWritten(ChannelFuture future) {
        if (future.isSuccess()) {
            written.complete(true);
        } else {
            clientGone();
        }
        connection.answered(this, future.isSuccess());
    }

    /** A head or chunk of a stream was written, or could not be. */
    private void partWritten(ChannelFuture future) {
        if (!future.isSuccess()) {
            clientGone();
            channel.close();
        }
    }

    /** The connection closed or a write failed: every waiting or later write fails. */
    void clientGone() {
        gone = true;
        written.complete(false);
        signal();
    }

    /** The connection's outbound buffer went over or back under its high-water mark. */
    void writabilityChanged() {
        signal();
    }

    private void signal() {
        lock.lock();
        try {
            writableOrGone.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the answer is written or the client is gone (the connection's timer).
     *
     * @return whether the answer was written
     */
    private boolean awaitWritten() {
        try {
            while (true) {
                try {
                    if (written.get(LOOK_NANOS, TimeUnit.NANOSECONDS)) {
                        return true;
                    }
                    answer.broken();
                    return false;
                } catch (TimeoutException e) {
                    if (!channel.isActive()) { // closed, whether or not we were told
                        clientGone();
                    }
                }
            }
        } catch (ExecutionException e) {
            answer.broken(); // never completed exceptionally; kept for safety
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer.broken();
            return false;
        }
    }

    /**
     * Waits while the connection holds more unwritten data than its high-water mark, until the
     * client takes enough of it or is gone (the connection's timer); never on an event loop.
     *
     * @return false if the wait was interrupted (counted as the client gone)
     */
    private boolean awaitWritable() {
        if (channel.isWritable() || onEventLoop()) {
            return true;
        }
        lock.lock();
        try {
            while (!gone && !channel.isWritable()) {
                if (writableOrGone.awaitNanos(LOOK_NANOS) <= 0 && !channel.isActive()) {
                    gone = true; // closed, whether or not we were told
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
        return true;
    }

    private void copyHeaders(HttpResponse response, HeaderMap given) {
        HttpHeaders out = response.headers();
        given.forEach(
                (name, value) -> {
                    if (!name.equals("content-length") && !name.equals("transfer-encoding")) {
                        out.add(name, value);
                    }
                });
        if (!given.contains("date")) {
            out.set("date", HttpDates.now());
        }
        if (closeConnection) {
            out.set("connection", "close");
        }
    }

    @Override
    public String toString() {
        return "NettyExchange[" + state() + "]";
    }

    /** The chunked body of a streamed answer. */
    private final class Stream implements ResponseStream {
        private final ReentrantLock writing = new ReentrantLock();

        @Override
        public boolean write(byte[] chunk) {
            Objects.requireNonNull(chunk, "chunk");
            writing.lock();
            try {
                State now = answer.state();
                if (now == State.BROKEN) {
                    return false;
                }
                if (now != State.STREAMING) {
                    throw new IllegalStateException("the stream has ended");
                }
                if (chunk.length == 0) {
                    return true; // an empty chunk would end the body
                }
                if (!gone) {
                    channel.writeAndFlush(
                                    new DefaultHttpContent(Unpooled.wrappedBuffer(chunk.clone())))
                            .addListener(partWritten);
                    if (awaitWritable() && !gone) {
                        return true;
                    }
                }
                answer.brokenIfStreaming();
                return false;
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
                if (!answer.closeIfStreaming()) {
                    return;
                }
                channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(lastWritten);
            } finally {
                writing.unlock();
            }
        }

        @Override
        public void abort() {
            if (answer.markAborted()) {
                clientGone();
                channel.close();
            }
        }
    }
}
