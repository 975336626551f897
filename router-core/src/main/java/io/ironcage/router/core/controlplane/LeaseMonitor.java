package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.domain.budget.BudgetLease;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.LeaseBook;
import io.ironcage.router.core.domain.budget.LeaseState;
import io.ironcage.router.core.errors.ControlPlaneException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the parts of one {@link BudgetLeaseManager} share: the lease's accounting ({@link
 * LeaseBook}), why no lease is usable, the queued reports and the counts, with the one lock every
 * change is made under and the condition signalled after it. The volatile fields are written under
 * the lock and read without it by {@link BudgetLeaseManager#admit()}, on the request path; the rest
 * is read and written under the lock only.
 */
final class LeaseMonitor {
    // fair: the background worker must not starve behind a stream of settling requests
    final ReentrantLock lock = new ReentrantLock(true);
    final Condition changed = lock.newCondition();

    final CostController ledger;
    final Clock clock;
    final String name;
    final Duration renewBeforeExpiry;
    private final int renewBelowPercent;
    private RetryingWorker worker; // set once, while the manager is built

    volatile boolean closed;
    volatile LeaseBook book = LeaseBook.empty();
    volatile ControlPlaneException failure;
    volatile ControlPlaneException renewFailure;
    volatile boolean renewWanted;
    final ReportQueue reports = new ReportQueue();
    boolean closeDone;
    long handshakes;
    long reportsDelivered;
    long reportsDropped;

    LeaseMonitor(
            CostController ledger,
            Clock clock,
            String name,
            int renewBelowPercent,
            Duration renewBeforeExpiry) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.name = Objects.requireNonNull(name, "name");
        this.renewBelowPercent = renewBelowPercent;
        this.renewBeforeExpiry = Objects.requireNonNull(renewBeforeExpiry, "renewBeforeExpiry");
    }

    /** While the manager is built: the worker a renewal wakes. */
    void attach(RetryingWorker worker) {
        if (this.worker != null) {
            throw new IllegalStateException("a worker is attached already");
        }
        this.worker = Objects.requireNonNull(worker, "worker");
    }

    /** Under lock: the current lease stops being usable; its spend counts as given up. */
    void retireCurrent(LeaseState state) {
        book = book.retire(state);
        ledger.setLimit(book.ledgerLimit());
        renewWanted = true;
    }

    /**
     * Under lock, on the request path: retires the lease {@code seen} if it is still the current
     * one and has expired, else asks for a renewal if one is due.
     */
    void expireOrRenewLocked(BudgetLease seen, Instant now) {
        // compared by id: a settled request replaces the lease value, not the lease
        BudgetLease held = book.current().orElse(null);
        if (held != null
                && held.state() == LeaseState.ACTIVE
                && held.leaseId().equals(seen.leaseId())
                && held.isExpiredAt(now)) {
            retireCurrent(LeaseState.EXPIRED);
            failure = new ControlPlaneException(403, "Lease expired");
            worker.wake();
        } else {
            maybeRenewLocked(now);
        }
    }

    /** Under lock: asks for a renewal when the lease is nearly used up or nearly expired. */
    void maybeRenewLocked(Instant now) {
        if (!renewWanted && book.wantsRenewal(now, renewBelowPercent, renewBeforeExpiry)) {
            renewWanted = true;
            worker.wake();
        }
    }

    /** Under lock: whether a handshake is due (no lease in force, or a renewal is wanted). */
    boolean needsHandshakeLocked() {
        return book.active().isEmpty() || renewWanted;
    }

    /** Under lock: whether there is anything for the background work to do. */
    boolean hasWorkLocked() {
        return needsHandshakeLocked() || !reports.isEmpty() || !book.toReturn().isEmpty();
    }

    /** Under lock: the only work left is reports that wait for a lease that has not come. */
    boolean waitingForLeaseOnly() {
        return !needsHandshakeLocked() && book.toReturn().isEmpty() && reports.onlyUnleased();
    }
}
