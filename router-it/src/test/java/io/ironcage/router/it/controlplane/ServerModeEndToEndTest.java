package io.ironcage.router.it.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.agent.AgentMetrics;
import io.ironcage.router.core.agent.AgentSpec;
import io.ironcage.router.core.agent.AgentStatus;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.controlplane.wire.IcTokens;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeControlPlane.Endpoint;
import io.ironcage.router.testkit.FakeControlPlane.Fault;
import io.ironcage.router.testkit.FakeControlPlane.Lease;
import io.ironcage.router.testkit.FakeProvider;
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
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router in server mode, end to end on the JDK transport: FakeControlPlane hands out keys,
 * leases and takes analytics; FakeProvider is the upstream.
 */
class ServerModeEndToEndTest {
    private static final String TOKEN_A = "ic-AGENT-A-secret-0001";
    private static final String TOKEN_B = "ic-AGENT-B-secret-0002";
    private static final String KEY_A = "sk-proj-KEY-A-secret";
    private static final String KEY_B = "sk-proj-KEY-B-secret";
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String MESSAGES =
            "{\"model\":\"claude-3-5-haiku-20241022\",\"max_tokens\":20,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    @StartStop final FakeProvider providerA = FakeProvider.openAi();
    @StartStop final FakeProvider providerB = FakeProvider.openAi();

    private final List<LlmRouter> routers = new ArrayList<>();
    private final InMemoryUsageEventSink events = InMemoryUsageEventSink.create();

    @AfterEach
    void closeRouters() {
        routers.forEach(LlmRouter::close);
    }

    private FakeControlPlane.Agent agentA(long budgetMicros) {
        providerA.requireKey(KEY_A);
        return server.addAgent(
                TOKEN_A,
                Optional.of(ProviderType.OPENAI),
                Optional.of(KEY_A),
                Optional.of(providerA.baseUri()),
                budgetMicros);
    }

    private FakeControlPlane.Agent agentB(long budgetMicros) {
        providerB.requireKey(KEY_B);
        return server.addAgent(
                TOKEN_B,
                Optional.of(ProviderType.OPENAI),
                Optional.of(KEY_B),
                Optional.of(providerB.baseUri()),
                budgetMicros);
    }

    private ControlPlaneOptions.Builder options() {
        return ControlPlaneOptions.builder(server.baseUri())
                .timeout(Duration.ofSeconds(2))
                .leaseSize(Money.ofMicros(1_000_000))
                .retryBackoff(Duration.ofMillis(20), Duration.ofMillis(100));
    }

