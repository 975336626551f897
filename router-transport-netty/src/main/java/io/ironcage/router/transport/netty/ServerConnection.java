package io.ironcage.router.transport.netty;

import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.RequestHead;
import io.ironcage.router.core.transport.AnswerState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
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
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One caller's connection, on its event loop, behind Netty's HTTP codec: admits each request, reads
 * its body up to the limit, hands it to the proxy handler through a {@link NettyExchange} and, once
 * the answer is written, waits for the next request on the same connection.
 *
 * <p>A complete head is checked (framing, target, header values), shown to the handler's {@code
 * onHead} (which may answer it at once, its body never read), then admitted: it takes its declared
 * body length from the server's body memory and a permit, or is answered 503. Every answer the
 * connection gives by itself (400, 408, 413, 414, 431, 503) comes from the handler's {@code
 * unreadable} and closes the connection lingering.
 *
 * <p>Everything here runs on the connection's event loop and nothing blocks. The hot path does no
 * per-request allocation of timers or handlers: one timer per connection checks the head deadline
 * (from the connection's start for its first request, from the first byte of the head for the next
 * ones: a small handler before the codec sees the bytes arrive), the idle timeout, and the body
 * deadline and read timeout against the time of the last read, and while an answer is being written
 * the write timeout against the last progress of the write, rescheduling itself only when it fires.
 * The connection reads continuously (no auto-read toggling); a request that arrives while the
 * previous answer is still being produced (HTTP pipelining) waits in a queue, and only then is
 * reading paused, so a pipelining client cannot make the server hold more than it has read.
 */
