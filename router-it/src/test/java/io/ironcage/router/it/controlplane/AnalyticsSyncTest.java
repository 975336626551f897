package io.ironcage.router.it.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.core.controlplane.AnalyticsSync;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.BudgetThresholdReached;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.domain.analytics.RouterStopped;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UsageEventStore.SyncState;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeControlPlane.Endpoint;
import io.ironcage.router.testkit.FakeControlPlane.Fault;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.MutableClock;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The analytics sync against FakeControlPlane, over an in-memory store (reference §8.6 and the sync
 * tests of Appendix B where they apply).
 */
class AnalyticsSyncTest {
    private static final String TOKEN = "ic-SYNC-secret-token-1618";
    private static final String AGENT = "agent_1";

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    private final HttpTransport transport =
            new JdkHttpTransportProvider().httpTransport(Duration.ofSeconds(2));
    private final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryUsageEventSink store = InMemoryUsageEventSink.create();
    private final List<AnalyticsSync> syncs = new ArrayList<>();
    private ScheduledExecutorService scheduler;

    @BeforeEach
    void addAgent() {
        server.addAgent(TOKEN, ProviderType.OPENAI, "sk-x", 1_000_000);
    }

    @AfterEach
    void stop() {
        syncs.forEach(AnalyticsSync::close);
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        transport.close();
    }

    /**
     * One call at a time, so these tests see events arrive in store order; the tests of several
     * calls at once are in {@link AnalyticsSyncDrainTest}.
     */
    private ControlPlaneOptions.Builder options() {
        return ControlPlaneOptions.builder(server.baseUri())
                .timeout(Duration.ofSeconds(2))
                .syncBatchSize(10)
                .syncConcurrency(1);
    }

    private AnalyticsSync.Builder builder() {
        return builder(options());
    }

    /** The backoff's jitter always draws its ceiling, so the waits are exact. */
    private AnalyticsSync.Builder builder(ControlPlaneOptions.Builder options) {
        return AnalyticsSync.builder(
                        options.build(),
                        transport,
                        store,
                        agent -> agent.filter(AGENT::equals).map(a -> TOKEN))
                .clock(clock)
                .random(AnalyticsSyncDrainTest.CEILING);
    }

    private AnalyticsSync sync() {
        AnalyticsSync sync = builder().build();
        syncs.add(sync);
        return sync;
    }

    private AnalyticsEvent completed(long cost) {
        return AnalyticsEvent.of(
                        UUID.randomUUID().toString(),
                        clock.millis(),
                        LlmRequestCompleted.priced(
                                LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                                TokenUsage.of(150, 50),
                                Money.ofMicros(cost),
                                RequestMeta.of(200, 12)))
                .withAgentId(AGENT);
    }

    private AnalyticsEvent failed() {
        return AnalyticsEvent.of(
                        UUID.randomUUID().toString(),
                        clock.millis(),
                        LlmRequestFailed.of(
                                LlmModelMeta.of(ProviderType.ANTHROPIC, "claude-3-5-haiku"),
                                "429",
                                "slow down",
                                RequestMeta.of(429, 5)))
                .withAgentId(AGENT);
    }

    private AnalyticsEvent record(AnalyticsEvent event) {
        store.record(event);
        return event;
    }

    @Test
    @DisplayName("test_sync_events_to_mock_server: each event in the server's format, acknowledged")
    void eventsGoOutInTheServersFormatAndAreMarkedSynced() {
        AnalyticsEvent done = record(completed(6_000));
        AnalyticsEvent fail = record(failed());

        AnalyticsSync.Result result = sync().syncNow();

        assertEquals(new AnalyticsSync.Result(2, 2, 0, false), result);
        List<JsonNode> sent = server.analyticsEvents();
        assertEquals(2, sent.size());
        JsonNode first = sent.get(0);
        assertEquals(TOKEN, first.get("ic_token").asText());
        assertEquals(done.eventId(), first.get("event_id").asText());
        assertEquals(done.timestampMs(), first.get("timestamp_ms").asLong());
        assertEquals("llm_request_completed", first.get("event_type").asText());
        assertEquals("gpt-4o-mini", first.get("model").asText());
        assertEquals("openai", first.get("provider").asText());
        assertEquals(150, first.get("input_tokens").asLong());
        assertEquals(50, first.get("output_tokens").asLong());
        assertEquals(6_000, first.get("cost_micros").asLong());
        assertFalse(first.has("provider_id"), "omitted when unknown");
        assertFalse(first.has("error_code"));
        JsonNode second = sent.get(1);
        assertEquals("llm_request_failed", second.get("event_type").asText());
        assertEquals("anthropic", second.get("provider").asText());
        assertEquals("429", second.get("error_code").asText());
        assertEquals("slow down", second.get("error_message").asText());
        assertFalse(second.has("cost_micros"));
        assertEquals(SyncState.SYNCED, store.syncState(done.eventId()));
        assertEquals(SyncState.SYNCED, store.syncState(fail.eventId()));
    }

