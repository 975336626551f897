package io.ironcage.router.transport.netty;

import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One caller's connection, on its event loop, behind Netty's HTTP codec: admits each request, reads
 * its body up to the limit, hands it to the proxy handler through a {@link NettyExchange} and, once
 * the answer is written, waits for the next request on the same connection.
 *
 * <p>Everything here runs on the connection's event loop and nothing blocks. The hot path does no
 * per-request allocation of timers or handlers: one timer per connection checks the idle and
 * request-read timeouts against the time of the last read, and while an answer is being written the
 * write timeout against the last progress of the write, rescheduling itself only when it fires. The
 * connection reads continuously (no auto-read toggling); a request that arrives while the previous
 * answer is still being produced (HTTP pipelining) waits in a queue, and only then is reading
 * paused, so a pipelining client cannot make the server hold more than it has read.
 */
final class ServerConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);
    private static final byte[] BAD_REQUEST = "Bad request".getBytes(StandardCharsets.UTF_8);
    private static final byte[] URI_TOO_LONG = "URI too long".getBytes(StandardCharsets.UTF_8);
    private static final byte[] HEADERS_TOO_LARGE =
            "Request header fields too large".getBytes(StandardCharsets.UTF_8);
    private static final int INITIAL_BODY_BUFFER = 16 * 1024;
    private static final int MAX_INITIAL_BODY_BUFFER = 64 * 1024;

    /** Where the connection stands. */
    private enum Phase {
        /** Waiting for a request's head. */
        IDLE,
        /** Reading an admitted request's body. */
        READING,
        /** The request went to the handler; its answer is not written yet. */
        ANSWERING,
        /**
         * Answered while the client may still be sending: the output is shut, what arrives is
         * dropped until the client stops or closes, then the connection closes.
         */
        LINGERING,
        /** Refused or gone: whatever still arrives is dropped. */
        CLOSED
    }

    /** A lingering close ends once the client has sent nothing for this long, */
    private static final long LINGER_QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** or after this long in all. */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final NettyRunningServer server;
    private final long idleNanos;
    private final long readNanos;
    private final long writeNanos;
    private final long writeLook; // how often a write is checked for progress
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private Phase phase = Phase.IDLE;
    private long since = System.nanoTime(); // idle since, or the last read of the request
    private HttpRequest head;
    private HeaderMap headers;
    private BodyBuffer body;
    private NettyRunningServer.Permit permit;
    private NettyRunningServer.Flight flight;
    private NettyExchange exchange;
    private boolean discardBody; // the rest of the body is left unread
    private ArrayDeque<Object> waiting; // requests pipelined behind the one being answered
    private boolean draining;
    // the write seen stuck at the last check: the message being written, how far it got, since when
    private Object stuckMessage;
    private long stuckProgress;
    private long stuckSince;
    private long lingerEnd;

    ServerConnection(NettyRunningServer server) {
        this.server = server;
        this.idleNanos = server.netty().idleTimeout().toNanos();
        this.readNanos = server.netty().requestReadTimeout().toNanos();
        this.writeNanos = server.netty().writeTimeout().toNanos();
        this.writeLook = Math.min(writeNanos / 2, Math.min(idleNanos, readNanos));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        timer = context.executor().schedule(this::checkTimeouts, idleNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (phase == Phase.CLOSED
                || phase == Phase.LINGERING
                || (phase == Phase.ANSWERING && discardBody)) {
            ReferenceCountUtil.release(msg);
            if (phase == Phase.LINGERING) {
                since = System.nanoTime();
            }
            return;
        }
        if (phase == Phase.ANSWERING) {
            if (waiting == null) {
                waiting = new ArrayDeque<>();
            }
            waiting.add(msg);
            context.channel().config().setAutoRead(false); // hold no more than this
            return;
        }
        try {
            if (msg instanceof HttpRequest) {
                onHead((HttpRequest) msg);
            }
            if (msg instanceof HttpContent) {
                onContent((HttpContent) msg);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(HttpRequest request) {
        if (phase != Phase.IDLE) {
            refuse(400, BAD_REQUEST); // the codec never does this
            return;
        }
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            Throwable cause = decoded.cause();
            if (cause instanceof TooLongHttpLineException) {
                refuse(414, URI_TOO_LONG);
            } else if (cause instanceof TooLongHttpHeaderException) {
                refuse(431, HEADERS_TOO_LARGE);
            } else {
                refuse(400, BAD_REQUEST);
            }
            return;
        }
        if (server.closing()) {
            refuse(503, NettyExchange.UNAVAILABLE);
            return;
        }
        HeaderMap map;
        try {
            map = NettyHttpTransport.headers(request.headers(), false);
        } catch (IllegalArgumentException e) {
            refuse(400, BAD_REQUEST); // a header HTTP does not allow
            return;
        }
        if (map.size() > server.netty().maxHeaderCount()) {
            refuse(431, HEADERS_TOO_LARGE);
            return;
        }
        NettyRunningServer.Permit admitted = server.admit();
        if (admitted == null) {
            refuse(503, NettyExchange.UNAVAILABLE);
            return;
        }
        head = request;
        headers = map;
        permit = admitted;
        flight = server.newFlight();
        since = System.nanoTime();
        long declared = HttpUtil.getContentLength(request, -1L); // the decoder checked it
        long limit = server.options().maxRequestBodyBytes();
        if (declared > limit) {
            dispatch(null, true); // answered without reading the body
            return;
        }
        if (HttpUtil.is100ContinueExpected(request)) {
            ctx.writeAndFlush(
                    new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1,
                            HttpResponseStatus.CONTINUE,
                            Unpooled.EMPTY_BUFFER));
        }
        body = new BodyBuffer(limit, declared);
        phase = Phase.READING;
        if (readNanos < idleNanos) {
            rescheduleTimer(readNanos); // the idle check would come too late
        }
    }

    private void onContent(HttpContent content) {
        if (phase != Phase.READING) {
            return; // the body of a refused request
        }
        if (content.decoderResult().isFailure()) {
            releaseHeld(); // a malformed chunk: the body is not whole, never dispatched
            refuse(400, BAD_REQUEST);
            return;
        }
        since = System.nanoTime();
        boolean last = content instanceof LastHttpContent;
        if (!body.append(content.content())) {
            dispatch(null, !last);
        } else if (last) {
            dispatch(body.result(), false);
        }
    }

    /**
     * Hands the request to the handler.
     *
     * @param bytes the body, or null when it was over the limit
     * @param unread whether the rest of the body is still to come (it is then never read)
     */
    private void dispatch(byte[] bytes, boolean unread) {
        phase = Phase.ANSWERING;
        watchTheWrite();
        discardBody = unread;
        body = null;
        if (unread) {
            ctx.channel().config().setAutoRead(false);
        }
        String[] target = target(head.uri());
        ProxyRequest proxied =
                new ProxyRequest(
                        head.method().name().toUpperCase(Locale.ROOT),
                        target[0],
                        target[1],
                        headers,
                        bytes,
                        bytes == null);
        boolean close = bytes == null || !HttpUtil.isKeepAlive(head);
        boolean http10 = head.protocolVersion().equals(HttpVersion.HTTP_1_0);
        head = null;
        headers = null;
        NettyExchange started = new NettyExchange(this, ctx.channel(), close, http10);
        exchange = started;
        NettyRunningServer.Permit held = permit;
        NettyRunningServer.Flight flying = flight;
        held.handOver();
        flying.addPart();
        started.start(server.handler(), proxied, server.workers())
                .whenComplete(
                        (done, failure) -> {
                            held.release();
                            flying.partDone();
                        });
    }

    /**
     * The exchange's answer is written, or can no longer be: called on the event loop, once or more
     * per exchange (only the first counts).
     *
     * @param which the exchange
     * @param ok whether the whole answer was written
     */
    void answered(NettyExchange which, boolean ok) {
        if (which != exchange) {
            return;
        }
        exchange = null;
        permit.release();
        flight.partDone();
        permit = null;
        flight = null;
        if (ok && discardBody && phase != Phase.CLOSED) {
            closeLingering(); // the body is still coming: a plain close would reset the answer
            return;
        }
        if (!ok || which.closesConnection() || phase == Phase.CLOSED) {
            phase = Phase.CLOSED;
            ctx.close();
            return;
        }
        phase = Phase.IDLE;
        since = System.nanoTime();
        stuckMessage = null;
        drainWaiting();
    }

    /** Serves requests that were pipelined behind the one just answered, then reads on. */
    private void drainWaiting() {
        if (waiting == null || draining) {
            return;
        }
        draining = true;
        try {
            Object next;
            // a head and then its body, until a request goes to the handler again
            while ((phase == Phase.IDLE || phase == Phase.READING)
                    && (next = waiting.poll()) != null) {
                channelRead(ctx, next);
            }
        } finally {
            draining = false;
        }
        if (waiting.isEmpty() && phase != Phase.CLOSED) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        NettyExchange current = exchange;
        if (current != null) {
            current.writabilityChanged();
        }
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        phase = Phase.CLOSED;
        if (timer != null) {
            timer.cancel(false);
        }
        NettyExchange current = exchange;
        if (current != null) {
            current.clientGone();
            answered(current, false);
        } else {
            releaseHeld(); // a body that never arrived, whatever the phase
        }
        body = null;
        if (waiting != null) {
            waiting.forEach(ReferenceCountUtil::release);
            waiting.clear();
        }
        context.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        LOG.debug("connection failed: {}", cause.toString());
        context.close();
    }

    /** Gives back the permit and flight of a request that never reached the handler. */
    private void releaseHeld() {
        if (permit != null) {
            permit.release();
            flight.partDone();
            permit = null;
            flight = null;
        }
        body = null;
    }

    /**
     * The one timer: closes a connection idle or stalled mid-request for too long, or one whose
     * client has taken none of the answer for the write timeout.
     */
    private void checkTimeouts() {
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        long left;
        switch (phase) {
            case IDLE:
                left = idleNanos - (now - since);
                break;
            case LINGERING:
                left = Math.min(LINGER_QUIET_NANOS - (now - since), lingerEnd - now);
                break;
            case READING:
                left = readNanos - (now - since);
                if (left <= 0) {
                    LOG.debug("no request data for {} ms: closing", readNanos / 1_000_000);
                }
                break;
            default: // ANSWERING, or CLOSED with a refusal still being written
                left = writeLeft(now); // an answer may take minutes, as long as it moves
        }
        if (left <= 0) {
            ctx.close();
            return;
        }
        timer = ctx.executor().schedule(this::checkTimeouts, left, TimeUnit.NANOSECONDS);
    }

    /**
     * While an answer is produced: the time left before a write that has not moved counts as
     * stalled, or when to look again. A stall is seen within the write timeout and half of it.
     */
    private long writeLeft(long now) {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        Object message = out == null ? null : out.current();
        if (message == null) {
            stuckMessage = null; // nothing being written: the answer is still being produced
            return writeLook;
        }
        long progress = out.currentProgress();
        if (message != stuckMessage || progress != stuckProgress) {
            stuckMessage = message;
            stuckProgress = progress;
            stuckSince = now;
            return writeLook;
        }
        long left = writeNanos - (now - stuckSince);
        if (left <= 0) {
            LOG.debug("the client took no data for {} ms: closing", writeNanos / 1_000_000);
        }
        return Math.min(left, writeLook);
    }

    /** An answer is coming: the timer looks at its write soon enough (the idle check may not). */
    private void watchTheWrite() {
        if (timer.getDelay(TimeUnit.NANOSECONDS) > writeLook) {
            rescheduleTimer(writeLook);
        }
    }

    private void rescheduleTimer(long nanos) {
        timer.cancel(false);
        timer = ctx.executor().schedule(this::checkTimeouts, nanos, TimeUnit.NANOSECONDS);
    }

    /** Answers a request the server will not serve and closes the connection. */
    private void refuse(int status, byte[] text) {
        phase = Phase.CLOSED;
        stuckMessage = null;
        watchTheWrite(); // a client that never takes the refusal is cut too
        NettyRunningServer.Flight refusal = server.newFlight();
        ctx.writeAndFlush(plain(status, text, true))
                .addListener(
                        (ChannelFutureListener)
                                written -> {
                                    refusal.partDone();
                                    if (written.isSuccess()) {
                                        closeLingering(); // a body may follow the refused head
                                    } else {
                                        ctx.close();
                                    }
                                });
    }

    /**
     * Closes the connection after its last answer without losing that answer to a reset: closing a
     * socket with unread data makes the kernel reset the connection, and most clients send their
     * whole body before they read, so they would see the reset instead of the answer. The output is
     * shut (the client reads the answer, then the end), and what the client still sends is read and
     * dropped until it has sent nothing for a second, closes, or ten seconds have passed.
     */
    private void closeLingering() {
        if (!ctx.channel().isActive() || phase == Phase.LINGERING) {
            return;
        }
        if (!(ctx.channel() instanceof DuplexChannel)) {
            phase = Phase.CLOSED;
            ctx.close();
            return;
        }
        phase = Phase.LINGERING;
        since = System.nanoTime();
        lingerEnd = since + LINGER_NANOS;
        if (waiting != null) {
            waiting.forEach(ReferenceCountUtil::release);
            waiting.clear();
        }
        ((DuplexChannel) ctx.channel())
                .shutdownOutput()
                .addListener(
                        shut -> {
                            if (!shut.isSuccess()) {
                                ctx.close();
                            }
                        });
        ctx.channel().config().setAutoRead(true);
        rescheduleTimer(LINGER_QUIET_NANOS);
    }

    /** A short plain-text answer, e.g. a refusal. */
    static FullHttpResponse plain(int status, byte[] text, boolean close) {
        FullHttpResponse response =
                new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(status),
                        Unpooled.wrappedBuffer(text),
                        NettyExchange.HEADERS,
                        NettyExchange.TRAILERS);
        HttpHeaders headers = response.headers();
        headers.set("content-type", "text/plain; charset=utf-8");
        headers.set("date", HttpDates.now());
        headers.set("content-length", text.length);
        if (close) {
            headers.set("connection", "close");
        }
        return response;
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
    public String toString() {
        return "ServerConnection[" + phase + "]";
    }

    /** Collects a request body up to the limit. */
    private static final class BodyBuffer {
        private final long limit;
        private byte[] data;
        private int size;

        BodyBuffer(long limit, long declared) {
            this.limit = Math.min(limit, Integer.MAX_VALUE - 16); // a Java array's limit
            // a declared length is a promise, not bytes: only a small buffer before they arrive
            long initial = declared >= 0 ? declared : INITIAL_BODY_BUFFER;
            this.data = new byte[(int) Math.min(Math.min(initial, limit), MAX_INITIAL_BODY_BUFFER)];
        }

        /** Takes a chunk; false once the body is over the limit (the body is then dropped). */
        boolean append(ByteBuf chunk) {
            int n = chunk.readableBytes();
            if (size + (long) n > limit) {
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

        byte[] result() {
            return size == data.length ? data : Arrays.copyOf(data, size);
        }
    }
}
