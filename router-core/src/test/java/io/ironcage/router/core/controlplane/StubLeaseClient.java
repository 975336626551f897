package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.spi.BudgetLeaseClient;

/**
 * A control server for the lease tests: each test says how it grants leases ({@link #handshake});
 * by default reports are taken, refresh is not used, and a return gives nothing back.
 */
public abstract class StubLeaseClient implements BudgetLeaseClient {
    /** For subclasses. */
    protected StubLeaseClient() {}

    @Override
    public ReportResult report(
            String leaseId,
            String requestId,
            long tokens,
            Money cost,
            String model,
            ProviderType provider) {
        return new ReportResult(Money.ZERO);
    }

    @Override
    public RefreshResult refresh(RefreshRequest request) {
        throw new UnsupportedOperationException("the lease manager does not refresh");
    }

    @Override
    public Money returnUnused(String leaseId, Money spent) {
        return Money.ZERO;
    }

    @Override
    public void close() {}
}
