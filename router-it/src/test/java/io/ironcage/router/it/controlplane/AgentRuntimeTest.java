package io.ironcage.router.it.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.agent.AgentMetrics;
import io.ironcage.router.core.agent.AgentSpec;
import io.ironcage.router.core.agent.AgentStatus;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The reference's {@code runtime_test.rs} (§10.1), against a real router in direct mode: agents
 * share the router's key and each has its own token and budget.
 */
class AgentRuntimeTest {
    private static final String KEY = "sk-proj-RUNTIME-secret";

    @StartStop final FakeProvider openAi = FakeProvider.openAi();
    private final InMemoryUsageEventSink events = InMemoryUsageEventSink.create();
    private LlmRouter router;

    @BeforeEach
    void start() {
        openAi.requireKey(KEY);
        router =
                LlmRouter.builder()
                        .transport(new JdkHttpTransportProvider())
                        .providerKeys(
                                ProviderKeySource.fixed(ProviderKey.openAi(KEY, openAi.baseUri())))
                        .usageSink(events)
                        .start();
    }

    @AfterEach
    void stop() {
        router.close();
    }

    private int call(String token) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(router.baseUrl() + "/chat/completions"))
                                .timeout(Duration.ofSeconds(10))
                                .header("authorization", "Bearer " + token)
                                .header("content-type", "application/json")
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                "{\"model\":\"gpt-4o-mini\",\"messages\":[]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    @Test
    @DisplayName("test_runtime_creation: a router starts with no agents")
    void aRouterStartsWithNoAgents() {
        assertTrue(router.agents().list().isEmpty());
    }

    @Test
    @DisplayName("test_start_agent: the agent gets an id and its token is accepted")
    void startAgent() throws Exception {
        String id = router.agents().startAgent(AgentSpec.of("ic-runtime-agent"));
        assertTrue(id.startsWith("agent-"), id);
        assertEquals(200, call("ic-runtime-agent"));
        assertEquals(200, call(router.token()), "the router's own token still works");
    }

    @Test
    @DisplayName("test_get_metrics: status, spent, requests, failures of one agent")
    void getMetrics() throws Exception {
        String id =
                router.agents()
                        .startAgent(
                                AgentSpec.of("ic-runtime-agent")
                                        .withAgentId("agent_m")
                                        .withBudget(Money.ofMicros(1_000_000)));
        AgentMetrics fresh = router.agents().metrics(id).orElseThrow();
        assertEquals(AgentStatus.RUNNING, fresh.status());
        assertEquals(Money.ZERO, fresh.spent(), "budget_spent == 0.0");
        assertEquals(Optional.of(Money.ofMicros(1_000_000)), fresh.limit());

        assertEquals(200, call("ic-runtime-agent"));
        AgentMetrics after = router.agents().metrics(id).orElseThrow();
        assertEquals(1, after.requests());
        assertEquals(0, after.failures());
        assertFalse(after.spent().isZero());
        assertEquals(Money.ZERO, router.budgetStatus().spent(), "the router's own budget is apart");
        assertEquals(
                Optional.of("agent_m"),
                events.events().stream()
                        .filter(e -> e.payload() instanceof LlmRequestCompleted)
                        .findFirst()
                        .orElseThrow()
                        .agentId());
        assertEquals(Optional.empty(), router.agents().metrics("agent_unknown"));
    }

    @Test
    @DisplayName("test_stop_agent: status becomes stopped and the token is refused")
    void stopAgent() throws Exception {
        String id = router.agents().startAgent(AgentSpec.of("ic-runtime-agent"));
        assertTrue(router.agents().stopAgent(id));
        assertEquals(AgentStatus.STOPPED, router.agents().metrics(id).orElseThrow().status());
        assertEquals(401, call("ic-runtime-agent"));
        assertFalse(router.agents().stopAgent("agent_unknown"), "unknown ids are not an error");
    }
}
