package io.ironcage.router.core.internal;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.spi.UsageEventStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The store the analytics sync reads in server mode when no durable one is configured: the events
 * the control server takes ({@code LlmRequestCompleted}, {@code LlmRequestFailed}) until they are
 * synced or rejected, at most {@code capacity} of them (a new event is dropped and counted when
 * full). Lost on restart, unlike SQLite's. Thread-safe; {@link #record} only takes a short lock.
 */
public final class MemoryEventStore implements UsageEventStore {
    private final int capacity;
    private final Map<String, AnalyticsEvent> pending = new LinkedHashMap<>(); // guarded by this
    private final Map<String, SyncState> done = new LinkedHashMap<>(); // guarded by this
    private long dropped; // guarded by this
    private boolean closed; // guarded by this

    /**
     * Creates the store.
     *
     * @param capacity the most unsynced events kept, {@code >= 1}
     */
    public MemoryEventStore(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    @Override
    public synchronized void record(AnalyticsEvent event) {
        if (event == null || closed) {
            dropped++;
            return;
        }
        if (!(event.payload() instanceof LlmRequestCompleted
                || event.payload() instanceof LlmRequestFailed)) {
            return; // never synced: nothing to keep
        }
        if (pending.size() >= capacity) {
            dropped++;
            return;
        }
        if (!done.containsKey(event.eventId())) {
            pending.putIfAbsent(event.eventId(), event);
        }
    }

    @Override
    public synchronized List<AnalyticsEvent> unsynced(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        List<AnalyticsEvent> out = new ArrayList<>(Math.min(limit, pending.size()));
        for (AnalyticsEvent event : pending.values()) {
            if (out.size() == limit) {
                break;
            }
            out.add(event);
        }
        out.sort((a, b) -> Long.compare(a.timestampMs(), b.timestampMs()));
        return out;
    }

    @Override
    public synchronized void markSynced(Collection<String> eventIds) {
        Objects.requireNonNull(eventIds, "eventIds");
        for (String id : eventIds) {
            if (pending.remove(id) != null) {
                remember(id, SyncState.SYNCED);
            }
        }
    }

    @Override
    public synchronized void markRejected(String eventId, String reason) {
        Objects.requireNonNull(eventId, "eventId");
        if (pending.remove(eventId) != null) {
            remember(eventId, SyncState.REJECTED);
        }
    }

    /** Remembers the last {@code capacity} outcomes, so marking twice stays harmless. */
    private void remember(String id, SyncState state) {
        done.put(id, state);
        if (done.size() > capacity) {
            String oldest = done.keySet().iterator().next();
            done.remove(oldest);
        }
    }

    @Override
    public synchronized SyncState syncState(String eventId) {
        if (pending.containsKey(eventId)) {
            return SyncState.UNSYNCED;
        }
        return done.get(eventId);
    }

    @Override
    public synchronized long droppedCount() {
        return dropped;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    @Override
    public synchronized String toString() {
        return "MemoryEventStore[" + pending.size() + " unsynced, " + dropped + " dropped]";
    }
}
