package io.ironcage.router.core.agent;

import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.spi.ProviderKeySource;
import java.util.Optional;

/**
 * The router's own token in direct mode: its keys and budget, no agent id (as before agents).
 *
 * @param keys the router's provider keys
 * @param ledger the router's budget
 */
public record DirectTenant(ProviderKeySource keys, CostController ledger) implements Tenant {
    @Override
    public Optional<String> agentId() {
        return Optional.empty();
    }
}
