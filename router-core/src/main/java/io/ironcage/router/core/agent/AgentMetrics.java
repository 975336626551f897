package io.ironcage.router.core.agent;

import io.ironcage.router.core.domain.Money;
import java.util.Objects;
import java.util.Optional;

/**
 * What an agent did so far (the reference's {@code get_metrics}, §2.5, made real).
 *
 * @param agentId the agent
 * @param status where it is in its life
 * @param spent the money its requests cost
 * @param reserved the money held by its requests in flight
 * @param limit its local limit: the current lease's reach, a fixed budget, or empty for none
 * @param requests the requests it made (every answer the router gave to its token)
 * @param failures those answered with a status of 400 or more
 * @param leaseId the budget lease in force, if any
 * @param problem why it is {@link AgentStatus#BLOCKED}, if it is
 */
public record AgentMetrics(
        String agentId,
        AgentStatus status,
        Money spent,
        Money reserved,
        Optional<Money> limit,
        long requests,
        long failures,
        Optional<String> leaseId,
        Optional<String> problem) {
    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     */
    public AgentMetrics {
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(spent, "spent");
        Objects.requireNonNull(reserved, "reserved");
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(problem, "problem");
    }
}