    @Test
    void aBilledFailureCarriesItsCostSoTheServerSeesWhatTheLedgerSaw() {
        AnalyticsEvent cut =
                record(
                        AnalyticsEvent.of(
                                        UUID.randomUUID().toString(),
                                        clock.millis(),
                                        LlmRequestFailed.billed(
                                                LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o"),
                                                "502",
                                                "The upstream stream broke.",
                                                RequestMeta.of(502, 40),
                                                TokenUsage.of(1_000, 20),
                                                Money.ofMicros(2_700)))
                                .withAgentId(AGENT));

        sync().syncNow();

        JsonNode sent = server.analyticsEvents().get(0);
        assertEquals(cut.eventId(), sent.get("event_id").asText());
        assertEquals("llm_request_failed", sent.get("event_type").asText());
        assertEquals(2_700, sent.get("cost_micros").asLong());
        assertEquals(1_000, sent.get("input_tokens").asLong());
        assertEquals(20, sent.get("output_tokens").asLong());
    }

    @Test
    @DisplayName("test_sync_filters_non_llm_events: lifecycle and threshold events are not sent")
    void lifecycleEventsAreNotSent() {
        store.record(AnalyticsEvent.of(UUID.randomUUID().toString(), 1, new RouterStarted(8787)));
        store.record(
                AnalyticsEvent.of(
                        UUID.randomUUID().toString(),
                        2,
                        new BudgetThresholdReached(80, Money.ofMicros(8), Money.ofMicros(10))));
        store.record(
                AnalyticsEvent.of(
                        UUID.randomUUID().toString(), 3, new RouterStopped(1, Money.ZERO)));
        record(completed(1));

        assertEquals(1, sync().syncNow().sent());
        assertEquals(1, server.callCount(Endpoint.ANALYTICS_EVENTS));
    }

    @Test
    @DisplayName("test_manual_sync_empty_store: nothing to send, no call")
    void anEmptyStoreSendsNothing() {
        assertEquals(new AnalyticsSync.Result(0, 0, 0, false), sync().syncNow());
        assertEquals(0, server.callCount(Endpoint.ANALYTICS_EVENTS));
    }

    @Test
    @DisplayName("test_sync_retries_on_server_error: 5xx retried after a backoff on the clock")
    void serverErrorsAreRetriedWithBackoff() {
        AnalyticsEvent event = record(completed(1));
        server.failNext(
                Endpoint.ANALYTICS_EVENTS,
                2,
                Fault.status(
                        500,
                        "{\"error\":\"DATABASE_ERROR\",\"message\":\"Failed to store event\"}"));
        AnalyticsSync sync = sync();

        assertTrue(sync.runIfDue().failed());
        assertEquals(SyncState.UNSYNCED, store.syncState(event.eventId()));
        assertEquals(Optional.of(clock.instant().plusSeconds(1)), sync.backingOffUntil());
        sync.runIfDue();
        assertEquals(1, server.callCount(Endpoint.ANALYTICS_EVENTS), "nothing during the backoff");

        clock.advance(Duration.ofSeconds(1));
        assertTrue(sync.runIfDue().failed());
        assertEquals(
                Optional.of(clock.instant().plusSeconds(2)), sync.backingOffUntil(), "doubled");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(1, sync.runIfDue().synced());
        assertEquals(SyncState.SYNCED, store.syncState(event.eventId()));
        assertEquals(Optional.empty(), sync.backingOffUntil(), "reset after a success");
        assertEquals(1, server.analyticsEvents().size());
    }

    @Test
    @DisplayName(
            "test_sync_marks_synced_on_client_error, deliberately different: a 4xx marks the event"
                    + " rejected with the reason (the reference counted it as synced)")
    void clientErrorsMarkTheEventRejectedWithTheReason() {
        AnalyticsEvent event = record(completed(1));
        AnalyticsEvent next = record(completed(2));
        server.failNext(
                Endpoint.ANALYTICS_EVENTS,
                1,
                Fault.status(
                        400,
                        "{\"error\":\"VALIDATION_ERROR\",\"message\":\"Invalid provider: x\"}"));

        AnalyticsSync.Result result = sync().syncNow();

        assertEquals(new AnalyticsSync.Result(2, 1, 1, false), result);
        assertEquals(SyncState.REJECTED, store.syncState(event.eventId()));
        String reason = store.rejectionReason(event.eventId());
        assertTrue(reason.contains("400"), reason);
        assertTrue(reason.contains("Invalid provider: x"), reason);
        assertTrue(reason.contains("VALIDATION_ERROR"), reason);
        assertEquals(SyncState.SYNCED, store.syncState(next.eventId()));
        assertEquals(0, sync().syncNow().sent(), "a rejected event is not sent again");
    }

