package io.ironcage.router.core.transport;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes the request bodies a server transport is reading may hold together ({@link
 * io.ironcage.router.core.spi.ServerOptions#maxBufferedBodyBytes()}): a request takes its declared
 * length before its body is read, a chunked one each chunk's size as it comes, and gives it back
 * once its body is read or abandoned. Thread-safe.
 */
public final class BodyMemory {
    private final long limit;
    private final AtomicLong taken = new AtomicLong();

    /**
     * Creates the bound.
     *
     * @param limit the bytes all bodies may hold together
     */
    public BodyMemory(long limit) {
        this.limit = limit;
    }

    /**
     * Takes bytes if they fit.
     *
     * @param bytes how many, {@code >= 0}
     * @return whether they were taken
     */
    public boolean take(long bytes) {
        while (true) {
            long now = taken.get();
            if (now + bytes > limit) {
                return false;
            }
            if (taken.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /**
     * Gives bytes back.
     *
     * @param bytes how many, as taken
     */
    public void giveBack(long bytes) {
        taken.addAndGet(-bytes);
    }

    /**
     * Returns the bytes taken now.
     *
     * @return the count
     */
    public long taken() {
        return taken.get();
    }
}
