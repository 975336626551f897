package io.ironcage.router.core.agent;

import io.ironcage.router.core.domain.Money;
import java.util.Objects;
import java.util.Optional;

/**
 * An agent to run on a router: the IC token its callers present (and, in server mode, the router
 * presents to the control server), the id its analytics events carry, and optionally a fixed budget
 * instead of a leased one. Its {@code toString()} never shows the token.
 *
 * @param icToken the token, not blank
 * @param agentId the id; empty to take the token's {@code agent_id} claim, else a stable id derived
 *     from the token ({@link io.ironcage.router.core.controlplane.wire.IcTokens#agentId(String)})
 * @param budget a fixed local limit; empty to lease the budget from the control server (server
 *     mode) or for no limit (direct mode); with direct keys and a control server, a ceiling on top
 *     of the lease
 */
public record AgentSpec(String icToken, Optional<String> agentId, Optional<Money> budget) {
    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if the token or the id is blank
     */
    public AgentSpec {
        Objects.requireNonNull(icToken, "icToken");
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(budget, "budget");
        if (icToken.isBlank()) {
            throw new IllegalArgumentException("an agent's IC token must not be blank");
        }
        if (agentId.isPresent() && agentId.get().isBlank()) {
            throw new IllegalArgumentException("an agent id must not be blank");
        }
    }

    /**
     * Returns an agent with the token only.
     *
     * @param icToken the token
     * @return the spec
     */
    public static AgentSpec of(String icToken) {
        return new AgentSpec(icToken, Optional.empty(), Optional.empty());
    }

    /**
     * Returns a copy with an id.
     *
     * @param id the agent id, e.g. {@code agent_7}
     * @return the copy
     */
    public AgentSpec withAgentId(String id) {
        return new AgentSpec(icToken, Optional.of(Objects.requireNonNull(id, "id")), budget);
    }

    /**
     * Returns a copy with a fixed budget.
     *
     * @param limit the limit
     * @return the copy
     */
    public AgentSpec withBudget(Money limit) {
        return new AgentSpec(icToken, agentId, Optional.of(Objects.requireNonNull(limit, "limit")));
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "AgentSpec[icToken=<redacted>, agentId="
                + agentId.orElse("<from token>")
                + ", budget="
                + budget.map(m -> m.micros() + " µ$").orElse("<leased or unlimited>")
                + "]";
    }
}
