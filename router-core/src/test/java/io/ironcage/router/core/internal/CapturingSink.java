package io.ironcage.router.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ResponseSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The core tests' one capturing {@link ResponseSink} (the testkit has its own for the modules that
 * depend on it): the status, headers, the whole body or the chunks of a stream, whether the stream
 * was closed or aborted and the thread that answered. It can play a client that is gone before the
 * answer or leaves a stream after some writes. Thread-safe.
 */
final class CapturingSink implements ResponseSink {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean goneAtOnce;
    private final int writesBeforeLeaving;
    private Consumer<Integer> onAnswer = status -> {};
    private int status;
    private HeaderMap headers = HeaderMap.empty();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final List<byte[]> chunks = new ArrayList<>();
    private boolean streamed;
    private boolean closed;
    private boolean aborted;
    private boolean left;
    private String thread;

    /** A client that reads the whole answer. */
    CapturingSink() {
        this(false, Integer.MAX_VALUE);
    }

    private CapturingSink(boolean goneAtOnce, int writesBeforeLeaving) {
        this.goneAtOnce = goneAtOnce;
        this.writesBeforeLeaving = writesBeforeLeaving;
    }

    /** A client gone before the answer: {@code send} and every write return false. */
    static CapturingSink gone() {
        return new CapturingSink(true, 0);
    }

    /** A client that takes a whole answer but leaves a stream after this many writes. */
    static CapturingSink leavingAfterWrites(int writes) {
        return new CapturingSink(false, writes);
    }

    /** Runs {@code check} with the status when the answer starts, before it is delivered. */
    synchronized CapturingSink onAnswer(Consumer<Integer> check) {
        this.onAnswer = check;
        return this;
    }

    @Override
    public boolean send(int status, HeaderMap headers, byte[] bytes) {
        Consumer<Integer> check = start(status, headers);
        check.accept(status);
        synchronized (this) {
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
        Consumer<Integer> check = start(status, headers);
        synchronized (this) {
            streamed = true;
            left |= goneAtOnce;
        }
        check.accept(status);
        return new ResponseStream() {
            @Override
            public boolean write(byte[] chunk) {
                synchronized (CapturingSink.this) {
                    if (closed || aborted) {
                        // not the sinks' IllegalStateException: the pipeline must not catch it
                        throw new AssertionError("written after the stream ended");
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
                synchronized (CapturingSink.this) {
                    if (!aborted) {
                        closed = true;
                    }
                }
            }

            @Override
            public void abort() {
                synchronized (CapturingSink.this) {
                    if (!closed) {
                        aborted = true;
                    }
                }
            }
        };
    }

    private synchronized Consumer<Integer> start(int status, HeaderMap headers) {
        if (thread != null) {
            throw new IllegalStateException("a response was already started");
        }
        this.status = status;
        this.headers = headers;
        this.thread = Thread.currentThread().getName();
        return onAnswer;
    }

    /** The status answered; 0 before an answer. */
    synchronized int status() {
        return status;
    }

    /** The headers answered. */
    synchronized HeaderMap headers() {
        return headers;
    }

    /** The whole body, or every chunk of a stream written so far. */
    synchronized byte[] body() {
        return body.toByteArray();
    }

    /** The body as UTF-8 text. */
    String text() {
        return new String(body(), StandardCharsets.UTF_8);
    }

    /** The body as JSON. */
    JsonNode json() {
        try {
            return JSON.readTree(body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text(), e);
        }
    }

    /** The chunks a stream delivered, one per write. */
    synchronized List<byte[]> chunks() {
        return List.copyOf(chunks);
    }

    /** Whether the answer was streamed. */
    synchronized boolean streamed() {
        return streamed;
    }

    /** Whether a stream was ended normally. */
    synchronized boolean closed() {
        return closed;
    }

    /** Whether a stream was cut. */
    synchronized boolean aborted() {
        return aborted;
    }

    /** Whether the client left before the whole answer. */
    synchronized boolean left() {
        return left;
    }

    /** The name of the thread that started the answer; null before an answer. */
    synchronized String thread() {
        return thread;
    }
}
