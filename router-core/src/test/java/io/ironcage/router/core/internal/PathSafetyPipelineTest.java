package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.agent.Tenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.RequestHead;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request's path is normalised once, then routed, classified, metered and forwarded in that one
 * form: a dotted path is billed like the plain one, nothing leaves {@code /v1/}, and every path has
 * one classification (metered, free, or unmetered and refused under a budget).
 */
class PathSafetyPipelineTest {
    private static final String TOKEN = "ic-path-token";
    private static final String OPENAI_KEY = "sk-path-openai";
    private static final String ANTHROPIC_KEY = "sk-ant-path";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String CHAT_ANSWER =
            "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":500,\"total_tokens\":1500}}";
    private static final String RESPONSES_ANSWER =
            "{\"id\":\"resp_1\",\"object\":\"response\",\"model\":\"gpt-4o\",\"output\":[],"
                    + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":500,\"total_tokens\":1500}}";
    private static final String MESSAGES_ANSWER =
            "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
                    + "\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"stop_reason\":\"end_turn\","
                    + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":500}}";

    private final StubUpstream upstream = new StubUpstream();
    private final List<AnalyticsEvent> events = new CopyOnWriteArrayList<>();
    private CostController ledger = CostController.withLimit(Money.ofMicros(1_000_000));

