package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.InternalServerException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.resilience.RetryOptions;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.RecordedRequest;
import io.ironcage.router.testkit.junit.StartStop;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router end to end: real SDKs and raw HTTP, FakeProvider as upstream (issue 4's test list).
 * Runs once per transport: each subclass names one ({@link JdkRouterEndToEndTest}, {@link
 * NettyRouterEndToEndTest}).
 */
abstract class RouterEndToEndTest {
    /** The day the tests price at (a table entry's dated prices depend on it). */
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    private static final String OPENAI_KEY = "sk-proj-TESTKEY-openai-123";
    private static final String ANTHROPIC_KEY = "sk-ant-TESTKEY-anthropic-456";
    private static final String TOKEN = "ic-token-TESTTOKEN-789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @StartStop final FakeProvider openAi = FakeProvider.openAi();
    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    /** Returns a new provider of the transport under test. */
    abstract TransportProvider transport();

    private InMemoryUsageEventSink events;
    private LlmRouter router;
    private final List<Runnable> toClose = new ArrayList<>();

    @BeforeEach
    void startRouter() {
        openAi.requireKey(OPENAI_KEY);
        anthropic.requireKey(ANTHROPIC_KEY);
        router = router(Money.fromUsdTruncating(5.00), Duration.ofSeconds(3), 10 * 1024 * 1024);
    }

    @AfterEach
    void stopRouter() {
        toClose.forEach(Runnable::run);
        router.close();
    }

    private LlmRouter router(Money budget, Duration upstreamTimeout, long maxBody) {
        if (router != null) {
            router.close();
        }
        events = InMemoryUsageEventSink.create();
        return LlmRouter.builder()
                .transport(transport())
                .providerKeys(
                        ProviderKeySource.fixed(
                                ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                                ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri())))
                .budget(budget)
                .token(TOKEN)
                .usageSink(events)
                .timeouts(Duration.ofSeconds(2), upstreamTimeout)
                .maxRequestBodyBytes(maxBody)
                // errors pass through as the provider sent them: ResilienceEndToEndTest has retries
                .retries(RetryOptions.NONE)
                .start();
    }

    private OpenAIClient openAiClient(String token) {
        OpenAIClient client =
                OpenAIOkHttpClient.builder()
                        .apiKey(token)
                        .baseUrl(router.baseUrl())
                        .maxRetries(0)
                        .timeout(Duration.ofSeconds(10))
                        .build();
        toClose.add(client::close);
        return client;
    }

    private AnthropicClient anthropicClient() {
        AnthropicClient client =
                AnthropicOkHttpClient.builder()
                        .apiKey(TOKEN)
                        .baseUrl(router.baseUri().toString())
                        .maxRetries(0)
                        .timeout(Duration.ofSeconds(10))
                        .build();
        toClose.add(client::close);
        return client;
    }

    private static ChatCompletionCreateParams.Builder chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hi");
    }

    private static long cost(String model, TokenUsage usage) {
        return PricingTables.bundled().find(model, DAY).orElseThrow().cost(usage).micros();
    }

    private HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(router.baseUri().resolve(path))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(body));
        request.header("content-type", "application/json");
        request.header("authorization", "Bearer " + TOKEN);
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void assertIdle() {
        Await.until(
                Duration.ofSeconds(10),
                "no reservation is left",
                () -> router.budgetStatus().reserved().isZero());
    }

    /** Sends a raw path as it is: {@code URI.resolve} would remove its dot segments. */
    private HttpResponse<String> postRaw(String rawPath, String body) {
        String base = router.baseUri().toString();
        base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(base + rawPath))
                        .timeout(Duration.ofSeconds(10))
                        .header("content-type", "application/json")
                        .header("authorization", "Bearer " + TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void dotSegmentsInThePathAreNormalisedBeforeRoutingMeteringAndForwarding() {
        String body =
                "{\"model\":\"gpt-4o\",\"max_tokens\":4000,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        List<String> dotted =
                List.of(
                        "/v1/./chat/completions",
                        "/v1/%2e/chat/completions",
                        "/v1/../v1/chat/completions");
        for (String path : dotted) {
            openAi.enqueue(FakeResponse.text("Hi!").usage(80, 500));
            HttpResponse<String> response = postRaw(path, body);
            assertEquals(200, response.statusCode(), path + ": " + response.body());
            assertEquals("/v1/chat/completions", openAi.takeRequest(Duration.ofSeconds(2)).path());
        }
        // gpt-4o: 80 input tokens at $2.50/Mtok (200 µ$) + 500 output at $10/Mtok (5,000 µ$),
        // three times: the output is billed on a dotted path as on the plain one
        assertEquals(Money.ofMicros(3 * 5_200), router.totalSpent());
        assertEquals(3, events.eventsOfType(LlmRequestCompleted.class).size());
        assertIdle();
    }

    @Test
    void aProviderThatEchoesTheKeyNeverHandsItToTheCaller() {
        // an upstream that echoes its Authorization header in bodies, headers and stream events
        openAi.dispatcher(
                request -> {
                    String auth = request.header("authorization").orElse("");
                    if (request.bodyText().contains("\"stream\":true")) {
                        return FakeResponse.text("you sent " + auth).usage(5, 3);
                    }
                    if (request.bodyText().contains("fail")) {
                        return FakeResponse.error(400, "invalid_request_error", "bad " + auth)
                                .header("x-echo", auth);
                    }
                    return FakeResponse.text("you sent " + auth).usage(5, 3).header("x-echo", auth);
                });
        anthropic.dispatcher(
                request ->
                        FakeResponse.error(
                                429,
                                "rate_limit_error",
                                "slow down " + request.header("x-api-key").orElse("")));
        List<HttpResponse<String>> answers = new ArrayList<>();
        answers.add(post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[]}"));
        answers.add(
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"user\":\"fail\",\"messages\":[]}"));
        answers.add(
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[]}"));
        // translated to Anthropic and its error back to OpenAI's format
        answers.add(
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":10,\"messages\":"
                                + "[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        assertEquals(List.of(200, 400, 200, 429), statuses(answers));
        for (HttpResponse<String> answer : answers) {
            String seen = answer.body() + answer.headers().map();
            assertFalse(seen.contains(OPENAI_KEY), seen);
            assertFalse(seen.contains(ANTHROPIC_KEY), seen);
            assertTrue(seen.contains("<redacted>"), seen);
        }
        assertIdle();
    }

    private static List<Integer> statuses(List<HttpResponse<String>> answers) {
        List<Integer> out = new ArrayList<>();
        answers.forEach(a -> out.add(a.statusCode()));
        return out;
    }

    @Test
    void aPathThatWouldLeaveV1OrCarriesAnEncodedSlashIsNeverForwarded() {
        HttpResponse<String> escape = postRaw("/v1/models/../../anything", "{}");
        assertEquals(404, escape.statusCode(), escape.body());
        assertTrue(escape.body().contains("\"not_found\""), escape.body());
        HttpResponse<String> slash = postRaw("/v1/chat%2Fcompletions", "{}");
        assertEquals(400, slash.statusCode(), slash.body());
        assertTrue(slash.body().contains("\"invalid_path\""), slash.body());
        HttpResponse<String> batches = postRaw("/v1/messages/batches", "{\"requests\":[]}");
        assertEquals(400, batches.statusCode(), batches.body());
        assertTrue(batches.body().contains("does not meter"), batches.body());
        assertEquals(0, openAi.requestCount() + anthropic.requestCount());
        assertEquals(Money.ofMicros(0), router.totalSpent());
        assertIdle();
    }

    @Test
    void openAiSdkPlainCallGoesUpstreamWithTheRealKeyAndIsBilledExactly() {
        openAi.enqueue(FakeResponse.text("Hi!").usage(1_000, 500));
        {
            OpenAIClient client = openAiClient(TOKEN);
            ChatCompletion reply = client.chat().completions().create(chat("gpt-4o-mini").build());
            assertEquals("Hi!", reply.choices().get(0).message().content().orElseThrow());
        }
        RecordedRequest sent = openAi.takeRequest(Duration.ofSeconds(2));
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("Bearer " + OPENAI_KEY, sent.header("authorization").orElseThrow());
        sent.headers()
                .values()
                .forEach(values -> values.forEach(v -> assertFalse(v.contains(TOKEN))));
        assertEquals(Money.ofMicros(450), router.totalSpent());
        assertIdle();
        LlmRequestCompleted done = events.eventsOfType(LlmRequestCompleted.class).get(0);
        assertEquals(450, done.cost().micros());
        assertEquals("openai", done.provider());
        assertTrue(
                router.recentEvents().stream()
                        .anyMatch(
                                e ->
                                        e.payload() instanceof LlmRequestCompleted
                                                && ((LlmRequestCompleted) e.payload())
                                                                .cost()
                                                                .micros()
                                                        == 450),
                "the router's own in-memory record has the event too");
    }

    @Test
    void openAiStreamIsBilledFromTheInjectedUsageChunkWhichTheCallerNeverSees() throws IOException {
        openAi.enqueue(FakeResponse.text("a b c").usage(100, 10));
        HttpResponse<String> response =
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, response.statusCode());
        List<String> data = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            }
        }
        assertEquals("[DONE]", data.get(data.size() - 1));
        for (String event : data.subList(0, data.size() - 1)) {
            JsonNode chunk = JSON.readTree(event);
            assertTrue(
                    chunk.path("choices").size() > 0, "the usage-only chunk was removed: " + event);
        }
        JsonNode upstreamBody = openAi.takeRequest(Duration.ofSeconds(2)).bodyJson();
        assertTrue(upstreamBody.at("/stream_options/include_usage").asBoolean());
        assertEquals(
                Money.ofMicros(cost("gpt-4o-mini", TokenUsage.of(100, 10))), router.totalSpent());
        assertIdle();
    }

    @Test
    void openAiSdkStreamAndToolCallPassThrough() {
        openAi.enqueue(FakeResponse.text("Hello from the stream").usage(5, 4));
        openAi.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Paris\"}").usage(30, 12));
        {
            OpenAIClient client = openAiClient(TOKEN);
            ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
            try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream =
                    client.chat().completions().createStreaming(chat("gpt-4o-mini").build())) {
                stream.stream().forEach(chunk -> accumulator.accumulate(chunk.validate()));
            }
            assertEquals(
                    "Hello from the stream",
                    accumulator
                            .chatCompletion()
                            .choices()
                            .get(0)
                            .message()
                            .content()
                            .orElseThrow());
            ChatCompletion tool =
                    client.chat().completions().create(chat("gpt-4o-mini").build()).validate();
            assertEquals(
                    "{\"city\":\"Paris\"}",
                    tool.choices()
                            .get(0)
                            .message()
                            .toolCalls()
                            .orElseThrow()
                            .get(0)
                            .asFunction()
                            .function()
                            .arguments());
        }
        long expected =
                cost("gpt-4o-mini", TokenUsage.of(5, 4))
                        + cost("gpt-4o-mini", TokenUsage.of(30, 12));
        assertEquals(Money.ofMicros(expected), router.totalSpent());
        assertIdle();
    }

    @Test
    void upstreamErrorsReachTheSdkAsItsOwnExceptionsAndCostNothing() {
        openAi.enqueue(FakeResponse.error(429, "requests", "Rate limit reached"));
        openAi.enqueue(FakeResponse.error(500, "server_error", "The server had an error"));
        {
            OpenAIClient client = openAiClient(TOKEN);
            assertThrows(
                    RateLimitException.class,
                    () -> client.chat().completions().create(chat("gpt-4o-mini").build()));
            assertThrows(
                    InternalServerException.class,
                    () -> client.chat().completions().create(chat("gpt-4o-mini").build()));
        }
        assertEquals(Money.ZERO, router.totalSpent());
        assertIdle();
        assertEquals(2, events.eventsOfType(LlmRequestFailed.class).size());
    }

    @Test
    void budgetRefusalsAre402WithTheReferenceCodes() {
        router = router(Money.ofMicros(100), Duration.ofSeconds(3), 10 * 1024 * 1024);
        {
            OpenAIClient client = openAiClient(TOKEN);
            OpenAIServiceException insufficient =
                    assertThrows(
                            OpenAIServiceException.class,
                            () -> client.chat().completions().create(chat("gpt-4o-mini").build()));
            assertEquals(402, insufficient.statusCode());
            assertEquals("insufficient_budget", insufficient.code().orElseThrow());
            router.setBudget(Money.ZERO);
            OpenAIServiceException exceeded =
                    assertThrows(
                            OpenAIServiceException.class,
                            () -> client.chat().completions().create(chat("gpt-4o-mini").build()));
            assertEquals(402, exceeded.statusCode());
            assertEquals("budget_exceeded", exceeded.code().orElseThrow());
        }
        assertEquals(0, openAi.requestCount(), "refused requests never reach the upstream");
        assertIdle();
    }

    @Test
    void aWrongTokenIs401AndNothingGoesUpstream() {
        {
            OpenAIClient client = openAiClient("ic-wrong");
            assertThrows(
                    UnauthorizedException.class,
                    () -> client.chat().completions().create(chat("gpt-4o-mini").build()));
        }
        assertEquals(401, post("/v1/messages", "{}", "authorization", "Bearer nope").statusCode());
        assertEquals(0, openAi.requestCount() + anthropic.requestCount());
    }

    @Test
    void anthropicSdkPlainStreamedAndToolUseThroughTheRouter() {
        anthropic.enqueue(FakeResponse.text("Hi!").usage(10, 8));
        anthropic.enqueue(
                FakeResponse.text("Hello from the stream").usage(12, 5).cacheTokens(100, 0));
        anthropic.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Rome\"}").usage(20, 9));
        MessageCreateParams params =
                MessageCreateParams.builder()
                        .model("claude-sonnet-4-5")
                        .maxTokens(100)
                        .addUserMessage("Say hi")
                        .build();
        {
            AnthropicClient client = anthropicClient();
            Message plain = client.messages().create(params).validate();
            assertEquals("Hi!", plain.content().get(0).text().orElseThrow().text());
            MessageAccumulator accumulator = MessageAccumulator.create();
            try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> stream =
                    client.messages().createStreaming(params)) {
                stream.stream().forEach(event -> accumulator.accumulate(event.validate()));
            }
            assertEquals(
                    "Hello from the stream",
                    accumulator.message().content().get(0).text().orElseThrow().text());
            Message tool = client.messages().create(params).validate();
            assertEquals("get_weather", tool.content().get(0).toolUse().orElseThrow().name());
        }
        RecordedRequest first = anthropic.takeRequest(Duration.ofSeconds(2));
        assertEquals(ANTHROPIC_KEY, first.header("x-api-key").orElseThrow());
        assertTrue(
                first.header("authorization").isEmpty(),
                "the caller's Bearer token stays in the router");
        long expected =
                cost("claude-sonnet-4-5", TokenUsage.of(10, 8))
                        + cost("claude-sonnet-4-5", new TokenUsage(12, 5, 100, 0))
                        + cost("claude-sonnet-4-5", TokenUsage.of(20, 9));
        assertEquals(Money.ofMicros(expected), router.totalSpent());
        assertIdle();
    }

    @Test
    void anthropicSdkSeesUpstreamErrorsBudgetRefusalsAndBadTokensAsItsOwnExceptions() {
        anthropic.enqueue(FakeResponse.error(429, "rate_limit_error", "slow down"));
        anthropic.enqueue(FakeResponse.error(500, "api_error", "boom"));
        anthropic.enqueue(FakeResponse.error(529, "overloaded_error", "Overloaded"));
        MessageCreateParams params =
                MessageCreateParams.builder()
                        .model("claude-sonnet-4-5")
                        .maxTokens(100)
                        .addUserMessage("Say hi")
                        .build();
        AnthropicClient client = anthropicClient();
        assertThrows(
                com.anthropic.errors.RateLimitException.class,
                () -> client.messages().create(params));
        assertThrows(
                com.anthropic.errors.InternalServerException.class,
                () -> client.messages().create(params));
        com.anthropic.errors.AnthropicServiceException overloaded =
                assertThrows(
                        com.anthropic.errors.AnthropicServiceException.class,
                        () -> client.messages().create(params));
        assertEquals(529, overloaded.statusCode());
        router.setBudget(Money.ofMicros(10));
        com.anthropic.errors.PaymentRequiredException refused =
                assertThrows(
                        com.anthropic.errors.PaymentRequiredException.class,
                        () -> client.messages().create(params));
        assertTrue(
                refused.getMessage().contains("iron_cage_insufficient_budget"),
                refused.getMessage());
        assertTrue(
                refused.getMessage().contains("Iron Cage insufficient budget for request."),
                refused.getMessage());
        AnthropicClient wrongToken =
                AnthropicOkHttpClient.builder()
                        .apiKey("ic-wrong")
                        .baseUrl(router.baseUri().toString())
                        .maxRetries(0)
                        .build();
        toClose.add(wrongToken::close);
        assertThrows(
                com.anthropic.errors.UnauthorizedException.class,
                () -> wrongToken.messages().create(params));
        assertEquals(3, anthropic.requestCount(), "the refusals never reached the upstream");
        assertEquals(Money.ZERO, router.totalSpent());
        assertIdle();
    }

    @Test
    void absurdHeadersAreRefusedAndTheRouterKeepsServing() throws Exception {
        HttpResponse<String> huge =
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"messages\":[]}",
                        "x-padding",
                        "x".repeat(200_000));
        assertEquals(431, huge.statusCode());
        assertTrue(huge.body().contains("headers_too_large"), huge.body());
        HttpResponse<String> tooMany = null;
        HttpRequest.Builder many =
                HttpRequest.newBuilder(router.baseUri().resolve("/v1/chat/completions"))
                        .header("authorization", "Bearer " + TOKEN)
                        .header("content-type", "application/json")
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        "{\"model\":\"gpt-4o-mini\",\"messages\":[]}"));
        for (int i = 0; i < 500; i++) {
            many.header("x-h" + i, "v");
        }
        try {
            tooMany = HTTP.send(many.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // the server may close the connection instead of answering: also a refusal
        }
        if (tooMany != null) {
            assertTrue(
                    tooMany.statusCode() >= 400 && tooMany.statusCode() < 500,
                    "status " + tooMany.statusCode());
        }
        assertEquals(0, openAi.requestCount(), "nothing reached the upstream");
        assertEquals(
                200,
                post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[]}")
                        .statusCode());
        assertIdle();
    }

    @Test
    void openAiSdkUsesAClaudeModelThroughTranslation() {
        anthropic.enqueue(
                FakeResponse.text("Bonjour from Claude").usage(12, 6).cacheTokens(100, 0));
        anthropic.enqueue(
                FakeResponse.toolCall("get_weather", "{\"city\":\"Paris\"}").usage(20, 9));
        anthropic.enqueue(FakeResponse.error(429, "rate_limit_error", "slow down"));
        OpenAIClient client = openAiClient(TOKEN);
        ChatCompletion plain =
                client.chat().completions().create(chat("claude-sonnet-4-5").build()).validate();
        assertEquals(
                "Bonjour from Claude", plain.choices().get(0).message().content().orElseThrow());
        assertEquals(
                ChatCompletion.Choice.FinishReason.STOP, plain.choices().get(0).finishReason());
        assertEquals(
                112,
                plain.usage().orElseThrow().promptTokens(),
                "input 12 + cache read 100 + cache write 0");
        RecordedRequest sent = anthropic.takeRequest(Duration.ofSeconds(2));
        assertEquals("/v1/messages", sent.path());
        assertEquals(ANTHROPIC_KEY, sent.header("x-api-key").orElseThrow());
        assertEquals("Say hi", sent.bodyJson().at("/messages/0/content").asText());
        assertEquals(
                64_000,
                sent.bodyJson().path("max_tokens").asLong(),
                "the model's maximum by default");

        ChatCompletion tool =
                client.chat().completions().create(chat("claude-sonnet-4-5").build()).validate();
        com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall call =
                tool.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("get_weather", call.function().name());
        assertEquals("Paris", parse(call.function().arguments()).path("city").asText());
        assertEquals(
                ChatCompletion.Choice.FinishReason.TOOL_CALLS,
                tool.choices().get(0).finishReason());

        assertThrows(
                RateLimitException.class,
                () -> client.chat().completions().create(chat("claude-sonnet-4-5").build()));

        long expected =
                cost("claude-sonnet-4-5", new TokenUsage(12, 6, 100, 0))
                        + cost("claude-sonnet-4-5", TokenUsage.of(20, 9));
        assertEquals(Money.ofMicros(expected), router.totalSpent());
        assertTrue(
                events.eventsOfType(LlmRequestCompleted.class).stream()
                        .allMatch(e -> e.request().translated()));
        assertIdle();
    }

    @Test
    void anthropicSdkUsesAGptModelThroughTranslation() {
        openAi.enqueue(FakeResponse.text("Hello from GPT").usage(15, 5));
        AnthropicClient client = anthropicClient();
        Message reply =
                client.messages()
                        .create(
                                MessageCreateParams.builder()
                                        .model("gpt-4o-mini")
                                        .maxTokens(100)
                                        .addUserMessage("Say hi")
                                        .build())
                        .validate();
        assertEquals("Hello from GPT", reply.content().get(0).text().orElseThrow().text());
        assertEquals(15, reply.usage().inputTokens());
        RecordedRequest sent = openAi.takeRequest(Duration.ofSeconds(2));
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("Bearer " + OPENAI_KEY, sent.header("authorization").orElseThrow());
        assertTrue(
                sent.header("anthropic-version").isEmpty(),
                "Anthropic headers stay away from OpenAI");
        assertEquals(
                Money.ofMicros(cost("gpt-4o-mini", TokenUsage.of(15, 5))), router.totalSpent());
        assertIdle();
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void sixtyFourConcurrentRequestsNeverOverspendAndLeaveNothingReserved() throws Exception {
        Money limit = Money.ofMicros(1_000);
        router = router(limit, Duration.ofSeconds(5), 10 * 1024 * 1024);
        openAi.dispatcher(
                request ->
                        FakeResponse.text("ok ok")
                                .usage(20, 50)
                                .headersDelay(Duration.ofMillis(50)));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                boolean stream = i % 2 == 0;
                Callable<Integer> call =
                        () ->
                                post(
                                                "/v1/chat/completions",
                                                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,\"stream\":"
                                                        + stream
                                                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                                        .statusCode();
                results.add(pool.submit(call));
            }
            int ok = 0;
            for (Future<Integer> result : results) {
                int status = result.get();
                assertTrue(status == 200 || status == 402, "status " + status);
                ok += status == 200 ? 1 : 0;
            }
            assertTrue(ok > 0, "some requests fit the budget");
            assertIdle();
            long billed = 0;
            for (LlmRequestCompleted done : events.eventsOfType(LlmRequestCompleted.class)) {
                billed += done.cost().micros();
            }
            assertEquals(ok, events.eventsOfType(LlmRequestCompleted.class).size());
            assertEquals(Money.ofMicros(billed), router.totalSpent());
            assertTrue(
                    router.totalSpent().compareTo(limit) <= 0,
                    "spent " + router.totalSpent() + " > " + limit);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClientThatLeavesMidStreamIsStillBilled() throws Exception {
        openAi.enqueue(
                FakeResponse.text("one two three four five six")
                        .usage(40, 12)
                        .eventDelay(Duration.ofMillis(100)));
        HttpRequest request =
                HttpRequest.newBuilder(router.baseUri().resolve("/v1/chat/completions"))
                        .header("authorization", "Bearer " + TOKEN)
                        .header("content-type", "application/json")
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                        .build();
        HttpResponse<InputStream> response =
                HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            assertTrue(reader.readLine().startsWith("data: "), "the first event arrived");
        } // the client leaves here
        Await.until(
                Duration.ofSeconds(10),
                "the abandoned stream is billed",
                () -> !router.totalSpent().isZero());
        assertEquals(
                Money.ofMicros(cost("gpt-4o-mini", TokenUsage.of(40, 12))), router.totalSpent());
        assertIdle();
    }

    @Test
    void anUpstreamThatHangsIs504AndReleasesTheReservation() {
        router = router(Money.fromUsdTruncating(5.00), Duration.ofMillis(500), 10 * 1024 * 1024);
        openAi.enqueue(FakeResponse.text("never").neverEnds());
        HttpResponse<String> response =
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(504, response.statusCode());
        assertTrue(response.body().contains("error"), response.body());
        assertEquals(Money.ZERO, router.totalSpent());
        assertIdle();
    }

    @Test
    void anUpstreamThatDropsMidStreamEndsWithACleanErrorEventAndIsBilled() {
        openAi.enqueue(FakeResponse.text("one two three four").disconnectAfter(2));
        HttpResponse<String> response =
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, response.statusCode());
        String[] events = response.body().trim().split("\n\n");
        String last = events[events.length - 1];
        assertTrue(last.contains("\"error\""), "the last event is an error event: " + last);
        assertFalse(router.totalSpent().isZero(), "what was seen is billed");
        assertIdle();
    }

    @Test
    void badInputGetsAClear4xxAndNeverReachesTheUpstream() {
        router = router(Money.fromUsdTruncating(5.00), Duration.ofSeconds(3), 1024);
        String chat = "/v1/chat/completions";
        assertBad(post(chat, "{not json"), 400, "JSON");
        assertBad(post(chat, "[1,2]"), 400, "object");
        assertBad(post(chat, "{\"messages\":[]}"), 400, "model");
        assertBad(
                post(chat, "{\"model\":\"my-private-model\",\"messages\":[]}"),
                400,
                "pricing.overrides");
        assertBad(
                post(
                        chat,
                        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
                                + "x".repeat(2000)
                                + "\"}]}"),
                413,
                "");
        assertBad(
                post(chat, "{\"model\":\"gpt-4o-mini\"}", "content-type", "text/plain"),
                400,
                "Content-Type");
        assertBad(post("/not-an-api", "{}"), 404, "");
        assertBad(
                post(chat, "{\"model\":\"claude-sonnet-4-5\",\"stream\":\"yes\",\"messages\":[]}"),
                400,
                "stream");
        assertBad(
                post(
                        chat,
                        "{\"model\":\"claude-sonnet-4-5\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                400,
                "n");
        assertBad(
                post(
                        "/v1/messages",
                        "{\"model\":\"x\"}",
                        "x-api-key",
                        TOKEN,
                        "authorization",
                        "Basic abc"),
                400,
                "pricing.overrides");
        assertEquals(0, openAi.requestCount() + anthropic.requestCount());
        assertIdle();
        assertEquals(
                200,
                post(chat, "{\"model\":\"gpt-4o-mini\",\"messages\":[]}").statusCode(),
                "still serving");
    }

    private static void assertBad(HttpResponse<String> response, int status, String mentions) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.body().contains(mentions), response.body());
        assertTrue(
                response.headers().firstValue("content-type").orElse("").contains("json"),
                "an API-format body");
    }

    @Test
    void secretsAppearInNoResponseEventOrLogLine() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        List<String> bodies = new ArrayList<>();
        try {
            openAi.requireKey("sk-proj-a-different-key");
            bodies.add(
                    post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[]}")
                            .body());
            openAi.enqueue(FakeResponse.error(500, "server_error", "boom"));
            openAi.requireKey(OPENAI_KEY);
            bodies.add(
                    post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[]}")
                            .body());
            bodies.add(
                    post(
                                    "/v1/chat/completions",
                                    "{\"model\":\"gpt-4o-mini\"}",
                                    "authorization",
                                    "Bearer " + OPENAI_KEY)
                            .body());
            bodies.add(
                    post(
                                    "/v1/chat/completions",
                                    "{\"model\":\"gpt-4o-mini\",\"messages\":[]}",
                                    "x-api-key",
                                    TOKEN + "x",
                                    "authorization",
                                    "")
                            .body());
        } finally {
            System.setErr(original);
        }
        String everything =
                String.join("\n", bodies)
                        + events.events()
                        + captured.toString(StandardCharsets.UTF_8)
                        + router;
        for (String secret : List.of(OPENAI_KEY, ANTHROPIC_KEY, TOKEN, "sk-proj-a-different-key")) {
            assertFalse(everything.contains(secret), "a secret leaked: " + secret);
        }
        assertTrue(
                bodies.get(0).contains("error"), "the upstream 401 became the router's own error");
    }

    @Test
    void readinessAnswersWithoutATokenAndSaysWhichAgentIsNotReady() throws Exception {
        HttpResponse<String> ready =
                HTTP.send(
                        HttpRequest.newBuilder(router.baseUri().resolve("/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals("{\"ready\":true,\"agents\":[]}", ready.body(), "direct mode: started");
        assertEquals("application/json", ready.headers().firstValue("content-type").orElseThrow());

        String icToken = "ic-e2e-READY-secret";
        try (io.ironcage.router.testkit.FakeControlPlane control =
                io.ironcage.router.testkit.FakeControlPlane.create().start()) {
            control.goOffline();
            try (LlmRouter serverMode =
                    LlmRouter.builder()
                            .transport(transport())
                            .controlPlane(
                                    io.ironcage.router.core.controlplane.ControlPlaneOptions
                                            .builder(control.baseUri())
                                            .timeout(Duration.ofSeconds(2))
                                            .build())
                            .agent(
                                    io.ironcage.router.core.agent.AgentSpec.of(icToken)
                                            .withAgentId("a7"))
                            .start()) {
                HttpResponse<String> waiting =
                        HTTP.send(
                                HttpRequest.newBuilder(serverMode.baseUri().resolve("/ready"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertEquals(503, waiting.statusCode(), waiting.body());
                assertEquals(
                        "{\"ready\":false,\"agents\":[{\"agent\":\"a7\",\"ready\":false,"
                                + "\"reason\":\"no provider key from the control server yet\"}]}",
                        waiting.body());
            }
        }
    }

    @Test
    void healthCheckAnswersWithoutAToken() throws Exception {
        HttpResponse<String> health =
                HTTP.send(
                        HttpRequest.newBuilder(router.baseUri().resolve("/")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertEquals("LlmRouter OK", health.body());
        assertTrue(
                router.baseUrl().startsWith("http://127.0.0.1:")
                        && router.baseUrl().endsWith("/v1"));
        assertEquals(URI.create("http://127.0.0.1:" + router.port()), router.baseUri());
        assertEquals(
                java.util.EnumSet.allOf(io.ironcage.router.core.domain.ProviderType.class),
                router.providers());
        assertTrue(router.isRunning());
        router.close();
        assertFalse(router.isRunning());
        router.close(); // idempotent
    }
}
