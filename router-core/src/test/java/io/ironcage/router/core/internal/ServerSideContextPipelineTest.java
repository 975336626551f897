package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Input the body does not hold (stored responses, files, server tools) cannot overspend a budget:
 * such a request reserves the model's whole context window, web searches their per-call fee, and a
 * request whose cost cannot be bounded is refused naming the field.
 */
class ServerSideContextPipelineTest {
    private static final String TOKEN = "ic-context-token";

    private final StubUpstream upstream = new StubUpstream();
    private final List<AnalyticsEvent> events = new CopyOnWriteArrayList<>();

    private ProxyPipeline pipeline(CostController ledger, PricingTable prices, boolean allow) {
        return new ProxyPipeline(
                Tenants.single(
                        TOKEN,
                        new DirectTenantForTest(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi(
                                                "sk-ctx", URI.create("http://127.0.0.1:1")),
                                        ProviderKey.anthropic(
                                                "sk-ant-ctx", URI.create("http://127.0.0.1:2"))),
                                ledger)),
                upstream,
                prices,
                new ListSink(events),
                Clock.systemUTC(),
                ProxyPipeline.Settings.of(Duration.ofSeconds(5), 1024 * 1024)
                        .withRejectUnpriced(true)
                        .withAllowUnmetered(allow));
    }

    private static CapturingSink post(ProxyPipeline pipeline, String path, String body) {
        CapturingSink answer = new CapturingSink();
        Blocking.handle(
                pipeline,
                new ProxyRequest(
                        "POST",
                        path,
                        "",
                        HeaderMap.of("authorization", "Bearer " + TOKEN),
                        body.getBytes(StandardCharsets.UTF_8),
                        false),
                answer);
        return answer;
    }

    @Test
    void aPreviousResponseIdReservesTheContextWindowSoConcurrentCallsCannotOverspend()
            throws Exception {
        CostController ledger = CostController.withLimit(Money.ofMicros(1_000_000));
        ProxyPipeline pipeline = pipeline(ledger, PricingTables.bundled(), false);
        // the provider bills the whole stored conversation: 128,000 input tokens (gpt-4o's window)
        String answer =
                "{\"id\":\"resp_2\",\"object\":\"response\",\"model\":\"gpt-4o\",\"output\":[],"
                        + "\"usage\":{\"input_tokens\":128000,\"output_tokens\":1000}}";
        for (int i = 0; i < 20; i++) {
            upstream.answer(200, answer);
        }
        String body =
                "{\"model\":\"gpt-4o\",\"previous_response_id\":\"resp_1\",\"input\":\"go on\","
                        + "\"max_output_tokens\":1000}";
        ExecutorService callers = Executors.newFixedThreadPool(20);
        try {
            List<Callable<Integer>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(() -> post(pipeline, "/v1/responses", body).status());
            }
            int ok = 0;
            for (Future<Integer> status : callers.invokeAll(calls)) {
                int code = status.get();
                assertTrue(code == 200 || code == 402, "status " + code);
                ok += code == 200 ? 1 : 0;
            }
            // each reserves 128,000 × 2.5 µ$ + 1,000 × 10 µ$ = 330,000 µ$ and costs as much:
            // three fit in $1.00, a fourth never, whatever the interleaving
            assertEquals(3, ok);
            assertEquals(ok * 330_000L, ledger.totalSpent().micros());
            assertTrue(ledger.totalSpent().micros() <= 1_000_000);
            assertEquals(0, ledger.reserved().micros());
            assertEquals(ok, events.size());
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void storedContextForAModelWithoutAKnownWindowIsRefusedNamingTheField() {
        PricingTable prices =
                PricingTables.bundled()
                        .withOverrides(
                                List.of(ModelPricing.ofUsdPerMillionTokens("gpt-custom", 1, 2)));
        CostController ledger = CostController.withLimit(Money.ofMicros(1_000_000));
        CapturingSink answer =
                post(
                        pipeline(ledger, prices, false),
                        "/v1/responses",
                        "{\"model\":\"gpt-custom\",\"conversation\":\"conv_1\",\"input\":\"hi\"}");
        assertEquals(400, answer.status(), answer.text());
        assertEquals("conversation", answer.json().path("error").path("param").asText());
        assertTrue(answer.text().contains("max-input-tokens"), answer.text());
        assertEquals(List.of(), upstream.uris());
        // without a budget there is nothing to overspend: it goes out
        upstream.answer(
                200,
                "{\"object\":\"response\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}");
        assertEquals(
                200,
                post(
                                pipeline(CostController.unlimited(), prices, false),
                                "/v1/responses",
                                "{\"model\":\"gpt-custom\",\"conversation\":\"conv_1\"}")
                        .status());
    }

    @Test
    void webSearchesAreReservedAtTheirFeeAndBilledAsTheAnswerReportsThem() {
        CostController ledger = CostController.withLimit(Money.ofMicros(5_000_000));
        ProxyPipeline pipeline = pipeline(ledger, PricingTables.bundled(), false);
        String unbounded =
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"news?\"}],\"tools\":[{\"type\":"
                        + "\"web_search_20250305\",\"name\":\"web_search\"}]}";
        CapturingSink refused = post(pipeline, "/v1/messages", unbounded);
        assertEquals(400, refused.status(), refused.text());
        assertTrue(refused.text().contains("tools[0].max_uses"), refused.text());
        upstream.answer(
                200,
                "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],"
                        + "\"model\":\"claude-sonnet-4-5\",\"stop_reason\":\"end_turn\",\"usage\":"
                        + "{\"input_tokens\":30000,\"output_tokens\":800,"
                        + "\"server_tool_use\":{\"web_search_requests\":2}}}");
        CapturingSink answered =
                post(
                        pipeline,
                        "/v1/messages",
                        unbounded.replace(
                                "\"name\":\"web_search\"}",
                                "\"name\":\"web_search\",\"max_uses\":5}"));
        assertEquals(200, answered.status(), answered.text());
        // 30,000 × 3 µ$ + 800 × 15 µ$ + 2 searches × 10,000 µ$
        long cost = 90_000 + 12_000 + 20_000;
        assertEquals(cost, ledger.totalSpent().micros());
        assertEquals(0, ledger.reserved().micros());
        LlmRequestCompleted event = (LlmRequestCompleted) events.get(0).payload();
        assertEquals(cost, event.cost().micros(), "the event agrees to the µ$");
    }

    @Test
    void theMillionTokenBetaWidensTheReservedWindow() {
        String body =
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"read it\"}],\"tools\":[{\"type\":"
                        + "\"web_fetch_20250910\",\"name\":\"web_fetch\"}]}";
        CostController ledger = CostController.withLimit(Money.ofMicros(5_000_000));
        ProxyPipeline pipeline = pipeline(ledger, PricingTables.bundled(), false);
        CapturingSink wide = new CapturingSink();
        Blocking.handle(
                pipeline,
                new ProxyRequest(
                        "POST",
                        "/v1/messages",
                        "",
                        HeaderMap.of(
                                "authorization",
                                "Bearer " + TOKEN,
                                "anthropic-beta",
                                "context-1m-2025-08-07"),
                        body.getBytes(StandardCharsets.UTF_8),
                        false),
                wide);
        // 1,000,000 × 7.5 µ$ + 1,000 × 22.5 µ$ is more than the $5.00 budget
        assertEquals(402, wide.status(), wide.text());
        upstream.answer(
                200,
                "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],"
                        + "\"model\":\"claude-sonnet-4-5\",\"stop_reason\":\"end_turn\","
                        + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":100}}");
        // without the beta: 200,000 × 3.75 µ$ + 1,000 × 15 µ$ fits
        assertEquals(200, post(pipeline, "/v1/messages", body).status());
    }

    @Test
    void aBackgroundRunOrAStoredPromptOrAnUnpricedSearchIsRefusedUnderABudget() {
        CostController ledger = CostController.withLimit(Money.ofMicros(5_000_000));
        ProxyPipeline pipeline = pipeline(ledger, PricingTables.bundled(), false);
        String[][] cases = {
            // the answer comes at once, without usage; the model runs and is billed later
            {"{\"model\":\"gpt-4o\",\"background\":true,\"input\":\"go\"}", "background"},
            // a stored prompt may turn on tools the body does not show
            {"{\"model\":\"gpt-4o\",\"prompt\":{\"id\":\"pmpt_1\"}}", "prompt"},
            // the table lists no per-search fee for gpt-4o
            {
                "{\"model\":\"gpt-4o\",\"input\":\"q\",\"max_tool_calls\":3,"
                        + "\"tools\":[{\"type\":\"web_search\"}]}",
                "tools[0]"
            },
        };
        for (String[] refused : cases) {
            CapturingSink answer = post(pipeline, "/v1/responses", refused[0]);
            assertEquals(400, answer.status(), answer.text());
            assertEquals(refused[1], answer.json().path("error").path("param").asText());
        }
        assertEquals(List.of(), upstream.uris());
        assertEquals(0, ledger.reserved().micros());
        upstream.answer(200, "{\"id\":\"resp_1\",\"status\":\"queued\",\"usage\":null}");
        CapturingSink allowed =
                post(pipeline(ledger, PricingTables.bundled(), true), "/v1/responses", cases[0][0]);
        assertEquals(200, allowed.status(), allowed.text());
    }

    @Test
    void overflowingLimitsAreA400NotAFailure() {
        CapturingSink answer =
                post(
                        pipeline(
                                CostController.withLimit(Money.ofMicros(5_000_000)),
                                PricingTables.bundled(),
                                false),
                        "/v1/messages",
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"messages\":[],"
                                + "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"s\","
                                + "\"max_uses\":9223372036854775807}]}");
        assertEquals(400, answer.status(), answer.text());
        assertTrue(answer.text().contains("too large to price"), answer.text());
        assertEquals(List.of(), upstream.uris());
    }

    @Test
    void aServerToolWithUnlistedFeesIsRefusedUnderABudgetUnlessAllowed() {
        String body =
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"run it\"}],\"tools\":[{\"type\":"
                        + "\"code_execution_20250825\",\"name\":\"code_execution\"}]}";
        CostController ledger = CostController.withLimit(Money.ofMicros(5_000_000));
        CapturingSink refused =
                post(pipeline(ledger, PricingTables.bundled(), false), "/v1/messages", body);
        assertEquals(400, refused.status(), refused.text());
        assertTrue(refused.text().contains("'tools[0]'"), refused.text());
        assertEquals(List.of(), upstream.uris());
        upstream.answer(
                200,
                "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],"
                        + "\"model\":\"claude-sonnet-4-5\",\"stop_reason\":\"end_turn\","
                        + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":100}}");
        CapturingSink allowed =
                post(pipeline(ledger, PricingTables.bundled(), true), "/v1/messages", body);
        assertEquals(200, allowed.status(), allowed.text());
        // its tokens are still metered: 1,000 × 3 µ$ + 100 × 15 µ$
        assertEquals(4_500, ledger.totalSpent().micros());
    }
}
