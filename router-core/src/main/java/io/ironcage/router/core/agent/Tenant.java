package io.ironcage.router.core.agent;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.spi.ProviderKeySource;
import java.util.Optional;

/**
 * Whom a request is for, found by the token the caller presents: its keys, its budget and the agent
 * its analytics events belong to. Direct mode has one tenant without an agent id; server mode has
 * one per IC token (an agent).
 */
public interface Tenant {
    /**
     * Returns the agent the tenant's events are attributed to.
     *
     * @return the agent id, or empty in direct mode
     */
    Optional<String> agentId();

    /**
     * Returns where the tenant's provider keys come from.
     *
     * @return the key source
     */
    ProviderKeySource keys();

    /**
     * Returns the tenant's budget.
     *
     * @return the ledger
     */
    CostController ledger();

    /**
     * Returns the tenant's rate limits at work ({@code rate-limits:}), each tenant its own.
     *
     * @return the limiter; by default the unlimited one
     */
    default TenantLimiter rateLimiter() {
        return TenantLimiter.unlimited();
    }

    /**
     * Called before a request's budget check; refuses when the budget cannot be used now (no lease:
     * the control plane refused or could not be reached). Never blocks on the network.
     *
     * @throws io.ironcage.router.core.errors.ControlPlaneException to refuse the request
     */
    default void admit() {}

    /**
     * Called with a request's real cost just before it is committed to {@link #ledger()} (and its
     * reservation released): whoever waits for the reservations to be released, to return the
     * lease, then finds the cost recorded. Must not block or throw.
     *
     * @param provider the provider the request went to
     * @param model the model
     * @param usage the tokens billed
     * @param cost the cost committed
     */
    default void settled(ProviderType provider, String model, TokenUsage usage, Money cost) {}

    /**
     * Called with the status of every answer the tenant's requests got. Must not block or throw.
     *
     * @param status the HTTP status sent to the caller
     */
    default void answered(int status) {}

    /**
     * Returns whether the tenant was stopped (its token refused, its lease being returned): a
     * request that got past authentication before that must not reserve and spend any more.
     *
     * @return {@code true} once stopped
     */
    default boolean isStopped() {
        return false;
    }
}