    private LlmRouter.Builder builder(ControlPlaneOptions options) {
        return LlmRouter.builder()
                .transport(new JdkHttpTransportProvider())
                .controlPlane(options)
                .usageSink(events)
                .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    private LlmRouter start(LlmRouter.Builder builder) {
        LlmRouter router = builder.start();
        routers.add(router);
        return router;
    }

    private static HttpResponse<String> post(
            LlmRouter router, String path, String token, String body) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create(router.baseUri() + path))
                            .timeout(Duration.ofSeconds(10))
                            .header("authorization", "Bearer " + token)
                            .header("content-type", "application/json")
                            .header("anthropic-version", "2023-06-01")
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
    @DisplayName("test_router_starts_and_stops in server mode: key, lease, request, return, sync")
    void aRequestUsesTheAgentsKeyAndLeaseAndEverythingIsSettledOnClose() {
        agentA(25_000_000);
        LlmRouter router = start(builder(options().build()).token(TOKEN_A));
        assertTrue(router.isRunning());
        assertEquals(TOKEN_A, router.token());
        assertEquals(Optional.of(Money.ofMicros(1_000_000)), router.budget(), "the lease");

        HttpResponse<String> answer = post(router, "/v1/chat/completions", TOKEN_A, CHAT);

        assertEquals(200, answer.statusCode(), answer.body());
        RecordedRequest upstream = providerA.takeRequest(Duration.ofSeconds(2));
        assertEquals("Bearer " + KEY_A, upstream.header("authorization").orElseThrow());
        Money spent = router.totalSpent();
        assertFalse(spent.isZero());
        String leaseId = router.agents().list().get(0).leaseId().orElseThrow();
        assertEquals("openai", lease(leaseId).provider());
        List<AnalyticsEvent> completed =
                events.events().stream()
                        .filter(e -> e.payload() instanceof LlmRequestCompleted)
                        .toList();
        assertEquals(1, completed.size());
        assertEquals(
                Optional.of(IcTokens.agentId(TOKEN_A)),
                completed.get(0).agentId(),
                "not a JWT: an id derived from the token");
        assertFalse(completed.get(0).agentId().get().contains(TOKEN_A));

        router.close();
        assertFalse(router.isRunning());
        Lease returned = lease(leaseId);
        assertEquals("closed", returned.status());
        assertEquals(1_000_000 - spent.micros(), returned.returnedMicros());
        assertEquals(25_000_000 - spent.micros(), server.remainingMicros("agent_1"));
        assertEquals(spent.micros(), returned.reportedSpentMicros(), "reported before the return");
        List<JsonNode> synced = server.analyticsEvents();
        assertEquals(1, synced.size(), "the final flush sent the event");
        assertEquals(TOKEN_A, synced.get(0).get("ic_token").asText());
        assertEquals(completed.get(0).eventId(), synced.get(0).get("event_id").asText());
        assertEquals(1, server.callCount(Endpoint.PROVIDER_KEY), "the key was fetched once");
    }

    @Test
    @DisplayName(
            "test_router_invalid_server_url, fixed: the router starts, answers 503 saying the"
                    + " control plane cannot be reached (not 402), and recovers by itself")
    void anUnreachableControlPlaneGivesAClearErrorAndTheRouterRecoversByItself() throws Exception {
        agentA(25_000_000);
        server.goOffline();
        LlmRouter router = start(builder(options().build()).token(TOKEN_A));
        assertTrue(router.isRunning(), "the router still starts");

        HttpResponse<String> openAi = post(router, "/v1/chat/completions", TOKEN_A, CHAT);
        assertEquals(503, openAi.statusCode(), openAi.body());
        assertEquals("control_plane_unreachable", json(openAi).at("/error/code").asText());
        assertTrue(
                json(openAi).at("/error/message").asText().contains("could not be reached"),
                openAi.body());
        HttpResponse<String> anthropic = post(router, "/v1/messages", TOKEN_A, MESSAGES);
        assertEquals(503, anthropic.statusCode());
        assertEquals("error", json(anthropic).at("/type").asText());
        assertEquals(AgentStatus.BLOCKED, router.agents().list().get(0).status());
        assertEquals(0, providerA.requestCount(), "nothing reached a provider");

        server.goOnline();
        // the lease comes with the next handshake retry, at most 100 ms later
        Await.until(
                Duration.ofSeconds(10),
                "the agent runs again",
                () -> router.agents().list().get(0).status() == AgentStatus.RUNNING);
        HttpResponse<String> back = post(router, "/v1/chat/completions", TOKEN_A, CHAT);
        assertEquals(200, back.statusCode(), back.body());
        assertEquals(AgentStatus.RUNNING, router.agents().list().get(0).status());
    }

