package io.ironcage.router.cli;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a command serving until the JVM is asked to stop (SIGINT, SIGTERM) or {@link #stop()} is
 * called, then runs the command's clean-up before the JVM exits.
 *
 * <p>The shutdown hook and tests take the same path, {@link #stop()}: it wakes the waiting command
 * thread and waits (bounded) until that thread has closed the router and printed its summary, so
 * the JVM does not halt half-way through.
 */
final class StopSignal {
    private static final Duration DEFAULT_CLEANUP_WAIT = Duration.ofSeconds(10);

    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile Duration cleanupWait = DEFAULT_CLEANUP_WAIT;

    /**
     * Asks the serving command to stop and waits until it has cleaned up (at most the bound given
     * to {@link #awaitThen(Duration, Runnable)}). What the shutdown hook runs; callable from any
     * thread, any number of times.
     */
    void stop() {
        requested.countDown();
        try {
            finished.await(cleanupWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Blocks until a stop is requested, then runs {@code cleanup}. A shutdown hook calling {@link
     * #stop()} is installed for the duration.
     *
     * @param cleanupWait how long {@link #stop()} waits for the clean-up: the JVM halts when the
     *     hook returns, so this must cover the router's shutdown grace and its lease returns
     * @param cleanup closes the router and prints the summary
     */
    void awaitThen(Duration cleanupWait, Runnable cleanup) {
        this.cleanupWait = Objects.requireNonNull(cleanupWait, "cleanupWait");
        Thread hook = new Thread(this::stop, "iron-router-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            requested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                cleanup.run();
            } finally {
                finished.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is what woke us; it is running now and needs no removal
                }
            }
        }
    }
}
