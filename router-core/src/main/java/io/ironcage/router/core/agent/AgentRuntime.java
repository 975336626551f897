package io.ironcage.router.core.agent;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The agents of a running router (the reference's {@code AgentRuntime}, §2.5, made real): start one
 * with its own IC token and budget while the router serves, stop it (its token is refused from then
 * on and its lease returned), and read what each has done. Obtained from {@link
 * io.ironcage.router.core.LlmRouter#agents()}. Thread-safe.
 *
 * <p>In server mode every agent fetches its own provider key and leases its own budget with its
 * token; in direct mode agents share the router's provider keys and each has its own budget (or
 * none). An agent's analytics events carry its id.
 */
public final class AgentRuntime {
    private final AgentRegistry registry;

    /**
     * Wraps a router's agents; applications get a runtime from {@link
     * io.ironcage.router.core.LlmRouter#agents()}.
     *
     * @param registry the router's agents
     */
    public AgentRuntime(AgentRegistry registry) {
        this.registry = registry;
    }

    /**
     * Starts an agent: in server mode its key is fetched and its lease handshaken before this
     * returns (a refusal or an unreachable server does not fail the start: the agent is {@link
     * AgentStatus#BLOCKED} and recovers by itself).
     *
     * @param spec the agent
     * @return its id
     * @throws IllegalArgumentException if its token or id is already in use by a running agent
     */
    public String startAgent(AgentSpec spec) {
        Objects.requireNonNull(spec, "spec");
        return registry.start(spec).id();
    }

    /**
     * Stops an agent: its token is refused from now on, its requests in flight settle, and its
     * lease is returned ({@code granted − spent}). Unknown or already stopped agents are not an
     * error (as in the reference).
     *
     * @param agentId the agent
     * @return whether a running agent was stopped
     */
    public boolean stopAgent(String agentId) {
        Objects.requireNonNull(agentId, "agentId");
        return registry.stop(agentId);
    }

    /**
     * Returns what an agent has done.
     *
     * @param agentId the agent
     * @return its metrics, or empty if the router never ran it
     */
    public Optional<AgentMetrics> metrics(String agentId) {
        Objects.requireNonNull(agentId, "agentId");
        return registry.get(agentId).map(Agent::metrics);
    }

    /**
     * Returns the metrics of every agent the router ran, stopped ones included, in start order.
     *
     * @return the metrics
     */
    public List<AgentMetrics> list() {
        return registry.all().stream().map(Agent::metrics).toList();
    }

    @Override
    public String toString() {
        return "AgentRuntime[" + registry.all().size() + " agents]";
    }
}
