package io.ironcage.router.core.domain.budget;

import static io.ironcage.router.core.domain.budget.CostControllerReferenceParityTest.granted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.ironcage.router.core.domain.Money;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A ledger whose limit (a lease) moves under a fixed ceiling (a local budget). */
class CostControllerCeilingTest {
    private final List<ThresholdCrossing> crossings = new CopyOnWriteArrayList<>();

    private static Money m(long micros) {
        return Money.ofMicros(micros);
    }

    @Test
    void aRequestMustFitUnderBothTheLimitAndTheCeiling() {
        CostController budget =
                CostController.withCeiling(m(0), m(1_000), List.of(), crossings::add);
        assertEquals(Optional.of(m(0)), budget.limit(), "no lease yet: nothing may be reserved");
        assertInstanceOf(BudgetDecision.Insufficient.class, budget.reserve(m(1)));

        budget.setLimit(m(600)); // a lease below the ceiling
        assertEquals(Optional.of(m(600)), budget.limit());
        assertInstanceOf(BudgetDecision.Insufficient.class, budget.reserve(m(601)));
        granted(budget.reserve(m(600))).commit(m(600));

        budget.setLimit(m(600 + 5_000)); // a renewal far above the ceiling
        assertEquals(Optional.of(m(1_000)), budget.limit(), "the ceiling holds");
        assertEquals(m(400), budget.available());
        assertInstanceOf(BudgetDecision.Insufficient.class, budget.reserve(m(401)));
        granted(budget.reserve(m(400))).commit(m(400));
        assertInstanceOf(BudgetDecision.Exceeded.class, budget.check());
    }

    @Test
    void thresholdsArePercentagesOfTheCeilingAndDoNotMoveWithTheLimit() {
        CostController budget =
                CostController.withCeiling(
                        m(0), m(1_000), CostController.DEFAULT_THRESHOLD_PERCENTS, crossings::add);
        budget.setLimit(m(500));
        budget.addSpend(m(450)); // 90 % of the lease, 45 % of the ceiling
        assertEquals(List.of(), crossings);
        budget.setLimit(m(450 + 500));
        budget.addSpend(m(350));
        assertEquals(List.of(new ThresholdCrossing(80, m(800), m(1_000))), crossings);
        budget.setLimit(m(300)); // a lower limit re-arms nothing and fires nothing
        assertEquals(1, crossings.size());
        assertEquals(Optional.of(m(300)), budget.limit());
    }
}
