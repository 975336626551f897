package io.ironcage.router.core.domain.analytics;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One analytics event: an id, when it happened, which agent it belongs to and what happened
 * (reference §8.1 {@code AnalyticsEvent}).
 *
 * <p>Nothing here is generated: the caller passes the id (the router uses {@link
 * #newEventId(long)}, a time-ordered UUID) and the timestamp (from its injected {@code Clock}).
 * Whether the event reached the control server ({@code synced} in the reference) is not part of the
 * value; a store keeps it next to the event.
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
     * Returns a new event id for an event at {@code timestampMs}: a time-ordered UUID (version 7,
     * RFC 9562) — the first 48 bits are the timestamp in Unix milliseconds, the remaining 74
     * non-fixed bits random — in canonical lowercase form.
     *
     * <p>Why not the reference's random version 4: the control server only needs a unique UUID (it
     * de-duplicates by the id's text), while a store that indexes ids, such as the SQLite analytics
     * store's primary key, appends time-ordered ids at the end of its index instead of scattering
     * random ids over it; with random ids the SQLite writer falls from over 50,000 to about 15,000
     * events/s once the table holds a million rows (BENCHMARKS.md).
     *
     * <p>Ids of events in the same millisecond are distinct with overwhelming probability (74
     * random bits) but not ordered among themselves. Thread-safe and lock-free.
     *
     * @param timestampMs the event's timestamp, Unix epoch milliseconds, {@code 0 <= t < 2^48}
     * @return the id
     * @throws IllegalArgumentException if the timestamp does not fit 48 bits or is negative
     */
    public static String newEventId(long timestampMs) {
        if (timestampMs < 0 || timestampMs >= 1L << 48) {
            throw new IllegalArgumentException(
                    "timestampMs must be between 0 and 2^48 - 1, got " + timestampMs);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = timestampMs << 16 | 0x7000L | random.nextLong() & 0x0FFFL;
        long low = random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
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