final class ServerConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);
    private static final EarlyAnswer INTERNAL_ERROR = AnswerState.internalError();

    /** What a request target may hold: RFC 3986 characters, {@code %} and {@code #}. */
    private static final boolean[] TARGET = new boolean[128];

    static {
        for (int c = 0; c < 128; c++) {
            TARGET[c] =
                    (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || "-._~!$&'()*+,;=:@/?#%[]".indexOf(c) >= 0;
        }
    }

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
    private final long headerNanos;
    private final long bodyNanos;
    private final long writeNanos;
    private final long writeLook; // how often a write is checked for progress
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private Phase phase = Phase.IDLE;
    private long since = System.nanoTime(); // idle since, or the last read of the request
    private boolean fresh = true; // no request yet: the head's deadline runs from the start
    private boolean headArriving; // a byte of the next head has arrived
    private boolean arrivedWhileAnswering; // ... while the last answer was being produced
    private long headDeadline;
    private long bodyDeadline;
    private long bodyMemory; // body memory taken by the request being read
    private HttpRequest head;
    private RequestHead shown; // the head of the request being read, as the handler saw it
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
        this.writeNanos = server.netty().writeTimeout(server.options()).toNanos();
        this.headerNanos = server.options().headerTimeout().toNanos();
        this.bodyNanos = server.options().bodyTimeout().toNanos();
        // never longer than a head's deadline: when the answer is done and the next head arrives,
        // the timer is then due soon enough already and need not be moved on every request
        this.writeLook =
                Math.min(Math.min(writeNanos / 2, headerNanos), Math.min(idleNanos, readNanos));
        this.headDeadline = since + headerNanos;
    }

    /** The handler's answer to a request the server will not serve. */
    EarlyAnswer unreadable(int status, Optional<String> path) {
        return server.unreadable(status, path);
    }

    /** The handler that goes before the HTTP codec, to see the bytes of a head arrive. */
    ChannelInboundHandlerAdapter arrivals() {
        return new Arrivals();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        timer =
                context.executor()
                        .schedule(
                                this::checkTimeouts,
                                Math.min(idleNanos, headerNanos),
                                TimeUnit.NANOSECONDS);
    }

    /** Bytes arrived: the first of a head starts its deadline. */
    private void bytesArrived() {
        if (phase == Phase.ANSWERING && !discardBody) {
            arrivedWhileAnswering = true; // a pipelined request: its clock starts once it is read
        }
        if (phase != Phase.IDLE || headArriving) {
            return;
        }
        headArriving = true;
        if (!fresh) {
            headDeadline = System.nanoTime() + headerNanos;
            if (timer.getDelay(TimeUnit.NANOSECONDS) > headerNanos) {
                rescheduleTimer(headerNanos);
            }
        }
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
        headArriving = false;
        fresh = false;
        if (phase != Phase.IDLE) {
            refuse(400, Optional.empty()); // the codec never does this
            return;
        }
        DecoderResult decoded = request.decoderResult();
        // the decoder's stand-in for a request whose line it could not read is a full request
        String[] target =
                request instanceof FullHttpRequest ? null : RequestHead.splitTarget(request.uri());
        Optional<String> path = target == null ? Optional.empty() : Optional.of(target[0]);
        if (decoded.isFailure()) {
            Throwable cause = decoded.cause();
            if (cause instanceof TooLongHttpLineException) {
                refuse(414, Optional.empty());
            } else if (cause instanceof TooLongHttpHeaderException) {
                refuse(431, path);
            } else {
                refuse(400, path);
            }
            return;
        }
        if (target == null) {
            target = RequestHead.splitTarget(request.uri());
            path = Optional.of(target[0]);
        }
        HeaderMap map;
        try {
            map = NettyHttpTransport.headers(request.headers(), false);
        } catch (IllegalArgumentException e) {
            refuse(400, path); // a header HTTP does not allow
            return;
        }
        String malformed = malformed(request, map);
        if (malformed != null) {
            LOG.debug("refused {}: {}", RequestHead.printable(path.orElse("-")), malformed);
            refuse(400, path);
            return;
        }
        if (map.size() > server.netty().maxHeaderCount()) {
            refuse(431, path);
            return;
        }
        // counted in flight before anything else, in one step with the closing check: close()
        // either waits for this request or it is refused here
        NettyRunningServer.Flight entered = server.tryNewFlight();
        if (entered == null) {
            refuse(503, path);
            return;
        }
        RequestHead seen =
                new RequestHead(
                        request.method().name().toUpperCase(Locale.ROOT),
                        target[0],
                        target[1],
                        map);
        Optional<EarlyAnswer> early;
        try {
            early = server.handler().onHead(seen);
        } catch (RuntimeException e) {
            entered.partDone();
            LOG.warn(
                    "the proxy handler's onHead failed on {}", RequestHead.printable(target[0]), e);
            answerAndClose(INTERNAL_ERROR);
            return;
        }
        if (early.isPresent()) {
            entered.partDone();
            answerAndClose(early.get()); // the body is never read
            return;
        }
        long declared = HttpUtil.getContentLength(request, -1L); // the decoder checked it
        long limit = server.options().maxRequestBodyBytes();
        long memory = declared > 0 && declared <= limit ? declared : 0;
        if (!server.bodyMemory().take(memory)) {
            entered.partDone();
            LOG.debug("no body memory left for {}: 503", RequestHead.printable(target[0]));
            refuse(503, path);
            return;
        }
        NettyRunningServer.Permit admitted = server.admit();
        if (admitted == null) {
            entered.partDone();
            server.bodyMemory().giveBack(memory);
            refuse(503, path);
            return;
        }
        head = request;
        shown = seen;
        permit = admitted;
        bodyMemory = memory;
        flight = entered;
        since = System.nanoTime();
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
        bodyDeadline = since + bodyNanos;
        long look = Math.min(readNanos, bodyNanos);
        if (look < timer.getDelay(TimeUnit.NANOSECONDS)) {
            rescheduleTimer(look); // the idle check would come too late
        }
    }

    /**
     * What the decoder lets through but the server refuses: a request target with a character a URI
     * may not hold (a backslash, a control character, ...), a control character in a header value,
     * and a body framing other than none, a Content-Length (checked by the decoder) or exactly
     * {@code Transfer-Encoding: chunked} in HTTP/1.1 (RFC 9112 §6.1: any other coding, a repeated
     * one, or one with a Content-Length is how one request is smuggled inside another).
     *
     * @param request the request as the decoder read it
     * @param headers its headers, converted once
     * @return why the request is refused, or null
     */
    static String malformed(HttpRequest request, HeaderMap headers) {
        String uri = request.uri();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c >= 128 || !TARGET[c]) {
                return "a request target with character code " + (int) c;
            }
        }
        String[] found = {null};
        headers.forEach(
                (name, value) -> {
                    for (int i = 0; i < value.length() && found[0] == null; i++) {
                        char c = value.charAt(i);
                        if ((c < 0x20 && c != '\t') || c == 0x7F) {
                            found[0] = "a control character in a header value";
                        }
                    }
                });
        if (found[0] != null) {
            return found[0];
        }
        if (!headers.contains("transfer-encoding")) {
            return null;
        }
        List<String> encodings = headers.all("transfer-encoding");
        if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)
                || headers.contains("content-length")
                || encodings.size() != 1
                || !encodings.get(0).strip().equalsIgnoreCase("chunked")) {
            return "a Transfer-Encoding other than chunked alone";
        }
        return null;
    }

    private void onContent(HttpContent content) {
        if (phase != Phase.READING) {
            return; // the body of a refused request
        }
        if (content.decoderResult().isFailure()) {
            Optional<String> path = Optional.of(RequestHead.splitTarget(head.uri())[0]);
            releaseHeld(); // a malformed chunk: the body is not whole, never dispatched
            refuse(400, path);
            return;
        }
        since = System.nanoTime();
        boolean last = content instanceof LastHttpContent;
        int size = content.content().readableBytes();
        if (body.chunked() && size > 0 && body.fits(size)) {
            // a chunked body takes memory as it arrives
            if (!server.bodyMemory().take(size)) {
                Optional<String> path = Optional.of(RequestHead.splitTarget(head.uri())[0]);
                LOG.debug("no body memory left for {}: 503", RequestHead.printable(path.get()));
                releaseHeld();
                refuse(503, path);
                return;
            }
            bodyMemory += size;
        }
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
        giveBackBodyMemory(); // read (or never to be): the handler holds the body from now on
        phase = Phase.ANSWERING;
        watchTheWrite();
        discardBody = unread;
        body = null;
        if (unread) {
            ctx.channel().config().setAutoRead(false);
        }
        ProxyRequest proxied =
                new ProxyRequest(
                        shown.method(),
                        shown.path(),
                        shown.query(),
                        shown.headers(),
                        bytes,
                        bytes == null);
        boolean close = bytes == null || !HttpUtil.isKeepAlive(head);
        boolean http10 = head.protocolVersion().equals(HttpVersion.HTTP_1_0);
        head = null;
        shown = null;
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
        headArriving = arrivedWhileAnswering;
        arrivedWhileAnswering = false;
        if (headArriving) {
            headDeadline = since + headerNanos; // part of the next head came meanwhile
        }
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

    /** Gives back the permit, flight and memory of a request that never reached the handler. */
    private void releaseHeld() {
        if (permit != null) {
            permit.release();
            flight.partDone();
            permit = null;
            flight = null;
        }
        giveBackBodyMemory();
        body = null;
    }

    private void giveBackBodyMemory() {
        if (bodyMemory > 0) {
            server.bodyMemory().giveBack(bodyMemory);
            bodyMemory = 0;
        }
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
                if (headArriving) {
                    left = headDeadline - now;
                    if (left <= 0) {
                        LOG.debug(
                                "a request head did not arrive within {} ms: 408",
                                headerNanos / 1_000_000);
                        refuse(408, Optional.empty()); // the codec still holds the head
                        return;
                    }
                } else {
                    // looked at within a head's deadline, so one starting is seen in time
                    left = Math.min(idleNanos - (now - since), headerNanos);
                    if (fresh) {
                        left = Math.min(left, headDeadline - now); // nothing since the start
                    }
                }
                break;
            case LINGERING:
                left = Math.min(LINGER_QUIET_NANOS - (now - since), lingerEnd - now);
                break;
            case READING:
                if (bodyDeadline - now <= 0) {
                    LOG.debug(
                            "a request body did not arrive within {} ms: 408",
                            bodyNanos / 1_000_000);
                    Optional<String> path = Optional.of(RequestHead.splitTarget(head.uri())[0]);
                    releaseHeld();
                    refuse(408, path);
                    return;
                }
                left = Math.min(readNanos - (now - since), bodyDeadline - now);
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
        // a timer due already may be the one running now (a refusal on a deadline)
        long delay = timer.getDelay(TimeUnit.NANOSECONDS);
        if (delay <= 0 || delay > writeLook) {
            rescheduleTimer(writeLook);
        }
    }

    private void rescheduleTimer(long nanos) {
        timer.cancel(false);
        timer = ctx.executor().schedule(this::checkTimeouts, nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Answers a request the server will not serve, as the handler's {@code unreadable} says, and
     * closes the connection.
     */
    private void refuse(int status, Optional<String> path) {
        answerAndClose(server.unreadable(status, path));
    }

    /** Answers a request by the server itself and closes the connection. */
    private void answerAndClose(EarlyAnswer answer) {
        phase = Phase.CLOSED;
        stuckMessage = null;
        watchTheWrite(); // a client that never takes the refusal is cut too
        NettyRunningServer.Flight refusal = server.newFlight();
        ctx.writeAndFlush(response(answer))
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

    /** A whole answer the server gives by itself, after which the connection closes. */
    static FullHttpResponse response(EarlyAnswer answer) {
        byte[] body = answer.body();
        FullHttpResponse response =
                new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(answer.status()),
                        Unpooled.wrappedBuffer(body),
                        NettyExchange.HEADERS,
                        NettyExchange.TRAILERS);
        HttpHeaders headers = response.headers();
        answer.headers()
                .forEach(
                        (name, value) -> {
                            if (!name.equals("content-length")
                                    && !name.equals("transfer-encoding")
                                    && !name.equals("connection")) {
                                headers.add(name, value);
                            }
                        });
        if (!answer.headers().contains("date")) {
            headers.set("date", HttpDates.now());
        }
        headers.set("connection", "close");
        headers.set("content-length", body.length);
        return response;
    }

    @Override
    public String toString() {
        return "ServerConnection[" + phase + "]";
    }

    /** Sees the bytes before the HTTP codec does, so a head's first byte starts its deadline. */
    private final class Arrivals extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            bytesArrived();
            context.fireChannelRead(msg);
        }
    }

    /** Collects a request body up to the limit. */
    private static final class BodyBuffer {
        private final long limit;
        private final boolean chunked;
        private byte[] data;
        private int size;

        BodyBuffer(long limit, long declared) {
            this.limit = Math.min(limit, Integer.MAX_VALUE - 16); // a Java array's limit
            this.chunked = declared < 0;
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

        /** Whether the length is unknown until the body ends (chunked, or none declared). */
        boolean chunked() {
            return chunked;
        }

        /** Whether this many more bytes stay within the limit. */
        boolean fits(int bytes) {
            return size + (long) bytes <= limit;
        }
    }
}
