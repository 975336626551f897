package io.ironcage.router.core.agent;

import io.ironcage.router.core.controlplane.BudgetLeaseManager;
import io.ironcage.router.core.controlplane.ControlPlaneKeySource;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.budget.BudgetLease;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.LeaseState;
import io.ironcage.router.core.errors.LlmRouterException;
import io.ironcage.router.core.spi.ProviderKeySource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One agent of a router: its token, keys, ledger, optional lease and counters. The request path
 * sees it as a {@link Tenant}. Never shows its token.
 */
public final class Agent implements Tenant {
    private final String id;
    private final String token;
    private final ProviderKeySource keys;
    private final CostController ledger;
    private final BudgetLeaseManager lease; // null: a fixed budget, or direct mode
    private final TenantLimiter rateLimiter;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean stopped;

    /**
     * Creates an agent.
     *
     * @param id its id, which its analytics events carry
     * @param token its IC token, what its callers present
     * @param keys where its provider keys come from
     * @param ledger its budget
     * @param lease its budget lease, or {@code null} for a fixed budget or in direct mode
     */
    public Agent(
            String id,
            String token,
            ProviderKeySource keys,
            CostController ledger,
            BudgetLeaseManager lease) {
        this(id, token, keys, ledger, lease, TenantLimiter.unlimited());
    }

    /**
     * Creates an agent with rate limits.
     *
     * @param id its id, which its analytics events carry
     * @param token its IC token, what its callers present
     * @param keys where its provider keys come from
     * @param ledger its budget
     * @param lease its budget lease, or {@code null} for a fixed budget or in direct mode
     * @param rateLimiter its own rate limits ({@code rate-limits:}), not shared with another agent
     */
    public Agent(
            String id,
            String token,
            ProviderKeySource keys,
            CostController ledger,
            BudgetLeaseManager lease,
            TenantLimiter rateLimiter) {
        this.id = Objects.requireNonNull(id, "id");
        this.token = Objects.requireNonNull(token, "token");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.lease = lease;
        this.rateLimiter = Objects.requireNonNull(rateLimiter, "rateLimiter");
    }

    /**
     * Returns the agent's id.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * Returns the agent's IC token; never log it.
     *
     * @return the token
     */
    public String token() {
        return token;
    }

    @Override
    public boolean isStopped() {
        return stopped;
    }

    @Override
    public Optional<String> agentId() {
        return Optional.of(id);
    }

    @Override
    public ProviderKeySource keys() {
        return keys;
    }

    @Override
    public CostController ledger() {
        return ledger;
    }

    @Override
    public TenantLimiter rateLimiter() {
        return rateLimiter;
    }

    /**
     * Returns the agent's budget lease.
     *
     * @return the lease, or empty for a fixed budget or in direct mode
     */
    public Optional<BudgetLeaseManager> lease() {
        return Optional.ofNullable(lease);
    }

    @Override
    public void admit() {
        if (lease == null) {
            return;
        }
        try {
            lease.admit();
        } catch (IllegalStateException closed) {
            if (!stopped) {
                throw closed;
            }
            // stopped since the request authenticated (an agent is stopped before its lease is
            // closed): the pipeline refuses a stopped tenant's request right after admission
        }
    }

    @Override
    public void settled(ProviderType provider, String model, TokenUsage usage, Money cost) {
        if (lease != null) {
            long tokens =
                    usage.inputTokens()
                            + usage.outputTokens()
                            + usage.cacheReadTokens()
                            + usage.cacheWriteTokens();
            lease.recordSpend(provider, model, tokens, cost);
        }
    }

    @Override
    public void answered(int status) {
        requests.incrementAndGet();
        if (status >= 400) {
            failures.incrementAndGet();
        }
    }

    /** Marks the agent stopped; its token is already out of the registry. */
    public void markStopped() {
        stopped = true;
    }

    /** Returns the lease (if any) to the control server. Idempotent. */
    public void close() {
        if (lease != null) {
            lease.close();
        }
    }

    /**
     * Why the agent cannot serve a request now, in the router's own words (never the control
     * server's message or a secret); empty when it can. Never blocks on the network.
     *
     * @return the reason, or empty when ready
     */
    public Optional<String> notReadyBecause() {
        if (keys instanceof ControlPlaneKeySource && !((ControlPlaneKeySource) keys).hasKey()) {
            return Optional.of("no provider key from the control server yet");
        }
        if (lease == null
                || lease.lease().filter(l -> l.state() == LeaseState.ACTIVE).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(
                lease.failure()
                        .map(
                                e ->
                                        e.isNoResponse()
                                                ? "no budget lease: the control server could not"
                                                        + " be reached"
                                                : e.status() >= 200 && e.status() <= 299
                                                        ? "no budget lease: the control server's"
                                                                + " answer could not be read"
                                                        : "no budget lease: the control server"
                                                                + " answered HTTP "
                                                                + e.status())
                        .orElse("no budget lease yet"));
    }

    /**
     * Returns what the agent did so far.
     *
     * @return its metrics
     */
    public AgentMetrics metrics() {
        Optional<BudgetLease> current = lease == null ? Optional.empty() : lease.lease();
        Optional<String> problem =
                lease == null
                        ? Optional.empty()
                        : lease.failure().map(LlmRouterException::getMessage);
        AgentStatus status =
                stopped
                        ? AgentStatus.STOPPED
                        : problem.isPresent() ? AgentStatus.BLOCKED : AgentStatus.RUNNING;
        return new AgentMetrics(
                id,
                status,
                ledger.totalSpent(),
                ledger.reserved(),
                ledger.limit(),
                requests.get(),
                failures.get(),
                current.filter(l -> l.state() == LeaseState.ACTIVE).map(BudgetLease::leaseId),
                stopped ? Optional.empty() : problem);
    }

    @Override
    public String toString() {
        return "Agent[" + id + (stopped ? ", stopped" : "") + "]";
    }
}
