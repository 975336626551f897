package io.ironcage.router.it.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.core.controlplane.AnalyticsSync;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.RequestMeta;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A cycle drains the store with several calls in flight, bounded, and stops on a failure. */
class AnalyticsSyncDrainTest {
    /** A random source whose draws are always the top of their range: the backoff's ceiling. */
    static final RandomGenerator CEILING =
            new RandomGenerator() {
                @Override
                public long nextLong() {
                    return Long.MAX_VALUE;
                }

                @Override
                public long nextLong(long bound) {
                    return bound - 1;
                }
            };

    private static final String TOKEN = "ic-DRAIN-secret-token-3141";
    private static final String AGENT = "agent_1";

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    private final HttpTransport transport =
            new JdkHttpTransportProvider().httpTransport(Duration.ofSeconds(2));
    private final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryUsageEventSink store = InMemoryUsageEventSink.create();
    private final List<AnalyticsSync> syncs = new ArrayList<>();

    @BeforeEach
    void addAgent() {
        server.addAgent(TOKEN, ProviderType.OPENAI, "sk-x", 1_000_000);
    }

    @AfterEach
    void stop() {
        syncs.forEach(AnalyticsSync::close);
        transport.close();
    }

    private AnalyticsSync sync(int batchSize, int concurrency, RandomGenerator random) {
        AnalyticsSync sync =
                AnalyticsSync.builder(
                                ControlPlaneOptions.builder(server.baseUri())
                                        .timeout(Duration.ofSeconds(5))
                                        .syncBatchSize(batchSize)
                                        .syncConcurrency(concurrency)
                                        .build(),
                                transport,
                                store,
                                agent -> agent.filter(AGENT::equals).map(a -> TOKEN))
                        .clock(clock)
                        .random(random)
                        .build();
        syncs.add(sync);
        return sync;
    }

