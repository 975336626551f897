package io.ironcage.router.core.transport;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts a server transport's requests in flight, so its {@code close()} can wait for them within
 * the shutdown grace ({@link io.ironcage.router.core.spi.ServerOptions#shutdownGrace()}).
 * Thread-safe.
 */
public final class InFlight {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int count;
    private boolean closed;

    /** Creates a counter at zero. */
    public InFlight() {}

    /** Counts a request that starts. */
    public void enter() {
        lock.lock();
        try {
            count++;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Counts a request that starts unless {@link #close()} was called: the check and the count are
     * one step, so a request either counts before the close begins to wait, or is refused.
     *
     * @return {@code true} if counted; {@code false} once closed (refuse the request)
     */
    public boolean tryEnter() {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            count++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** From now on {@link #tryEnter()} refuses; requests already counted are still waited for. */
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    /** Counts a request that ended; wakes {@link #awaitIdle} at zero. */
    public void leave() {
        lock.lock();
        try {
            count--;
            if (count == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until no request is in flight, or the grace ends. An interrupt ends the wait and is
     * kept on the thread.
     *
     * @param grace the longest wait
     * @return {@code true} if no request is in flight
     */
    public boolean awaitIdle(Duration grace) {
        long remaining = grace.toNanos();
        lock.lock();
        try {
            while (count > 0 && remaining > 0) {
                remaining = idle.awaitNanos(remaining);
            }
            return count == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return count == 0;
        } finally {
            lock.unlock();
        }
    }
}
