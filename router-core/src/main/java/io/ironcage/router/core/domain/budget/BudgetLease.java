package io.ironcage.router.core.domain.budget;

import io.ironcage.router.core.domain.Money;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A budget leased from the Iron Cage control server (Protocol 005 handshake, reference §7), with
 * the client-side lifecycle of reference §7.3: {@link LeaseState#ACTIVE} → {@link
 * LeaseState#EXPIRED} → {@link LeaseState#CLOSED}, or {@link LeaseState#REVOKED}. Immutable: every
 * transition returns a new lease.
 *
 * <p><b>Spend may exceed the grant.</b> The design document lists "budget_spent ≤ budget_granted"
 * as an invariant, but a request's real cost is known only after the provider has been paid, and a
 * commit may exceed its reservation. Refusing to record money that was spent would make the lease
 * lie to the control server, so {@link #recordSpend(Money)} accepts it; {@link #remaining()} stops
 * at zero and {@link #isOverspent()} tells.
 *
 * @param leaseId the server's lease id (e.g. {@code lease_<uuid>}), not blank
 * @param granted the money the server granted
 * @param spent the money spent from this lease so far
 * @param state where the lease is in its lifecycle
 * @param expiresAt when the lease runs out, or empty for no deadline
 */
public record BudgetLease(
        String leaseId, Money granted, Money spent, LeaseState state, Optional<Instant> expiresAt) {
    /**
     * Validates the values.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code leaseId} is blank
     */
    public BudgetLease {
        Objects.requireNonNull(leaseId, "leaseId");
        if (leaseId.isBlank()) {
            throw new IllegalArgumentException("a budget lease id must not be blank");
        }
        Objects.requireNonNull(granted, "granted");
        Objects.requireNonNull(spent, "spent");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /**
     * Creates a new active lease with nothing spent and a deadline.
     *
     * @param leaseId the server's lease id
     * @param granted the money granted
     * @param expiresAt when the lease runs out
     * @return the lease
     */
    public static BudgetLease active(String leaseId, Money granted, Instant expiresAt) {
        Objects.requireNonNull(expiresAt, "expiresAt");
        return new BudgetLease(
                leaseId, granted, Money.ZERO, LeaseState.ACTIVE, Optional.of(expiresAt));
    }

    /**
     * Creates a new active lease with nothing spent and no deadline.
     *
     * @param leaseId the server's lease id
     * @param granted the money granted
     * @return the lease
     */
    public static BudgetLease active(String leaseId, Money granted) {
        return new BudgetLease(leaseId, granted, Money.ZERO, LeaseState.ACTIVE, Optional.empty());
    }

    /**
     * Marks the lease expired: no new requests, in-flight ones still settle.
     *
     * @return the lease in {@link LeaseState#EXPIRED}
     * @throws IllegalStateException unless the lease is {@link LeaseState#ACTIVE}
     */
    public BudgetLease expire() {
        return transitionTo(LeaseState.EXPIRED);
    }

    /**
     * Marks the lease returned to the server.
     *
     * @return the lease in {@link LeaseState#CLOSED}
     * @throws IllegalStateException unless the lease is {@link LeaseState#ACTIVE} or {@link
     *     LeaseState#EXPIRED}
     */
    public BudgetLease close() {
        return transitionTo(LeaseState.CLOSED);
    }

    /**
     * Marks the lease withdrawn by the server.
     *
     * @return the lease in {@link LeaseState#REVOKED}
     * @throws IllegalStateException unless the lease is {@link LeaseState#ACTIVE} or {@link
     *     LeaseState#EXPIRED}
     */
    public BudgetLease revoke() {
        return transitionTo(LeaseState.REVOKED);
    }

    /**
     * Moves the lease to another state.
     *
     * @param target the requested state
     * @return the lease in {@code target}
     * @throws IllegalStateException if the lifecycle does not allow it ({@link
     *     LeaseState#canTransitionTo(LeaseState)}); the message names the lease and both states
     */
    public BudgetLease transitionTo(LeaseState target) {
        Objects.requireNonNull(target, "target");
        if (!state.canTransitionTo(target)) {
            throw new IllegalStateException(
                    "budget lease "
                            + leaseId
                            + " cannot go from "
                            + state
                            + " to "
                            + target
                            + (state.isTerminal() ? ": " + state + " is final" : ""));
        }
        return new BudgetLease(leaseId, granted, spent, target, expiresAt);
    }

    /**
     * Records money spent from this lease. Spend only grows (the argument is an increment, never
     * negative). Allowed while {@link LeaseState#ACTIVE} and {@link LeaseState#EXPIRED} (requests
     * in flight settle during the grace period); may exceed {@link #granted()} (see the class
     * description).
     *
     * @param cost the money spent by one request (or a batch)
     * @return the lease with {@code spent + cost}
     * @throws IllegalStateException if the lease is closed or revoked
     * @throws ArithmeticException if the total would overflow
     */
    public BudgetLease recordSpend(Money cost) {
        Objects.requireNonNull(cost, "cost");
        if (state.isTerminal()) {
            throw new IllegalStateException(
                    "budget lease "
                            + leaseId
                            + " is "
                            + state
                            + " and cannot record spend of $"
                            + cost.toUsdString(6));
        }
        return new BudgetLease(leaseId, granted, spent.plus(cost), state, expiresAt);
    }

    /**
     * Returns what is left of the grant: {@code granted − spent}, stopping at zero.
     *
     * @return the remaining money
     */
    public Money remaining() {
        return granted.minusOrZero(spent);
    }

    /**
     * Returns whether more was spent than granted.
     *
     * @return {@code true} when {@code spent > granted}
     */
    public boolean isOverspent() {
        return spent.compareTo(granted) > 0;
    }

    /**
     * Returns whether the lease's deadline has passed at {@code now}: {@code now >= expiresAt}.
     * Looks only at the deadline, not at {@link #state()} (moving to {@link LeaseState#EXPIRED} is
     * the caller's decision); a lease without a deadline never expires.
     *
     * @param now the current time, from the caller's clock
     * @return {@code true} at or after the deadline
     */
    public boolean isExpiredAt(Instant now) {
        Objects.requireNonNull(now, "now");
        return expiresAt.isPresent() && !now.isBefore(expiresAt.get());
    }
}
