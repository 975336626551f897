package io.ironcage.router.core.domain.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The 402 payloads: the reference's type, code and exact message text (reference §3.8). */
class BudgetDecisionTest {

    @Test
    void exceededMessageMatchesTheReferenceText() {
        BudgetDecision.Exceeded exceeded =
                new BudgetDecision.Exceeded(
                        Money.ofMicros(10_000_000),
                        Money.ofMicros(1_234_567),
                        Money.ofMicros(10_000_000));
        assertEquals(
                "Iron Cage budget limit exceeded. Spent: $10.00, Reserved: $1.23, Limit: $10.00."
                        + " Increase budget with router.set_budget() or check your pricing"
                        + " calculations.",
                exceeded.message());
        assertEquals("iron_cage_budget_exceeded", exceeded.type());
        assertEquals("budget_exceeded", exceeded.code());
    }

    @Test
    @DisplayName("Exceeded message rounds exact ties half-to-even, like Rust {:.2}")
    void exceededMessageRoundsHalfEven() {
        // 0.125 and 0.375 are exact binary fractions: Rust prints 0.12 and 0.38 (%.2f: 0.13, 0.38)
        BudgetDecision.Exceeded exceeded =
                new BudgetDecision.Exceeded(
                        Money.ofMicros(125_000), Money.ofMicros(375_000), Money.ofMicros(500_000));
        assertEquals(
                "Iron Cage budget limit exceeded. Spent: $0.12, Reserved: $0.38, Limit: $0.50."
                        + " Increase budget with router.set_budget() or check your pricing"
                        + " calculations.",
                exceeded.message());
    }

    @Test
    void insufficientMessageMatchesTheReferenceText() {
        BudgetDecision.Insufficient insufficient =
                new BudgetDecision.Insufficient(Money.ofMicros(10_000), Money.ofMicros(256_000));
        assertEquals(
                "Iron Cage insufficient budget for request. Available: $0.0100, Estimated max"
                        + " cost: $0.2560. Reduce max_tokens or wait for in-flight requests to"
                        + " complete.",
                insufficient.message());
        assertEquals("iron_cage_insufficient_budget", insufficient.type());
        assertEquals("insufficient_budget", insufficient.code());
    }

    @Test
    @DisplayName("Insufficient message rounds exact ties half-to-even, like Rust {:.4}")
    void insufficientMessageRoundsHalfEven() {
        // 0.03125 = 1/32 exactly: Rust {:.4} prints 0.0312 (%.4f would print 0.0313)
        BudgetDecision.Insufficient insufficient =
                new BudgetDecision.Insufficient(Money.ofMicros(31_250), Money.ofMicros(1_234_567));
        assertEquals(
                "Iron Cage insufficient budget for request. Available: $0.0312, Estimated max"
                        + " cost: $1.2346. Reduce max_tokens or wait for in-flight requests to"
                        + " complete.",
                insufficient.message());
    }

    @Test
    void constantsMatchInstanceValues() {
        assertEquals("iron_cage_budget_exceeded", BudgetDecision.Exceeded.TYPE);
        assertEquals("budget_exceeded", BudgetDecision.Exceeded.CODE);
        assertEquals("iron_cage_insufficient_budget", BudgetDecision.Insufficient.TYPE);
        assertEquals("insufficient_budget", BudgetDecision.Insufficient.CODE);
    }

    @Test
    void onlyAllowedAndGrantedArePermitted() {
        CostController budget = CostController.withLimit(Money.ofMicros(10));
        assertTrue(BudgetDecision.Allowed.INSTANCE.isPermitted());
        BudgetDecision granted = budget.reserve(Money.ofMicros(10));
        assertTrue(granted.isPermitted());
        assertFalse(budget.reserve(Money.ofMicros(1)).isPermitted());
        assertFalse(budget.check().isPermitted());
    }
}
