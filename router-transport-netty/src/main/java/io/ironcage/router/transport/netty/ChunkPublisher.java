package io.ironcage.router.transport.netty;

import io.ironcage.router.core.ClientDisconnectedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * The body of a streamed answer as a Reactive Streams publisher that a blocking writer feeds:
 * {@link #emit} waits until reactor-netty asks for more (it asks as its writes to the socket
 * complete), so a client that reads slowly slows the writer down and only a bounded number of
 * chunks wait in memory. One subscriber; every signal to it comes from the writer's thread, except
 * a completion or failure that was decided before it subscribed.
 *
 * <p>Callers serialize {@link #emit} and {@link #complete} (the response stream holds a lock);
 * {@link #request}, {@link #cancel} and {@link #fail} come from any thread and never block.
 */
final class ChunkPublisher implements Publisher<ByteBuf>, Subscription {
    private static final Subscription NOTHING =
            new Subscription() {
                @Override
                public void request(long n) {}

                @Override
                public void cancel() {}
            };

    private final long writeTimeoutNanos;
    private final Runnable onStall;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition demandOrEnd = lock.newCondition();
    private Subscriber<? super ByteBuf> subscriber;
    private boolean ready; // onSubscribe has returned
    private long demand;
    private boolean cancelled;
    private boolean completed;

    /**
     * Creates the publisher.
     *
     * @param writeTimeout how long {@link #emit} waits for the client to take data
     * @param onStall what to do when it waited that long (close the connection)
     */
    ChunkPublisher(Duration writeTimeout, Runnable onStall) {
        this.writeTimeoutNanos = writeTimeout.toNanos();
        this.onStall = onStall;
    }

    @Override
    public void subscribe(Subscriber<? super ByteBuf> s) {
        lock.lock();
        boolean second = subscriber != null;
        if (!second) {
            subscriber = s;
        }
        lock.unlock();
        if (second) {
            s.onSubscribe(NOTHING);
            s.onError(new IllegalStateException("a response body has one subscriber"));
            return;
        }
        s.onSubscribe(this);
        boolean completeNow;
        boolean failNow;
        lock.lock();
        try {
            ready = true;
            completeNow = completed;
            failNow = cancelled && !completed;
            demandOrEnd.signalAll();
        } finally {
            lock.unlock();
        }
        if (completeNow) {
            s.onComplete();
        } else if (failNow) {
            s.onError(new CancellationException("the response was aborted"));
        }
    }

    @Override
    public void request(long n) {
        lock.lock();
        try {
            if (n <= 0) {
                cancelled = true; // a protocol error of the subscriber: stop
            } else {
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
            }
            demandOrEnd.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void cancel() {
        fail();
    }

    /** Ends the stream abnormally: a waiting or later {@link #emit} reports the client gone. */
    void fail() {
        lock.lock();
        try {
            cancelled = true;
            demandOrEnd.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands one chunk to reactor-netty, waiting for it to ask for one.
     *
     * @throws ClientDisconnectedException if the stream was cancelled (the client is gone, or the
     *     answer was aborted) or the thread was interrupted while waiting
     */
    void emit(byte[] chunk) {
        Subscriber<? super ByteBuf> s;
        boolean stalled = false;
        lock.lock();
        try {
            long left = writeTimeoutNanos;
            while (!cancelled && (!ready || demand == 0)) {
                if (left <= 0) {
                    cancelled = true; // the client took nothing for the write timeout
                    stalled = true;
                    break;
                }
                left = demandOrEnd.awaitNanos(left);
            }
            if (cancelled && !stalled) {
                throw new ClientDisconnectedException(null);
            }
            demand--;
            s = subscriber;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientDisconnectedException(e);
        } finally {
            lock.unlock();
        }
        if (stalled) {
            onStall.run();
            throw new ClientDisconnectedException(
                    new TimeoutException(
                            "the client took no data for "
                                    + writeTimeoutNanos / 1_000_000
                                    + " ms"));
        }
        s.onNext(Unpooled.wrappedBuffer(chunk));
    }

    /** Ends the stream normally (reactor-netty then writes the terminating chunk). */
    void complete() {
        Subscriber<? super ByteBuf> s;
        lock.lock();
        try {
            if (cancelled || completed) {
                return;
            }
            completed = true;
            s = ready ? subscriber : null; // else subscribe() completes it
        } finally {
            lock.unlock();
        }
        if (s != null) {
            s.onComplete();
        }
    }
}
