package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A response whose body arrives through the JDK client's body publisher. The subscriber asks for
 * one item at a time, and asks for the next only when {@link #read()} has taken the previous one: a
 * slow reader slows the upstream (backpressure) and at most one chunk waits here.
 */
final class JdkStreamingResponse implements HttpTransport.StreamingResponse {
    private static final Object END = new Object();
    private static final Object CLOSED = new Object();

    private final int status;
    private final HeaderMap headers;
    private final Duration timeout;
    private final String upstream;
    private final Consumer<JdkStreamingResponse> onClose;
    private final BlockingQueue<Object> items = new LinkedBlockingQueue<>();
    private final Subscriber subscriber = new Subscriber();
    private final Object reading = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private boolean finished;

    JdkStreamingResponse(
            int status,
            HeaderMap headers,
            Duration timeout,
            String upstream,
            Consumer<JdkStreamingResponse> onClose) {
        this.status = status;
        this.headers = headers;
        this.timeout = timeout;
        this.upstream = upstream;
        this.onClose = onClose;
    }

    Flow.Subscriber<List<ByteBuffer>> subscriber() {
        return subscriber;
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public HeaderMap headers() {
        return headers;
    }

    @Override
    public Optional<byte[]> read() {
        synchronized (reading) {
            return readNext(System.nanoTime() + timeout.toNanos());
        }
    }

    /**
     * Reads the whole body, all of it before {@code deadline} ({@link System#nanoTime()} units).
     *
     * @param deadline when the whole body must have arrived
     * @return the body
     */
    byte[] readAll(long deadline) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        synchronized (reading) {
            for (Optional<byte[]> chunk = readNext(deadline);
                    chunk.isPresent();
                    chunk = readNext(deadline)) {
                body.writeBytes(chunk.get());
            }
        }
        return body.toByteArray();
    }

    private Optional<byte[]> readNext(long deadline) {
        if (finished) {
            return Optional.empty();
        }
        if (closed.get()) {
            throw new IllegalStateException("the response is closed");
        }
        while (true) {
            Object item;
            try {
                item = items.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new ForwardException(
                        ForwardException.Kind.BROKEN,
                        "interrupted while reading from " + upstream,
                        e);
            }
            if (item == null) {
                close();
                throw new ForwardException(
                        ForwardException.Kind.TIMEOUT,
                        "no data from " + upstream + " within " + timeout,
                        null);
            }
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
                throw JdkHttpTransport.failure((Throwable) item, upstream, timeout);
            }
            byte[] chunk = (byte[]) item;
            subscriber.requestNext();
            if (chunk.length > 0) {
                return Optional.of(chunk);
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        subscriber.cancel();
        items.add(CLOSED); // wakes a reader waiting on another thread
        onClose.accept(this);
    }

    @Override
    public String toString() {
        return "StreamingResponse[" + status + " from " + upstream + "]";
    }

    /** Feeds the queue, one requested item at a time. */
    private final class Subscriber implements Flow.Subscriber<List<ByteBuffer>> {
        private Flow.Subscription subscription;
        private boolean cancelled;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            boolean cancel;
            synchronized (this) {
                subscription = s;
                cancel = cancelled;
            }
            if (cancel) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            int size = 0;
            for (ByteBuffer buffer : buffers) {
                size += buffer.remaining();
            }
            byte[] chunk = new byte[size];
            int at = 0;
            for (ByteBuffer buffer : buffers) {
                int n = buffer.remaining();
                buffer.get(chunk, at, n);
                at += n;
            }
            items.add(chunk);
        }

        @Override
        public void onError(Throwable failure) {
            items.add(failure);
        }

        @Override
        public void onComplete() {
            items.add(END);
        }

        void requestNext() {
            Flow.Subscription s;
            synchronized (this) {
                s = subscription;
            }
            if (s != null) {
                s.request(1);
            }
        }

        void cancel() {
            Flow.Subscription s;
            synchronized (this) {
                cancelled = true;
                s = subscription;
            }
            if (s != null) {
                s.cancel();
            }
        }
    }
}
