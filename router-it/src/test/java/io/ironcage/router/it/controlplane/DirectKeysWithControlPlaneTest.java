package io.ironcage.router.it.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.agent.AgentStatus;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeControlPlane.Endpoint;
import io.ironcage.router.testkit.FakeControlPlane.Lease;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.RecordedRequest;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Direct keys with the control server (the reference's {@code create_full}): the provider key is
 * the router's own, while the lease and the analytics sync are the control server's.
 */
class DirectKeysWithControlPlaneTest {
    private static final String TOKEN = "ic-HYBRID-secret-0001";
    private static final String YAML_KEY = "sk-proj-YAML-KEY-secret";
    private static final String SERVER_KEY = "sk-proj-SERVER-KEY-secret";
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    @StartStop final FakeProvider provider = FakeProvider.openAi();

    private final List<LlmRouter> routers = new ArrayList<>();
    private final InMemoryUsageEventSink events = InMemoryUsageEventSink.create();

    @AfterEach
    void closeRouters() {
        routers.forEach(LlmRouter::close);
    }

    /**
     * An agent the server knows, with a key of its own for OpenAI (the handshake needs the server
     * to have one for the provider): the provider accepts only the yaml key, so a request on the
     * server's key would fail.
     */
    private void agent(long budgetMicros) {
        provider.requireKey(YAML_KEY);
        server.addAgent(
                TOKEN,
                Optional.of(ProviderType.OPENAI),
                Optional.of(SERVER_KEY),
                Optional.of(provider.baseUri()),
                budgetMicros);
    }

    private LlmRouter.Builder builder(long leaseMicros) {
        return LlmRouter.builder()
                .transport(new JdkHttpTransportProvider())
                .providerKeys(
                        ProviderKeySource.fixed(
                                new ProviderKey(
                                        ProviderType.OPENAI,
                                        YAML_KEY,
                                        Optional.of(provider.baseUri()))))
                .controlPlane(
                        ControlPlaneOptions.builder(server.baseUri())
                                .timeout(Duration.ofSeconds(2))
                                .leaseSize(Money.ofMicros(leaseMicros))
                                .retryBackoff(Duration.ofMillis(20), Duration.ofMillis(100))
                                .build())
                .token(TOKEN)
                .usageSink(events)
                .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    private LlmRouter start(LlmRouter.Builder builder) {
        LlmRouter router = builder.start();
        routers.add(router);
        return router;
    }

    private static HttpResponse<String> post(LlmRouter router, String body) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create(router.baseUrl() + "/chat/completions"))
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

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError(response.body(), e);
        }
    }

    private Lease lease(String leaseId) {
        return server.leases().stream()
                .filter(l -> l.leaseId().equals(leaseId))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void theYamlKeyIsUsedWhileTheLeaseAndTheAnalyticsAreTheControlServers(@TempDir Path dir)
            throws Exception {
        agent(25_000_000);
        Path file = dir.resolve("router.yaml");
        Files.writeString(
                file,
                "listen: 127.0.0.1:0\n"
                        + "transport: jdk\n"
                        + "token: "
                        + TOKEN
                        + "\n"
                        + "providers:\n"
                        + "  openai:\n"
                        + "    key: "
                        + YAML_KEY
                        + "\n"
                        + "    base-url: "
                        + provider.baseUri()
                        + "\n"
                        + "control-plane:\n"
                        + "  url: "
                        + server.baseUri()
                        + "\n"
                        + "  lease-usd: 1.00\n");
        LlmRouter router = LlmRouter.fromConfig(file);
        routers.add(router);
        assertEquals(Optional.of(Money.ofMicros(1_000_000)), router.budget(), "the lease");
        // gpt-4o-mini: 1,000 input tokens at $0.15/M and 500 output at $0.60/M = 150 + 300 µ$
        provider.enqueue(FakeResponse.text("Hello!").usage(1_000, 500));

        HttpResponse<String> answer = post(router, CHAT);

        assertEquals(200, answer.statusCode(), answer.body());
        RecordedRequest upstream = provider.takeRequest(Duration.ofSeconds(2));
        assertEquals("Bearer " + YAML_KEY, upstream.header("authorization").orElseThrow());
        assertEquals(Money.ofMicros(450), router.totalSpent());
        String leaseId = router.agents().list().get(0).leaseId().orElseThrow();
        assertEquals("openai", lease(leaseId).provider(), "the lease is for the key's provider");
        assertEquals(1, server.callCount(Endpoint.HANDSHAKE));

        List<LlmRequestCompleted> completed =
                router.recentEvents().stream()
                        .filter(e -> e.payload() instanceof LlmRequestCompleted)
                        .map(e -> (LlmRequestCompleted) e.payload())
                        .toList();
        assertEquals(1, completed.size());
        assertEquals(Money.ofMicros(450), completed.get(0).cost());

        router.close();
        Lease returned = lease(leaseId);
        assertEquals(450, returned.reportedSpentMicros(), "the spend was reported");
        assertEquals("closed", returned.status());
        assertEquals(1_000_000 - 450, returned.returnedMicros());
        assertEquals(25_000_000 - 450, server.remainingMicros("agent_1"));
        List<JsonNode> synced = server.analyticsEvents();
        assertEquals(1, synced.size(), synced.toString());
        assertEquals(TOKEN, synced.get(0).get("ic_token").asText(), "synced with the IC token");
        assertEquals(450, synced.get(0).get("cost_micros").asLong());
        assertEquals(0, server.callCount(Endpoint.PROVIDER_KEY), "no key was ever fetched");
    }

    @Test
    void aLocalBudgetIsACeilingOnTheLeaseAndBothHold() {
        agent(25_000_000);
        // the local budget is the smaller: it is what a request must fit under
        LlmRouter small = start(builder(1_000_000).budget(Money.ofMicros(500)));
        assertEquals(Optional.of(Money.ofMicros(500)), small.budget());
        HttpResponse<String> refused = post(small, CHAT); // reserves 1,000 × $0.60/M = 600 µ$+
        assertEquals(402, refused.statusCode(), refused.body());
        assertEquals(0, provider.requestCount(), "refused before the provider");
        assertEquals(1, server.callCount(Endpoint.HANDSHAKE), "the lease was still taken");
        small.close();

        // the lease is the smaller: the local budget does not lift it
        LlmRouter leased = start(builder(700).budget(Money.ofMicros(1_000_000)));
        assertEquals(Optional.of(Money.ofMicros(700)), leased.budget());
        provider.enqueue(FakeResponse.text("Hello!").usage(1_000, 500));
        assertEquals(200, post(leased, CHAT).statusCode());
        assertEquals(Money.ofMicros(450), leased.totalSpent());
        // 250 µ$ of the lease is left (more than the 20 % that would renew it): too little
        HttpResponse<String> over = post(leased, CHAT);
        assertEquals(402, over.statusCode(), over.body());
        assertEquals(1, provider.requestCount());
    }

    @Test
    void aRefusedHandshakeRefusesRequestsWithTheServersAnswerAndUsesNoKey() {
        agent(0); // nothing left to lease
        LlmRouter router = start(builder(1_000_000));
        assertTrue(router.isRunning(), "the router still starts");

        HttpResponse<String> answer = post(router, CHAT);

        assertEquals(403, answer.statusCode(), answer.body());
        JsonNode error = json(answer).get("error");
        assertEquals("control_plane_refused", error.get("code").asText());
        assertTrue(error.get("message").asText().contains("Budget limit exceeded"));
        assertEquals(AgentStatus.BLOCKED, router.agents().list().get(0).status());
        assertEquals(0, provider.requestCount(), "no request went out on the yaml key");
        assertFalse(answer.body().contains(YAML_KEY));
        assertFalse(answer.body().contains(TOKEN));
        assertEquals(0, server.callCount(Endpoint.PROVIDER_KEY));
    }

    @Test
    void noTokenOrKeyReachesTheLogTheAnswersOrToString() throws Exception {
        agent(25_000_000);
        Secrets.Captured<String> run =
                Secrets.capturingStderr(
                        () -> {
                            LlmRouter router = start(builder(1_000_000));
                            StringBuilder seen = new StringBuilder();
                            provider.enqueue(FakeResponse.text("Hello!").usage(10, 5));
                            seen.append(post(router, CHAT).body());
                            server.failNext(
                                    Endpoint.REPORT,
                                    1,
                                    FakeControlPlane.Fault.status(
                                            500, "{\"error\":\"Database error\"}"));
                            seen.append(router).append(router.agents().list());
                            router.close();
                            return seen.toString();
                        });
        Secrets.assertAbsent(run.value() + run.log(), TOKEN, YAML_KEY, SERVER_KEY);
    }
}
