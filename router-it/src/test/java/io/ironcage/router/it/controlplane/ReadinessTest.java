package io.ironcage.router.it.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.agent.AgentSpec;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /ready} of a router that depends on the control server, and of one that does not. */
class ReadinessTest {
    private static final String TOKEN = "ic-READY-secret-0001";
    private static final String KEY = "sk-proj-READY-KEY-secret";
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    @StartStop final FakeProvider provider = FakeProvider.openAi();

    private final List<LlmRouter> routers = new ArrayList<>();

    @AfterEach
    void closeRouters() {
        routers.forEach(LlmRouter::close);
    }

    private void agent(long budgetMicros) {
        provider.requireKey(KEY);
        server.addAgent(
                TOKEN,
                Optional.of(ProviderType.OPENAI),
                Optional.of(KEY),
                Optional.of(provider.baseUri()),
                budgetMicros);
    }

    private LlmRouter start(LlmRouter.Builder builder) {
        LlmRouter router =
                builder.transport(new JdkHttpTransportProvider())
                        .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5))
                        .start();
        routers.add(router);
        return router;
    }

    private ControlPlaneOptions options() {
        return ControlPlaneOptions.builder(server.baseUri())
                .timeout(Duration.ofSeconds(2))
                .leaseSize(Money.ofMicros(1_000_000))
                .retryBackoff(Duration.ofMillis(20), Duration.ofMillis(100))
                .build();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(
                    request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** No token: a probe has none. */
    private static HttpResponse<String> ready(LlmRouter router) {
        return send(HttpRequest.newBuilder(router.baseUri().resolve("/ready")));
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError(response.body(), e);
        }
    }

    /** Asks {@code /ready} until it answers {@code status}, for at most 10 s. */
    private static HttpResponse<String> awaitReady(LlmRouter router, int status) {
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>(ready(router));
        try {
            // the background retry runs every 20 to 100 ms
            Await.until(
                    Duration.ofSeconds(10),
                    "/ready answers " + status,
                    () -> {
                        if (last.get().statusCode() != status) {
                            last.set(ready(router));
                        }
                        return last.get().statusCode() == status;
                    });

        } catch (AssertionError timedOut) {
            // reported below, with the last answer's body
        }
        assertEquals(status, last.get().statusCode(), last.get().body());
        return last.get();
    }

    @Test
    void notReadyBeforeTheFirstKeyFetchAndLeaseThenReadyByItself() throws Exception {
        agent(25_000_000);
        server.goOffline();
        LlmRouter router = start(LlmRouter.builder().controlPlane(options()).token(TOKEN));

        HttpResponse<String> before = ready(router);

        assertEquals(503, before.statusCode(), before.body());
        assertEquals("application/json", before.headers().firstValue("content-type").get());
        JsonNode json = json(before);
        assertFalse(json.get("ready").asBoolean());
        assertEquals(router.agents().list().get(0).agentId(), json.at("/agents/0/agent").asText());
        assertEquals(
                "no provider key from the control server yet",
                json.at("/agents/0/reason").asText());
        Secrets.assertAbsent(before.body(), TOKEN, KEY);
        assertEquals(
                "LlmRouter OK",
                send(HttpRequest.newBuilder(router.baseUri().resolve("/"))).body(),
                "alive all the same");

        server.goOnline();
        JsonNode after = json(awaitReady(router, 200));
        assertTrue(after.get("ready").asBoolean());
        assertTrue(after.at("/agents/0/ready").asBoolean());
        assertTrue(after.at("/agents/0/reason").isMissingNode());
    }

    @Test
    void aRefusedHandshakeIsNotReadyAndSaysSoWithoutTheServersWords() {
        agent(0);
        LlmRouter router =
                start(LlmRouter.builder().controlPlane(options()).agent(AgentSpec.of(TOKEN)));

        HttpResponse<String> answer = ready(router);

        assertEquals(503, answer.statusCode(), answer.body());
        assertEquals(
                "no budget lease: the control server answered HTTP 403",
                json(answer).at("/agents/0/reason").asText());
        Secrets.assertAbsent(answer.body(), TOKEN, KEY);
    }

    @Test
    void notReadyAgainWhenTheLeaseIsLostAndTheServerRefusesANewOne() throws Exception {
        agent(1_000_000); // exactly one lease: nothing is left for a second
        LlmRouter router = start(LlmRouter.builder().controlPlane(options()).token(TOKEN));
        assertEquals(200, ready(router).statusCode());
        server.revokeLease(router.agents().list().get(0).leaseId().orElseThrow());

        // served on the lease the router holds; its usage report learns of the revocation
        HttpResponse<String> served =
                send(
                        HttpRequest.newBuilder(URI.create(router.baseUrl() + "/chat/completions"))
                                .header("authorization", "Bearer " + TOKEN)
                                .header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(CHAT)));
        assertEquals(200, served.statusCode(), served.body());

        HttpResponse<String> lost = awaitReady(router, 503);
        assertEquals(
                "no budget lease: the control server answered HTTP 403",
                json(lost).at("/agents/0/reason").asText());
    }

    @Test
    void directKeysWithTheServerAreReadyOnceTheLeaseIsHeldAndFetchNoKey() {
        agent(25_000_000);
        LlmRouter router =
                start(
                        LlmRouter.builder()
                                .providerKeys(
                                        ProviderKeySource.fixed(
                                                new ProviderKey(
                                                        ProviderType.OPENAI,
                                                        KEY,
                                                        Optional.of(provider.baseUri()))))
                                .controlPlane(options())
                                .token(TOKEN));

        assertEquals(200, ready(router).statusCode());
        assertEquals(0, server.callCount(FakeControlPlane.Endpoint.PROVIDER_KEY));
    }

    @Test
    void directModeIsReadyOnceStarted() {
        LlmRouter router =
                start(
                        LlmRouter.builder()
                                .providerKeys(ProviderKeySource.fixed(ProviderKey.of(KEY)))
                                .token(TOKEN));
        router.agents().startAgent(AgentSpec.of("ic-another-agent"));

        HttpResponse<String> answer = ready(router);

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals(1, json(answer).get("agents").size());
        Secrets.assertAbsent(answer.body(), TOKEN, KEY, "ic-another-agent");
    }
}