    private ProxyPipeline pipeline(URI openAiBase, boolean allowUnmetered) {
        Tenants tenants =
                Tenants.single(
                        TOKEN,
                        new DirectTenantForTest(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi(OPENAI_KEY, openAiBase),
                                        ProviderKey.anthropic(
                                                ANTHROPIC_KEY, URI.create("http://127.0.0.1:2"))),
                                ledger));
        return new ProxyPipeline(
                tenants,
                upstream,
                PricingTables.bundled(),
                new ListSink(events),
                Clock.systemUTC(),
                ProxyPipeline.Settings.of(Duration.ofSeconds(5), 1024 * 1024)
                        .withRejectUnpriced(true)
                        .withAllowUnmetered(allowUnmetered));
    }

    private ProxyPipeline pipeline() {
        return pipeline(URI.create("http://127.0.0.1:1"), false);
    }

    private static CapturingSink send(
            ProxyPipeline pipeline, String method, String path, String body) {
        return send(pipeline, method, path, "", body);
    }

    private static CapturingSink send(
            ProxyPipeline pipeline, String method, String path, String query, String body) {
        CapturingSink answer = new CapturingSink();
        Blocking.handle(
                pipeline,
                new ProxyRequest(
                        method,
                        path,
                        query,
                        HeaderMap.of(
                                "authorization",
                                "Bearer " + TOKEN,
                                "content-type",
                                "application/json"),
                        body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                        false),
                answer);
        return answer;
    }

    private static String chat(String model) {
        return "{\"model\":\""
                + model
                + "\",\"max_tokens\":4000,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({
        "/v1/chat/completions, /v1/chat/completions",
        "/v1/./chat/completions, /v1/chat/completions",
        "/v1/%2e/chat/completions, /v1/chat/completions",
        "/v1/../v1/chat/completions, /v1/chat/completions",
        "/v1/%2E%2E/v1/chat/completions, /v1/chat/completions",
        "/v1//chat/completions/, /v1/chat/completions",
        "/%76%31/%63hat/completions, /v1/chat/completions",
        "/openai/v1/./chat/completions, /v1/chat/completions",
    })
    void aDottedChatPathIsForwardedNormalisedAndBilledLikeThePlainOne(String path, String sent) {
        upstream.answer(200, CHAT_ANSWER);
        CapturingSink answer = send(pipeline(), "POST", path, chat("gpt-4o"));
        assertEquals(200, answer.status(), answer.text());
        assertEquals(List.of("http://127.0.0.1:1" + sent), upstream.uris());
        // gpt-4o: 1,000 input tokens at $2.50/Mtok + 500 output tokens at $10/Mtok
        assertEquals(2_500 + 5_000, ledger.totalSpent().micros());
        assertEquals(0, ledger.reserved().micros());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"/v1/./responses", "/v1/%2e/responses", "/v1/../v1/responses"})
    void aDottedResponsesPathIsMeteredToo(String path) {
        upstream.answer(200, RESPONSES_ANSWER);
        CapturingSink answer =
                send(
                        pipeline(),
                        "POST",
                        path,
                        "{\"model\":\"gpt-4o\",\"max_output_tokens\":4000,\"input\":\"Hi\"}");
        assertEquals(200, answer.status(), answer.text());
        assertEquals(List.of("http://127.0.0.1:1/v1/responses"), upstream.uris());
        assertEquals(2_500 + 5_000, ledger.totalSpent().micros());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"/v1/./messages", "/v1/%2e/messages", "/v1/../v1/messages"})
    void aDottedMessagesPathIsMeteredToo(String path) {
        upstream.answer(200, MESSAGES_ANSWER);
        CapturingSink answer =
                send(
                        pipeline(),
                        "POST",
                        path,
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":4000,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(200, answer.status(), answer.text());
        assertEquals(List.of("http://127.0.0.1:2/v1/messages"), upstream.uris());
        // claude-sonnet-4-5: 1,000 input tokens at $3/Mtok + 500 output tokens at $15/Mtok
        assertEquals(3_000 + 7_500, ledger.totalSpent().micros());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "/v1/models/../../anything",
                "/v1/../anything",
                "/v1/../v2/chat/completions",
                "/openai/v1/../../v2/x",
                "/v1/%2e%2e/%2e%2e/admin",
                "/V1/chat/completions"
            })
    void aPathThatLeavesV1AfterNormalisingIsA404AndNeverForwarded(String path) {
        CapturingSink answer = send(pipeline(), "GET", path, null);
        assertEquals(404, answer.status(), answer.text());
        assertEquals("not_found", answer.json().path("error").path("code").asText());
        assertEquals(List.of(), upstream.uris());
    }

    @Test
    void aBaseUrlPathPrefixCannotBeClimbedOut() {
        ProxyPipeline behindPrefix =
                pipeline(URI.create("http://127.0.0.1:1/gateway/openai"), false);
        assertEquals(404, send(behindPrefix, "GET", "/v1/models/../../../admin", null).status());
        assertEquals(List.of(), upstream.uris());
        upstream.answer(200, "{\"object\":\"list\",\"data\":[]}");
        assertEquals(200, send(behindPrefix, "GET", "/v1/files/./", null).status());
        assertEquals(List.of("http://127.0.0.1:1/gateway/openai/v1/files"), upstream.uris());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "/v1/chat%2Fcompletions",
                "/v1%5Cchat/completions",
                "/v1\\chat/completions",
                "/v1/chat/completions%00",
                "/v1/chat/completions\u0000",
                "/v1/chat/completions\u001b",
                "/v1/chat/completions%zz"
            })
    void aPathWithEncodedSlashesBackslashesOrControlsIsA400InTheCallersFormat(String path) {
        CapturingSink openAi = send(pipeline(), "POST", path, chat("gpt-4o"));
        assertEquals(400, openAi.status(), openAi.text());
        assertEquals("invalid_path", openAi.json().path("error").path("code").asText());
        CapturingSink anthropic =
                send(pipeline(), "POST", "/v1/messages/x" + path.substring(3), "{}");
        assertEquals(400, anthropic.status());
        assertEquals("error", anthropic.json().path("type").asText(), anthropic.text());
        assertEquals(List.of(), upstream.uris());
        assertEquals(0, ledger.reserved().micros());
    }

    @Test
    void aQueryWithALineBreakIsA400AndNeverForwarded() {
        CapturingSink answer = send(pipeline(), "GET", "/v1/models", "a=1\r\nHost: evil", null);
        assertEquals(400, answer.status(), answer.text());
        assertEquals(List.of(), upstream.uris());
    }

    @Test
    void aForwardedHeaderWithAControlCharacterIsA400NotA500() {
        CapturingSink answer = new CapturingSink();
        Blocking.handle(
                pipeline(),
                new ProxyRequest(
                        "POST",
                        "/v1/chat/completions",
                        "",
                        HeaderMap.of(
                                "authorization",
                                "Bearer " + TOKEN,
                                "openai-organization",
                                "org-\u001b[31m"),
                        chat("gpt-4o").getBytes(StandardCharsets.UTF_8),
                        false),
                answer);
        assertEquals(400, answer.status(), answer.text());
        assertTrue(answer.text().contains("openai-organization"), answer.text());
        assertEquals(List.of(), upstream.uris());
        assertEquals(0, ledger.reserved().micros());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"model\":\"gpt-4o\",\"stream\":\"yes\",\"messages\":[]}|stream",
                "{\"model\":\"gpt-4o\",\"stream\":1,\"messages\":[]}|stream",
                "{\"model\":\"gpt-4o\",\"max_tokens\":-5,\"messages\":[]}|max_tokens",
                "{\"model\":\"gpt-4o\",\"max_tokens\":\"100\",\"messages\":[]}|max_tokens",
                "{\"model\":\"gpt-4o\",\"max_completion_tokens\":1.5,\"messages\":[]}"
                        + "|max_completion_tokens",
                "{\"model\":\"gpt-4o\",\"max_output_tokens\":true,\"messages\":[]}"
                        + "|max_output_tokens",
                "{\"model\":\"gpt-4o\",\"n\":0,\"messages\":[]}|n",
                "{\"model\":\"gpt-4o\",\"n\":\"2\",\"messages\":[]}|n",
                "{\"model\":42,\"messages\":[]}|model",
            })
    void aFieldTheRouterBillsByMustHaveItsTypeOrItIsA400(String body, String field) {
        CapturingSink answer = send(pipeline(), "POST", "/v1/chat/completions", body);
        assertEquals(400, answer.status(), answer.text());
        assertEquals(field, answer.json().path("error").path("param").asText(), answer.text());
        assertEquals(List.of(), upstream.uris());
        assertEquals(0, ledger.reserved().micros());
    }

    @Test
    void nullBillingFieldsAreTheirDefaults() {
        upstream.answer(200, CHAT_ANSWER);
        CapturingSink answer =
                send(
                        pipeline(),
                        "POST",
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"stream\":null,\"max_tokens\":null,\"n\":null,"
                                + "\"messages\":[]}");
        assertEquals(200, answer.status(), answer.text());
    }

    @Test
    void anAnswerWithoutUsageIsBilledItsBytesAsOutputNotZero() {
        String answer =
                "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                        + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"}}]}";
        upstream.answer(200, answer);
        String body = chat("gpt-4o");
        assertEquals(200, send(pipeline(), "POST", "/v1/chat/completions", body).status());
        // the worst-case input at $2.50/Mtok, and one output token per byte of the answer at
        // $10/Mtok: each term truncated. gpt-4o's input bound is counted: 3 framing + "user" 1 +
        // "Hi" 1 + 3 priming = 8 tokens, + ⌈5%⌉ + 16 = 25 (the body's 80 bytes bound it less)
        assertEquals(80, body.getBytes(StandardCharsets.UTF_8).length);
        long input = 25 * 25L / 10;
        long output = answer.getBytes(StandardCharsets.UTF_8).length * 10L;
        assertEquals(input + output, ledger.totalSpent().micros());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "/v1/..;/..;/admin",
                "/v1/chat/completions/;",
                "/v1/chat/completions%3B",
                "/v1/%252e%252e/admin",
            })
    void pathParametersAndEncodedPercentSignsAreRefused(String path) {
        CapturingSink answer = send(pipeline(), "POST", path, chat("gpt-4o"));
        assertEquals(400, answer.status(), answer.text());
        assertEquals(List.of(), upstream.uris());
    }

    @Test
    void countTokensIsFreeEvenWithTheBudgetSpent() {
        ledger = CostController.withLimit(Money.ofMicros(10));
        ProxyPipeline pipeline = pipeline();
        String body =
                "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\""
                        + "word ".repeat(1_000)
                        + "\"}]}";
        for (int i = 0; i < 10; i++) {
            upstream.answer(200, "{\"input_tokens\":1001}");
            assertEquals(200, send(pipeline, "POST", "/v1/messages/count_tokens", body).status());
        }
        assertEquals(10, upstream.uris().size());
        assertEquals(0, ledger.totalSpent().micros());
        assertEquals(0, ledger.reserved().micros());
        assertEquals(List.of(), events, "a free call is not an LLM request to report");
    }

    @Test
    void aSubPathOfTheOtherProvidersApiGoesAsItIsToTheRoutedProvider() {
        // count_tokens is under Anthropic's API, but not one the router translates: a GPT model
        // there goes, untranslated and with OpenAI's key, to OpenAI's base URL (an
        // OpenAI-compatible gateway may serve both APIs)
        upstream.answer(200, "{\"input_tokens\":12}");
        CapturingSink answer =
                send(pipeline(), "POST", "/v1/messages/count_tokens", chat("gpt-4o"));
        assertEquals(200, answer.status(), answer.text());
        assertEquals(List.of("http://127.0.0.1:1/v1/messages/count_tokens"), upstream.uris());
        assertEquals(0, ledger.reserved().micros());
        assertEquals(0, ledger.totalSpent().micros());
    }

    @ParameterizedTest(name = "[{index}] {0} {1}")
    @CsvSource({
        "POST, /v1/messages/batches",
        "POST, /v1/batches",
        "POST, /v1/fine_tuning/jobs",
        "POST, /v1/images/generations",
        "POST, /v1/audio/speech",
        "POST, /v1/threads/thread_1/runs",
        "POST, /v1/completions",
        "POST, /v1/vector_stores",
        "PUT, /v1/chat/completions"
    })
    void anUnmeteredPaidEndpointIsRefusedUnderABudgetNamingThePath(String method, String path) {
        CapturingSink answer =
                send(
                        pipeline(),
                        method,
                        path,
                        "{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"gpt-4o\"}}]}");
        assertEquals(400, answer.status(), answer.text());
        assertTrue(answer.text().contains("does not meter"), answer.text());
        assertTrue(answer.text().contains(method + " " + path), answer.text());
        assertEquals(List.of(), upstream.uris());
    }

    @Test
    void anUnmeteredEndpointIsForwardedWhenAllowedOrWithoutABudget() {
        upstream.answer(200, "{\"id\":\"msgbatch_1\"}");
        assertEquals(
                200,
                send(
                                pipeline(URI.create("http://127.0.0.1:1"), true),
                                "POST",
                                "/v1/messages/batches",
                                "{\"requests\":[]}")
                        .status());
        ledger = CostController.unlimited();
        upstream.answer(200, "{\"id\":\"msgbatch_2\"}");
        assertEquals(
                200,
                send(pipeline(), "POST", "/v1/messages/batches", "{\"requests\":[]}").status());
        assertEquals(2, upstream.uris().size());
        assertEquals(0, ledger.totalSpent().micros());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    // GET /v1/models asks every provider: ModelListingPipelineTest
    @ValueSource(strings = {"/v1/batches/batch_1", "/v1/files", "/v1/models/gpt-4o"})
    void readsAreFreeAndForwarded(String path) {
        ledger = CostController.withLimit(Money.ofMicros(1));
        upstream.answer(200, "{\"object\":\"list\",\"data\":[]}");
        assertEquals(200, send(pipeline(), "GET", path, null).status());
        assertEquals(List.of("http://127.0.0.1:1" + path), upstream.uris());
    }

    @Test
    void theHeadIsRefusedBeforeTheBodyIsRead() {
        ProxyPipeline pipeline = pipeline();
        Optional<EarlyAnswer> noToken =
                pipeline.onHead(
                        new RequestHead(
                                "POST",
                                "/v1/messages",
                                "",
                                HeaderMap.of("content-length", "10485760")));
        assertEquals(401, noToken.orElseThrow().status());
        assertTrue(
                new String(noToken.get().body(), StandardCharsets.UTF_8)
                        .contains("authentication_error"),
                "Anthropic's format on /v1/messages");
        HeaderMap authorized = HeaderMap.of("x-api-key", TOKEN);
        assertEquals(
                400,
                pipeline.onHead(new RequestHead("POST", "/v1/chat%2Fcompletions", "", authorized))
                        .orElseThrow()
                        .status());
        assertEquals(
                404,
                pipeline.onHead(new RequestHead("POST", "/v1/../admin", "", authorized))
                        .orElseThrow()
                        .status());
        assertEquals(
                400,
                pipeline.onHead(new RequestHead("POST", "/v1/batches", "", authorized))
                        .orElseThrow()
                        .status());
        assertEquals(
                Optional.empty(),
                pipeline.onHead(new RequestHead("POST", "/v1/./messages", "", authorized)));
        assertEquals(
                Optional.empty(),
                pipeline.onHead(new RequestHead("GET", "/", "", HeaderMap.empty())));
    }

    @Test
    void aTransportsOwnRefusalIsJsonInTheCallersFormat() {
        ProxyPipeline pipeline = pipeline();
        EarlyAnswer openAi = pipeline.unreadable(431, Optional.of("/v1/chat/completions"));
        assertEquals(431, openAi.status());
        assertEquals("application/json", openAi.headers().first("content-type").orElseThrow());
        assertTrue(new String(openAi.body(), StandardCharsets.UTF_8).contains("\"error\":{"));
        EarlyAnswer anthropic = pipeline.unreadable(408, Optional.of("/anthropic/v1/./messages"));
        assertTrue(
                new String(anthropic.body(), StandardCharsets.UTF_8)
                        .startsWith("{\"type\":\"error\""));
        assertEquals(400, pipeline.unreadable(400, Optional.empty()).status());
        assertEquals(503, pipeline.unreadable(503, Optional.of("/v1\u0000")).status());
    }
}

/** A tenant with fixed keys and a ledger, no agent. */
record DirectTenantForTest(
        io.ironcage.router.core.spi.ProviderKeySource keys,
        io.ironcage.router.core.domain.budget.CostController ledger)
        implements Tenant {
    @Override
    public java.util.Optional<String> agentId() {
        return java.util.Optional.empty();
    }
}
