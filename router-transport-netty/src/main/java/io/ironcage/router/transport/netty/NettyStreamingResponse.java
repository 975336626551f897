package io.ironcage.router.transport.netty;

import io.ironcage.router.core.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * A response whose body arrives through reactor-netty. The subscriber asks for the status and
 * headers, then the chunks, at most {@link #WINDOW} items ahead of {@link #read()}: a slow reader
 * stops reactor-netty reading the socket (backpressure) and at most a window of chunks waits here.
 */
final class NettyStreamingResponse implements HttpTransport.StreamingResponse {
    private static final Object END = new Object();
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
    private final BlockingQueue<Object> items = new LinkedBlockingQueue<>();
    private final Subscriber subscriber = new Subscriber();
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

    BaseSubscriber<Object> subscriber() {
        return subscriber;
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
            subscriber.requestNext();
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
            subscriber.requestNext();
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
        subscriber.dispose(); // an unfinished body: reactor-netty closes the connection
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

    /**
     * Feeds the queue, at most {@link #WINDOW} items ahead of the reader: demand is topped up by
     * half a window once the reader has taken half a window, so reactor-netty neither stops and
     * restarts reading the socket nor hears from the reader's thread for every chunk.
     */
    private final class Subscriber extends BaseSubscriber<Object> {
        /** Items taken since demand was last topped up; the reader's thread only. */
        private int taken;

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            subscription.request(WINDOW);
        }

        @Override
        protected void hookOnNext(Object item) {
            items.add(item);
        }

        @Override
        protected void hookOnError(Throwable failure) {
            items.add(failure);
        }

        @Override
        protected void hookOnComplete() {
            items.add(END);
        }

        /** The reader took an item. */
        void requestNext() {
            if (++taken == WINDOW / 2) {
                taken = 0;
                request(WINDOW / 2);
            }
        }
    }
}
