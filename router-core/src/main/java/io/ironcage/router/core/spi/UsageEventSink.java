package io.ironcage.router.core.spi;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import java.util.Optional;

/**
 * Where the router records analytics events (ARCHITECTURE.md "The request path" step 9): a SQLite
 * store, an in-memory list in tests, or nothing.
 *
 * <p>Contract (checked by {@code router-testkit}'s {@code UsageEventSinkContract}):
 *
 * <ul>
 *   <li>{@link #record(AnalyticsEvent)} is called on the request path, from many threads at once.
 *       It <b>does no I/O</b> and <b>never throws</b>; recording must not fail or slow down a
 *       request. When its bounded buffer is full it drops the new event, or — only if the sink
 *       documents it as an option, like the SQLite store's default {@code BLOCK_THEN_DROP} — waits
 *       a bounded time for room first (every event is money; a store that cannot keep up is the
 *       only case where a request waits).
 *   <li>On an event loop, where nothing may wait, the router calls {@link #recordWithoutWaiting}
 *       instead: a sink that would wait for room hands that wait back, and the router runs it on a
 *       worker thread.
 *   <li>Every event given to {@code record} is either kept or counted in {@link #droppedCount()}
 *       (buffer full, sink closed, store failure) — nothing is lost silently.
 *   <li>{@link #close()} flushes what is buffered and then releases resources; it is idempotent.
 *       Events recorded after {@code close} are dropped and counted.
 * </ul>
 */
public interface UsageEventSink extends AutoCloseable {
    /**
     * Records an event, without I/O and without throwing (see the contract above for a full
     * buffer). A {@code null} event is dropped and counted.
     *
     * @param event the event
     */
    void record(AnalyticsEvent event);

    /**
     * Records an event unless that means waiting for room: for a caller on an event loop, which
     * must not wait. Returns empty when the event was recorded (or dropped and counted) now; else
     * the rest of the recording, which waits as {@link #record} does, for the caller to run on a
     * thread that may block. The default records at once, for a sink that never waits.
     *
     * @param event the event
     * @return empty when done; else what still has to run
     */
    default Optional<Runnable> recordWithoutWaiting(AnalyticsEvent event) {
        record(event);
        return Optional.empty();
    }

    /**
     * Returns how many events were dropped so far rather than kept.
     *
     * @return the count, never decreasing
     */
    long droppedCount();

    /**
     * Flushes buffered events and releases resources. Idempotent; never throws a checked exception.
     */
    @Override
    void close();

    /**
     * Returns a sink that discards every event. Discarding is its purpose, so it counts nothing as
     * dropped; it does not satisfy the "kept or counted" part of the contract.
     *
     * @return the shared no-op sink
     */
    static UsageEventSink noop() {
        return NoopUsageEventSink.INSTANCE;
    }

    /**
     * Returns a sink that records every event into both sinks, in order: e.g. a SQLite store and an
     * in-memory view. Its dropped count is the sum of theirs; closing it closes both (the second
     * even if closing the first fails).
     *
     * @param first the first sink
     * @param second the second sink
     * @return the tee
     */
    static UsageEventSink tee(UsageEventSink first, UsageEventSink second) {
        return new TeeUsageEventSink(first, second);
    }
}
