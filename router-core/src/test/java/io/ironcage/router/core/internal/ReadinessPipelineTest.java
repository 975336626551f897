package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.core.agent.Readiness;
import io.ironcage.router.core.agent.Tenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.RequestHead;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@code GET /ready}: answered before the token check, from what the router can tell. */
class ReadinessPipelineTest {
    private static final String TOKEN = "ic-READY-secret-token";

    private final AtomicReference<Readiness> state = new AtomicReference<>(Readiness.READY);
    private final StubUpstream upstream = new StubUpstream();
    private final ProxyPipeline pipeline =
            new ProxyPipeline(
                    Tenants.single(
                            TOKEN,
                            new Tenant() {
                                @Override
                                public Optional<String> agentId() {
                                    return Optional.of("agent_7");
                                }

                                @Override
                                public ProviderKeySource keys() {
                                    return ProviderKeySource.fixed(
                                            ProviderKey.of("sk-proj-READY-secret-key"));
                                }

                                @Override
                                public CostController ledger() {
                                    return CostController.unlimited();
                                }
                            }),
                    upstream,
                    PricingTables.bundled(),
                    new ListSink(new ArrayList<>()),
                    Clock.systemUTC(),
                    ProxyPipeline.Settings.of(Duration.ofSeconds(5), 1 << 20)
                            .withRejectUnpriced(true)
                            .withAllowUnmetered(false)
                            .withReadiness(state::get));

    private CapturingSink get(String path, HeaderMap headers) {
        assertEquals(
                Optional.empty(),
                pipeline.onHead(new RequestHead("GET", path, "", headers)),
                "a probe is not refused on its head, with or without a token");
        CapturingSink answer = new CapturingSink();
        Blocking.handle(
                pipeline, new ProxyRequest("GET", path, "", headers, new byte[0], false), answer);
        return answer;
    }

    @Test
    void readyWithoutAnyAgentToWaitForAndWithoutAToken() {
        CapturingSink answer = get("/ready", HeaderMap.empty());
        assertEquals(200, answer.status());
        assertEquals("application/json", answer.headers().first("content-type").orElseThrow());
        assertTrue(answer.json().get("ready").asBoolean());
        assertEquals(0, answer.json().get("agents").size());
        assertEquals(List.of(), upstream.uris(), "nothing is forwarded");
    }

    @Test
    void notReadyIs503WithAReasonPerAgentNamedById() {
        state.set(
                Readiness.of(
                        List.of(
                                new Readiness.Check("agent_7", Optional.empty()),
                                new Readiness.Check(
                                        "agent_8", Optional.of("no budget lease yet")))));
        CapturingSink answer = get("/ready", HeaderMap.of("authorization", "Bearer " + TOKEN));

        assertEquals(503, answer.status());
        JsonNode json = answer.json();
        assertFalse(json.get("ready").asBoolean());
        assertEquals("agent_7", json.at("/agents/0/agent").asText());
        assertTrue(json.at("/agents/0/ready").asBoolean());
        assertTrue(json.at("/agents/0/reason").isMissingNode());
        assertEquals("agent_8", json.at("/agents/1/agent").asText());
        assertEquals("no budget lease yet", json.at("/agents/1/reason").asText());
        assertFalse(answer.text().contains(TOKEN));

        state.set(Readiness.READY);
        assertEquals(200, get("/ready", HeaderMap.empty()).status(), "asked at every probe");
    }

    @Test
    void theReadyPathIsNormalisedLikeEveryOtherAndTheHealthCheckIsUnchanged() {
        state.set(Readiness.of(List.of(new Readiness.Check("a", Optional.of("no key")))));
        assertEquals(503, get("/./ready", HeaderMap.empty()).status());
        CapturingSink health = get("/", HeaderMap.empty());
        assertEquals(200, health.status(), "liveness does not depend on readiness");
        assertEquals("LlmRouter OK", health.text());
        Optional<io.ironcage.router.core.spi.EarlyAnswer> other =
                pipeline.onHead(new RequestHead("GET", "/readyz", "", HeaderMap.empty()));
        assertEquals(401, other.orElseThrow().status(), "only /ready skips the token");
    }

    @Test
    void aReasonIsJsonEscaped() {
        Readiness readiness =
                Readiness.of(List.of(new Readiness.Check("agent\"x", Optional.of("why\n"))));
        assertEquals(503, readiness.status());
        assertFalse(readiness.ready());
        String body =
                new String(
                        ReadinessAnswer.body(readiness), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(
                "{\"ready\":false,\"agents\":[{\"agent\":\"agent\\\"x\",\"ready\":false,"
                        + "\"reason\":\"why\\n\"}]}",
                body);
    }
}
