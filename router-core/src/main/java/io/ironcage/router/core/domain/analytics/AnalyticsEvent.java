package io.ironcage.router.core.domain.analytics;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One analytics event: an id, when it happened, which agent it belongs to and what happened
 * (reference §8.1 {@code AnalyticsEvent}).
 *
 * <p>Nothing here is generated: the caller passes the id (typically {@code
 * UUID.randomUUID().toString()}) and the timestamp (from its injected {@code Clock}). Whether the
 * event reached the control server ({@code synced} in the reference) is not part of the value; a
 * store keeps it next to the event.
 *
 * @param eventId the event's id: a UUID in its canonical form (lowercase, hyphenated, as the
 *     reference's {@code EventId} renders it); the control server de-duplicates by it
 * @param timestampMs when it happened, Unix epoch milliseconds, {@code >= 0}
 * @param agentId the agent the event belongs to ({@code agent_<n>}), if known
 * @param payload what happened
 */
public record AnalyticsEvent(
        String eventId, long timestampMs, Optional<String> agentId, EventPayload payload) {
    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code eventId} is not a canonical UUID, {@code
     *     timestampMs} is negative or {@code agentId} is blank
     */
    public AnalyticsEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(payload, "payload");
        if (!isCanonicalUuid(eventId)) {
            throw new IllegalArgumentException(
                    "eventId must be a UUID in canonical lowercase form, got \"" + eventId + "\"");
        }
        if (timestampMs < 0) {
            throw new IllegalArgumentException(
                    "timestampMs must not be negative, got " + timestampMs);
        }
        if (agentId.isPresent() && agentId.get().isBlank()) {
            throw new IllegalArgumentException("agentId must not be blank when present");
        }
    }

    /**
     * Returns an event without an agent.
     *
     * @param eventId a canonical UUID
     * @param timestampMs Unix epoch milliseconds
     * @param payload what happened
     * @return the event
     */
    public static AnalyticsEvent of(String eventId, long timestampMs, EventPayload payload) {
        return new AnalyticsEvent(eventId, timestampMs, Optional.empty(), payload);
    }

    /**
     * Returns this event attributed to an agent.
     *
     * @param agentId the agent, e.g. {@code agent_7}
     * @return a copy with {@code agentId}
     */
    public AnalyticsEvent withAgentId(String agentId) {
        return new AnalyticsEvent(
                eventId,
                timestampMs,
                Optional.of(Objects.requireNonNull(agentId, "agentId")),
                payload);
    }

    /**
     * Returns the payload's event type ({@link EventPayload#eventType()}).
     *
     * @return e.g. {@code llm_request_completed}
     */
    public String eventType() {
        return payload.eventType();
    }

    private static boolean isCanonicalUuid(String text) {
        if (text.length() != 36) {
            return false;
        }
        try {
            return UUID.fromString(text).toString().equals(text);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
