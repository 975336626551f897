package io.ironcage.router.core.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.agent.Readiness;

/** The JSON body of {@code GET /ready}. */
public final class ReadinessAnswer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReadinessAnswer() {}

    /**
     * Returns the body, e.g. {@code {"ready":false,"agents":[{"agent":"agent_7","ready":false,
     * "reason":"no budget lease yet"}]}}.
     *
     * @param readiness the router's readiness
     * @return the JSON bytes
     */
    public static byte[] body(Readiness readiness) {
        ObjectNode root = JSON.createObjectNode().put("ready", readiness.ready());
        ArrayNode agents = root.putArray("agents");
        for (Readiness.Check check : readiness.checks()) {
            ObjectNode agent =
                    agents.addObject()
                            .put("agent", check.agent())
                            .put("ready", check.reason().isEmpty());
            check.reason().ifPresent(r -> agent.put("reason", r));
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the readiness answer", e);
        }
    }
}
