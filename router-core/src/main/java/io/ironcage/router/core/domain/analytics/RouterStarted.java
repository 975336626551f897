package io.ironcage.router.core.domain.analytics;

/**
 * The router started listening (reference §8.1 {@code RouterStarted}).
 *
 * @param port the port it bound, 1–65535
 */
public record RouterStarted(int port) implements EventPayload {
    /** This payload's {@linkplain #eventType() event type}. */
    public static final String EVENT_TYPE = "router_started";

    /**
     * Validates the port.
     *
     * @throws IllegalArgumentException if {@code port} is outside 1–65535 (a router reports the
     *     port it actually bound, never 0)
     */
    public RouterStarted {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be 1-65535, got " + port);
        }
    }

    @Override
    public String eventType() {
        return EVENT_TYPE;
    }
}
