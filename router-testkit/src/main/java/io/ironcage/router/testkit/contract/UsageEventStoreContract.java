package io.ironcage.router.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.BudgetThresholdReached;
import io.ironcage.router.core.domain.analytics.EventPayload;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.domain.analytics.RouterStopped;
import io.ironcage.router.core.spi.UsageEventStore;
import io.ironcage.router.core.spi.UsageEventStore.SyncState;
import io.ironcage.router.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link UsageEventStore} contract: what the analytics sync relies on. Extend it with a factory
 * for a fresh store and, for a durable store, a way to open the same storage again:
 *
 * <pre>{@code
 * class SqliteUsageEventStoreTest extends UsageEventStoreContract {
 *     @TempDir Path dir;
 *
 *     @Override protected UsageEventStore createStore() {
 *         return SqliteUsageEventSink.open(dir.resolve("events.db"));
 *     }
 *
 *     @Override protected UsageEventStore reopen(UsageEventStore closedStore) {
 *         return SqliteUsageEventSink.open(dir.resolve("events.db"));
 *     }
 * }
 * }</pre>
 *
 * <p>Checks: {@code unsynced} offers only LLM request events, each with every field intact, oldest
 * first (timestamp, then recording order), at most {@code limit}; {@code markSynced} and {@code
 * markRejected} take events out for good, ignore unknown ids and are harmless twice; the first
 * final answer wins (a synced event is not rejected later, nor a rejected one synced); recording an
 * event id again neither duplicates it nor resets its state; a sync loop running while events
 * arrive gets each event exactly once; after {@code close} the store still answers and marks (the
 * sync's final flush may run after the router closed it); and, for a durable store, the sync state
 * survives closing and reopening, so a restart neither loses nor re-sends an event.
 *
 * <p>Events recorded may reach storage later ({@code record} never blocks); the kit waits for them
 * through {@link UsageEventStore#syncState(String)}, at most {@link #writeTimeout()}.
 */
public abstract class UsageEventStoreContract {
    private static final long BASE_MS = 1_767_225_600_000L;

    private UsageEventStore store;
    private final List<UsageEventStore> reopened = new ArrayList<>();

    /** Creates the contract; subclasses supply the factory methods. */
    protected UsageEventStoreContract() {}

    /**
     * Returns a new, empty store; called once per test.
     *
     * @return the store under test
     */
    protected abstract UsageEventStore createStore();

    /**
     * Opens the storage of a closed store again, as a restarted process would. Returns {@code null}
     * (the default) for a store that keeps nothing once closed, such as an in-memory one; then the
     * durability checks are skipped.
     *
     * @param closedStore a store from {@link #createStore()} or from this method, already closed
     * @return a store over the same storage, or {@code null}
     */
    protected UsageEventStore reopen(UsageEventStore closedStore) {
        return null;
    }

    /**
     * Returns how long a recorded event may take to reach storage. Generous by default (the build
     * machine may be slow and shared).
     *
     * @return the limit
     */
    protected Duration writeTimeout() {
        return Duration.ofSeconds(15);
    }

    @BeforeEach
    final void createStoreUnderTest() {
        store = createStore();
    }

    @AfterEach
    final void closeStoresUnderTest() {
        if (store != null) {
            store.close();
        }
        reopened.forEach(UsageEventStore::close);
    }

    /**
     * Returns the store of the current test.
     *
     * @return the store
     */
    protected final UsageEventStore store() {
        return store;
    }

    @Test
    final void aNewStoreHasNothingToSync() {
        assertEquals(List.of(), store.unsynced(100));
        assertNull(store.syncState(UUID.randomUUID().toString()));
    }

    @Test
    final void unsyncedOffersOnlyLlmRequestEventsOldestFirstWithEveryField() {
        AnalyticsEvent late = event(3_000, completed(1));
        AnalyticsEvent first = event(1_000, failed(429));
        AnalyticsEvent middle = event(2_000, completed(2)).withAgentId("agent_7");
        List<AnalyticsEvent> others =
                List.of(
                        event(500, new RouterStarted(8080)),
                        event(
                                1_500,
                                new BudgetThresholdReached(
                                        80, Money.ofMicros(800), Money.ofMicros(1_000))),
                        event(4_000, new RouterStopped(3, Money.ofMicros(42))));
        List<AnalyticsEvent> all = new ArrayList<>(List.of(late, first, middle));
        all.addAll(others);
        recordAndAwait(all);

        assertEquals(List.of(first, middle, late), store.unsynced(100));
        for (AnalyticsEvent other : others) {
            assertEquals(
                    SyncState.UNSYNCED,
                    store.syncState(other.eventId()),
                    "a lifecycle or threshold event is kept (unsynced) but never offered: "
                            + other.eventType());
        }
    }

    @Test
    final void equalTimestampsComeInTheOrderTheyWereRecorded() {
        List<AnalyticsEvent> sent = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            sent.add(event(1_000, i % 3 == 0 ? failed(500) : completed(i)));
        }
        recordAndAwait(sent);
        assertEquals(sent, store.unsynced(100));
    }

    @Test
    final void limitBoundsTheAnswerToTheOldest() {
        List<AnalyticsEvent> sent = new ArrayList<>();
        for (int i = 10; i >= 1; i--) {
            sent.add(event(i * 100L, completed(i)));
        }
        recordAndAwait(sent);
        List<AnalyticsEvent> oldestFirst = new ArrayList<>(sent);
        Collections.reverse(oldestFirst);
        assertEquals(oldestFirst.subList(0, 3), store.unsynced(3));
        assertEquals(oldestFirst, store.unsynced(10));
        assertEquals(oldestFirst, store.unsynced(Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> store.unsynced(0));
        assertThrows(IllegalArgumentException.class, () -> store.unsynced(-1));
    }

    @Test
    final void markSyncedTakesEventsOutForGoodAndIgnoresUnknownIds() {
        List<AnalyticsEvent> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sent.add(event(i, completed(i)));
        }
        recordAndAwait(sent);
        String unknown = UUID.randomUUID().toString();
        store.markSynced(List.of(sent.get(0).eventId(), sent.get(3).eventId(), unknown));
        assertEquals(List.of(sent.get(1), sent.get(2), sent.get(4)), store.unsynced(100));
        assertEquals(SyncState.SYNCED, store.syncState(sent.get(0).eventId()));
        assertEquals(SyncState.SYNCED, store.syncState(sent.get(3).eventId()));
        assertEquals(SyncState.UNSYNCED, store.syncState(sent.get(1).eventId()));
        assertNull(store.syncState(unknown), "marking an unknown id does not create it");

        assertDoesNotThrow(() -> store.markSynced(List.of(sent.get(0).eventId())));
        assertDoesNotThrow(() -> store.markSynced(List.of()));
        assertEquals(SyncState.SYNCED, store.syncState(sent.get(0).eventId()));
        assertEquals(3, store.unsynced(100).size());
    }

    @Test
    final void markRejectedTakesAnEventOutForGood() {
        AnalyticsEvent refused = event(1, failed(400));
        AnalyticsEvent other = event(2, completed(1));
        recordAndAwait(List.of(refused, other));
        store.markRejected(refused.eventId(), "400 VALIDATION_ERROR: bad provider");
        assertEquals(SyncState.REJECTED, store.syncState(refused.eventId()));
        assertEquals(List.of(other), store.unsynced(100));

        String unknown = UUID.randomUUID().toString();
        assertDoesNotThrow(() -> store.markRejected(unknown, "404"));
        assertNull(store.syncState(unknown), "rejecting an unknown id does not create it");
        assertDoesNotThrow(() -> store.markRejected(refused.eventId(), "again"));
        assertEquals(SyncState.REJECTED, store.syncState(refused.eventId()));
    }

    @Test
    final void theFirstFinalAnswerWins() {
        AnalyticsEvent synced = event(1, completed(1));
        AnalyticsEvent rejected = event(2, completed(2));
        recordAndAwait(List.of(synced, rejected));
        store.markSynced(List.of(synced.eventId()));
        store.markRejected(rejected.eventId(), "422");

        store.markRejected(synced.eventId(), "a late 4xx");
        store.markSynced(List.of(rejected.eventId()));
        assertEquals(SyncState.SYNCED, store.syncState(synced.eventId()));
        assertEquals(SyncState.REJECTED, store.syncState(rejected.eventId()));
        assertEquals(List.of(), store.unsynced(10));
    }

    @Test
    final void recordingAnEventAgainNeitherDuplicatesNorResetsIt() {
        AnalyticsEvent sent = event(1, completed(1));
        AnalyticsEvent twice = event(2, completed(2));
        recordAndAwait(List.of(sent));
        store.markSynced(List.of(sent.eventId()));

        store.record(sent); // a replay, e.g. after a restart
        store.record(twice);
        store.record(twice);
        AnalyticsEvent marker = event(3, completed(3));
        recordAndAwait(List.of(marker));

        assertEquals(SyncState.SYNCED, store.syncState(sent.eventId()), "a replay is not resent");
        assertEquals(List.of(twice, marker), store.unsynced(100), "each id is offered once");
    }

    @Test
    final void aSyncLoopRunningWhileEventsArriveGetsEachEventExactlyOnce() throws Exception {
        int threads = 4;
        int perThread = 500;
        int total = threads * perThread;
        Set<String> recordedIds = ConcurrentHashMap.newKeySet();
        List<String> delivered = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> recorders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                recorders.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    for (int i = 0; i < perThread; i++) {
                                        AnalyticsEvent e =
                                                event(
                                                        thread * perThread + i,
                                                        i % 5 == 0 ? failed(503) : completed(i));
                                        recordedIds.add(e.eventId());
                                        store.record(e);
                                    }
                                    return null;
                                }));
            }
            Future<?> sync =
                    pool.submit(
                            () -> {
                                start.await();
                                long deadline = System.nanoTime() + writeTimeout().toNanos();
                                while (delivered.size() < total) {
                                    if (System.nanoTime() > deadline) {
                                        fail(
                                                "the sync loop got "
                                                        + delivered.size()
                                                        + " of "
                                                        + total
                                                        + " events within "
                                                        + writeTimeout());
                                    }
                                    List<AnalyticsEvent> batch = store.unsynced(64);
                                    if (batch.isEmpty()) {
                                        Thread.sleep(2);
                                        continue;
                                    }
                                    List<String> ids =
                                            batch.stream()
                                                    .map(AnalyticsEvent::eventId)
                                                    .collect(Collectors.toList());
                                    delivered.addAll(ids);
                                    store.markSynced(ids);
                                }
                                return null;
                            });
            start.countDown();
            for (Future<?> f : recorders) {
                f.get(writeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            }
            sync.get(writeTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(5, TimeUnit.SECONDS);
        }
        Set<String> unique = new HashSet<>(delivered);
        assertEquals(delivered.size(), unique.size(), "no event is offered again once synced");
        assertEquals(recordedIds, unique, "every recorded event is offered");
        assertEquals(List.of(), store.unsynced(10));
        assertEquals(0, store.droppedCount());
    }

    @Test
    final void afterCloseTheStoreStillAnswersAndMarks() {
        List<AnalyticsEvent> sent = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sent.add(event(i, completed(i)));
        }
        sent.forEach(store::record);
        store.close(); // flushes: no waiting needed

        assertEquals(sent, store.unsynced(1_000), "close keeps everything recorded before it");
        store.markSynced(ids(sent.subList(0, 60)));
        store.markRejected(sent.get(60).eventId(), "400");
        assertEquals(sent.subList(61, 100), store.unsynced(1_000));
        assertEquals(SyncState.REJECTED, store.syncState(sent.get(60).eventId()));
    }

    @Test
    final void syncStateSurvivesCloseAndReopen() {
        List<AnalyticsEvent> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            sent.add(event(i, i == 4 ? failed(500) : completed(i)));
        }
        AnalyticsEvent started = event(0, new RouterStarted(1));
        sent.forEach(store::record);
        store.record(started);
        store.close();
        UsageEventStore again = reopen(store);
        assumeTrue(again != null, "the store keeps nothing once closed");
        reopened.add(again);

        assertEquals(sent, again.unsynced(100), "nothing recorded before close is lost");
        again.markSynced(ids(sent.subList(0, 2)));
        again.markRejected(sent.get(2).eventId(), "400 VALIDATION_ERROR");
        AnalyticsEvent later = event(10, completed(10));
        again.record(later);
        again.close();

        UsageEventStore third = reopen(again);
        assertNotNull(third);
        reopened.add(third);
        assertEquals(SyncState.SYNCED, third.syncState(sent.get(0).eventId()));
        assertEquals(SyncState.SYNCED, third.syncState(sent.get(1).eventId()));
        assertEquals(SyncState.REJECTED, third.syncState(sent.get(2).eventId()));
        assertEquals(SyncState.UNSYNCED, third.syncState(started.eventId()));
        List<AnalyticsEvent> expected = new ArrayList<>(sent.subList(3, 6));
        expected.add(later);
        assertEquals(expected, third.unsynced(100), "a restart neither loses nor re-sends");

        third.record(sent.get(0)); // replayed after the restart
        third.close();
        UsageEventStore fourth = reopen(third);
        assertNotNull(fourth);
        reopened.add(fourth);
        assertEquals(SyncState.SYNCED, fourth.syncState(sent.get(0).eventId()));
        assertEquals(expected, fourth.unsynced(100));
    }

    /**
     * Records the events from this thread and waits until the store holds each of them.
     *
     * @param events the events
     */
    protected final void recordAndAwait(List<AnalyticsEvent> events) {
        events.forEach(store::record);
        Await.until(
                writeTimeout(),
                "each of " + events.size() + " events reached the store",
                () -> events.stream().allMatch(e -> store.syncState(e.eventId()) != null));
    }

    private static List<String> ids(Collection<AnalyticsEvent> events) {
        return events.stream().map(AnalyticsEvent::eventId).collect(Collectors.toList());
    }

    private static AnalyticsEvent event(long offsetMs, EventPayload payload) {
        return AnalyticsEvent.of(UUID.randomUUID().toString(), BASE_MS + offsetMs, payload);
    }

    private static LlmRequestCompleted completed(int i) {
        return LlmRequestCompleted.priced(
                LlmModelMeta.of(ProviderType.ANTHROPIC, "claude-haiku-4-5")
                        .withProviderId("pk_" + i),
                new TokenUsage(100 + i, 20, i, 0),
                Money.ofMicros(1_000 + i),
                new RequestMeta(
                        Optional.of("req_" + i),
                        40 + i,
                        OptionalLong.of(10),
                        i % 2 == 0,
                        false,
                        200));
    }

    private static LlmRequestFailed failed(int status) {
        return LlmRequestFailed.of(
                LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                String.valueOf(status),
                "upstream said " + status,
                RequestMeta.of(status, 12));
    }
}