    @Test
    void aDuplicateAnswerAcknowledgesTheEvent() {
        AnalyticsEvent event = record(completed(1));
        sync().syncNow();
        InMemoryUsageEventSink other = InMemoryUsageEventSink.create();
        other.record(event); // the same event held by a store that lost its state
        AnalyticsSync again =
                AnalyticsSync.builder(
                                ControlPlaneOptions.of(server.baseUri()),
                                transport,
                                other,
                                agent -> Optional.of(TOKEN))
                        .clock(clock)
                        .build();
        syncs.add(again);

        assertEquals(1, again.syncNow().synced(), "200 duplicate is an acknowledgement");
        assertEquals(SyncState.SYNCED, other.syncState(event.eventId()));
        assertEquals(1, server.analyticsEvents().size());
    }

    @Test
    @DisplayName("sync after a restart re-sends nothing (test_multiple_sync_clients_same_store)")
    void aRestartedSyncReSendsNothing() {
        for (int i = 0; i < 25; i++) {
            record(completed(i + 1));
        }
        AnalyticsSync first = sync();
        first.syncNow();
        first.syncNow();
        first.close(); // flushes the last 5
        assertEquals(25, server.callCount(Endpoint.ANALYTICS_EVENTS));

        AnalyticsSync afterRestart = sync(); // a new sync on the same store, as after a restart
        assertEquals(0, afterRestart.syncNow().sent());
        record(completed(99));
        assertEquals(1, afterRestart.syncNow().sent());
        assertEquals(26, server.callCount(Endpoint.ANALYTICS_EVENTS));
        assertEquals(26, server.analyticsEvents().size());
    }

    @Test
    @DisplayName("test_sync_flushes_on_shutdown: close sends what is left, batch after batch")
    void closeFlushesWhatIsLeft() {
        for (int i = 0; i < 23; i++) {
            record(completed(i + 1));
        }
        AnalyticsSync sync = sync();
        sync.close();
        assertEquals(23, server.analyticsEvents().size());
        assertTrue(store.unsynced(100).isEmpty());
        sync.close(); // idempotent
        assertEquals(23, server.callCount(Endpoint.ANALYTICS_EVENTS));
    }

    @Test
    void theFinalFlushIsBoundedWhenTheServerHangs() {
        AnalyticsEvent event = record(completed(1));
        server.failNext(Endpoint.ANALYTICS_EVENTS, 1, Fault.hang());
        AnalyticsSync sync = builder(options().closeTimeout(Duration.ofMillis(300))).build();
        syncs.add(sync);

        long started = System.nanoTime();
        sync.close();

        assertTrue(
                System.nanoTime() - started < TimeUnit.SECONDS.toNanos(2),
                "close waited for its bound, not the 2 s call timeout");
        assertEquals(SyncState.UNSYNCED, store.syncState(event.eventId()), "kept for next time");
    }

