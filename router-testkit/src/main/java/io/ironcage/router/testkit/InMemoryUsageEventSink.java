package io.ironcage.router.testkit;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.EventPayload;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.spi.UsageEventStore;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link io.ironcage.router.core.spi.UsageEventSink} that keeps events in memory, for tests:
 * record through the router, then look at {@link #events()} or {@link #eventsOfType(Class)}.
 *
 * <pre>{@code
 * InMemoryUsageEventSink analytics = InMemoryUsageEventSink.create();
 * // ... run the router with `analytics` ...
 * LlmRequestCompleted done = analytics.eventsOfType(LlmRequestCompleted.class).get(0);
 * assertEquals(105, done.cost().micros());
 * }</pre>
 *
 * <p>Lock-free and thread-safe; {@link #record(AnalyticsEvent)} never blocks and never throws.
 * Unbounded by default; {@link #withCapacity(int)} bounds it like the reference's event store
 * (reference §8.2: when full the <em>new</em> event is dropped and counted). After {@link #close()}
 * (idempotent) new events are dropped and counted; those recorded before stay visible.
 *
 * <p>It is also a {@link UsageEventStore}: it keeps each event's sync state in memory, so the
 * analytics sync can run against it in tests (the state is lost with the object, unlike SQLite's).
 */
public final class InMemoryUsageEventSink implements UsageEventStore {
    private final int capacity;
    private final ConcurrentLinkedQueue<AnalyticsEvent> events = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final Map<String, SyncState> syncStates = new ConcurrentHashMap<>();
    private final Map<String, String> rejections = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private InMemoryUsageEventSink(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Returns an unbounded sink.
     *
     * @return the sink
     */
    public static InMemoryUsageEventSink create() {
        return new InMemoryUsageEventSink(Integer.MAX_VALUE);
    }

    /**
     * Returns a sink that keeps at most {@code capacity} events and drops (and counts) the rest.
     *
     * @param capacity the most events it keeps, {@code >= 1}
     * @return the sink
     * @throws IllegalArgumentException if {@code capacity < 1}
     */
    public static InMemoryUsageEventSink withCapacity(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        return new InMemoryUsageEventSink(capacity);
    }

    /**
     * Keeps the event, or drops and counts it when the sink is full or closed or the event is
     * {@code null}. An event whose id is already kept is ignored (the first one wins, as in a
     * store), neither kept twice nor counted as dropped. Never blocks, never throws.
     *
     * @param event the event
     */
    @Override
    public void record(AnalyticsEvent event) {
        if (event == null || closed) {
            dropped.incrementAndGet();
            return;
        }
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        if (syncStates.putIfAbsent(event.eventId(), SyncState.UNSYNCED) != null) {
            // an event id is kept once, like a store's primary key: a replay neither duplicates
            // the event nor resets its sync state
            size.decrementAndGet();
            return;
        }
        events.add(event);
    }

    @Override
    public List<AnalyticsEvent> unsynced(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        return events.stream()
                .filter(
                        e ->
                                e.payload() instanceof LlmRequestCompleted
                                        || e.payload() instanceof LlmRequestFailed)
                .filter(e -> syncStates.get(e.eventId()) == SyncState.UNSYNCED)
                .sorted(Comparator.comparingLong(AnalyticsEvent::timestampMs))
                .limit(limit)
                .toList();
    }

    @Override
    public void markSynced(Collection<String> eventIds) {
        Objects.requireNonNull(eventIds, "eventIds");
        for (String id : eventIds) {
            syncStates.replace(id, SyncState.UNSYNCED, SyncState.SYNCED);
        }
    }

    @Override
    public void markRejected(String eventId, String reason) {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(reason, "reason");
        if (syncStates.replace(eventId, SyncState.UNSYNCED, SyncState.REJECTED)) {
            rejections.put(eventId, reason);
        }
    }

    @Override
    public SyncState syncState(String eventId) {
        return syncStates.get(eventId);
    }

    /**
     * Returns why the control server refused an event, as given to {@link #markRejected(String,
     * String)}.
     *
     * @param eventId the event's id
     * @return the reason, or {@code null} if the event was not rejected
     */
    public String rejectionReason(String eventId) {
        return rejections.get(eventId);
    }

    @Override
    public long droppedCount() {
        return dropped.get();
    }

    /**
     * Returns the events kept so far, in arrival order (a snapshot).
     *
     * @return the events
     */
    public List<AnalyticsEvent> events() {
        return List.copyOf(events);
    }

    /**
     * Returns the payloads of one type, in arrival order (a snapshot).
     *
     * @param type e.g. {@code LlmRequestCompleted.class}
     * @param <T> the payload type
     * @return the payloads
     */
    public <T extends EventPayload> List<T> eventsOfType(Class<T> type) {
        Objects.requireNonNull(type, "type");
        return events.stream()
                .map(AnalyticsEvent::payload)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    /**
     * Returns how many events are kept.
     *
     * @return the count
     */
    public int size() {
        return size.get();
    }

    /**
     * Returns whether {@link #close()} was called.
     *
     * @return {@code true} once closed
     */
    public boolean isClosed() {
        return closed;
    }

    /** Stops accepting events; kept events stay visible. Idempotent. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "InMemoryUsageEventSink["
                + size()
                + " events, "
                + droppedCount()
                + " dropped"
                + (closed ? ", closed" : "")
                + "]";
    }
}
