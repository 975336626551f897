package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.LlmRequestPayload;
import io.ironcage.router.core.domain.analytics.RequestMeta;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's id of each caller's request and its attempt number, end to end: the answer's {@code
 * x-iron-router-request-id}, the event in the SQLite file and the event the control server got all
 * name the same request. Retries do not exist yet, so each request is its one attempt 1; distinct
 * requests must get distinct ids.
 */
class RequestAttemptEventsTest {
    private static final String TOKEN = "ic-ATTEMPT-secret-token-4242";
    private static final String KEY = "sk-proj-ATTEMPT-secret";
    private static final String HEADER = "x-iron-router-request-id";
    private static final Pattern ID = Pattern.compile("req_[0-9a-f]{24}");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    @StartStop final FakeProvider provider = FakeProvider.openAi();
    @TempDir Path dir;

    private static HttpResponse<String> chat(LlmRouter router, boolean stream) {
        String body =
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
                        + (stream
                                ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}"
                                : "}");
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create(router.baseUri() + "/v1/chat/completions"))
                            .timeout(Duration.ofSeconds(10))
                            .header("authorization", "Bearer " + TOKEN)
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String idOf(HttpResponse<String> answer) {
        List<String> ids = answer.headers().allValues(HEADER);
        assertEquals(1, ids.size(), "one " + HEADER + ": " + answer.headers().map());
        assertTrue(ID.matcher(ids.get(0)).matches(), ids.get(0));
        return ids.get(0);
    }

    @Test
    void eachRequestsIdAndAttemptReachTheCallerTheSqliteFileAndTheControlServer() {
        provider.requireKey(KEY);
        server.addAgent(
                TOKEN,
                Optional.of(ProviderType.OPENAI),
                Optional.of(KEY),
                Optional.of(provider.baseUri()),
                50_000_000);
        provider.enqueue(FakeResponse.text("one").usage(1_000, 50));
        provider.enqueue(FakeResponse.text("two").usage(2_000, 60));
        // the third request: a 429, retried at once (retry-after-ms: 0), then answered
        provider.enqueue(
                FakeResponse.error(429, "rate_limit_exceeded", "slow down")
                        .header("retry-after-ms", "0"));
        provider.enqueue(FakeResponse.text("three").usage(3_000, 70));
        Path file = dir.resolve("usage.db");
        SqliteUsageEventSink store = SqliteUsageEventSink.open(file);
        LlmRouter router =
                LlmRouter.builder()
                        .transport(new JdkHttpTransportProvider())
                        .controlPlane(
                                ControlPlaneOptions.builder(server.baseUri())
                                        .timeout(Duration.ofSeconds(5))
                                        .syncInterval(Duration.ofHours(1))
                                        .returnOnShutdown(false)
                                        .build())
                        .token(TOKEN)
                        .usageSink(store)
                        .start();

        HttpResponse<String> plain = chat(router, false);
        HttpResponse<String> streamed = chat(router, true);
        HttpResponse<String> retried = chat(router, false);
        router.close(); // the final flush syncs every event

        assertEquals(200, plain.statusCode(), plain.body());
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertTrue(streamed.body().contains("data: [DONE]"), "a real stream");
        assertEquals(200, retried.statusCode(), retried.body());
        assertEquals("2", retried.headers().firstValue("x-iron-router-attempts").orElseThrow());
        Set<String> answered = Set.of(idOf(plain), idOf(streamed), idOf(retried));
        assertEquals(3, answered.size(), "distinct requests, distinct ids");
        // each request's attempts, in order: "attempt:event type"
        Map<String, List<String>> expected =
                Map.of(
                        idOf(plain), List.of("1:" + LlmRequestCompleted.EVENT_TYPE),
                        idOf(streamed), List.of("1:" + LlmRequestCompleted.EVENT_TYPE),
                        idOf(retried),
                                List.of(
                                        "1:" + LlmRequestFailed.EVENT_TYPE,
                                        "2:" + LlmRequestCompleted.EVENT_TYPE));

        Map<String, List<String>> stored = new HashMap<>();
        try (SqliteUsageEventSink reopened = SqliteUsageEventSink.open(file)) {
            for (AnalyticsEvent event : reopened.events()) {
                if (event.payload() instanceof LlmRequestPayload) {
                    RequestMeta request = ((LlmRequestPayload) event.payload()).request();
                    stored.computeIfAbsent(request.routerRequestId(), k -> new ArrayList<>())
                            .add(request.attempt() + ":" + event.eventType());
                }
            }
        }
        assertEquals(expected, stored, "the file links each request's attempts by its id");

        Map<String, List<String>> synced = new HashMap<>();
        for (JsonNode json : server.analyticsEvents()) {
            assertTrue(json.get("attempt").isInt(), json.toString());
            synced.computeIfAbsent(json.get("router_request_id").asText(), k -> new ArrayList<>())
                    .add(json.get("attempt").asInt() + ":" + json.get("event_type").asText());
        }
        // several sync calls may be in flight: the server's order is not strictly the router's
        synced.values().forEach(java.util.Collections::sort);
        assertEquals(4, server.analyticsEvents().size());
        assertEquals(expected, synced, "the control server got each attempt, linked");
    }
}
