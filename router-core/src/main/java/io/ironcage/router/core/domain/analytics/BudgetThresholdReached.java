package io.ironcage.router.core.domain.analytics;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.budget.ThresholdCrossing;
import java.util.Objects;

/**
 * The money spent reached a configured percentage of the budget (reference §8.1 {@code
 * BudgetThresholdReached}; fired once per threshold, ARCHITECTURE.md "Budgets, leases and the
 * control plane").
 *
 * @param thresholdPercent the threshold, in percent of the budget, {@code > 0}
 * @param currentSpend the money spent when it was reached
 * @param budget the budget in force
 */
public record BudgetThresholdReached(int thresholdPercent, Money currentSpend, Money budget)
        implements EventPayload {
    /** This payload's {@linkplain #eventType() event type}. */
    public static final String EVENT_TYPE = "budget_threshold_reached";

    /**
     * Validates the components.
     *
     * @throws NullPointerException if an amount is {@code null}
     * @throws IllegalArgumentException if {@code thresholdPercent} is not positive
     */
    public BudgetThresholdReached {
        if (thresholdPercent <= 0) {
            throw new IllegalArgumentException(
                    "thresholdPercent must be positive, got " + thresholdPercent);
        }
        Objects.requireNonNull(currentSpend, "currentSpend");
        Objects.requireNonNull(budget, "budget");
    }

    /**
     * Returns the payload for a crossing reported by the budget ledger.
     *
     * @param crossing what {@code CostController} reported
     * @return the payload
     */
    public static BudgetThresholdReached of(ThresholdCrossing crossing) {
        Objects.requireNonNull(crossing, "crossing");
        return new BudgetThresholdReached(crossing.percent(), crossing.spent(), crossing.limit());
    }

    @Override
    public String eventType() {
        return EVENT_TYPE;
    }
}
