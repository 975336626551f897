package io.ironcage.router.core.domain.analytics;

import io.ironcage.router.core.domain.Money;
import java.util.Objects;

/**
 * The router stopped (reference §8.1 {@code RouterStopped}).
 *
 * @param totalRequests the requests it handled over its life, {@code >= 0}
 * @param totalCost what they cost together
 */
public record RouterStopped(long totalRequests, Money totalCost) implements EventPayload {
    /** This payload's {@linkplain #eventType() event type}. */
    public static final String EVENT_TYPE = "router_stopped";

    /**
     * Validates the components.
     *
     * @throws NullPointerException if {@code totalCost} is {@code null}
     * @throws IllegalArgumentException if {@code totalRequests} is negative
     */
    public RouterStopped {
        if (totalRequests < 0) {
            throw new IllegalArgumentException(
                    "totalRequests must not be negative, got " + totalRequests);
        }
        Objects.requireNonNull(totalCost, "totalCost");
    }

    @Override
    public String eventType() {
        return EVENT_TYPE;
    }
}
