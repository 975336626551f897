package io.ironcage.router.core.spi;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import java.util.Collection;
import java.util.List;

/**
 * A {@link UsageEventSink} that keeps events and remembers which ones reached the Iron Cage control
 * server (reference §8.2 {@code synced}, fixed: the state is stored per event, so a restart neither
 * loses nor re-sends). The analytics sync reads {@link #unsynced(int)} and reports back with {@link
 * #markSynced(Collection)} or {@link #markRejected(String, String)}.
 *
 * <p>Unlike {@link #record(AnalyticsEvent)}, the methods declared here may block on I/O; they are
 * called by the sync loop, never on the request path. They are thread-safe, and they keep working
 * after {@link #close()}: the router closes the store first, which writes every buffered event, and
 * then runs the sync's final flush (checked by {@code router-testkit}'s {@code
 * UsageEventStoreContract}).
 */
public interface UsageEventStore extends UsageEventSink {
    /**
     * Returns up to {@code limit} events the control server accepts ({@code LlmRequestCompleted}
     * and {@code LlmRequestFailed}, reference §8.6) that are still {@link SyncState#UNSYNCED},
     * oldest first (by timestamp, then by the order they were recorded). Lifecycle and threshold
     * events are never returned: the server does not take them. An event recorded but not yet
     * written to storage may be missing; it shows up on a later call.
     *
     * @param limit the most events to return, {@code >= 1}
     * @return the events, possibly empty
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    List<AnalyticsEvent> unsynced(int limit);

    /**
     * Marks events as acknowledged by the control server, so they are never sent again. Unknown ids
     * are ignored; marking twice is harmless.
     *
     * @param eventIds the ids of the acknowledged events
     */
    void markSynced(Collection<String> eventIds);

    /**
     * Marks an event the control server refused for good (a 4xx answer), with the reason, so it is
     * not sent again. An unknown id is ignored.
     *
     * @param eventId the event's id
     * @param reason why the server refused it (status and message; never a token)
     */
    void markRejected(String eventId, String reason);

    /**
     * Returns the sync state of one event.
     *
     * @param eventId the event's id
     * @return the state, or {@code null} if the store does not hold (or has not yet written) that
     *     event
     */
    SyncState syncState(String eventId);

    /** Whether an event reached the control server. */
    enum SyncState {
        /** Not yet acknowledged by the control server. */
        UNSYNCED,
        /** Acknowledged (accepted or recognised as a duplicate); never sent again. */
        SYNCED,
        /** Refused for good by the control server (a 4xx answer); never sent again. */
        REJECTED
    }
}