    private static HttpResponse<String> getModels(LlmRouter router, String token) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create(router.baseUri() + "/v1/models"))
                            .timeout(Duration.ofSeconds(10))
                            .header("authorization", "Bearer " + token)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theModelListAsksOnlyTheProviderOfTheKeyTheControlPlaneGaveAndFailsClearlyWithoutIt() {
        agentA(25_000_000);
        server.goOffline();
        LlmRouter router = start(builder(options().build()).token(TOKEN_A));
        HttpResponse<String> offline = getModels(router, TOKEN_A);
        assertEquals(502, offline.statusCode(), offline.body());
        assertEquals("models_unavailable", json(offline).at("/error/code").asText());
        assertTrue(
                json(offline).at("/error/message").asText().contains("could not be fetched"),
                offline.body());
        assertEquals(0, providerA.requestCount());

        server.goOnline();
        HttpResponse<String> online = getModels(router, TOKEN_A);
        assertEquals(200, online.statusCode(), online.body());
        List<String> ids = new ArrayList<>();
        json(online).path("data").forEach(model -> ids.add(model.path("id").asText()));
        assertEquals(providerA.models(), ids);
        assertTrue(online.headers().firstValue("x-iron-router-models-partial").isEmpty());
        RecordedRequest upstream = providerA.takeRequest(Duration.ofSeconds(2));
        assertEquals("/v1/models", upstream.path());
        assertEquals("Bearer " + KEY_A, upstream.header("authorization").orElseThrow());
        assertFalse(offline.body().contains(KEY_A) || online.body().contains(KEY_A));
    }

    @Test
    void aRefusedHandshakeIsTheServersRefusalNotAnUnexplained402() {
        agentA(0); // nothing left to lease
        LlmRouter router = start(builder(options().build()).token(TOKEN_A));

        HttpResponse<String> answer = post(router, "/v1/chat/completions", TOKEN_A, CHAT);

        assertEquals(403, answer.statusCode(), answer.body());
        JsonNode error = json(answer).get("error");
        assertEquals("iron_cage_control_plane_error", error.get("type").asText());
        assertEquals("control_plane_refused", error.get("code").asText());
        assertTrue(error.get("message").asText().contains("Budget limit exceeded"));
    }

    @Test
    void keyFetchFailuresReachTheCallerInItsFormatWithoutTheToken() {
        agentA(25_000_000);
        LlmRouter router =
                start(
                        builder(options().keyCacheTtl(Duration.ZERO).build())
                                .token(TOKEN_A)); // TTL 0: a fetch per request
        server.failNext(
                Endpoint.PROVIDER_KEY,
                1,
                Fault.status(
                        403,
                        "{\"error\":\"Agent has no provider assigned\",\"code\":\"NO_PROVIDER_ASSIGNED\"}"));
        server.failNext(Endpoint.PROVIDER_KEY, 1, Fault.malformedJson());
        server.failNext(
                Endpoint.PROVIDER_KEY,
                1,
                Fault.status(500, "{\"error\":\"Database error\",\"code\":\"INTERNAL_ERROR\"}"));

        HttpResponse<String> refused = post(router, "/v1/chat/completions", TOKEN_A, CHAT);
        assertEquals(403, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("Agent has no provider assigned"));
        assertTrue(refused.body().contains("NO_PROVIDER_ASSIGNED"));
        HttpResponse<String> malformed = post(router, "/v1/messages", TOKEN_A, CHAT);
        assertEquals(502, malformed.statusCode(), malformed.body());
        assertTrue(malformed.body().contains("malformed"), malformed.body());
        HttpResponse<String> failed = post(router, "/v1/chat/completions", TOKEN_A, CHAT);
        assertEquals(502, failed.statusCode(), failed.body());
        assertEquals("control_plane_error", json(failed).at("/error/code").asText());
        for (HttpResponse<String> r : List.of(refused, malformed, failed)) {
            Secrets.assertAbsent(r.body(), TOKEN_A, KEY_A);
        }
        assertEquals(200, post(router, "/v1/chat/completions", TOKEN_A, CHAT).statusCode());
        assertEquals(Money.ZERO, router.budgetStatus().reserved(), "no reservation leaked");
    }

    @Test
    void anUpstream401FetchesTheKeyAgainAndRetriesOnce() {
        agentA(25_000_000);
        // the first fetch hands out a key the provider no longer accepts
        server.failNext(
                Endpoint.PROVIDER_KEY,
                1,
                Fault.status(
                        200,
                        "{\"provider_key\":\"sk-proj-REVOKED\",\"provider\":\"openai\","
                                + "\"base_url\":\""
                                + providerA.baseUri()
                                + "\"}"));
        LlmRouter router = start(builder(options().build()).token(TOKEN_A));

        HttpResponse<String> answer = post(router, "/v1/chat/completions", TOKEN_A, CHAT);

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals(2, providerA.requestCount(), "the 401, then the retry");
        assertEquals(2, server.callCount(Endpoint.PROVIDER_KEY), "one refetch");
    }

    @Test
    @DisplayName("two agents on one router never share budget or key")
    void twoAgentsNeverShareBudgetOrKey() {
        agentA(25_000_000);
        agentB(25_000_000);
        LlmRouter router =
                start(
                        builder(options().build())
                                .agent(AgentSpec.of(TOKEN_A).withAgentId("agent_a"))
                                .agent(AgentSpec.of(TOKEN_B).withAgentId("agent_b")));

        assertEquals(200, post(router, "/v1/chat/completions", TOKEN_A, CHAT).statusCode());
        assertEquals(200, post(router, "/v1/chat/completions", TOKEN_B, CHAT).statusCode());
        assertEquals(200, post(router, "/v1/chat/completions", TOKEN_B, CHAT).statusCode());

        assertEquals(1, providerA.requestCount(), "agent a's key went to a's provider only");
        assertEquals(2, providerB.requestCount());
        AgentMetrics a = router.agents().metrics("agent_a").orElseThrow();
        AgentMetrics b = router.agents().metrics("agent_b").orElseThrow();
        assertEquals(1, a.requests());
        assertEquals(2, b.requests());
        assertEquals(b.spent(), a.spent().plus(a.spent()), "each paid its own requests");
        assertNotEquals(a.leaseId(), b.leaseId());
        assertEquals(router.totalSpent(), a.spent().plus(b.spent()));
        List<Optional<String>> attributed =
                events.events().stream()
                        .filter(e -> e.payload() instanceof LlmRequestCompleted)
                        .map(AnalyticsEvent::agentId)
                        .toList();
        assertEquals(
                List.of(Optional.of("agent_a"), Optional.of("agent_b"), Optional.of("agent_b")),
                attributed);

        router.close();
        assertEquals(25_000_000 - a.spent().micros(), server.remainingMicros("agent_1"));
        assertEquals(25_000_000 - b.spent().micros(), server.remainingMicros("agent_2"));
        // several calls are in flight at once: events arrive roughly, not strictly, in order
        assertEquals(
                List.of(TOKEN_A, TOKEN_B, TOKEN_B),
                server.analyticsEvents().stream()
                        .map(e -> e.get("ic_token").asText())
                        .sorted(Comparator.comparing(token -> token.equals(TOKEN_A) ? 0 : 1))
                        .toList());
    }

    @Test
    void agentsStartAndStopWhileTheRouterServes() throws Exception {
        agentA(25_000_000);
        agentB(25_000_000);
        LlmRouter router = start(builder(options().build()).token(TOKEN_A));
        assertEquals(401, post(router, "/v1/chat/completions", TOKEN_B, CHAT).statusCode());

        String id = router.agents().startAgent(AgentSpec.of(TOKEN_B).withAgentId("late"));
        assertEquals("late", id);
        assertEquals(200, post(router, "/v1/chat/completions", TOKEN_B, CHAT).statusCode());
        assertEquals(
                400,
                post(router, "/v1/messages", TOKEN_B, MESSAGES).statusCode(),
                "its key is OpenAI's: a Claude model has no key");
        AgentMetrics running = router.agents().metrics("late").orElseThrow();
        assertEquals(AgentStatus.RUNNING, running.status());
        assertEquals(2, running.requests());
        assertEquals(1, running.failures());
        String leaseId = running.leaseId().orElseThrow();

        assertTrue(router.agents().stopAgent("late"));
        assertFalse(router.agents().stopAgent("late"), "already stopped");
        assertFalse(router.agents().stopAgent("nobody"));

        assertEquals(401, post(router, "/v1/chat/completions", TOKEN_B, CHAT).statusCode());
        assertEquals(200, post(router, "/v1/chat/completions", TOKEN_A, CHAT).statusCode());
        AgentMetrics stopped = router.agents().metrics("late").orElseThrow();
        assertEquals(AgentStatus.STOPPED, stopped.status());
        assertEquals(running.spent(), stopped.spent());
        assertEquals("closed", lease(leaseId).status());
        assertEquals(
                1_000_000 - stopped.spent().micros(),
                lease(leaseId).returnedMicros(),
                "stopping returned granted − spent");
        assertThrows(
                IllegalArgumentException.class,
                () -> router.agents().startAgent(AgentSpec.of(TOKEN_A).withAgentId("dup")),
                "a token in use cannot be started twice");
        assertEquals(2, router.agents().list().size());
    }

    @Test
    void aFixedBudgetInServerModeLeasesNothing() {
        agentA(25_000_000);
        LlmRouter router =
                start(builder(options().build()).token(TOKEN_A).budget(Money.ofMicros(50_000)));
        assertEquals(200, post(router, "/v1/chat/completions", TOKEN_A, CHAT).statusCode());
        assertEquals(Optional.of(Money.ofMicros(50_000)), router.budget());
        assertEquals(0, server.callCount(Endpoint.HANDSHAKE));
    }

    @Test
    void startsFromRouterYamlWithAListOfAgents(@TempDir Path dir) throws Exception {
        agentA(25_000_000);
        agentB(25_000_000);
        Path file = dir.resolve("router.yaml");
        Files.writeString(
                file,
                "listen: 127.0.0.1:0\n"
                        + "transport: jdk\n"
                        + "control-plane:\n"
                        + "  url: "
                        + server.baseUri()
                        + "\n"
                        + "  lease-usd: 2.00\n"
                        + "agents:\n"
                        + "  - token: "
                        + TOKEN_A
                        + "\n"
                        + "  - { token: "
                        + TOKEN_B
                        + ", id: agent_b }\n");
        LlmRouter router = LlmRouter.fromConfig(file);
        routers.add(router);

        assertEquals(200, post(router, "/v1/chat/completions", TOKEN_A, CHAT).statusCode());
        assertEquals(200, post(router, "/v1/chat/completions", TOKEN_B, CHAT).statusCode());
        List<AgentMetrics> agents = router.agents().list();
        assertEquals(2, agents.size());
        assertTrue(agents.get(0).agentId().startsWith("agent-"), "derived from the token");
        assertEquals("agent_b", agents.get(1).agentId());
        assertEquals(Optional.of(Money.ofMicros(2_000_000)), agents.get(1).limit());
    }

    @Test
    void noTokenOrKeyReachesTheLogTheStoreOrToString() throws Exception {
        agentA(25_000_000);
        Secrets.Captured<String> run =
                Secrets.capturingStderr(
                        () -> {
                            LlmRouter router = start(builder(options().build()).token(TOKEN_A));
                            StringBuilder bodies = new StringBuilder();
                            bodies.append(
                                    post(router, "/v1/chat/completions", TOKEN_A, CHAT).body());
                            server.failNext(
                                    Endpoint.REPORT,
                                    1,
                                    Fault.status(500, "{\"error\":\"Database error\"}"));
                            server.goOffline();
                            bodies.append(
                                    post(router, "/v1/chat/completions", "wrong", CHAT).body());
                            server.goOnline();
                            bodies.append(router).append(router.agents().list());
                            router.close();
                            return bodies.toString();
                        });
        String everything = run.value() + run.log() + events.events();
        Secrets.assertAbsent(everything, TOKEN_A, KEY_A);
    }
}
