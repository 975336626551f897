package io.ironcage.router.core.domain.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The reference's {@code iron_cost/tests/budget_test.rs}, test by test (reference Appendix B).
 * Where we deliberately differ, the display name says so.
 */
class CostControllerReferenceParityTest {

    static Money m(long micros) {
        return Money.ofMicros(micros);
    }

    static Reservation granted(BudgetDecision decision) {
        return assertInstanceOf(BudgetDecision.Granted.class, decision).reservation();
    }

    static BudgetDecision.Exceeded exceeded(BudgetDecision decision) {
        return assertInstanceOf(BudgetDecision.Exceeded.class, decision);
    }

    static BudgetDecision.Insufficient insufficient(BudgetDecision decision) {
        return assertInstanceOf(BudgetDecision.Insufficient.class, decision);
    }

    static void assertAllowed(BudgetDecision decision) {
        assertSame(BudgetDecision.Allowed.INSTANCE, decision);
    }

    @Test
    @DisplayName("new_controller_has_zero_spent")
    void newControllerHasZeroSpent() {
        assertEquals(Money.ZERO, CostController.withLimit(m(1_000_000)).totalSpent());
    }

    @Test
    @DisplayName("new_controller_with_zero_budget")
    void newControllerWithZeroBudget() {
        CostController budget = CostController.withLimit(Money.ZERO);
        assertEquals(Optional.of(Money.ZERO), budget.limit());
        assertEquals(Money.ZERO, budget.available());
    }

    @Test
    @DisplayName("new_controller_has_zero_reserved")
    void newControllerHasZeroReserved() {
        assertEquals(Money.ZERO, CostController.withLimit(m(1_000_000)).reserved());
    }

