package io.ironcage.router.core.domain.budget;

import static io.ironcage.router.core.domain.budget.CostControllerReferenceParityTest.granted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CostControllerThresholdTest {
    private final List<ThresholdCrossing> crossings = new CopyOnWriteArrayList<>();

    private static Money m(long micros) {
        return Money.ofMicros(micros);
    }

    private static ThresholdCrossing crossing(int percent, long spent, long limit) {
        return new ThresholdCrossing(percent, m(spent), m(limit));
    }

    @Test
    void defaultThresholdsFireOnceEachAt80And100Percent() {
        CostController budget = CostController.withLimit(m(1_000_000), crossings::add);
        budget.addSpend(m(799_999));
        assertEquals(List.of(), crossings);
        budget.addSpend(m(1));
        assertEquals(List.of(crossing(80, 800_000, 1_000_000)), crossings);
        budget.addSpend(m(100_000));
        Reservation reservation = granted(budget.reserve(m(100_000)));
        assertEquals(1, crossings.size(), "no repeat, and reservations do not count");
        reservation.commit(m(100_000));
        budget.addSpend(m(500_000));
        assertEquals(
                List.of(crossing(80, 800_000, 1_000_000), crossing(100, 1_000_000, 1_000_000)),
                crossings);
    }

    @Test
    void oneMutationCrossingSeveralThresholdsDeliversThemInAscendingOrder() {
        CostController budget =
                CostController.withLimit(m(1_000), List.of(100, 50, 80), crossings::add);
        budget.addSpend(m(2_000));
        assertEquals(
                List.of(
                        crossing(50, 2_000, 1_000),
                        crossing(80, 2_000, 1_000),
                        crossing(100, 2_000, 1_000)),
                crossings);
    }

    @Test
    void thresholdIsTheCeilingOfThePercentage() {
        // 80 % of 999 µ$ is 799.2 µ$: the threshold is 800 µ$
        CostController budget = CostController.withLimit(m(999), List.of(80), crossings::add);
        budget.addSpend(m(799));
        assertEquals(List.of(), crossings);
        budget.addSpend(m(1));
        assertEquals(List.of(crossing(80, 800, 999)), crossings);
    }

    @Test
    void raisingTheLimitReArmsThresholdsTheSpendIsBelowAgain() {
        CostController budget = CostController.withLimit(m(1_000_000), crossings::add);
        budget.addSpend(m(1_000_000));
        assertEquals(2, crossings.size());
        crossings.clear();
        budget.setLimit(m(2_000_000)); // spent 1.0M: below 1.6M and 2.0M, both re-armed
        assertEquals(List.of(), crossings);
        budget.addSpend(m(600_000));
        assertEquals(List.of(crossing(80, 1_600_000, 2_000_000)), crossings);
        budget.addSpend(m(400_000));
        assertEquals(
                List.of(crossing(80, 1_600_000, 2_000_000), crossing(100, 2_000_000, 2_000_000)),
                crossings);
    }

    @Test
    void aLimitChangeThatLeavesSpendAboveAFiredThresholdDoesNotReArmIt() {
        CostController budget = CostController.withLimit(m(1_000_000), crossings::add);
        budget.addSpend(m(850_000)); // 80 % fires
        crossings.clear();
        budget.setLimit(m(1_050_000)); // 80 % is now 840,000: spent still above, stays fired
        budget.addSpend(m(1));
        assertEquals(List.of(), crossings);
        budget.addSpend(m(199_999)); // 1,050,000: 100 % fires
        assertEquals(List.of(crossing(100, 1_050_000, 1_050_000)), crossings);
    }

    @Test
    void loweringTheLimitUnderWhatWasSpentFiresArmedThresholds() {
        CostController budget = CostController.withLimit(m(1_000_000), crossings::add);
        budget.addSpend(m(500_000));
        budget.setLimit(m(600_000)); // 80 % = 480,000 <= 500,000
        assertEquals(List.of(crossing(80, 500_000, 600_000)), crossings);
    }

    @Test
    void zeroLimitNeverFiresThresholds() {
        CostController budget = CostController.withLimit(Money.ZERO, crossings::add);
        budget.addSpend(m(5));
        budget.setLimit(Money.ZERO);
        assertEquals(List.of(), crossings);
        budget.setLimit(m(10)); // spent 5 is below 8 and 10: armed again
        budget.addSpend(m(3));
        assertEquals(List.of(crossing(80, 8, 10)), crossings);
    }

    @Test
    void thresholdsAboveTheLargestAmountNeverFireAndDoNotOverflow() {
        CostController budget =
                CostController.withLimit(m(Long.MAX_VALUE), List.of(100, 1000), crossings::add);
        budget.addSpend(m(Long.MAX_VALUE));
        assertEquals(List.of(crossing(100, Long.MAX_VALUE, Long.MAX_VALUE)), crossings);
    }

    @Test
    void thresholdsAbove100PercentReportOverspend() {
        CostController budget = CostController.withLimit(m(100), List.of(150), crossings::add);
        Reservation reservation = granted(budget.reserve(m(100)));
        reservation.commit(m(150));
        assertEquals(List.of(crossing(150, 150, 100)), crossings);
    }

    @Test
    void listenerIsCalledOutsideTheLock() throws Exception {
        AtomicReference<BudgetStatus> seenByOtherThread = new AtomicReference<>();
        AtomicReference<CostController> ref = new AtomicReference<>();
        CostController budget =
                CostController.withLimit(
                        m(1_000),
                        crossing -> {
                            // if the listener held the lock, this thread would block until
                            // the join below gave up
                            Thread other =
                                    new Thread(() -> seenByOtherThread.set(ref.get().status()));
                            other.start();
                            try {
                                other.join(TimeUnit.SECONDS.toMillis(5));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            crossings.add(crossing);
                        });
        ref.set(budget);
        BudgetStatus after = budget.addSpend(m(800));
        assertEquals(List.of(crossing(80, 800, 1_000)), crossings);
        assertEquals(after, seenByOtherThread.get(), "the mutation is visible to the listener");
    }

    @Test
    void listenerMayCallBackIntoTheLedger() {
        AtomicReference<CostController> ref = new AtomicReference<>();
        AtomicReference<BudgetDecision> fromListener = new AtomicReference<>();
        CostController budget =
                CostController.withLimit(
                        m(1_000),
                        crossing -> {
                            if (crossing.percent() == 100) {
                                fromListener.set(ref.get().reserve(m(1)));
                                ref.get().setLimit(m(2_000));
                            }
                        });
        ref.set(budget);
        budget.addSpend(m(1_000));
        assertFalse(fromListener.get().isPermitted());
        assertSame(BudgetDecision.Allowed.INSTANCE, budget.check());
    }

    @Test
    void aThrowingListenerFailsTheCallerAfterTheMutationAndStillGetsEveryCrossing() {
        CostController budget =
                CostController.withLimit(
                        m(100),
                        crossing -> {
                            crossings.add(crossing);
                            throw new IllegalStateException(
                                    "listener broke at " + crossing.percent());
                        });
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> budget.addSpend(m(100)));
        assertEquals("listener broke at 80", e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        assertEquals(2, crossings.size());
        assertEquals(m(100), budget.totalSpent());
    }

    @Test
    void unlimitedAndListenerlessLedgersHaveNoThresholds() {
        CostController unlimited = CostController.unlimited();
        unlimited.addSpend(m(Long.MAX_VALUE));
        CostController plain = CostController.withLimit(m(10));
        assertTrue(plain.addSpend(m(10)).isExceeded());
    }
}
