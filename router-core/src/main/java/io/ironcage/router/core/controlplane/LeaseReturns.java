package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.budget.BudgetLease;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BudgetLeaseManager}'s leases on their way back to the control server, each with exactly
 * what was spent from it: a replaced lease once its reports are out, and at close, after the
 * requests in flight settled (bounded by the settle wait) and a last attempt at the reports, every
 * lease. A failed return is logged with the amount that stays allocated on the server.
 */
record LeaseReturns(
        BudgetLeaseClient client,
        LeaseMonitor monitor,
        ReportDelivery delivery,
        Duration settleWait) {
    // the manager's logger: operators configure the lease's log lines by its name
    private static final Logger LOG = LoggerFactory.getLogger(BudgetLeaseManager.class);

    /** How often close looks whether the requests in flight have settled. */
    private static final long SETTLE_POLL_MILLIS = 5;

    LeaseReturns {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(monitor, "monitor");
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(settleWait, "settleWait");
    }

    /** Under the work lock: returns replaced leases whose reports are all out. */
    boolean returnReplaced(boolean once) {
        while (true) {
            BudgetLease old;
            monitor.lock.lock();
            try {
                List<BudgetLease> waiting = monitor.book.toReturn();
                if (waiting.isEmpty()) {
                    return true;
                }
                old = waiting.get(0);
                if (!once && monitor.reports.hasFor(old.leaseId())) {
                    return true; // its reports first
                }
            } finally {
                monitor.lock.unlock();
            }
            try {
                Money returned = client.returnUnused(old.leaseId(), old.spent());
                LOG.info(
                        "{}: budget lease {} returned: {} µ$ back to the agent (spent {} µ$)",
                        monitor.name,
                        old.leaseId(),
                        returned.micros(),
                        old.spent().micros());
            } catch (ControlPlaneException e) {
                if (ControlPlaneFailures.isTransient(e) && !once) {
                    return false;
                }
                LOG.warn(
                        "{}: returning budget lease {} failed ({}); {} µ$ unused stays allocated on"
                                + " the control server",
                        monitor.name,
                        old.leaseId(),
                        e.getMessage(),
                        old.remaining().micros());
            } catch (IllegalStateException e) {
                return false; // the client was closed under us: back off, as above
            }
            monitor.lock.lock();
            try {
                monitor.book = monitor.book.returned(old.leaseId());
                monitor.changed.signalAll();
            } finally {
                monitor.lock.unlock();
            }
        }
    }

    /**
     * At close: waits until the requests in flight have settled on the ledger; bounded on the clock
     * and, should the clock stand still (a test clock), by the number of pauses.
     */
    void awaitSettled() {
        Instant deadline = monitor.clock.instant().plus(settleWait);
        long pauses = (settleWait.toMillis() + SETTLE_POLL_MILLIS - 1) / SETTLE_POLL_MILLIS;
        Money reserved = monitor.ledger.reserved();
        for (long i = 0; !reserved.isZero(); i++) {
            if (i >= pauses
                    || !monitor.clock.instant().isBefore(deadline)
                    || Thread.currentThread().isInterrupted()) {
                LOG.warn(
                        "{}: {} µ$ is still reserved by requests in flight at close; what they"
                                + " spend from now on is in no return",
                        monitor.name,
                        reserved.micros());
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SETTLE_POLL_MILLIS));
            reserved = monitor.ledger.reserved();
        }
    }

    /** Under the work lock, at close: delivers what it can and returns every lease. */
    void returnAll() {
        Optional<BudgetLease> returning;
        monitor.lock.lock();
        try {
            // from here a cost cannot reach the current lease: its return says all it spent
            returning = monitor.book.active().map(BudgetLease::close);
            monitor.book = monitor.book.closeForReturn();
        } finally {
            monitor.lock.unlock();
        }
        delivery.deliver(true);
        returnReplaced(true);
        returning.ifPresent(this::returnLease);
        dropUnassigned();
    }

    /**
     * Under the work lock, at close: returns the unused part of what was the current lease, with
     * the spend taken when it stopped taking costs.
     */
    private void returnLease(BudgetLease current) {
        try {
            Money returned = client.returnUnused(current.leaseId(), current.spent());
            LOG.info(
                    "{}: budget returned to the control server: {} µ$ of lease {} (spent {} µ$ of"
                            + " {} µ$)",
                    monitor.name,
                    returned.micros(),
                    current.leaseId(),
                    current.spent().micros(),
                    current.granted().micros());
        } catch (ControlPlaneException | IllegalStateException e) {
            LOG.warn(
                    "{}: returning budget lease {} failed ({}); {} µ$ unused stays allocated on the"
                            + " control server",
                    monitor.name,
                    current.leaseId(),
                    e.getMessage(),
                    current.remaining().micros());
        }
    }

    /**
     * Under the work lock, at close: spend recorded while no lease was in force waited for the next
     * lease, and none will come now.
     */
    private void dropUnassigned() {
        monitor.lock.lock();
        try {
            if (!monitor.reports.isEmpty()) {
                LOG.warn(
                        "{}: {} usage report(s) not delivered at close: no lease was in force for"
                                + " them",
                        monitor.name,
                        monitor.reports.size());
                monitor.reportsDropped += monitor.reports.clear();
            }
            Money unassigned = monitor.book.unassigned();
            if (!unassigned.isZero()) {
                monitor.book = monitor.book.dropUnassigned();
                LOG.warn(
                        "{}: {} µ$ spent while no lease was in force is in no lease's return; the"
                                + " control server is not told of it",
                        monitor.name,
                        unassigned.micros());
            }
            monitor.changed.signalAll();
        } finally {
            monitor.lock.unlock();
        }
    }
}
