package io.ironcage.router.core.domain.budget;

import io.ironcage.router.core.domain.Money;
import java.util.Objects;

/**
 * A budget threshold was reached: the money spent (not counting reservations) went from below
 * {@code ceil(limit × percent / 100)} to at or above it, or the limit was lowered under what was
 * already spent. Each threshold fires once; it is re-armed only when a new limit puts the spent
 * amount below it again.
 *
 * @param percent the threshold, in percent of the limit
 * @param spent the money spent when the threshold was reached
 * @param limit the limit in force when the threshold was reached
 */
public record ThresholdCrossing(int percent, Money spent, Money limit) {
    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException if {@code percent} is not positive
     * @throws NullPointerException if an amount is {@code null}
     */
    public ThresholdCrossing {
        if (percent <= 0) {
            throw new IllegalArgumentException("percent must be positive, got " + percent);
        }
        Objects.requireNonNull(spent, "spent");
        Objects.requireNonNull(limit, "limit");
    }
}
