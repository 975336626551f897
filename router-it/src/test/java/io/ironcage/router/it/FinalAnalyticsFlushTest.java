package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.analytics.sqlite.SqliteOptions;
import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.spi.UsageEventStore.SyncState;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After {@link LlmRouter#close()} returns, every event recorded before it has been offered to a
 * healthy control server: the sink is flushed into the store first, then synced. The sync interval
 * is an hour, so only the final flush can deliver them.
 */
class FinalAnalyticsFlushTest {
    private static final String TOKEN = "ic-FLUSH-secret-token-1123";
    private static final String KEY = "sk-proj-FLUSH-secret";
    private static final int REQUESTS = 20;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    @StartStop final FakeProvider provider = FakeProvider.openAi();
    @TempDir Path dir;

    private LlmRouter.Builder router() {
        provider.requireKey(KEY);
        server.addAgent(
                TOKEN,
                Optional.of(ProviderType.OPENAI),
                Optional.of(KEY),
                Optional.of(provider.baseUri()),
                50_000_000);
        for (int i = 0; i < REQUESTS; i++) {
            provider.enqueue(FakeResponse.text("ok").usage(1_000 + 37L * i, 50 + i));
        }
        return LlmRouter.builder()
                .transport(new JdkHttpTransportProvider())
                .controlPlane(
                        ControlPlaneOptions.builder(server.baseUri())
                                .timeout(Duration.ofSeconds(5))
                                .syncInterval(Duration.ofHours(1))
                                .returnOnShutdown(false)
                                .build())
                .token(TOKEN);
    }

    private static void chat(LlmRouter router) {
        try {
            HttpResponse<String> response =
                    HTTP.send(
                            HttpRequest.newBuilder(
                                            URI.create(router.baseUri() + "/v1/chat/completions"))
                                    .timeout(Duration.ofSeconds(10))
                                    .header("authorization", "Bearer " + TOKEN)
                                    .header("content-type", "application/json")
                                    .POST(
                                            HttpRequest.BodyPublishers.ofString(
                                                    "{\"model\":\"gpt-4o-mini\",\"messages\":"
                                                            + "[{\"role\":\"user\",\"content\":"
                                                            + "\"hi\"}]}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** N requests, then close; the fake got exactly those N events, each with its own µ$ cost. */
    private Map<String, Long> requestsThenClose(LlmRouter router) {
        for (int i = 0; i < REQUESTS; i++) {
            chat(router);
        }
        router.close();
        Map<String, Long> costs = new HashMap<>();
        long total = 0;
        for (AnalyticsEvent event : router.recentEvents()) {
            if (event.payload() instanceof LlmRequestCompleted) {
                long micros = ((LlmRequestCompleted) event.payload()).cost().micros();
                costs.put(event.eventId(), micros);
                total += micros;
            }
        }
        assertEquals(REQUESTS, costs.size());
        assertEquals(router.totalSpent().micros(), total);
        assertTrue(total > 0);
        Map<String, Long> received = new HashMap<>();
        for (JsonNode json : server.analyticsEvents()) {
            received.put(json.get("event_id").asText(), json.get("cost_micros").asLong());
        }
        assertEquals(costs, received, "exactly the N events, each with its cost in µ$");
        assertEquals(
                REQUESTS,
                server.callCount(FakeControlPlane.Endpoint.ANALYTICS_EVENTS),
                "each sent once");
        return costs;
    }

    @Test
    void closeDeliversEveryEventTheSqliteWriterStillHeld() {
        // a flush interval far longer than the test: at close the events are still queued
        SqliteUsageEventSink store =
                SqliteUsageEventSink.open(
                        dir.resolve("usage.db"),
                        SqliteOptions.builder().flushInterval(Duration.ofMinutes(10)).build());
        LlmRouter router = router().usageSink(store).start();

        Map<String, Long> costs = requestsThenClose(router);

        for (String id : costs.keySet()) {
            assertEquals(SyncState.SYNCED, store.syncState(id), id);
        }
    }

    @Test
    void closeDeliversEveryEventOfTheInMemoryStore() {
        requestsThenClose(router().start());
    }
}
