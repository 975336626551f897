package io.ironcage.router.testkit;

import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ResponseSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A {@link ResponseSink} that captures what a handler answers: the status, the headers, the whole
 * body or the chunks of a stream, and whether the stream was closed or aborted. It can play a
 * client that is gone before the answer ({@link #gone()}) or leaves a stream after some writes
 * ({@link #leavingAfterWrites}); {@link #discarding} keeps nothing and may be reused, for
 * benchmarks. Thread-safe.
 */
public final class CapturingResponseSink implements ResponseSink {
    private final boolean goneAtOnce;
    private final int writesBeforeLeaving;
    private final Consumer<byte[]> discard; // null: capture
    private int status;
    private HeaderMap headers = HeaderMap.empty();
    private final ByteArrayOutputStream body; // null when discarding: nothing to allocate
    private final List<byte[]> chunks;
    private boolean answered;
    private boolean streamed;
    private boolean closed;
    private boolean aborted;
    private boolean left;

    private CapturingResponseSink(
            boolean goneAtOnce, int writesBeforeLeaving, Consumer<byte[]> discard) {
        this.goneAtOnce = goneAtOnce;
        this.writesBeforeLeaving = writesBeforeLeaving;
        this.discard = discard;
        this.body = discard == null ? new ByteArrayOutputStream() : null;
        this.chunks = discard == null ? new ArrayList<>() : List.of();
    }

    /**
     * A client that reads the whole answer.
     *
     * @return the sink
     */
    public static CapturingResponseSink capturing() {
        return new CapturingResponseSink(false, Integer.MAX_VALUE, null);
    }

    /**
     * A client gone before the answer: {@code send} and every write return false.
     *
     * @return the sink
     */
    public static CapturingResponseSink gone() {
        return new CapturingResponseSink(true, 0, null);
    }

    /**
     * A client that takes a whole answer but leaves a stream after some writes.
     *
     * @param writes how many writes it takes before it is gone
     * @return the sink
     */
    public static CapturingResponseSink leavingAfterWrites(int writes) {
        return new CapturingResponseSink(false, writes, null);
    }

    /**
     * A client that reads everything and keeps nothing but the last status: every body and chunk
     * goes to {@code bytes} and is dropped. It may take any number of answers, one after another.
     *
     * @param bytes takes each body or chunk (a benchmark's blackhole)
     * @return the sink
     */
    public static CapturingResponseSink discarding(Consumer<byte[]> bytes) {
        return new CapturingResponseSink(false, Integer.MAX_VALUE, Objects.requireNonNull(bytes));
    }

    @Override
    public boolean send(int status, HeaderMap headers, byte[] bytes) {
        Objects.requireNonNull(bytes, "body");
        if (discard != null) {
            synchronized (this) {
                this.status = status;
            }
            discard.accept(bytes);
            return true;
        }
        synchronized (this) {
            start(status, headers);
            if (goneAtOnce) {
                left = true;
                return false;
            }
            body.writeBytes(bytes);
            return true;
        }
    }

    @Override
    public ResponseStream stream(int status, HeaderMap headers) {
        if (discard != null) {
            synchronized (this) {
                this.status = status;
            }
            return new Discarded();
        }
        synchronized (this) {
            start(status, headers);
            streamed = true;
            left |= goneAtOnce;
        }
        return new Captured();
    }

    private void start(int status, HeaderMap headers) {
        if (answered) {
            throw new IllegalStateException("a response was already started");
        }
        answered = true;
        this.status = status;
        this.headers = Objects.requireNonNull(headers, "headers");
    }

    /**
     * Returns the status answered.
     *
     * @return the status; 0 before an answer
     */
    public synchronized int status() {
        return status;
    }

    /**
     * Returns the headers answered.
     *
     * @return the headers; empty before an answer
     */
    public synchronized HeaderMap headers() {
        return headers;
    }

    /**
     * Returns the whole body, or every chunk of a stream delivered so far.
     *
     * @return a copy of the bytes
     */
    public synchronized byte[] body() {
        return body == null ? new byte[0] : body.toByteArray();
    }

    /**
     * Returns the body as UTF-8 text.
     *
     * @return the text
     */
    public String text() {
        return new String(body(), StandardCharsets.UTF_8);
    }

    /**
     * Returns the chunks a stream delivered, one per write.
     *
     * @return copies of the chunks, in order
     */
    public synchronized List<byte[]> chunks() {
        List<byte[]> copies = new ArrayList<>();
        chunks.forEach(chunk -> copies.add(chunk.clone()));
        return copies;
    }

    /**
     * Returns whether the answer was streamed.
     *
     * @return whether {@link #stream} was called
     */
    public synchronized boolean streamed() {
        return streamed;
    }

    /**
     * Returns whether a stream was ended normally.
     *
     * @return whether it was closed (and not aborted first)
     */
    public synchronized boolean closed() {
        return closed;
    }

    /**
     * Returns whether a stream was cut.
     *
     * @return whether it was aborted (and not closed first)
     */
    public synchronized boolean aborted() {
        return aborted;
    }

    /**
     * Returns whether the client left before the whole answer.
     *
     * @return whether an answer or a write was not delivered
     */
    public synchronized boolean left() {
        return left;
    }

    /** A captured stream. */
    private final class Captured implements ResponseStream {
        @Override
        public boolean write(byte[] chunk) {
            Objects.requireNonNull(chunk, "chunk");
            synchronized (CapturingResponseSink.this) {
                if (closed || aborted) {
                    throw new IllegalStateException("the stream has ended");
                }
                if (left || chunks.size() >= writesBeforeLeaving) {
                    left = true;
                    return false;
                }
                chunks.add(chunk.clone());
                body.writeBytes(chunk);
                return true;
            }
        }

        @Override
        public void close() {
            synchronized (CapturingResponseSink.this) {
                closed |= !aborted;
            }
        }

        @Override
        public void abort() {
            synchronized (CapturingResponseSink.this) {
                aborted |= !closed;
            }
        }
    }

    /** A stream whose chunks go to the discarding consumer. */
    private final class Discarded implements ResponseStream {
        @Override
        public boolean write(byte[] chunk) {
            discard.accept(chunk);
            return true;
        }

        @Override
        public void close() {}

        @Override
        public void abort() {}
    }
}
