package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetLease;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import io.ironcage.router.core.spi.BudgetLeaseClient.HandshakeRequest;
import io.ironcage.router.core.spi.BudgetLeaseClient.LeaseGrant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BudgetLeaseManager}'s handshake: asks the control server for a lease for the provider of
 * the agent's key and makes the grant the current lease (the first one, or a renewal that replaces
 * the lease in force). A failure is kept for {@link BudgetLeaseManager#admit()} to refuse with; the
 * worker retries it. The only part of the manager that holds the IC token.
 */
final class LeaseHandshake {
    // the manager's logger: operators configure the lease's log lines by its name
    private static final Logger LOG = LoggerFactory.getLogger(BudgetLeaseManager.class);

    private final BudgetLeaseClient client;
    private final String icToken;
    private final Supplier<ProviderType> provider;
    private final Optional<Money> leaseSize;
    private final LeaseMonitor monitor;

    LeaseHandshake(
            BudgetLeaseClient client,
            String icToken,
            Supplier<ProviderType> provider,
            Optional<Money> leaseSize,
            LeaseMonitor monitor) {
        this.client = Objects.requireNonNull(client, "client");
        this.icToken = Objects.requireNonNull(icToken, "icToken");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.leaseSize = Objects.requireNonNull(leaseSize, "leaseSize");
        this.monitor = Objects.requireNonNull(monitor, "monitor");
    }

    /**
     * Under the work lock: one handshake; returns whether it succeeded. None after {@link
     * BudgetLeaseManager#close()} (e.g. a {@link BudgetLeaseManager#start()} after it): close
     * returns only the leases it sees under the work lock, so a later grant would stay allocated on
     * the server.
     */
    boolean run() {
        boolean renewal;
        monitor.lock.lock();
        try {
            if (monitor.closed) {
                return false;
            }
            renewal = monitor.book.active().isPresent();
        } finally {
            monitor.lock.unlock();
        }
        LeaseGrant grant;
        ProviderType forProvider;
        try {
            forProvider = provider.get();
            grant =
                    client.handshake(
                            new HandshakeRequest(
                                    icToken,
                                    forProvider,
                                    leaseSize.isPresent()
                                            ? OptionalLong.of(leaseSize.get().micros())
                                            : OptionalLong.empty()));
            if (grant.granted().micros() <= 0) {
                // a lease of nothing would ask to be renewed at once, again and again: a failed
                // handshake, retried with backoff
                throw new ControlPlaneException(402, "the control server granted no budget");
            }
        } catch (ControlPlaneException e) {
            failed(renewal, e);
            return false;
        }
        install(grant, forProvider);
        return true;
    }

    /** A handshake that failed: a renewal keeps the lease in force, a first one leaves none. */
    private void failed(boolean renewal, ControlPlaneException e) {
        monitor.lock.lock();
        try {
            Optional<BudgetLease> active = monitor.book.active();
            if (renewal && active.isPresent()) {
                monitor.renewFailure = e;
                LOG.warn(
                        "{}: the budget lease {} could not be renewed ({}); it has {} µ$ left",
                        monitor.name,
                        active.get().leaseId(),
                        e.getMessage(),
                        monitor.ledger.available().micros());
            } else {
                monitor.failure = e;
                LOG.warn(
                        "{}: no budget lease ({}); requests are refused until the control"
                                + " server grants one",
                        monitor.name,
                        e.getMessage());
            }
            monitor.changed.signalAll();
        } finally {
            monitor.lock.unlock();
        }
    }

    /** Makes a fresh grant the current lease; the one it replaces waits to be returned. */
    private void install(LeaseGrant grant, ProviderType forProvider) {
        monitor.lock.lock();
        try {
            Optional<BudgetLease> old = monitor.book.active();
            monitor.book = monitor.book.install(grant.toLease());
            BudgetLease fresh = monitor.book.current().orElseThrow();
            monitor.handshakes++;
            monitor.failure = null;
            monitor.renewFailure = null;
            monitor.renewWanted = false;
            monitor.reports.assignUnleased(fresh.leaseId());
            monitor.ledger.setLimit(monitor.book.ledgerLimit());
            LOG.info(
                    "{}: budget lease {} granted for {}: {} µ$ (the agent has {} left on the"
                            + " server){}",
                    monitor.name,
                    fresh.leaseId(),
                    forProvider.id(),
                    grant.granted().micros(),
                    grant.remaining().map(m -> m.micros() + " µ$").orElse("an unstated amount"),
                    old.map(o -> "; it replaces " + o.leaseId()).orElse(""));
            // a grant smaller than the threshold renews again
            monitor.maybeRenewLocked(monitor.clock.instant());
            monitor.changed.signalAll();
        } finally {
            monitor.lock.unlock();
        }
    }
}
