package io.ironcage.router.transport.netty;

import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A response whose status, headers and body chunks an event loop hands over ({@link #offer}) and a
 * caller's thread reads. The loop offers at most {@link #WINDOW} items ahead of {@link #read()} and
 * holds back the rest, with the socket not read meanwhile (backpressure); {@link Feed#taken} tells
 * it when the reader has made room.
 */
final class NettyStreamingResponse implements HttpTransport.StreamingResponse {
    /** The item after the last chunk. */
    static final Object END = new Object();

    private static final Object CLOSED = new Object();

    /** The most items (the head, then chunks as received) held here ahead of the reader. */
    static final int WINDOW = 8;

    /** The status and headers, the first item of the response. */
    static final class Head {
        final int status;
        final HeaderMap headers;

        Head(int status, HeaderMap headers) {
            this.status = status;
            this.headers = headers;
        }
    }

    private final Duration timeout;
    private final String upstream;
    private final Consumer<NettyStreamingResponse> onClose;

    /** What feeds the response: told of each item taken, and of a close before the end. */
    interface Feed {
        /** The reader took an item (called on the reader's thread). */
        void taken();

        /** The reader closed the response; the rest of the body is not wanted. */
        void cancel();
    }

    private final BlockingQueue<Object> items = new LinkedBlockingQueue<>();
    private volatile Feed feed;
    private final Object reading = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private Head head;
    private boolean finished;

    NettyStreamingResponse(
            Duration timeout, String upstream, Consumer<NettyStreamingResponse> onClose) {
        this.timeout = timeout;
        this.upstream = upstream;
        this.onClose = onClose;
    }

    /** Items received and not yet read, for tests. */
    int waiting() {
        return items.size();
    }

    /** Connects the feed; before any item is offered. */
    void feed(Feed source) {
        this.feed = source;
    }

    /**
     * Hands over the next item: a {@link Head}, a chunk ({@code byte[]}), {@link #END}, or a
     * failure ({@code Throwable}). Never blocks.
     */
    void offer(Object item) {
        items.add(item);
    }

    /**
     * Waits for the status and headers.
     *
     * @throws ForwardException on connect failure, timeout or a broken connection
     */
    void awaitHead() {
        Object item = next("the response headers");
        if (item instanceof Head) {
            head = (Head) item;
            feed.taken();
            return;
        }
        if (item instanceof Throwable) {
            throw NettyHttpTransport.failure((Throwable) item, upstream, timeout);
        }
        throw NettyHttpTransport.ended(upstream);
    }

    @Override
    public int status() {
        return head.status;
    }

    @Override
    public HeaderMap headers() {
        return head.headers;
    }

    @Override
    public Optional<byte[]> read() {
        synchronized (reading) {
            return readNext();
        }
    }

    private Optional<byte[]> readNext() {
        if (finished) {
            return Optional.empty();
        }
        if (closed.get()) {
            throw new IllegalStateException("the response is closed");
        }
        while (true) {
            Object item = next("data");
            if (item == CLOSED) {
                throw new IllegalStateException("the response was closed while reading");
            }
            if (item == END) {
                finished = true;
                onClose.accept(this);
                return Optional.empty();
            }
            if (item instanceof Throwable) {
                finished = true;
                close();
                throw NettyHttpTransport.failure((Throwable) item, upstream, timeout);
            }
            byte[] chunk = (byte[]) item;
            feed.taken();
            if (chunk.length > 0) {
                return Optional.of(chunk);
            }
        }
    }

    /** Waits for the next item up to the timeout; closes and throws TIMEOUT when none comes. */
    private Object next(String what) {
        Object item;
        try {
            item = items.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new ForwardException(
                    ForwardException.Kind.BROKEN, "interrupted while reading from " + upstream, e);
        }
        if (item == null) {
            close();
            throw NettyHttpTransport.timedOut(what, upstream, timeout);
        }
        return item;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Feed source = feed;
        if (source != null) {
            source.cancel(); // an unfinished body: the connection is closed
        }
        items.add(CLOSED); // wakes a reader waiting on another thread
        onClose.accept(this);
    }

    @Override
    public String toString() {
        return "StreamingResponse["
                + (head == null ? "-" : head.status)
                + " from "
                + upstream
                + "]";
    }
}
