package io.ironcage.router.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.ironcage.router.core.spi.UsageEventSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link UsageEventSink} contract. Extend it with a factory for a fresh sink and a way to read
 * back what a closed sink kept:
 *
 * <pre>{@code
 * class SqliteUsageEventSinkTest extends UsageEventSinkContract {
 *     @TempDir Path dir;
 *
 *     @Override protected UsageEventSink createSink() {
 *         return SqliteUsageEventSink.open(dir.resolve("events.db"));
 *     }
 *
 *     @Override protected List<AnalyticsEvent> recorded(UsageEventSink closedSink) {
 *         return readAll(dir.resolve("events.db"));
 *     }
 * }
 * }</pre>
 *
 * <p>Checks: {@code record} never throws and does not block (10,000 events from 8 threads finish
 * well within a generous timeout); after {@code close} every recorded event is either kept, with
 * every field intact, or counted in {@code droppedCount()}; {@code close} is idempotent; {@code
 * record} after {@code close} does not throw and the event is kept or counted.
 *
 * <p>Counting a drop is the last resort, not a way to pass: without pressure (a few events from one
 * thread, or an event followed by {@code close}) every event must be kept, and of the burst at
 * least {@link #burstEventsKeptAtLeast()} (by default all of them). A sink that drops everything
 * and counts it fails this contract.
 */
public abstract class UsageEventSinkContract {
    /** Events in the burst test. */
    protected static final int BURST_EVENTS = 10_000;

    /** Threads in the burst test. */
    protected static final int BURST_THREADS = 8;

    private UsageEventSink sink;

    /** Creates the contract; subclasses supply the factory methods. */
    protected UsageEventSinkContract() {}

    /**
     * Returns a new, empty sink; called once per test.
     *
     * @return the sink under test
     */
    protected abstract UsageEventSink createSink();

    /**
     * Returns every event the sink kept, in any order, read after it was closed (for a store: read
     * back from storage).
     *
     * @param closedSink the sink from {@link #createSink()}, already closed
     * @return the kept events
     */
    protected abstract List<AnalyticsEvent> recorded(UsageEventSink closedSink);

    /**
     * Returns how long the burst may take before it counts as blocking. Generous by default (the
     * build machine may be slow and shared); an implementation may tighten it.
     *
     * @return the limit
     */
    protected Duration burstTimeout() {
        return Duration.ofSeconds(30);
    }

    /**
     * Returns how many of the burst's {@value #BURST_EVENTS} events the sink must keep. By default
     * all: 10,000 events are no pressure for a sink meant for production. A sink whose buffer is
     * deliberately smaller may lower it to what it guarantees to keep, never to zero.
     *
     * @return the least number kept, {@code 1} to {@value #BURST_EVENTS}
     */
    protected int burstEventsKeptAtLeast() {
        return BURST_EVENTS;
    }

    @BeforeEach
    final void createSinkUnderTest() {
        sink = createSink();
    }

    @AfterEach
    final void closeSinkUnderTest() {
        if (sink != null) {
            sink.close();
        }
    }

    /**
     * Returns the sink of the current test.
     *
     * @return the sink
     */
    protected final UsageEventSink sink() {
        return sink;
    }

    @Test
    final void startsWithNothingDropped() {
        assertEquals(0, sink.droppedCount());
    }

    @Test
    final void keepsEveryPayloadTypeWithEveryField() {
        List<AnalyticsEvent> sent = everyShape();
        for (AnalyticsEvent event : sent) {
            assertDoesNotThrow(() -> sink.record(event));
        }
        sink.close();
        List<AnalyticsEvent> kept = recorded(sink);
        Map<String, AnalyticsEvent> byId = byId(kept);
        for (AnalyticsEvent event : sent) {
            AnalyticsEvent back = byId.get(event.eventId());
            assertNotNull(
                    back,
                    "seven events from one thread put no pressure on a sink: each must be kept, not"
                            + " dropped ("
                            + event.eventType()
                            + " is missing)");
            assertEquals(event, back, "a kept event keeps every field");
        }
        assertEquals(sent.size(), kept.size(), "nothing else is kept");
        assertEquals(0, sink.droppedCount(), "nothing is dropped without pressure");
    }

    @Test
    final void aBurstFromManyThreadsCompletesAndLosesNothingSilently() {
        List<String> ids =
                assertTimeoutPreemptively(
                        burstTimeout(),
                        this::recordBurst,
                        () ->
                                BURST_EVENTS
                                        + " record calls from "
                                        + BURST_THREADS
                                        + " threads did not finish: record must not block");
        sink.close();
        List<AnalyticsEvent> kept = recorded(sink);
        Set<String> keptIds = byId(kept).keySet();
        assertEquals(kept.size(), keptIds.size(), "no event is kept twice");
        assertTrue(ids.containsAll(keptIds), "only recorded events are kept");
        assertEquals(
                BURST_EVENTS,
                kept.size() + sink.droppedCount(),
                "every event is kept or counted as dropped");
        assertTrue(
                kept.size() >= burstEventsKeptAtLeast(),
                "the sink kept "
                        + kept.size()
                        + " of "
                        + BURST_EVENTS
                        + " events, fewer than the "
                        + burstEventsKeptAtLeast()
                        + " it must keep; counting a drop does not excuse it");
    }

    @Test
    final void closeIsIdempotentAndKeepsWhatCameBefore() {
        AnalyticsEvent started = event(new RouterStarted(8080));
        sink.record(started);
        assertDoesNotThrow(sink::close);
        assertDoesNotThrow(sink::close);
        assertEquals(List.of(started), recorded(sink), "an event recorded before close is kept");
        assertEquals(0, sink.droppedCount());
    }

    @Test
    final void recordWithoutWaitingKeepsTheEventAtOnceWhileThereIsRoom() {
        AnalyticsEvent started = event(new RouterStarted(8080));
        Optional<Runnable> rest = sink.recordWithoutWaiting(started);
        assertEquals(Optional.empty(), rest, "an idle sink has room: nothing is handed back");
        sink.close();
        assertEquals(List.of(started), recorded(sink));
        assertEquals(0, sink.droppedCount());
    }

    @Test
    final void recordAfterCloseDoesNotThrowAndIsKeptOrCounted() {
        sink.close();
        AnalyticsEvent late = event(new RouterStopped(1, Money.ofMicros(5)));
        assertDoesNotThrow(() -> sink.record(late));
        boolean kept = byId(recorded(sink)).containsKey(late.eventId());
        assertTrue(kept || sink.droppedCount() == 1, "kept, or counted as dropped");
    }

    private List<String> recordBurst() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(BURST_THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < BURST_THREADS; t++) {
                int thread = t;
                futures.add(
                        pool.submit(
                                () -> {
                                    List<String> mine = new ArrayList<>();
                                    start.await();
                                    for (int i = thread; i < BURST_EVENTS; i += BURST_THREADS) {
                                        AnalyticsEvent e = event(completed(i));
                                        mine.add(e.eventId());
                                        sink.record(e);
                                    }
                                    return mine;
                                }));
            }
            start.countDown();
            List<String> ids = new ArrayList<>();
            for (Future<List<String>> f : futures) {
                ids.addAll(f.get());
            }
            return ids;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Map<String, AnalyticsEvent> byId(List<AnalyticsEvent> events) {
        Map<String, AnalyticsEvent> byId = new HashMap<>();
        for (AnalyticsEvent e : events) {
            byId.put(e.eventId(), e);
        }
        return byId;
    }

    private static AnalyticsEvent event(EventPayload payload) {
        return AnalyticsEvent.of(UUID.randomUUID().toString(), 1_767_225_600_000L, payload);
    }

    private static LlmRequestCompleted completed(int i) {
        return LlmRequestCompleted.priced(
                LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                TokenUsage.of(10 + i, 5),
                Money.ofMicros(i),
                RequestMeta.of(200, 3));
    }

    /**
     * One event of every payload type, with optional fields both present and absent.
     *
     * @return the events
     */
    protected static List<AnalyticsEvent> everyShape() {
        LlmModelMeta anthropic =
                LlmModelMeta.of(ProviderType.ANTHROPIC, "claude-sonnet-4-5")
                        .withProviderId("pk_42");
        RequestMeta streamed =
                new RequestMeta(
                        Optional.of("req_011CU"), 1_234, OptionalLong.of(87), true, true, 200);
        return List.of(
                event(
                                LlmRequestCompleted.priced(
                                        anthropic,
                                        new TokenUsage(1_000, 200, 3_000, 400),
                                        Money.ofMicros(12_345),
                                        streamed))
                        .withAgentId("agent_1"),
                event(
                        LlmRequestCompleted.unpriced(
                                new LlmModelMeta("unknown", Optional.empty(), "my-local-model"),
                                TokenUsage.of(7, 3),
                                RequestMeta.of(200, 15))),
                event(
                                LlmRequestFailed.of(
                                        LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o"),
                                        "429",
                                        "Rate limit reached",
                                        new RequestMeta(
                                                Optional.of("req_abc"),
                                                40,
                                                OptionalLong.of(39),
                                                false,
                                                false,
                                                429)))
                        .withAgentId("agent_1"),
                event(
                        new LlmRequestFailed(
                                new LlmModelMeta("openai", Optional.empty(), ""),
                                Optional.empty(),
                                Optional.empty(),
                                RequestMeta.of(502, 2))),
                event(
                        new BudgetThresholdReached(
                                80, Money.ofMicros(800_000), Money.ofMicros(1_000_000))),
                event(new RouterStarted(54_321)),
                event(new RouterStopped(12, Money.ofMicros(99_999))));
    }
}
