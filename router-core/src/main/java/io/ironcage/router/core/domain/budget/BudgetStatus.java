package io.ironcage.router.core.domain.budget;

import io.ironcage.router.core.domain.Money;
import java.util.Objects;
import java.util.Optional;

/**
 * A consistent snapshot of a {@link CostController}: every component was read under the same lock,
 * so {@code spent + reserved} is what the ledger held at one instant.
 *
 * @param spent money committed so far
 * @param reserved money held by reservations not yet settled
 * @param limit the limit, or empty when the ledger is unlimited
 * @param version how many mutations the ledger had applied when this snapshot was taken; every
 *     mutation (grant, commit, cancel, spend, limit change) increments it by one, so snapshots with
 *     a larger version were taken later
 */
public record BudgetStatus(Money spent, Money reserved, Optional<Money> limit, long version) {
    /**
     * Validates the values.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code version} is negative
     */
    public BudgetStatus {
        Objects.requireNonNull(spent, "spent");
        Objects.requireNonNull(reserved, "reserved");
        Objects.requireNonNull(limit, "limit");
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative, got " + version);
        }
    }

    /**
     * Returns what can still be reserved: {@code limit − spent − reserved}, stopping at zero (the
     * reference's {@code available()}). An unlimited ledger has {@code Long.MAX_VALUE} µ$
     * available.
     *
     * @return the available amount, never negative
     */
    public Money available() {
        if (limit.isEmpty()) {
            return Money.ofMicros(CostController.UNLIMITED);
        }
        return Money.ofMicros(
                CostController.available(limit.get().micros(), spent.micros(), reserved.micros()));
    }

    /**
     * Returns whether this ledger has no limit.
     *
     * @return {@code true} when {@link #limit()} is empty
     */
    public boolean isUnlimited() {
        return limit.isEmpty();
    }

    /**
     * Returns whether the reference's {@code check_budget} would refuse at this snapshot: {@code
     * spent + reserved >= limit}. Never true for an unlimited ledger.
     *
     * @return {@code true} when the budget is used up
     */
    public boolean isExceeded() {
        return limit.isPresent()
                && CostController.saturatingAdd(spent.micros(), reserved.micros())
                        >= limit.get().micros();
    }
}
