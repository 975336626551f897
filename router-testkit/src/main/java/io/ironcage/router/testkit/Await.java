package io.ironcage.router.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits in tests for something another thread does, up to a deadline, instead of sleeping a fixed
 * time and hoping it was long enough. Polls with a short back-off (1 ms, doubling to 20 ms), so a
 * condition that holds at once costs nothing and one that takes a while does not spin a core.
 *
 * <p>Needs no JUnit: a wait that runs out throws an {@link AssertionError} naming what was awaited,
 * which every test framework reports as a failure.
 */
public final class Await {
    private static final long FIRST_PAUSE_NANOS = Duration.ofMillis(1).toNanos();
    private static final long LONGEST_PAUSE_NANOS = Duration.ofMillis(20).toNanos();

    private Await() {}

    /**
     * Waits until the condition holds.
     *
     * @param timeout how long to wait at most
     * @param condition checked at once and then after each pause
     * @throws AssertionError if the condition still does not hold when the timeout runs out, or the
     *     waiting thread is interrupted (its interrupt flag is kept)
     */
    public static void until(Duration timeout, BooleanSupplier condition) {
        until(timeout, "the condition held", condition);
    }

    /**
     * Waits until the condition holds.
     *
     * @param timeout how long to wait at most
     * @param what what is awaited, for the failure message ("every permit is back")
     * @param condition checked at once and then after each pause
     * @throws AssertionError if the condition still does not hold when the timeout runs out, or the
     *     waiting thread is interrupted (its interrupt flag is kept)
     */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        Objects.requireNonNull(condition, "condition");
        untilPresent(
                timeout,
                what,
                () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty());
    }

    /**
     * Waits until the supplier has a value, and returns it.
     *
     * @param timeout how long to wait at most
     * @param what what is awaited, for the failure message ("the first connection")
     * @param value asked at once and then after each pause; empty while there is nothing yet
     * @param <T> the value's type
     * @return the first value the supplier had
     * @throws AssertionError if the supplier is still empty when the timeout runs out, or the
     *     waiting thread is interrupted (its interrupt flag is kept)
     */
    public static <T> T untilPresent(Duration timeout, String what, Supplier<Optional<T>> value) {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(value, "value");
        long start = System.nanoTime();
        long pause = FIRST_PAUSE_NANOS;
        while (true) {
            Optional<T> got = value.get();
            if (got.isPresent()) {
                return got.get();
            }
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
            pause = Math.min(pause * 2, LONGEST_PAUSE_NANOS);
        }
    }
}
