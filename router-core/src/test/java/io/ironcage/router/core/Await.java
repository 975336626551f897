package io.ironcage.router.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waits in router-core's tests for something another thread does, up to a deadline. The same as the
 * testkit's {@code Await.until}, which these tests cannot use: the testkit depends on the core.
 */
public final class Await {
    private Await() {}

    /**
     * Waits until the condition holds, polling with a short back-off (1 ms, doubling to 20 ms).
     *
     * @param timeout how long to wait at most
     * @param what what is awaited, for the failure message
     * @param condition checked at once and then after each pause
     * @throws AssertionError if the condition still does not hold when the timeout runs out, or the
     *     waiting thread is interrupted (its interrupt flag is kept)
     */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        long start = System.nanoTime();
        long pause = TimeUnit.MILLISECONDS.toNanos(1);
        while (!condition.getAsBoolean()) {
            long left = timeout.toNanos() - (System.nanoTime() - start);
            if (left <= 0) {
                throw new AssertionError(
                        "timed out after " + timeout.toMillis() + " ms waiting until " + what);
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(pause, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting until " + what, e);
            }
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
