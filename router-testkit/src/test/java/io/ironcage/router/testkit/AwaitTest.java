package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void aConditionThatAlreadyHoldsIsCheckedOnceAndReturnsAtOnce() {
        AtomicInteger checks = new AtomicInteger();
        Await.until(Duration.ofSeconds(10), "it holds", () -> checks.incrementAndGet() > 0);
        assertEquals(1, checks.get());
    }

    @Test
    void waitsUntilAnotherThreadMakesTheConditionHold() throws Exception {
        AtomicInteger counter = new AtomicInteger();
        Thread worker =
                new Thread(
                        () -> {
                            for (int i = 0; i < 5; i++) {
                                counter.incrementAndGet();
                                Thread.yield();
                            }
                        });
        worker.start();
        Await.until(Duration.ofSeconds(10), () -> counter.get() == 5);
        assertEquals(5, counter.get());
        worker.join(10_000);
    }

    @Test
    void pollsWithPausesRatherThanSpinning() {
        AtomicInteger checks = new AtomicInteger();
        AssertionError e =
                assertThrows(
                        AssertionError.class,
                        () ->
                                Await.until(
                                        Duration.ofMillis(200),
                                        "never",
                                        () -> checks.incrementAndGet() < 0));
        // 1, 2, 4, 8, 16, then 20 ms pauses: about a dozen checks in 200 ms, never thousands
        assertTrue(checks.get() >= 2, "checked again after a pause: " + checks.get());
        assertTrue(checks.get() < 100, "no busy spin: " + checks.get());
        assertTrue(e.getMessage().contains("never"), e.getMessage());
    }

    @Test
    void aTimeoutNamesWhatWasAwaited() {
        AssertionError e =
                assertThrows(
                        AssertionError.class,
                        () -> Await.until(Duration.ofMillis(30), "the pool is idle", () -> false));
        assertEquals("timed out after 30 ms waiting until the pool is idle", e.getMessage());
        AssertionError unnamed =
                assertThrows(AssertionError.class, () -> Await.until(Duration.ZERO, () -> false));
        assertTrue(unnamed.getMessage().startsWith("timed out after 0 ms"), unnamed.getMessage());
    }

    @Test
    void aValueIsReturnedOnceThereIsOne() {
        AtomicInteger asks = new AtomicInteger();
        String got =
                Await.untilPresent(
                        Duration.ofSeconds(10),
                        "the third ask",
                        () -> asks.incrementAndGet() < 3 ? Optional.empty() : Optional.of("x"));
        assertEquals("x", got);
        assertEquals(3, asks.get());
        AssertionError e =
                assertThrows(
                        AssertionError.class,
                        () ->
                                Await.untilPresent(
                                        Duration.ofMillis(10), "a value", Optional::empty));
        assertEquals("timed out after 10 ms waiting until a value", e.getMessage());
    }

    @Test
    void anInterruptedWaitFailsAndKeepsTheFlag() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        CountDownLatch waiting = new CountDownLatch(1);
        Thread waiter =
                new Thread(
                        () -> {
                            try {
                                Await.until(
                                        Duration.ofSeconds(30),
                                        "interrupted",
                                        () -> {
                                            waiting.countDown();
                                            return false;
                                        });
                            } catch (AssertionError e) {
                                thrown.set(e);
                                flag.set(Thread.currentThread().isInterrupted());
                            }
                        });
        waiter.start();
        assertTrue(waiting.await(10, TimeUnit.SECONDS));
        waiter.interrupt();
        waiter.join(10_000);
        assertFalse(waiter.isAlive(), "the interrupt ended the wait");
        assertInstanceOf(AssertionError.class, thrown.get());
        assertInstanceOf(InterruptedException.class, thrown.get().getCause());
        assertTrue(flag.get(), "the interrupt flag is kept");
    }
}
