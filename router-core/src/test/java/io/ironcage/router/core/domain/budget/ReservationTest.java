package io.ironcage.router.core.domain.budget;

import static io.ironcage.router.core.domain.budget.CostControllerReferenceParityTest.granted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReservationTest {
    private final CostController budget = CostController.withLimit(Money.ofMicros(1_000_000));

    @Test
    void closeCancelsAnOpenReservation() {
        Reservation reservation = granted(budget.reserve(Money.ofMicros(400_000)));
        long version = budget.status().version();
        reservation.close();
        assertTrue(reservation.isSettled());
        assertEquals(Money.ZERO, budget.reserved());
        assertEquals(Money.ZERO, budget.totalSpent());
        assertEquals(version + 1, budget.status().version());
        assertThrows(IllegalStateException.class, reservation::cancel);
    }

    @Test
    void closeAfterCommitIsANoOp() {
        Reservation reservation = granted(budget.reserve(Money.ofMicros(400_000)));
        BudgetStatus afterCommit = reservation.commit(Money.ofMicros(300_000));
        reservation.close();
        reservation.close();
        assertEquals(afterCommit, budget.status(), "no mutation, same version");
    }

    @Test
    void closeAfterCancelIsANoOp() {
        Reservation reservation = granted(budget.reserve(Money.ofMicros(400_000)));
        BudgetStatus afterCancel = reservation.cancel();
        reservation.close();
        assertEquals(afterCancel, budget.status());
    }

    @Test
    void committingTwiceThrowsAndChangesNothing() {
        Reservation reservation = granted(budget.reserve(Money.ofMicros(400_000)));
        BudgetStatus afterCommit = reservation.commit(Money.ofMicros(300_000));
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> reservation.commit(Money.ofMicros(300_000)));
        assertTrue(e.getMessage().contains("already committed"), e.getMessage());
        assertEquals(afterCommit, budget.status());
    }

    @Test
    void commitAfterCancelAndCancelAfterCommitThrow() {
        Reservation cancelled = granted(budget.reserve(Money.ofMicros(1)));
        cancelled.cancel();
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class, () -> cancelled.commit(Money.ofMicros(1)));
        assertTrue(e.getMessage().contains("already cancelled"), e.getMessage());
        assertThrows(IllegalStateException.class, cancelled::cancel);

        Reservation committed = granted(budget.reserve(Money.ofMicros(1)));
        committed.commit(Money.ofMicros(1));
        assertThrows(IllegalStateException.class, committed::cancel);
        assertEquals(Money.ofMicros(1), budget.totalSpent());
        assertEquals(Money.ZERO, budget.reserved());
    }

    @Test
    void tryWithResourcesReleasesOnAnExceptionPath() {
        RuntimeException failure =
                assertThrows(
                        RuntimeException.class,
                        () -> {
                            try (Reservation reservation =
                                    granted(budget.reserve(Money.ofMicros(700_000)))) {
                                assertEquals(Money.ofMicros(700_000), budget.reserved());
                                throw new RuntimeException("upstream timed out " + reservation);
                            }
                        });
        assertTrue(failure.getMessage().startsWith("upstream timed out"));
        assertEquals(Money.ZERO, budget.reserved());
        assertEquals(Money.ofMicros(1_000_000), budget.available());
    }

    @Test
    void settlingAgainstAnotherControllerThrowsIllegalArgument() {
        CostController other = CostController.withLimit(Money.ofMicros(1_000_000));
        Reservation reservation = granted(budget.reserve(Money.ofMicros(10)));
        assertThrows(
                IllegalArgumentException.class, () -> other.commit(reservation, Money.ofMicros(1)));
        assertThrows(IllegalArgumentException.class, () -> other.cancel(reservation));
        assertFalse(reservation.isSettled());
        assertEquals(Money.ofMicros(10), budget.reserved());
    }

    @Test
    void aCommitThatWouldOverflowChangesNothingAndLeavesTheReservationOpen() {
        CostController big = CostController.withLimit(Money.ofMicros(Long.MAX_VALUE));
        Reservation reservation = granted(big.reserve(Money.ofMicros(5)));
        big.addSpend(Money.ofMicros(Long.MAX_VALUE - 10));
        BudgetStatus before = big.status();
        assertThrows(ArithmeticException.class, () -> reservation.commit(Money.ofMicros(11)));
        assertEquals(before, big.status());
        assertFalse(reservation.isSettled());
        reservation.close();
        assertEquals(Money.ZERO, big.reserved());
    }

    @Test
    void toStringShowsAmountAndState() {
        Reservation reservation = granted(budget.reserve(Money.ofMicros(1_500)));
        assertEquals("Reservation[amount=$0.001500 (1500 µ$), state=OPEN]", reservation.toString());
        reservation.commit(Money.ofMicros(1_000));
        assertEquals(
                "Reservation[amount=$0.001500 (1500 µ$), state=COMMITTED]", reservation.toString());
        Reservation cancelled = granted(budget.reserve(Money.ofMicros(2)));
        cancelled.close();
        assertEquals("Reservation[amount=$0.000002 (2 µ$), state=CANCELLED]", cancelled.toString());
    }

    @Test
    void racingCloseAndCommitSettleExactlyOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 500; i++) {
                CostController ledger = CostController.withLimit(Money.ofMicros(1_000));
                Reservation reservation = granted(ledger.reserve(Money.ofMicros(600)));
                long versionBefore = ledger.status().version();
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Boolean> committer =
                        pool.submit(
                                () -> {
                                    start.await();
                                    try {
                                        reservation.commit(Money.ofMicros(400));
                                        return true;
                                    } catch (IllegalStateException lost) {
                                        return false;
                                    }
                                });
                Future<?> closer =
                        pool.submit(
                                () -> {
                                    start.await();
                                    reservation.close();
                                    return null;
                                });
                boolean committed = committer.get(10, TimeUnit.SECONDS);
                closer.get(10, TimeUnit.SECONDS);

                BudgetStatus after = ledger.status();
                assertEquals(versionBefore + 1, after.version(), "exactly one settlement");
                assertEquals(Money.ZERO, after.reserved());
                assertEquals(Money.ofMicros(committed ? 400 : 0), after.spent());
                assertTrue(reservation.isSettled());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void racingCommitsSettleExactlyOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 300; i++) {
                CostController ledger = CostController.withLimit(Money.ofMicros(1_000));
                Reservation reservation = granted(ledger.reserve(Money.ofMicros(600)));
                CyclicBarrier start = new CyclicBarrier(2);
                java.util.concurrent.Callable<Boolean> commit =
                        () -> {
                            start.await();
                            try {
                                reservation.commit(Money.ofMicros(500));
                                return true;
                            } catch (IllegalStateException lost) {
                                return false;
                            }
                        };
                Future<Boolean> first = pool.submit(commit);
                Future<Boolean> second = pool.submit(commit);
                int wins =
                        (first.get(10, TimeUnit.SECONDS) ? 1 : 0)
                                + (second.get(10, TimeUnit.SECONDS) ? 1 : 0);
                assertEquals(1, wins);
                assertEquals(Money.ofMicros(500), ledger.totalSpent());
                assertEquals(Money.ZERO, ledger.reserved());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
