package io.ironcage.router.core.internal;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.spi.UsageEventSink;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The router's own in-memory record of its most recent events (the reference keeps 10,000 in its
 * {@code EventStore}), passed on to another sink too. When full, the oldest event gives way: this
 * is a window onto recent activity, not storage; durable storage is the other sink's job.
 */
public final class RecentEvents implements UsageEventSink {
    /** How many events are kept, as the reference's {@code DEFAULT_CAPACITY}. */
    public static final int DEFAULT_CAPACITY = 10_000;

    private final ArrayDeque<AnalyticsEvent> events;
    private final int capacity;
    private final UsageEventSink next;

    /**
     * Creates the record.
     *
     * @param capacity how many events to keep, {@code >= 1}
     * @param next the sink every event is also recorded into
     */
    public RecentEvents(int capacity, UsageEventSink next) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.events = new ArrayDeque<>(Math.min(capacity, 1024));
        this.next = Objects.requireNonNull(next, "next");
    }

    @Override
    public void record(AnalyticsEvent event) {
        keep(event);
        next.record(event);
    }

    /** Keeps the event here at once; the next sink's wait, if any, is handed back. */
    @Override
    public Optional<Runnable> recordWithoutWaiting(AnalyticsEvent event) {
        keep(event);
        return next.recordWithoutWaiting(event);
    }

    private void keep(AnalyticsEvent event) {
        if (event != null) {
            synchronized (events) {
                if (events.size() == capacity) {
                    events.removeFirst();
                }
                events.addLast(event);
            }
        }
    }

    /**
     * Returns the recent events, oldest first.
     *
     * @return a snapshot
     */
    public List<AnalyticsEvent> snapshot() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    @Override
    public long droppedCount() {
        return next.droppedCount();
    }

    @Override
    public void close() {
        next.close();
    }
}
