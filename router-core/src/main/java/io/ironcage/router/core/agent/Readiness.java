package io.ironcage.router.core.agent;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code GET /ready} answers: 200 when the router can serve every agent it runs, else 503,
 * with a JSON body that names each agent by its id and says why it cannot be served. Agents are
 * never named by their token, and reasons are the router's own words, never a control server's
 * message (which could echo what it was sent).
 */
public final class Readiness {
    /** A router with no agent to wait for (direct mode): ready. */
    public static final Readiness READY = of(List.of());

    /**
     * One agent's state.
     *
     * @param agent the agent's id (never its token)
     * @param reason why it cannot be served; empty when it can
     */
    public record Check(String agent, Optional<String> reason) {
        /** Validates the components. */
        public Check {
            Objects.requireNonNull(agent, "agent");
            Objects.requireNonNull(reason, "reason");
        }
    }

    private final List<Check> checks;

    private Readiness(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    /**
     * Returns the readiness of a router running these agents.
     *
     * @param checks each running agent's state
     * @return ready when no agent has a reason not to be
     */
    public static Readiness of(List<Check> checks) {
        return new Readiness(checks);
    }

    /**
     * Returns whether every agent can be served.
     *
     * @return {@code true} when ready
     */
    public boolean ready() {
        return checks.stream().allMatch(c -> c.reason().isEmpty());
    }

    /**
     * Returns the HTTP status: 200 when ready, else 503.
     *
     * @return the status
     */
    public int status() {
        return ready() ? 200 : 503;
    }

    /**
     * Returns each running agent's state.
     *
     * @return the checks, in the agents' order
     */
    public List<Check> checks() {
        return checks;
    }

    @Override
    public String toString() {
        return "Readiness" + checks;
    }
}