    @Test
    void aServerThatDisappearsGetsTheEventsWhenItReturns() {
        AnalyticsEvent event = record(completed(1));
        AnalyticsSync sync = sync();
        server.goOffline();
        assertTrue(sync.runIfDue().failed());
        assertEquals(SyncState.UNSYNCED, store.syncState(event.eventId()));

        server.goOnline();
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, sync.runIfDue().synced());
        assertEquals(SyncState.SYNCED, store.syncState(event.eventId()));
    }

    @Test
    void malformedAnswersAndTimeoutsAreRetried() {
        AnalyticsEvent event = record(completed(1));
        server.failNext(Endpoint.ANALYTICS_EVENTS, 1, Fault.status(502, "<html>bad gateway"));
        AnalyticsSync sync = builder(options().timeout(Duration.ofMillis(300))).build();
        syncs.add(sync);
        assertTrue(sync.syncNow().failed());
        server.failNext(Endpoint.ANALYTICS_EVENTS, 1, Fault.hang());
        assertTrue(sync.syncNow().failed());
        assertEquals(SyncState.UNSYNCED, store.syncState(event.eventId()));
        assertEquals(1, sync.syncNow().synced());
    }

    @Test
    void anEventOfAnAgentWithoutATokenIsRejectedNotSent() {
        store.record(completed(1).withAgentId("agent_404"));
        AnalyticsEvent mine = record(completed(2));

        AnalyticsSync.Result result = sync().syncNow();

        assertEquals(new AnalyticsSync.Result(1, 1, 1, false), result);
        AnalyticsEvent orphan = store.events().get(0);
        assertEquals(SyncState.REJECTED, store.syncState(orphan.eventId()));
        assertTrue(store.rejectionReason(orphan.eventId()).contains("agent_404"));
        assertEquals(SyncState.SYNCED, store.syncState(mine.eventId()));
    }

    @Test
    @DisplayName("test_concurrent_recording_during_sync: every event reaches the server once")
    void eventsRecordedDuringSyncingAreEachSentOnce() throws Exception {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        AnalyticsSync sync =
                builder(options().syncInterval(Duration.ofMillis(5))).scheduler(scheduler).build();
        syncs.add(sync);
        sync.start();
        ExecutorService writers = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            done.add(
                    writers.submit(
                            () -> {
                                for (int i = 0; i < 15; i++) {
                                    record(completed(i + 1));
                                }
                            }));
        }
        for (Future<?> f : done) {
            f.get(10, TimeUnit.SECONDS);
        }
        writers.shutdown();
        sync.close(); // the rest goes out in the final flush

        assertEquals(60, server.analyticsEvents().size());
        assertEquals(60, server.callCount(Endpoint.ANALYTICS_EVENTS), "no event sent twice");
        assertTrue(store.unsynced(1).isEmpty());
    }

    @Test
    void aServerRefusingEveryCallStopsTheDrainAndRejectsNothing() {
        for (int i = 0; i < 25; i++) {
            record(completed(1_000));
        }
        // e.g. a proxy in front of the server during a deploy: not the events' fault
        server.failNext(
                Endpoint.ANALYTICS_EVENTS,
                1_000,
                Fault.status(404, "{\"error\":\"NOT_FOUND\",\"message\":\"no route\"}"));
        AnalyticsSync.Result r = sync().syncNow();

        assertTrue(r.failed(), "" + r);
        assertEquals(0, r.rejected(), "" + r);
        assertEquals(1, r.sent(), "the drain stops at the first refusal: " + r);
        assertEquals(25, store.unsynced(100).size(), "every event waits for the next cycle");
    }

    @Test
    void closeGivesUpOnACycleInFlightAtItsBoundAndMarksNothing() throws Exception {
        for (int i = 0; i < 3; i++) {
            record(completed(1_000));
        }
        CountDownLatch release = new CountDownLatch(1);
        server.failNext(Endpoint.ANALYTICS_EVENTS, 1, Fault.until(release));
        AnalyticsSync sync =
                builder(
                                options()
                                        .timeout(Duration.ofSeconds(120))
                                        .closeTimeout(Duration.ofMillis(200)))
                        .build();
        CompletableFuture<AnalyticsSync.Result> cycle =
                CompletableFuture.supplyAsync(sync::syncNow);
        try {
            Await.until(
                    Duration.ofSeconds(10),
                    "the server holds a call",
                    () -> server.callsAwaitingAnswer(Endpoint.ANALYTICS_EVENTS) >= 1);

            assertEquals(1, server.callsAwaitingAnswer(Endpoint.ANALYTICS_EVENTS));
            // the held call would take its 120 s timeout; close waits no more than its bound
            CompletableFuture.runAsync(sync::close).get(60, TimeUnit.SECONDS);
            assertEquals(3, store.unsynced(10).size(), "nothing marked without an answer");
            assertEquals(1, server.callCount(Endpoint.ANALYTICS_EVENTS));
        } finally {
            release.countDown();
        }
        cycle.get(30, TimeUnit.SECONDS);
    }

    @Test
    void theTokenStaysOutOfTheLogAndTheStore() throws Exception {
        AnalyticsEvent event = record(completed(1));
        // a 401 stops the sync (not the event's fault): logged without the token, nothing rejected
        server.failNext(
                Endpoint.ANALYTICS_EVENTS,
                1,
                Fault.status(
                        401,
                        "{\"error\":\"UNAUTHORIZED\",\"message\":\"Invalid or expired IC token "
                                + TOKEN
                                + "\"}"));
        Secrets.Captured<AnalyticsSync.Result> stopped = Secrets.capturingStderr(sync()::syncNow);
        assertTrue(stopped.value().failed());
        assertEquals(0, stopped.value().rejected());
        Secrets.assertAbsent(stopped.log(), TOKEN);
        assertNull(store.rejectionReason(event.eventId()));
        // a 400 refuses the event: its reason is stored, without the token
        server.failNext(
                Endpoint.ANALYTICS_EVENTS,
                1,
                Fault.status(
                        400,
                        "{\"error\":\"BAD_REQUEST\",\"message\":\"bad event from token "
                                + TOKEN
                                + "\"}"));
        Secrets.Captured<AnalyticsSync.Result> run = Secrets.capturingStderr(sync()::syncNow);

        assertEquals(1, run.value().rejected());
        Secrets.assertAbsent(run.log(), TOKEN);
        Secrets.assertAbsent(store.rejectionReason(event.eventId()), TOKEN);
        assertTrue(store.rejectionReason(event.eventId()).contains("<redacted>"));
        assertNull(store.rejectionReason(UUID.randomUUID().toString()));
    }
}
