package io.ironcage.router.transport.netty;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes the bodies being read may hold together ({@link
 * io.ironcage.router.core.spi.ServerOptions#maxBufferedBodyBytes()}): a request takes its declared
 * length before its body is read, a chunked one each chunk's size as it comes, and gives it back
 * once its body is read or abandoned. Thread-safe.
 */
final class BodyMemory {
    private final long limit;
    private final AtomicLong taken = new AtomicLong();

    BodyMemory(long limit) {
        this.limit = limit;
    }

    /**
     * Takes bytes if they fit.
     *
     * @param bytes how many, {@code >= 0}
     * @return whether they were taken
     */
    boolean take(long bytes) {
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

    /** Gives bytes back. */
    void giveBack(long bytes) {
        taken.addAndGet(-bytes);
    }

    /** Bytes taken now, for tests. */
    long taken() {
        return taken.get();
    }
}