    @Test
    @DisplayName("check_budget_passes_when_under_limit")
    void checkBudgetPassesWhenUnderLimit() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(500_000));
        assertAllowed(budget.check());
    }

    @Test
    @DisplayName("check_budget_fails_when_at_limit")
    void checkBudgetFailsWhenAtLimit() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(1_000_000));
        exceeded(budget.check());
    }

    @Test
    @DisplayName("check_budget_fails_when_over_limit")
    void checkBudgetFailsWhenOverLimit() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(1_500_000));
        exceeded(budget.check());
    }

    @Test
    @DisplayName("check_budget_returns_correct_error_values")
    void checkBudgetReturnsCorrectErrorValues() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(1_200_000));
        assertEquals(
                new BudgetDecision.Exceeded(m(1_200_000), Money.ZERO, m(1_000_000)),
                budget.check());
    }

    @Test
    @DisplayName("zero_budget_fails_immediately")
    void zeroBudgetFailsImmediately() {
        CostController budget = CostController.withLimit(Money.ZERO);
        assertEquals(
                new BudgetDecision.Exceeded(Money.ZERO, Money.ZERO, Money.ZERO), budget.check());
    }

    @Test
    @DisplayName("add_spend_accumulates")
    void addSpendAccumulates() {
        CostController budget = CostController.withLimit(m(10_000_000));
        budget.addSpend(m(1_000_000));
        budget.addSpend(m(2_000_000));
        budget.addSpend(m(500_000));
        assertEquals(m(3_500_000), budget.totalSpent());
    }

    @Test
    @DisplayName("add_spend_with_small_amounts")
    void addSpendWithSmallAmounts() {
        CostController budget = CostController.withLimit(m(1_000_000));
        for (int i = 0; i < 1000; i++) {
            budget.addSpend(m(1));
        }
        assertEquals(m(1000), budget.totalSpent());
        assertAllowed(budget.check());
    }

    @Test
    @DisplayName("set_budget_updates_limit")
    void setBudgetUpdatesLimit() {
        CostController budget = CostController.withLimit(m(1_000_000));
        BudgetStatus after = budget.setLimit(m(5_000_000));
        assertEquals(Optional.of(m(5_000_000)), budget.limit());
        assertEquals(Optional.of(m(5_000_000)), after.limit());
    }

    @Test
    @DisplayName("set_budget_can_unblock_exceeded_budget")
    void setBudgetCanUnblockExceededBudget() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(1_000_000));
        exceeded(budget.check());
        budget.setLimit(m(2_000_000));
        assertAllowed(budget.check());
        assertEquals(m(1_000_000), budget.totalSpent());
    }

    @Test
    @DisplayName("set_budget_can_block_previously_valid_budget")
    void setBudgetCanBlockPreviouslyValidBudget() {
        CostController budget = CostController.withLimit(m(2_000_000));
        budget.addSpend(m(1_000_000));
        assertAllowed(budget.check());
        budget.setLimit(m(500_000));
        exceeded(budget.check());
        assertEquals(m(1_000_000), budget.totalSpent());
    }

    @Test
    @DisplayName("handles_large_amounts")
    void handlesLargeAmounts() {
        long large = 1_000_000_000_000_000L; // $1 billion
        CostController budget = CostController.withLimit(m(large));
        budget.addSpend(m(large / 2));
        assertAllowed(budget.check());
        assertEquals(m(large / 2), budget.totalSpent());
        assertEquals(m(large / 2), budget.available());
    }

    @Test
    @DisplayName("handles_large_amounts (ours: overflow throws ArithmeticException, no wrap)")
    void overflowThrowsInsteadOfWrapping() {
        CostController budget = CostController.withLimit(m(Long.MAX_VALUE));
        budget.addSpend(m(Long.MAX_VALUE - 1));
        BudgetStatus before = budget.status();
        assertThrows(ArithmeticException.class, () -> budget.addSpend(m(2)));
        assertEquals(before, budget.status(), "a failed mutation changes nothing");
        // spent + reserved saturates in check() instead of wrapping to a small number
        budget.reserve(m(1));
        exceeded(budget.check());
        // a reservation that cannot fit is insufficient, not an overflow
        insufficient(budget.reserve(m(Long.MAX_VALUE)));
    }

    @Test
    @DisplayName("precision_at_microdollar_level")
    void precisionAtMicrodollarLevel() {
        CostController budget = CostController.withLimit(m(1_000_001));
        budget.addSpend(m(1_000_000));
        assertAllowed(budget.check());
        budget.addSpend(m(1));
        exceeded(budget.check());
        assertEquals(m(1_000_001), budget.totalSpent());
    }

    @Test
    @DisplayName("reserve_succeeds_when_budget_available")
    void reserveSucceedsWhenBudgetAvailable() {
        CostController budget = CostController.withLimit(m(1_000_000));
        Reservation reservation = granted(budget.reserve(m(500_000)));
        assertEquals(m(500_000), reservation.amount());
    }

    @Test
    @DisplayName("reserve_updates_reserved_amount")
    void reserveUpdatesReservedAmount() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.reserve(m(300_000));
        assertEquals(m(300_000), budget.reserved());
        assertEquals(Money.ZERO, budget.totalSpent());
    }

    @Test
    @DisplayName("reserve_reduces_available_budget")
    void reserveReducesAvailableBudget() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(200_000));
        budget.reserve(m(300_000));
        assertEquals(m(500_000), budget.available());
    }

    @Test
    @DisplayName("reserve_fails_when_insufficient_budget")
    void reserveFailsWhenInsufficientBudget() {
        CostController budget = CostController.withLimit(m(1_000_000));
        assertEquals(
                new BudgetDecision.Insufficient(m(1_000_000), m(1_500_000)),
                budget.reserve(m(1_500_000)));
        assertEquals(Money.ZERO, budget.reserved());
    }

    @Test
    @DisplayName("reserve_fails_when_budget_already_spent")
    void reserveFailsWhenBudgetAlreadySpent() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(800_000));
        assertEquals(
                new BudgetDecision.Insufficient(m(200_000), m(300_000)),
                budget.reserve(m(300_000)));
    }

    @Test
    @DisplayName("reserve_fails_when_budget_already_reserved")
    void reserveFailsWhenBudgetAlreadyReserved() {
        CostController budget = CostController.withLimit(m(1_000_000));
        granted(budget.reserve(m(800_000)));
        assertEquals(
                new BudgetDecision.Insufficient(m(200_000), m(300_000)),
                budget.reserve(m(300_000)));
        assertEquals(m(800_000), budget.reserved());
    }

    @Test
    @DisplayName("commit_releases_reservation_and_adds_spend")
    void commitReleasesReservationAndAddsSpend() {
        CostController budget = CostController.withLimit(m(1_000_000));
        Reservation reservation = granted(budget.reserve(m(500_000)));
        budget.commit(reservation, m(300_000));
        assertEquals(Money.ZERO, budget.reserved());
        assertEquals(m(300_000), budget.totalSpent());
        assertTrue(reservation.isSettled());
    }

    @Test
    @DisplayName("commit_allows_actual_cost_less_than_reserved")
    void commitAllowsActualCostLessThanReserved() {
        CostController budget = CostController.withLimit(m(1_000_000));
        Reservation reservation = granted(budget.reserve(m(500_000)));
        budget.commit(reservation, m(100_000));
        assertEquals(m(100_000), budget.totalSpent());
        assertEquals(m(900_000), budget.available());
    }

    @Test
    @DisplayName("commit_allows_actual_cost_equal_to_reserved")
    void commitAllowsActualCostEqualToReserved() {
        CostController budget = CostController.withLimit(m(1_000_000));
        Reservation reservation = granted(budget.reserve(m(500_000)));
        budget.commit(reservation, m(500_000));
        assertEquals(m(500_000), budget.totalSpent());
        assertEquals(Money.ZERO, budget.reserved());
    }

    @Test
    @DisplayName("commit_allows_actual_cost_greater_than_reserved (ours: covered explicitly)")
    void commitAllowsActualCostGreaterThanReserved() {
        CostController budget = CostController.withLimit(m(1_000_000));
        Reservation reservation = granted(budget.reserve(m(500_000)));
        BudgetStatus after = budget.commit(reservation, m(1_200_000));
        assertEquals(m(1_200_000), after.spent());
        assertEquals(Money.ZERO, after.reserved());
        assertEquals(Money.ZERO, after.available());
        exceeded(budget.check());
    }

    @Test
    @DisplayName(
            "commit_add_spend_first_then_release_reservation (ours: both in one critical"
                    + " section, the intermediate state is never visible)")
    void commitAddSpendFirstThenReleaseReservation() {
        CostController budget = CostController.withLimit(m(1_000_000));
        Reservation reservation = granted(budget.reserve(m(500_000)));
        BudgetStatus before = budget.status();
        BudgetStatus after = budget.commit(reservation, m(500_000));
        // one mutation, one version: no snapshot can fall between spend and release
        assertEquals(before.version() + 1, after.version());
        assertEquals(m(500_000), after.spent());
        assertEquals(Money.ZERO, after.reserved());
        assertEquals(after, budget.status());
    }

    @Test
    @DisplayName("cancel_releases_reservation_without_spend")
    void cancelReleasesReservationWithoutSpend() {
        CostController budget = CostController.withLimit(m(1_000_000));
        Reservation reservation = granted(budget.reserve(m(500_000)));
        budget.cancel(reservation);
        assertEquals(Money.ZERO, budget.reserved());
        assertEquals(Money.ZERO, budget.totalSpent());
        assertEquals(m(1_000_000), budget.available());
    }

    @Test
    @DisplayName("cancel_allows_new_reservations")
    void cancelAllowsNewReservations() {
        CostController budget = CostController.withLimit(m(1_000_000));
        Reservation first = granted(budget.reserve(m(1_000_000)));
        insufficient(budget.reserve(m(1)));
        first.cancel();
        granted(budget.reserve(m(1_000_000)));
    }

    @Test
    @DisplayName("multiple_reservations_accumulate")
    void multipleReservationsAccumulate() {
        CostController budget = CostController.withLimit(m(1_000_000));
        granted(budget.reserve(m(100_000)));
        granted(budget.reserve(m(200_000)));
        granted(budget.reserve(m(300_000)));
        assertEquals(m(600_000), budget.reserved());
        assertEquals(m(400_000), budget.available());
    }

    @Test
    @DisplayName("multiple_reservations_block_overspend")
    void multipleReservationsBlockOverspend() {
        CostController budget = CostController.withLimit(m(1_000_000));
        granted(budget.reserve(m(400_000)));
        granted(budget.reserve(m(400_000)));
        assertEquals(
                new BudgetDecision.Insufficient(m(200_000), m(400_000)),
                budget.reserve(m(400_000)));
        assertEquals(m(800_000), budget.reserved());
    }

    @Test
    @DisplayName("commit_one_of_multiple_reservations")
    void commitOneOfMultipleReservations() {
        CostController budget = CostController.withLimit(m(1_000_000));
        Reservation first = granted(budget.reserve(m(300_000)));
        granted(budget.reserve(m(200_000)));
        first.commit(m(250_000));
        assertEquals(m(200_000), budget.reserved());
        assertEquals(m(250_000), budget.totalSpent());
        assertEquals(m(550_000), budget.available());
    }

    @Test
    @DisplayName("check_budget_fails_when_spent_plus_reserved_at_limit")
    void checkBudgetFailsWhenSpentPlusReservedAtLimit() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(600_000));
        granted(budget.reserve(m(400_000)));
        exceeded(budget.check());
    }

    @Test
    @DisplayName("check_budget_includes_reserved_in_error")
    void checkBudgetIncludesReservedInError() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(300_000));
        granted(budget.reserve(m(700_000)));
        assertEquals(
                new BudgetDecision.Exceeded(m(300_000), m(700_000), m(1_000_000)), budget.check());
    }

    @Test
    @DisplayName("get_full_status_returns_all_values")
    void getFullStatusReturnsAllValues() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(250_000));
        granted(budget.reserve(m(150_000)));
        BudgetStatus status = budget.status();
        assertEquals(m(250_000), status.spent());
        assertEquals(m(150_000), status.reserved());
        assertEquals(Optional.of(m(1_000_000)), status.limit());
        assertEquals(m(600_000), status.available());
        assertEquals(2, status.version());
    }

    @Test
    @DisplayName("reserve_with_microdollar_precision")
    void reserveWithMicrodollarPrecision() {
        CostController budget = CostController.withLimit(m(1_000_003));
        granted(budget.reserve(m(1_000_001)));
        granted(budget.reserve(m(1)));
        assertEquals(m(1), budget.available());
        insufficient(budget.reserve(m(2)));
        granted(budget.reserve(m(1)));
        assertEquals(Money.ZERO, budget.available());
    }

    @Test
    @DisplayName("reserve_zero_succeeds")
    void reserveZeroSucceeds() {
        CostController budget = CostController.withLimit(m(1_000_000));
        Reservation reservation = granted(budget.reserve(Money.ZERO));
        assertEquals(Money.ZERO, reservation.amount());
        assertEquals(Money.ZERO, budget.reserved());
    }

    @Test
    @DisplayName("reserve_zero_succeeds even when the budget is used up (reference parity)")
    void reserveZeroSucceedsWhenExhausted() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(2_000_000));
        granted(budget.reserve(Money.ZERO));
        granted(CostController.withLimit(Money.ZERO).reserve(Money.ZERO));
    }

    @Test
    @DisplayName(
            "reserve when spent + reserved >= limit is Insufficient with 0 available (check()"
                    + " reports Exceeded)")
    void reserveWhenExhaustedIsInsufficient() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(1_000_000));
        assertEquals(new BudgetDecision.Insufficient(Money.ZERO, m(1)), budget.reserve(m(1)));
        exceeded(budget.check());
    }

    @Test
    @DisplayName("commit_zero_actual_cost")
    void commitZeroActualCost() {
        CostController budget = CostController.withLimit(m(1_000_000));
        Reservation reservation = granted(budget.reserve(m(500_000)));
        reservation.commit(Money.ZERO);
        assertEquals(Money.ZERO, budget.totalSpent());
        assertEquals(Money.ZERO, budget.reserved());
        assertEquals(m(1_000_000), budget.available());
    }

    @Test
    @DisplayName("reserve_exact_available_amount")
    void reserveExactAvailableAmount() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(400_000));
        granted(budget.reserve(m(600_000)));
        assertEquals(Money.ZERO, budget.available());
        // reserve allows == available, check blocks at spent + reserved >= limit
        exceeded(budget.check());
    }

    @Test
    @DisplayName("reserve_one_more_than_available_fails")
    void reserveOneMoreThanAvailableFails() {
        CostController budget = CostController.withLimit(m(1_000_000));
        budget.addSpend(m(400_000));
        assertEquals(
                new BudgetDecision.Insufficient(m(600_000), m(600_001)),
                budget.reserve(m(600_001)));
    }
}
