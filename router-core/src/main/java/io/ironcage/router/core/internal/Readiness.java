package io.ironcage.router.core.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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

    private final boolean ready;
    private final byte[] body;

    private Readiness(boolean ready, byte[] body) {
        this.ready = ready;
        this.body = body;
    }

    /**
     * Returns the readiness of a router running these agents.
     *
     * @param checks each running agent's state
     * @return ready when no agent has a reason not to be
     */
    public static Readiness of(List<Check> checks) {
        boolean all = checks.stream().allMatch(c -> c.reason().isEmpty());
        ObjectNode root = JSON.createObjectNode().put("ready", all);
        ArrayNode agents = root.putArray("agents");
        for (Check check : checks) {
            ObjectNode agent =
                    agents.addObject()
                            .put("agent", check.agent())
                            .put("ready", check.reason().isEmpty());
            check.reason().ifPresent(r -> agent.put("reason", r));
        }
        try {
            return new Readiness(all, JSON.writeValueAsBytes(root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the readiness answer", e);
        }
    }

    /**
     * Returns whether every agent can be served.
     *
     * @return {@code true} when ready
     */
    public boolean ready() {
        return ready;
    }

    /**
     * Returns the HTTP status: 200 when ready, else 503.
     *
     * @return the status
     */
    public int status() {
        return ready ? 200 : 503;
    }

    /**
     * Returns the JSON body, e.g. {@code {"ready":false,"agents":[{"agent":"agent_7","ready":false,
     * "reason":"no budget lease yet"}]}}.
     *
     * @return a copy of the body
     */
    public byte[] body() {
        return body.clone();
    }

    @Override
    public String toString() {
        return "Readiness[" + new String(body, java.nio.charset.StandardCharsets.UTF_8) + "]";
    }
}
