package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.controlplane.AnalyticsSync;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UsageEventStore.SyncState;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeControlPlane.Endpoint;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's "sync after a restart re-sends nothing", on the durable store: the sync state lives in
 * the SQLite file, so a router that stops half-way through a sync (or is killed) and starts again
 * on the same file sends exactly the events the server has not acknowledged, each once.
 */
class SqliteSyncRestartTest {
    private static final String TOKEN = "ic-SQLITE-sync-token-2718";
    private static final String AGENT = "agent_3";

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    @TempDir Path dir;
    private final HttpTransport transport =
            new JdkHttpTransportProvider().httpTransport(Duration.ofSeconds(2));

    @AfterEach
    void close() {
        transport.close();
    }

    private AnalyticsSync sync(SqliteUsageEventSink store) {
        return AnalyticsSync.builder(
                        ControlPlaneOptions.builder(server.baseUri())
                                .timeout(Duration.ofSeconds(2))
                                .syncBatchSize(10)
                                .build(),
                        transport,
                        store,
                        agent -> agent.filter(AGENT::equals).map(a -> TOKEN))
                .clock(Clock.systemUTC())
                .build();
    }

    private static AnalyticsEvent completed(int i) {
        long at = 1_767_225_600_000L + i;
        return AnalyticsEvent.of(
                        AnalyticsEvent.newEventId(at),
                        at,
                        LlmRequestCompleted.priced(
                                LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                                TokenUsage.of(100 + i, 10),
                                Money.ofMicros(1_000 + i),
                                RequestMeta.of(200, 12)))
                .withAgentId(AGENT);
    }

    @Test
    @DisplayName("a restart on the same SQLite file sends only what was not acknowledged, once")
    void aRestartOnTheSameFileSendsOnlyTheRest() {
        server.addAgent(TOKEN, ProviderType.OPENAI, "sk-x", 1_000_000);
        Path file = dir.resolve("usage.db");
        List<AnalyticsEvent> events = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            events.add(completed(i));
        }
        try (SqliteUsageEventSink store = SqliteUsageEventSink.open(file)) {
            store.record(AnalyticsEvent.of(AnalyticsEvent.newEventId(1), 1, new RouterStarted(1)));
            events.subList(0, 10).forEach(store::record);
        } // close() commits everything

        // first run: the 10 events there are acknowledged (a cycle drains the store), then the
        // process stops without a final flush; 15 more are recorded before the next start
        try (SqliteUsageEventSink store = SqliteUsageEventSink.open(file)) {
            AnalyticsSync first = sync(store);
            assertEquals(10, first.syncNow().synced());
            assertEquals(SyncState.SYNCED, store.syncState(events.get(0).eventId()));
            events.subList(10, 25).forEach(store::record);
        }
        assertEquals(10, server.callCount(Endpoint.ANALYTICS_EVENTS));

        // second run on the same file: the 15 left, each once, in two batches of one cycle; then
        // nothing
        try (SqliteUsageEventSink store = SqliteUsageEventSink.open(file)) {
            assertEquals(SyncState.UNSYNCED, store.syncState(events.get(10).eventId()));
            AnalyticsSync again = sync(store);
            assertEquals(15, again.syncNow().synced());
            assertEquals(0, again.syncNow().sent());
            again.close();
        }
        // third run: everything acknowledged survives the restart
        try (SqliteUsageEventSink store = SqliteUsageEventSink.open(file)) {
            assertEquals(0, sync(store).syncNow().sent());
            for (AnalyticsEvent e : events) {
                assertEquals(SyncState.SYNCED, store.syncState(e.eventId()), e.eventId());
            }
        }
        assertEquals(25, server.callCount(Endpoint.ANALYTICS_EVENTS), "no event sent twice");
        Set<String> ids = new HashSet<>();
        for (JsonNode sent : server.analyticsEvents()) {
            ids.add(sent.get("event_id").asText());
        }
        Set<String> expected = new HashSet<>();
        events.forEach(e -> expected.add(e.eventId()));
        assertEquals(expected, ids, "every LLM event reached the server; the start event did not");
    }
}
