package io.ironcage.router.core.domain.budget;

import static io.ironcage.router.core.domain.budget.CostControllerReferenceParityTest.granted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the ledger does beyond the reference's tests: unlimited mode, validation, versions. */
class CostControllerTest {

    @Test
    void unlimitedGrantsEverythingAndStillTracks() {
        CostController budget = CostController.unlimited();
        assertSame(BudgetDecision.Allowed.INSTANCE, budget.check());
        Reservation big = granted(budget.reserve(Money.ofMicros(Long.MAX_VALUE / 2)));
        Reservation small = granted(budget.reserve(Money.ofMicros(7)));
        assertEquals(Money.ofMicros(Long.MAX_VALUE / 2 + 7), budget.reserved());
        big.commit(Money.ofMicros(1_000_000_000));
        small.cancel();
        BudgetStatus status = budget.status();
        assertEquals(Money.ofMicros(1_000_000_000), status.spent());
        assertEquals(Money.ZERO, status.reserved());
        assertEquals(Optional.empty(), status.limit());
        assertTrue(status.isUnlimited());
        assertFalse(status.isExceeded());
        assertEquals(Money.ofMicros(Long.MAX_VALUE), status.available());
        assertEquals(Money.ofMicros(Long.MAX_VALUE), budget.available());
        assertSame(BudgetDecision.Allowed.INSTANCE, budget.check());
        assertEquals(Optional.empty(), budget.limit());
    }

    @Test
    void unlimitedReservedOverflowThrowsAndChangesNothing() {
        CostController budget = CostController.unlimited();
        granted(budget.reserve(Money.ofMicros(Long.MAX_VALUE)));
        BudgetStatus before = budget.status();
        assertThrows(ArithmeticException.class, () -> budget.reserve(Money.ofMicros(1)));
        assertEquals(before, budget.status());
        granted(budget.reserve(Money.ZERO));
    }

    @Test
    void setLimitTurnsAnUnlimitedLedgerIntoALimitedOne() {
        CostController budget = CostController.unlimited();
        budget.addSpend(Money.ofMicros(500));
        budget.setLimit(Money.ofMicros(500));
        assertEquals(
                new BudgetDecision.Exceeded(Money.ofMicros(500), Money.ZERO, Money.ofMicros(500)),
                budget.check());
        assertEquals(Optional.of(Money.ofMicros(500)), budget.status().limit());
    }

    @Test
    void setLimitKeepsGrantedReservationsThatNoLongerFit() {
        CostController budget = CostController.withLimit(Money.ofMicros(1_000));
        Reservation reservation = granted(budget.reserve(Money.ofMicros(800)));
        BudgetStatus status = budget.setLimit(Money.ofMicros(100));
        assertEquals(Money.ZERO, status.available());
        assertTrue(status.isExceeded());
        reservation.commit(Money.ofMicros(50));
        assertEquals(Money.ofMicros(50), budget.available());
    }

    @Test
    void everyMutationIncrementsTheVersionAndRefusalsDoNot() {
        CostController budget = CostController.withLimit(Money.ofMicros(100));
        assertEquals(0, budget.status().version());
        BudgetDecision.Granted grant = (BudgetDecision.Granted) budget.reserve(Money.ofMicros(60));
        assertEquals(1, grant.statusAfter().version());
        budget.reserve(Money.ofMicros(60)); // refused
        budget.check();
        assertEquals(1, budget.status().version());
        assertEquals(2, grant.reservation().commit(Money.ofMicros(10)).version());
        assertEquals(3, budget.addSpend(Money.ofMicros(1)).version());
        assertEquals(4, budget.setLimit(Money.ofMicros(200)).version());
        Reservation other = granted(budget.reserve(Money.ofMicros(1)));
        assertEquals(6, other.cancel().version());
    }

    @Test
    void grantedStatusIncludesTheNewReservation() {
        CostController budget = CostController.withLimit(Money.ofMicros(100));
        budget.addSpend(Money.ofMicros(10));
        BudgetDecision.Granted grant = (BudgetDecision.Granted) budget.reserve(Money.ofMicros(60));
        assertEquals(
                new BudgetStatus(
                        Money.ofMicros(10),
                        Money.ofMicros(60),
                        Optional.of(Money.ofMicros(100)),
                        2),
                grant.statusAfter());
        assertEquals(Money.ofMicros(30), grant.statusAfter().available());
    }

    @Test
    void thresholdPercentsAreValidated() {
        Money limit = Money.ofMicros(100);
        for (List<Integer> bad : List.of(List.of(0), List.of(1001), List.of(-5), List.of(80, 80))) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> CostController.withLimit(limit, bad, crossing -> {}),
                    bad.toString());
        }
        assertThrows(
                NullPointerException.class,
                () -> CostController.withLimit(limit, Arrays.asList(80, null), crossing -> {}));
        assertThrows(
                NullPointerException.class,
                () -> CostController.withLimit(limit, List.of(80), null));
        // the boundaries are fine, and so is no threshold at all
        CostController.withLimit(limit, List.of(1, 100, 1000), crossing -> {});
        CostController.withLimit(limit, List.of(), crossing -> {});
    }

    @Test
    void nullArgumentsAreRejected() {
        CostController budget = CostController.withLimit(Money.ofMicros(100));
        assertThrows(NullPointerException.class, () -> CostController.withLimit(null));
        assertThrows(NullPointerException.class, () -> budget.reserve(null));
        assertThrows(NullPointerException.class, () -> budget.addSpend(null));
        assertThrows(NullPointerException.class, () -> budget.setLimit(null));
        assertThrows(NullPointerException.class, () -> budget.cancel(null));
        Reservation reservation = granted(budget.reserve(Money.ofMicros(1)));
        assertThrows(NullPointerException.class, () -> budget.commit(reservation, null));
        assertFalse(reservation.isSettled());
    }

    @Test
    void budgetStatusValidatesAndSaturates() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new BudgetStatus(Money.ZERO, Money.ZERO, Optional.empty(), -1));
        BudgetStatus overspent =
                new BudgetStatus(
                        Money.ofMicros(Long.MAX_VALUE),
                        Money.ofMicros(Long.MAX_VALUE),
                        Optional.of(Money.ofMicros(10)),
                        3);
        assertEquals(Money.ZERO, overspent.available());
        assertTrue(overspent.isExceeded());
    }

    @Test
    void toStringShowsTheAmounts() {
        CostController budget = CostController.withLimit(Money.ofMicros(100));
        budget.addSpend(Money.ofMicros(5));
        budget.reserve(Money.ofMicros(7));
        assertEquals("CostController[spent=5 µ$, reserved=7 µ$, limit=100 µ$]", budget.toString());
        assertEquals(
                "CostController[spent=0 µ$, reserved=0 µ$, limit=unlimited]",
                CostController.unlimited().toString());
    }
}
