package io.ironcage.router.core.controlplane;

import java.util.Objects;

/**
 * One pass of a {@link BudgetLeaseManager}'s background work, as its {@link RetryingWorker} runs
 * it: a handshake when one is due, then the queued reports, then the returns of replaced leases.
 */
record LeaseWork(
        LeaseMonitor monitor,
        LeaseHandshake handshake,
        ReportDelivery delivery,
        LeaseReturns returns)
        implements RetryingWorker.Job {

    LeaseWork {
        Objects.requireNonNull(monitor, "monitor");
        Objects.requireNonNull(handshake, "handshake");
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(returns, "returns");
    }

    /** Under the work lock: one pass; returns whether it all succeeded. */
    @Override
    public boolean runOnce() {
        boolean needsHandshake;
        monitor.lock.lock();
        try {
            needsHandshake = monitor.needsHandshakeLocked();
        } finally {
            monitor.lock.unlock();
        }
        boolean failed = false;
        if (needsHandshake) {
            failed = !handshake.run();
        }
        // reports of an active lease go out even while a renewal fails
        boolean delivered = delivery.deliver(false);
        failed |= !delivered;
        if (delivered) {
            failed |= !returns.returnReplaced(false);
        }
        return !failed;
    }

    @Override
    public boolean hasWork() {
        return monitor.hasWorkLocked();
    }

    @Override
    public boolean hasMoreWork() {
        return monitor.hasWorkLocked() && !monitor.waitingForLeaseOnly();
    }
}
