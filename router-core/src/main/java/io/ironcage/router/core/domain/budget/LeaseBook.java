package io.ironcage.router.core.domain.budget;

import io.ironcage.router.core.domain.Money;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The books of one agent's budget leases: the lease in force, the leases it replaced that wait to
 * be returned, and the spend no lease carries. Immutable: every transition returns a new book, so
 * an owner that shares it between threads publishes one reference (the lease manager keeps it in a
 * volatile field, changes it under its lock and reads it without one on the request path).
 *
 * <p>Where a recorded cost goes ({@link #destinationOfSpend()}):
 *
 * <ul>
 *   <li>to the {@linkplain #active() active lease}, whose return will carry it;
 *   <li>while none is in force, to {@linkplain #unassigned() unassigned} spend, which the next
 *       {@linkplain #install(BudgetLease) installed} lease takes over;
 *   <li>once {@link #closeForReturn()} took the spend for the returns, to {@linkplain
 *       #unaccounted() unaccounted} spend, which no return and no report carries.
 * </ul>
 *
 * <p>Every micro-dollar recorded is in exactly one of: a lease's spend (current or waiting to be
 * returned, or already returned), unassigned or unaccounted. The ledger's limit ({@link
 * #ledgerLimit()}) is the spend of the leases given up plus the current grant, so no more can be
 * reserved than the server granted.
 *
 * @param current the last lease granted, in whatever state it is now; empty before the first grant
 * @param toReturn the replaced leases that wait to be returned, oldest first, each with exactly
 *     what was spent from it
 * @param givenUpSpent the spend of every lease given up (replaced, expired, revoked)
 * @param unassigned the spend recorded while no lease was in force, which the next lease takes over
 * @param unaccounted the spend no return will carry: recorded after {@link #closeForReturn()}, or
 *     unassigned when {@link #dropUnassigned()} gave up on a next lease
 * @param spendTaken whether {@link #closeForReturn()} has taken the spend for the returns
 */
public record LeaseBook(
        Optional<BudgetLease> current,
        List<BudgetLease> toReturn,
        Money givenUpSpent,
        Money unassigned,
        Money unaccounted,
        boolean spendTaken) {
    /** Where a cost recorded now goes. */
    public enum Destination {
        /** The active lease: its return carries it. */
        LEASE,
        /** No lease is in force: the next one takes it over. */
        UNASSIGNED,
        /** The spend was taken for the returns: in no return and no report. */
        TOO_LATE
    }

    private static final LeaseBook EMPTY =
            new LeaseBook(Optional.empty(), List.of(), Money.ZERO, Money.ZERO, Money.ZERO, false);

    /**
     * Validates the components; {@code toReturn} is copied.
     *
     * @throws NullPointerException if a component is {@code null}
     */
    public LeaseBook {
        Objects.requireNonNull(current, "current");
        toReturn = List.copyOf(toReturn);
        Objects.requireNonNull(givenUpSpent, "givenUpSpent");
        Objects.requireNonNull(unassigned, "unassigned");
        Objects.requireNonNull(unaccounted, "unaccounted");
    }

    /**
     * Returns the books before the first grant: no lease, nothing spent.
     *
     * @return the empty book
     */
    public static LeaseBook empty() {
        return EMPTY;
    }

    /**
     * Returns the lease that takes costs now.
     *
     * @return the current lease if it is {@link LeaseState#ACTIVE}, else empty
     */
    public Optional<BudgetLease> active() {
        return isActive() ? current : Optional.empty();
    }

    /**
     * Returns where a cost recorded now goes.
     *
     * @return the destination
     */
    public Destination destinationOfSpend() {
        if (isActive()) {
            return Destination.LEASE;
        }
        return spendTaken ? Destination.TOO_LATE : Destination.UNASSIGNED;
    }

    /**
     * Records a settled request's cost where {@link #destinationOfSpend()} says.
     *
     * @param cost the cost, as committed to the ledger
     * @return the new book
     * @throws ArithmeticException if a total would overflow (this book is unchanged)
     */
    public LeaseBook recordSpend(Money cost) {
        Objects.requireNonNull(cost, "cost");
        if (isActive()) {
            return with(
                    Optional.of(current.get().recordSpend(cost)),
                    toReturn,
                    givenUpSpent,
                    unassigned);
        }
        if (!spendTaken) {
            return with(current, toReturn, givenUpSpent, unassigned.plus(cost));
        }
        return new LeaseBook(
                current, toReturn, givenUpSpent, unassigned, unaccounted.plus(cost), true);
    }

    /**
     * Makes a fresh grant the lease in force. The active lease it replaces (if any) waits to be
     * returned with what was spent from it; the unassigned spend moves onto the fresh lease.
     *
     * @param fresh the granted lease, {@link LeaseState#ACTIVE}
     * @return the new book
     * @throws IllegalArgumentException if {@code fresh} is not active
     * @throws IllegalStateException once {@link #closeForReturn()} has taken the spend: nothing
     *     would return a lease installed now
     */
    public LeaseBook install(BudgetLease fresh) {
        Objects.requireNonNull(fresh, "fresh");
        if (fresh.state() != LeaseState.ACTIVE) {
            throw new IllegalArgumentException(
                    "budget lease " + fresh.leaseId() + " is " + fresh.state() + ", not ACTIVE");
        }
        if (spendTaken) {
            throw new IllegalStateException(
                    "the leases were closed for their return; lease "
                            + fresh.leaseId()
                            + " would never be returned");
        }
        List<BudgetLease> returns = toReturn;
        Money givenUp = givenUpSpent;
        if (isActive()) {
            returns = new ArrayList<>(toReturn);
            returns.add(current.get());
            givenUp = givenUp.plus(current.get().spent());
        }
        BudgetLease installed = unassigned.isZero() ? fresh : fresh.recordSpend(unassigned);
        return with(Optional.of(installed), returns, givenUp, Money.ZERO);
    }

    /**
     * Takes the active lease out of use: it expired or the server revoked it. Its spend counts as
     * given up; it is not returned (the server has closed it).
     *
     * @param state {@link LeaseState#EXPIRED} or {@link LeaseState#REVOKED}
     * @return the new book
     * @throws IllegalStateException if no lease is active
     * @throws IllegalArgumentException for another state
     */
    public LeaseBook retire(LeaseState state) {
        Objects.requireNonNull(state, "state");
        if (state != LeaseState.EXPIRED && state != LeaseState.REVOKED) {
            throw new IllegalArgumentException(
                    "a lease is retired as EXPIRED or REVOKED: " + state);
        }
        if (!isActive()) {
            throw new IllegalStateException("no active budget lease to retire");
        }
        BudgetLease lease = current.get();
        return with(
                Optional.of(lease.transitionTo(state)),
                toReturn,
                givenUpSpent.plus(lease.spent()),
                unassigned);
    }

    /**
     * At close: takes the spend for the returns. The active lease becomes {@link LeaseState#CLOSED}
     * with what was spent from it (its return carries exactly that); any cost recorded from now on
     * is {@linkplain Destination#TOO_LATE too late}.
     *
     * @return the new book
     */
    public LeaseBook closeForReturn() {
        Optional<BudgetLease> closed = isActive() ? current.map(BudgetLease::close) : current;
        return new LeaseBook(closed, toReturn, givenUpSpent, unassigned, unaccounted, true);
    }

    /**
     * Gives up on a next lease for the unassigned spend: it becomes unaccounted.
     *
     * @return the new book
     */
    public LeaseBook dropUnassigned() {
        return new LeaseBook(
                current,
                toReturn,
                givenUpSpent,
                Money.ZERO,
                unaccounted.plus(unassigned),
                spendTaken);
    }

    /**
     * Marks the oldest replaced lease as returned (or given up on): it leaves {@link #toReturn()}.
     *
     * @param leaseId the id of the oldest lease waiting to be returned
     * @return the new book
     * @throws IllegalArgumentException if that is not the oldest waiting lease
     */
    public LeaseBook returned(String leaseId) {
        Objects.requireNonNull(leaseId, "leaseId");
        if (toReturn.isEmpty() || !toReturn.get(0).leaseId().equals(leaseId)) {
            throw new IllegalArgumentException(
                    "budget lease " + leaseId + " is not the next one to return");
        }
        return with(current, toReturn.subList(1, toReturn.size()), givenUpSpent, unassigned);
    }

    /**
     * Returns what the ledger may have reserved and spent in all: the spend of every lease given up
     * (replaced, expired, revoked) plus the current grant while a lease is active, or plus the
     * unassigned spend while none is.
     *
     * @return the limit
     */
    public Money ledgerLimit() {
        return isActive()
                ? givenUpSpent.plus(current.get().granted())
                : givenUpSpent.plus(unassigned);
    }

    /**
     * Returns whether the active lease should be renewed: less than {@code renewBelowPercent} of
     * its grant is left unspent (at least one micro-dollar must be left), or {@code now} is within
     * {@code renewBeforeExpiry} of its deadline. Measured by spend, not by what the ledger can
     * still reserve: reservations in flight are not spend, and counting them would renew again and
     * again while they last.
     *
     * @param now the current time
     * @param renewBelowPercent 1 to 99
     * @param renewBeforeExpiry the margin before the deadline
     * @return {@code false} when no lease is active
     */
    public boolean wantsRenewal(Instant now, int renewBelowPercent, Duration renewBeforeExpiry) {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(renewBeforeExpiry, "renewBeforeExpiry");
        if (!isActive()) {
            return false;
        }
        BudgetLease lease = current.get();
        long granted = lease.granted().micros();
        // split so that a grant near Long.MAX_VALUE cannot overflow
        long threshold =
                granted / 100 * renewBelowPercent + granted % 100 * renewBelowPercent / 100;
        boolean low = lease.remaining().micros() < Math.max(threshold, 1);
        boolean expiring =
                lease.expiresAt().isPresent()
                        && !now.isBefore(lease.expiresAt().get().minus(renewBeforeExpiry));
        return low || expiring;
    }

    private boolean isActive() {
        return current.isPresent() && current.get().state() == LeaseState.ACTIVE;
    }

    private LeaseBook with(
            Optional<BudgetLease> lease,
            List<BudgetLease> returns,
            Money givenUp,
            Money unassignedSpend) {
        return new LeaseBook(lease, returns, givenUp, unassignedSpend, unaccounted, spendTaken);
    }
}