    private List<AnalyticsEvent> record(int n) {
        List<AnalyticsEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            AnalyticsEvent event =
                    AnalyticsEvent.of(
                                    UUID.randomUUID().toString(),
                                    clock.millis() + i,
                                    LlmRequestCompleted.priced(
                                            LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                                            TokenUsage.of(10, 5),
                                            Money.ofMicros(1_000 + i),
                                            RequestMeta.of(200, 3)))
                            .withAgentId(AGENT);
            store.record(event);
            out.add(event);
        }
        return out;
    }

    /** Every event reached the server exactly once, with its own cost. */
    private void assertEachReceivedOnce(List<AnalyticsEvent> events) {
        List<JsonNode> received = server.analyticsEvents();
        assertEquals(events.size(), received.size());
        Set<String> ids = new HashSet<>();
        long costs = 0;
        for (JsonNode json : received) {
            ids.add(json.get("event_id").asText());
            costs += json.get("cost_micros").asLong();
        }
        Set<String> expected = new HashSet<>();
        long expectedCosts = 0;
        for (AnalyticsEvent e : events) {
            expected.add(e.eventId());
            expectedCosts += ((LlmRequestCompleted) e.payload()).cost().micros();
        }
        assertEquals(expected, ids);
        assertEquals(expectedCosts, costs, "µ$ add up exactly");
        for (AnalyticsEvent e : events) {
            assertEquals(SyncState.SYNCED, store.syncState(e.eventId()), e.eventId());
        }
    }

    @Test
    void aCycleDrainsMoreThanOneBatch() {
        List<AnalyticsEvent> events = record(35);

        AnalyticsSync.Result result = sync(10, 4, CEILING).runIfDue();

        assertEquals(new AnalyticsSync.Result(35, 35, 0, false), result, "four batches, one cycle");
        assertEachReceivedOnce(events);
        assertEquals(35, server.callCount(Endpoint.ANALYTICS_EVENTS), "no event sent twice");
        assertTrue(store.unsynced(1).isEmpty());
    }

    @Test
    void noMoreCallsAreInFlightThanTheConcurrencyAndConnectionsAreReused() throws Exception {
        List<AnalyticsEvent> events = record(40);
        CountDownLatch gate = new CountDownLatch(1);
        server.failNext(Endpoint.ANALYTICS_EVENTS, 40, Fault.until(gate));
        AnalyticsSync sync = sync(50, 8, CEILING);

        CompletableFuture<AnalyticsSync.Result> cycle =
                CompletableFuture.supplyAsync(sync::syncNow);
        Await.until(
                Duration.ofSeconds(10),
                "8 calls are held by the server",
                () -> server.callsAwaitingAnswer(Endpoint.ANALYTICS_EVENTS) == 8);
        gate.countDown();
        AnalyticsSync.Result result = cycle.get(20, TimeUnit.SECONDS);

        assertEquals(new AnalyticsSync.Result(40, 40, 0, false), result);
        assertEquals(8, server.mostCallsAtOnce(Endpoint.ANALYTICS_EVENTS), "never more than 8");
        assertEachReceivedOnce(events);
        assertTrue(
                server.connectionsSeen() < 40,
                "kept-alive connections carry several calls: " + server.connectionsSeen());
    }

    @Test
    void oneCallAtATimeWhenTheConcurrencyIsOne() {
        List<AnalyticsEvent> events = record(12);

        assertEquals(12, sync(5, 1, CEILING).syncNow().synced());

        assertEquals(1, server.mostCallsAtOnce(Endpoint.ANALYTICS_EVENTS));
        assertEachReceivedOnce(events);
    }

    @Test
    void aFailureInTheMiddleOfADrainStopsItBacksOffAndLosesNothing() {
        List<AnalyticsEvent> events = record(30);
        // the first 12 calls are answered as usual, the 13th gets a 503
        server.failNext(Endpoint.ANALYTICS_EVENTS, 12, Fault.delay(Duration.ZERO));
        server.failNext(
                Endpoint.ANALYTICS_EVENTS,
                1,
                Fault.status(503, "{\"error\":\"SERVICE_UNAVAILABLE\",\"message\":\"later\"}"));
        AnalyticsSync sync = sync(10, 4, CEILING);

        AnalyticsSync.Result first = sync.runIfDue();

        assertTrue(first.failed());
        assertTrue(first.sent() >= 13 && first.sent() <= 20, "stopped in the second batch");
        assertEquals(first.sent() - 1, first.synced(), "the calls in flight were recorded");
        assertEquals(first.synced(), server.analyticsEvents().size());
        assertEquals(30 - first.synced(), store.unsynced(100).size(), "the rest is kept");
        assertEquals(
                Optional.of(clock.instant().plusSeconds(1)),
                sync.backingOffUntil(),
                "the first backoff's ceiling, drawn by the injected random source");
        assertEquals(0, sync.runIfDue().sent(), "nothing during the backoff");

        clock.advance(Duration.ofSeconds(1));
        AnalyticsSync.Result second = sync.runIfDue();

        assertEquals(
                new AnalyticsSync.Result(30 - first.synced(), 30 - first.synced(), 0, false),
                second);
        assertEachReceivedOnce(events);
        assertEquals(
                31,
                server.callCount(Endpoint.ANALYTICS_EVENTS),
                "only the refused event went twice");
        assertEquals(Optional.empty(), sync.backingOffUntil());
    }

    @Test
    void theFinalFlushStartsNoCallPastItsBound() {
        record(10);
        server.failNext(Endpoint.ANALYTICS_EVENTS, 10, Fault.delay(Duration.ofMillis(200)));
        AnalyticsSync sync =
                AnalyticsSync.builder(
                                ControlPlaneOptions.builder(server.baseUri())
                                        .timeout(Duration.ofSeconds(5))
                                        .syncBatchSize(10)
                                        .syncConcurrency(1)
                                        .closeTimeout(Duration.ofMillis(500))
                                        .build(),
                                transport,
                                store,
                                agent -> agent.filter(AGENT::equals).map(a -> TOKEN))
                        .clock(Clock.systemUTC()) // the bound is measured on this clock
                        .build();
        syncs.add(sync);

        sync.close();

        int calls = server.callCount(Endpoint.ANALYTICS_EVENTS);
        assertTrue(
                calls >= 1 && calls <= 3,
                "each call is cut to what is left of 500 ms, none starts after: " + calls);
        assertEquals(
                10 - server.analyticsEvents().size(),
                store.unsynced(100).size(),
                "what was not acknowledged is kept for next time");
    }

    @Test
    void theBackoffIsAJitteredWaitUpToADoublingCeiling() {
        record(1);
        List<Long> bounds = new ArrayList<>();
        RandomGenerator lowest =
                new RandomGenerator() {
                    @Override
                    public long nextLong() {
                        return 0;
                    }

                    @Override
                    public long nextLong(long bound) {
                        bounds.add(bound);
                        return 0;
                    }
                };
        server.goOffline();
        AnalyticsSync sync = sync(10, 2, lowest);

        assertTrue(sync.runIfDue().failed());
        assertEquals(Optional.of(clock.instant()), sync.backingOffUntil(), "a draw of 0 waits 0");
        assertTrue(sync.runIfDue().failed(), "due again at once");
        assertEquals(
                List.of(Duration.ofSeconds(1).toNanos() + 1, Duration.ofSeconds(2).toNanos() + 1),
                bounds,
                "drawn from [0, 1 s], then [0, 2 s]");
    }
}
