package io.ironcage.router.core.domain.budget;

/**
 * The client-side lifecycle of a budget lease (reference §7.3, {@code
 * docs/state_machine/001_budget_lease_lifecycle.md}; not implemented in the 0.4.0 runtime).
 *
 * <pre>
 * ACTIVE ──► EXPIRED ──► CLOSED
 *   │           │
 *   │           └──────► REVOKED
 *   ├──────────────────► CLOSED
 *   └──────────────────► REVOKED
 * </pre>
 *
 * <p>{@link #CLOSED} and {@link #REVOKED} are terminal. No state transitions to itself.
 */
public enum LeaseState {
    /** The lease is in force: requests may spend from it. */
    ACTIVE,
    /**
     * The lease's time ran out: no new requests, but requests in flight still settle during the
     * grace period.
     */
    EXPIRED,
    /** The lease was returned to the control server (terminal). */
    CLOSED,
    /** The control server withdrew the lease (terminal). */
    REVOKED;

    /**
     * Returns whether the lifecycle allows moving from this state to {@code target}.
     *
     * @param target the requested state
     * @return {@code true} for ACTIVE→EXPIRED, ACTIVE→CLOSED, ACTIVE→REVOKED, EXPIRED→CLOSED and
     *     EXPIRED→REVOKED; {@code false} otherwise
     */
    public boolean canTransitionTo(LeaseState target) {
        if (this == ACTIVE) {
            return target == EXPIRED || target == CLOSED || target == REVOKED;
        }
        return this == EXPIRED && (target == CLOSED || target == REVOKED);
    }

    /**
     * Returns whether no transition leaves this state.
     *
     * @return {@code true} for {@link #CLOSED} and {@link #REVOKED}
     */
    public boolean isTerminal() {
        return this == CLOSED || this == REVOKED;
    }
}
