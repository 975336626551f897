package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.RequestHead;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One caller's connection. It belongs to the selector thread while a request's head arrives and
 * while the server answers by itself (a refusal, then a lingering close), and to a worker from a
 * complete head to the end of its answer; the hand-over in either direction goes through the worker
 * pool or the selector's task queue, so each side sees what the other did.
 *
 * <p>On the selector thread nothing blocks: the head is read as it comes, against a deadline
 * ({@link io.ironcage.router.core.spi.ServerOptions#headerTimeout()}: from the connection's start
 * for its first request, from the first byte for the next ones); an idle keep-alive connection is
 * closed after the idle timeout; the server's own answers are written as the socket takes them. On
 * a worker the channel blocks: the body is read with a deadline and the answer written, and a write
 * that makes no progress for the write timeout is cut by the selector thread, which closes the
 * channel (see {@link JdkServerTransport.Timeouts}).
 */
final class JdkConnection {
    private static final System.Logger LOG = System.getLogger(JdkConnection.class.getName());

    /** A lingering close ends once the client has sent nothing for this long, */
    private static final long LINGER_QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** or after this long in all. */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** A blocking write takes at most this much at a time, so its progress shows. */
    private static final int WRITE_SLICE = 64 * 1024;

    /** Where the connection stands; the selector thread's, but for {@link #writingSince}. */
    private enum Phase {
        /** Waiting for a request's head (selector). */
        HEAD,
        /** A worker has it. */
        WORKER,
        /** Writing the server's own answer, then to linger (selector). */
        ANSWERING,
        /** Answered; the output is shut; what still arrives is dropped until the client stops. */
        LINGERING,
        /** Closed. */
        CLOSED
    }

    private final JdkRunningServer server;
    private final SocketChannel channel;
    private final InputBuffer input = new InputBuffer();
    private final RequestHeadParser parser = new RequestHeadParser();
    private SelectionKey key;
    private Phase phase = Phase.HEAD;
    private boolean fresh = true; // no request served yet
    private long acceptedAt;
    private long deadline;
    private long lingerEnd;
    private ByteBuffer answer; // the server's own answer being written
    private InputStream blockingIn;
    private volatile long writingSince; // a worker's write in progress since, 0 if none

    JdkConnection(JdkRunningServer server, SocketChannel channel) {
        this.server = server;
        this.channel = channel;
    }

    SocketChannel channel() {
        return channel;
    }

    InputBuffer input() {
        return input;
    }

    // --- on the selector thread ---

    /** Starts waiting for the first request, registered with the selector. */
    void accepted(SelectionKey registered, long now) {
        key = registered;
        acceptedAt = now;
        deadline = now + Math.min(server.headerNanos(), server.idleNanos());
        server.schedule(deadline);
    }

    /** Whether the selector thread holds the connection (a worker does not). */
    boolean onSelector() {
        return phase == Phase.HEAD || phase == Phase.ANSWERING || phase == Phase.LINGERING;
    }

    long deadline() {
        return deadline;
    }

    /** When a worker's write started to wait, or 0. */
    long writingSince() {
        return writingSince;
    }

    void onReadable(long now) throws IOException {
        if (phase == Phase.HEAD) {
            readHead(now);
        } else if (phase == Phase.ANSWERING || phase == Phase.LINGERING) {
            drain(now);
        }
    }

    private void readHead(long now) throws IOException {
        if (!input.makeRoom(RequestHeadParser.MAX_HEAD_BYTES)) {
            refuse(431); // cannot happen: the parser refuses a head this large first
            return;
        }
        boolean started = input.available() > 0;
        int n = input.readFrom(channel);
        if (n < 0) {
            close(); // gone, before or in the middle of a head
            return;
        }
        if (n > 0 && !started) {
            // the first request's head is due from the start, a kept-alive one's from its first
            // byte
            deadline = (fresh ? acceptedAt : now) + server.headerNanos();
            server.schedule(deadline);
        }
        parse();
    }

    /** Looks at what has arrived of the head; hands a complete one to the server. */
    private void parse() {
        switch (parser.scan(input.data(), input.start(), input.available())) {
            case DONE:
                RequestHeadParser.ParsedHead head = parser.head();
                input.skip(parser.length());
                parser.reset();
                fresh = false;
                server.headArrived(this, head);
                return;
            case REFUSED:
                LOG.log(
                        System.Logger.Level.DEBUG,
                        "refused a malformed request head ({0}) on {1}",
                        parser.refusal(),
                        parser.path().map(RequestHead::printable).orElse("-"));
                refuse(parser.refusal(), parser.path(), false);
                return;
            default: // MORE
        }
    }

    /** Takes the connection off the selector, for a worker; the selector thread then lets go. */
    void handOver() {
        key.cancel();
        key = null;
        phase = Phase.WORKER;
    }

    /**
     * The connection comes back from a worker (its channel non-blocking again): waits for the next
     * request, serving a pipelined one at once, or lingers.
     */
    void resume(SelectionKey registered, boolean linger, long now) {
        key = registered;
        if (linger) {
            linger(now);
            return;
        }
        phase = Phase.HEAD;
        input.trim();
        if (input.available() > 0) {
            deadline = now + server.headerNanos();
            server.schedule(deadline);
            parse();
        } else {
            deadline = now + server.idleNanos();
            server.schedule(deadline);
        }
    }

    /** A worker could not take the connection after all: the selector thread holds it again. */
    void reattach(SelectionKey registered) {
        key = registered;
        phase = Phase.HEAD;
    }

    /** Answers 400-503 by the handler's {@code unreadable}, then closes lingering. */
    void refuse(int status) {
        refuse(status, parser.path(), false);
    }

    void refuse(int status, Optional<String> path, boolean headRequest) {
        answer(server.unreadable(status, path), headRequest);
    }

    /** Writes an answer the server gives by itself, then closes lingering. */
    void answer(EarlyAnswer early, boolean headRequest) {
        phase = Phase.ANSWERING;
        answer = ByteBuffer.wrap(Http1.whole(early, headRequest));
        long now = System.nanoTime();
        deadline = now + server.writeNanos();
        server.schedule(deadline);
        try {
            onWritable(now);
        } catch (IOException e) {
            close();
        }
    }

    void onWritable(long now) throws IOException {
        if (phase != Phase.ANSWERING) {
            return;
        }
        if (channel.write(answer) > 0) {
            deadline = now + server.writeNanos();
        }
        if (answer.hasRemaining()) {
            // keep reading (and dropping) too: a client blocked sending its body then reads
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            return;
        }
        answer = null;
        channel.shutdownOutput(); // the client reads the answer, then the end
        linger(now);
    }

    /**
     * Closes without losing the last answer to a reset: closing a socket with unread data makes the
     * kernel reset the connection, and most clients send their whole body before they read, so they
     * would see the reset instead of the answer. With the output shut, what the client still sends
     * is read and dropped until it has sent nothing for a second, closes, or ten seconds have
     * passed.
     */
    private void linger(long now) {
        phase = Phase.LINGERING;
        input.skip(input.available());
        input.trim();
        lingerEnd = now + LINGER_NANOS;
        deadline = Math.min(now + LINGER_QUIET_NANOS, lingerEnd);
        server.schedule(deadline);
        key.interestOps(SelectionKey.OP_READ);
    }

    private void drain(long now) throws IOException {
        ByteBuffer scratch = server.scratch();
        int n;
        do {
            scratch.clear();
            n = channel.read(scratch);
        } while (n > 0);
        if (n < 0) {
            close();
        } else if (phase == Phase.LINGERING) {
            deadline = Math.min(now + LINGER_QUIET_NANOS, lingerEnd);
        }
    }

    /**
     * The connection's deadline passed: a head not complete in time is answered 408, an idle or
     * silent connection closed, an answer the client does not take or a lingering close cut.
     */
    void onDeadline(long now) {
        if (phase == Phase.HEAD && (input.available() > 0 || parser.started())) {
            LOG.log(
                    System.Logger.Level.DEBUG,
                    "a request head did not arrive within {0} ms: 408",
                    TimeUnit.NANOSECONDS.toMillis(server.headerNanos()));
            refuse(408);
        } else {
            close();
        }
    }

    /** Closes at once, on the selector thread. */
    void close() {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        if (key != null) {
            key.cancel();
        }
        closeChannel();
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            // closed either way
        }
        server.forget(this);
    }

    // --- on the worker ---

    /** Makes the channel block, for the worker that now holds it. */
    void blocking() throws IOException {
        channel.configureBlocking(true);
        blockingIn = channel.socket().getInputStream();
    }

    /**
     * Reads more of the request into {@link #input()}, waiting until {@code until} at most.
     *
     * @param until the deadline ({@link System#nanoTime()})
     * @return the bytes read, or -1 at the end of the stream
     * @throws SocketTimeoutException when the deadline passes
     */
    int fill(long until, int maxBuffer) throws IOException {
        if (!input.makeRoom(maxBuffer)) {
            throw new IllegalStateException("the input buffer is full");
        }
        long left = until - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("the body's deadline passed");
        }
        channel.socket().setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        return input.readFrom(blockingIn);
    }

    /** Writes all of the bytes, blocking while the client is slow to read. */
    void write(byte[] bytes) throws IOException {
        write(ByteBuffer.wrap(bytes));
    }

    void write(ByteBuffer bytes) throws IOException {
        int limit = bytes.limit();
        writingSince = System.nanoTime();
        try {
            while (bytes.position() < limit) {
                bytes.limit(Math.min(limit, bytes.position() + WRITE_SLICE));
                channel.write(bytes);
                writingSince = System.nanoTime(); // progress
            }
        } finally {
            bytes.limit(limit);
            writingSince = 0;
        }
    }

    /** Shuts the output after the last answer, before the connection goes back to linger. */
    void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    /** Makes the channel non-blocking again, before the connection goes back to the selector. */
    void nonBlocking() throws IOException {
        blockingIn = null;
        channel.configureBlocking(false);
    }

    /** Closes at once, from a worker or any thread but the selector's. */
    void abort() {
        closeChannel();
    }

    @Override
    public String toString() {
        return "JdkConnection[" + phase + "]";
    }
}
