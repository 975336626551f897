package io.ironcage.router.core.agent;

import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.spi.ProviderKeySource;
import java.util.Objects;
import java.util.Optional;

/**
 * The router's own token in direct mode: its keys and budget, no agent id (as before agents).
 *
 * @param keys the router's provider keys
 * @param ledger the router's budget
 * @param rateLimiter the token's rate limits ({@code rate-limits:})
 */
public record DirectTenant(ProviderKeySource keys, CostController ledger, TenantLimiter rateLimiter)
        implements Tenant {
    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     */
    public DirectTenant {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(rateLimiter, "rateLimiter");
    }

    /**
     * Creates the tenant without rate limits.
     *
     * @param keys the router's provider keys
     * @param ledger the router's budget
     */
    public DirectTenant(ProviderKeySource keys, CostController ledger) {
        this(keys, ledger, TenantLimiter.unlimited());
    }

    @Override
    public Optional<String> agentId() {
        return Optional.empty();
    }
}
