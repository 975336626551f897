package io.ironcage.router.it.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.resilience.RetryOptions;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Retries and a fallback to the other provider in server mode: every attempt is settled on the
 * agent's lease, so the lease's reported spend, the ledger, the events in the router and the events
 * the control server got all agree to the µ$, and the lease returns exactly the rest.
 */
class ResilienceServerModeTest {
    private static final String TOKEN = "ic-token-RESILIENT-agent";
    private static final String OPENAI_KEY = "sk-proj-TESTKEY-resilient-openai";
    private static final String ANTHROPIC_KEY = "sk-ant-TESTKEY-resilient-anthropic";
    private static final String SERVER_KEY = "sk-proj-TESTKEY-server-side";
    private static final long LEASE = 1_000_000;

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    @StartStop final FakeProvider openAi = FakeProvider.openAi();
    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    private final InMemoryUsageEventSink events = InMemoryUsageEventSink.create();

    @Test
    void everyAttemptIsOnTheLeaseAndTheServerGetsEveryEvent() throws Exception {
        openAi.requireKey(OPENAI_KEY);
        anthropic.requireKey(ANTHROPIC_KEY);
        server.addAgent(
                TOKEN,
                Optional.of(ProviderType.OPENAI),
                Optional.of(SERVER_KEY),
                Optional.of(openAi.baseUri()),
                25_000_000);
        LlmRouter router =
                LlmRouter.builder()
                        .transport(new NettyTransportProvider())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri())))
                        .controlPlane(
                                ControlPlaneOptions.builder(server.baseUri())
                                        .timeout(Duration.ofSeconds(2))
                                        .leaseSize(Money.ofMicros(LEASE))
                                        .syncInterval(Duration.ofHours(1))
                                        .retryBackoff(Duration.ofMillis(20), Duration.ofMillis(100))
                                        .build())
                        .token(TOKEN)
                        .usageSink(events)
                        .retries(
                                RetryOptions.of(
                                        3,
                                        Duration.ofMillis(1),
                                        Duration.ofMillis(2),
                                        RetryOptions.DEFAULT_RETRY_ON))
                        .fallbacks(Map.of("gpt-4o", List.of("claude-haiku-4-5")))
                        .start();
        String leaseId = router.agents().list().get(0).leaseId().orElseThrow();
        // 1: a 503, then 2,000 in and 100 out on gpt-4o ($2.50 / $10): 5,000 + 1,000 = 6,000 µ$
        openAi.enqueue(FakeResponse.error(503, "server_error", "busy"));
        openAi.enqueue(FakeResponse.text("one").usage(2_000, 100));
        // 2: three 529s on gpt-4o, then claude-haiku-4-5 ($1 / $5): 4,000 + 500 = 4,500 µ$
        for (int i = 0; i < 3; i++) {
            openAi.enqueue(FakeResponse.error(529, "overloaded_error", "overloaded"));
        }
        anthropic.enqueue(FakeResponse.text("two").usage(4_000, 100));
        assertEquals(200, chat(router).statusCode());
        assertEquals(200, chat(router).statusCode());
        router.close(); // settles, reports, syncs every event and returns the lease

        long sum = 0;
        int attempts = 0;
        for (AnalyticsEvent event : events.events()) {
            if (event.payload() instanceof LlmRequestCompleted) {
                sum += ((LlmRequestCompleted) event.payload()).cost().micros();
                attempts++;
            } else if (event.payload() instanceof LlmRequestFailed) {
                sum += ((LlmRequestFailed) event.payload()).cost().micros();
                attempts++;
            }
        }
        assertEquals(6, attempts, "2 + 4 attempts, one event each");
        assertEquals(6_000 + 4_500, sum, "Σ events");
        assertEquals(Money.ofMicros(sum), router.totalSpent(), "the ledger");
        FakeControlPlane.Lease lease =
                server.leases().stream()
                        .filter(l -> l.leaseId().equals(leaseId))
                        .findFirst()
                        .orElseThrow();
        assertEquals(sum, lease.reportedSpentMicros(), "the lease reports");
        assertEquals(LEASE - sum, lease.returnedMicros(), "the return");
        long synced = 0;
        for (JsonNode json : server.analyticsEvents()) {
            if (json.path("event_type").asText().startsWith("llm_request")) {
                synced++;
            }
        }
        assertEquals(attempts, synced, "the control server got one event per attempt");
    }

    private static HttpResponse<String> chat(LlmRouter router) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(router.baseUrl() + "/chat/completions"))
                                .header("authorization", "Bearer " + TOKEN)
                                .header("content-type", "application/json")
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                "{\"model\":\"gpt-4o\",\"max_tokens\":100,"
                                                        + "\"messages\":[{\"role\":\"user\","
                                                        + "\"content\":\"hi\"}]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
