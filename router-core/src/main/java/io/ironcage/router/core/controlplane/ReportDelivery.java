package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.controlplane.ReportQueue.Report;
import io.ironcage.router.core.domain.budget.LeaseState;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BudgetLeaseManager}'s usage reports on their way to the control server: the queued
 * reports go out in order, a backlog coalesced ({@link ReportQueue}); no answer and 5xx are retried
 * (the report resent unchanged), other refusals are logged with the amount and dropped, and a
 * refusal that says the lease expired or was revoked retires the lease.
 */
record ReportDelivery(BudgetLeaseClient client, LeaseMonitor monitor) {
    // the manager's logger: operators configure the lease's log lines by its name
    private static final Logger LOG = LoggerFactory.getLogger(BudgetLeaseManager.class);

    ReportDelivery {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(monitor, "monitor");
    }

    /**
     * Under the work lock: sends queued reports in order. Returns false when the server could not
     * be reached (the rest wait for the retry); with {@code once}, gives up on them instead.
     */
    boolean deliver(boolean once) {
        ReportQueue reports = monitor.reports;
        while (true) {
            List<Report> batch;
            monitor.lock.lock();
            try {
                batch = reports.nextBatch();
            } finally {
                monitor.lock.unlock();
            }
            if (batch.isEmpty()) {
                return true;
            }
            Report next = ReportQueue.coalesce(batch);
            boolean delivered;
            try {
                client.report(
                        next.leaseId(),
                        next.requestId(),
                        next.tokens(),
                        next.cost(),
                        next.model(),
                        next.provider());
                delivered = true;
            } catch (ControlPlaneException e) {
                if (e.status() >= 200 && e.status() <= 299) {
                    delivered = true; // accepted, but the answer was unreadable
                } else if (ControlPlaneFailures.isTransient(e)) {
                    monitor.lock.lock();
                    try {
                        reports.sentWithoutAnswer(batch, next);
                    } finally {
                        monitor.lock.unlock();
                    }
                    if (!once) {
                        return false;
                    }
                    monitor.lock.lock();
                    try {
                        LOG.warn(
                                "{}: {} usage report(s) not delivered at close ({})",
                                monitor.name,
                                reports.size(),
                                e.getMessage());
                        monitor.reportsDropped += reports.clear();
                        monitor.changed.signalAll();
                    } finally {
                        monitor.lock.unlock();
                    }
                    return true;
                } else {
                    refused(next, e);
                    delivered = false;
                }
            } catch (IllegalStateException e) {
                // the client was closed under us: a failed pass, so the retry backs off instead
                // of spinning on work that stays queued
                return false;
            }
            monitor.lock.lock();
            try {
                reports.remove(batch);
                if (delivered) {
                    monitor.reportsDelivered += batch.size();
                } else {
                    monitor.reportsDropped += batch.size();
                }
                monitor.changed.signalAll();
            } finally {
                monitor.lock.unlock();
            }
        }
    }

    /** A report the server refused for good: the lease may have expired or been revoked. */
    private void refused(Report report, ControlPlaneException e) {
        monitor.lock.lock();
        try {
            boolean current =
                    monitor.book
                            .active()
                            .map(l -> l.leaseId().equals(report.leaseId()))
                            .orElse(false);
            String message = e.serverMessage();
            if (current && e.status() == 403) {
                if ("Lease expired".equals(message)) {
                    monitor.retireCurrent(LeaseState.EXPIRED);
                    monitor.failure = e;
                } else if ("Lease has been revoked".equals(message)) {
                    monitor.retireCurrent(LeaseState.REVOKED);
                    monitor.failure = e;
                }
            }
            LOG.warn(
                    "{}: the usage report of {} µ$ against lease {} was refused ({}); the"
                            + " server did not record it",
                    monitor.name,
                    report.cost().micros(),
                    report.leaseId(),
                    e.getMessage());
        } finally {
            monitor.lock.unlock();
        }
    }
}
