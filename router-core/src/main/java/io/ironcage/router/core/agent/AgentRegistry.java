package io.ironcage.router.core.agent;

import io.ironcage.router.core.controlplane.wire.IcTokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The agents of a running router, started and stopped at run time. */
public final class AgentRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(AgentRegistry.class);
    private static final long PAUSE_MILLIS = 5;

    private final Tenants tenants;
    private final BiFunction<AgentSpec, String, Agent> factory;
    private final Clock clock;
    private final Duration settleWait;
    private final Map<String, Agent> agents = new LinkedHashMap<>(); // guarded by this

    /**
     * Creates a registry without agents.
     *
     * @param tenants the router's tenants, where each agent's token is let in
     * @param factory builds an agent from its spec and id (in server mode: fetches its key and
     *     leases its budget, over the network)
     * @param clock the clock
     * @param settleWait how long {@link #stop(String)} waits for the agent's requests in flight
     */
    public AgentRegistry(
            Tenants tenants,
            BiFunction<AgentSpec, String, Agent> factory,
            Clock clock,
            Duration settleWait) {
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        this.factory = Objects.requireNonNull(factory, "factory");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settleWait = Objects.requireNonNull(settleWait, "settleWait");
    }

    /**
     * Creates the agent (which makes its handshake), then lets its token in.
     *
     * @param spec the agent
     * @return the running agent
     * @throws IllegalArgumentException if an agent with its id is running, or its token is in use
     */
    public Agent start(AgentSpec spec) {
        String id = spec.agentId().orElseGet(() -> IcTokens.agentId(spec.icToken()));
        synchronized (this) {
            requireNotRunning(id);
        }
        // the factory fetches the key and makes the lease handshake (network calls of up to the
        // control plane's timeout each): never under the lock that every other agent, the
        // analytics sync and the router's totals need
        Agent agent = factory.apply(spec, id);
        RuntimeException refused = null;
        synchronized (this) {
            try {
                requireNotRunning(id);
                tenants.add(spec.icToken(), agent);
                agents.put(agent.id(), agent);
            } catch (IllegalArgumentException e) {
                refused = e;
            }
        }
        if (refused != null) {
            agent.close(); // returns the lease it took: network, so outside the lock
            throw refused;
        }
        LOG.info("agent {} started", agent.id());
        return agent;
    }

    /** Under the lock. */
    private void requireNotRunning(String id) {
        Agent running = agents.get(id);
        if (running != null && !running.isStopped()) {
            throw new IllegalArgumentException("an agent with id " + id + " is already running");
        }
    }

    /**
     * Refuses the agent's token from now on, waits (bounded) for its requests in flight to settle,
     * then returns its lease.
     *
     * @param agentId the agent
     * @return whether a running agent was stopped
     */
    public boolean stop(String agentId) {
        Agent agent;
        synchronized (this) {
            agent = agents.get(agentId);
            if (agent == null || agent.isStopped()) {
                return false;
            }
            tenants.remove(agent.token());
            agent.markStopped();
        }
        // in-flight requests settle; bounded on the clock and, should the clock stand still (a
        // test clock), by the number of pauses
        Instant deadline = clock.instant().plus(settleWait);
        long pauses = Math.max(1, settleWait.toMillis() / PAUSE_MILLIS);
        for (long i = 0;
                i < pauses
                        && !agent.ledger().reserved().isZero()
                        && clock.instant().isBefore(deadline);
                i++) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PAUSE_MILLIS));
        }
        agent.close();
        LOG.info("agent {} stopped; spent {} µ$", agentId, agent.ledger().totalSpent().micros());
        return true;
    }

    /**
     * Returns an agent, stopped ones included.
     *
     * @param agentId the agent
     * @return the agent, or empty if it never ran
     */
    public synchronized Optional<Agent> get(String agentId) {
        return Optional.ofNullable(agents.get(agentId));
    }

    /**
     * Returns every agent that ran, stopped ones included, in start order.
     *
     * @return a copy
     */
    public synchronized List<Agent> all() {
        return new ArrayList<>(agents.values());
    }

    /**
     * What {@code GET /ready} answers: every running agent's state, by id.
     *
     * @return the readiness
     */
    public Readiness readiness() {
        List<Readiness.Check> checks = new ArrayList<>();
        for (Agent agent : all()) {
            if (!agent.isStopped()) {
                checks.add(new Readiness.Check(agent.id(), agent.notReadyBecause()));
            }
        }
        return Readiness.of(checks);
    }

    /**
     * The token of an agent, stopped ones included (their last events still sync).
     *
     * @param agentId the agent
     * @return its token, or empty if it never ran
     */
    public synchronized Optional<String> tokenOf(String agentId) {
        Agent agent = agents.get(agentId);
        return agent == null ? Optional.empty() : Optional.of(agent.token());
    }

    /** Returns every lease; the server is closed, so no request is in flight. */
    public void closeAll() {
        for (Agent agent : all()) {
            synchronized (this) {
                if (!agent.isStopped()) {
                    tenants.remove(agent.token());
                    agent.markStopped();
                }
            }
            try {
                agent.close();
            } catch (RuntimeException e) {
                LOG.warn("agent {} did not close cleanly: {}", agent.id(), e.toString());
            }
        }
    }
}
