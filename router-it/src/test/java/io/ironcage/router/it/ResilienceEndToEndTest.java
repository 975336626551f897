package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.LlmRequestPayload;
import io.ironcage.router.core.resilience.CircuitBreakerOptions;
import io.ironcage.router.core.resilience.RetryOptions;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.MutableClock;
import io.ironcage.router.testkit.RecordedRequest;
import io.ironcage.router.testkit.junit.StartStop;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Retries, fallbacks and circuit breakers end to end on each transport (one subclass per
 * transport), with the official SDKs' own retries off so that what they see is the router's doing:
 * transient 429/503/529 answers become a 200, plain and streamed; a dead provider falls back to the
 * other provider's model in the caller's format, streamed tool calls included; an open breaker goes
 * straight to the fallback and closes after a good trial. Every attempt reserves and settles its
 * own cost: the events' costs add up to the ledger's spend, to the µ$.
 */
abstract class ResilienceEndToEndTest {
    private static final String OPENAI_KEY = "sk-proj-TESTKEY-resilience-openai";
    private static final String ANTHROPIC_KEY = "sk-ant-TESTKEY-resilience-anthropic";
    private static final String TOKEN = "ic-token-TESTTOKEN-resilience";
    private static final RetryOptions FAST =
            RetryOptions.of(
                    3, Duration.ofMillis(1), Duration.ofMillis(4), RetryOptions.DEFAULT_RETRY_ON);

    /** The transport under test. */
    abstract TransportProvider transport();

    @StartStop final FakeProvider openAi = FakeProvider.openAi();
    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    private final InMemoryUsageEventSink events = InMemoryUsageEventSink.create();
    private final List<Runnable> toClose = new ArrayList<>();
    private LlmRouter router;

    @AfterEach
    void stop() {
        toClose.forEach(Runnable::run);
        if (router != null) {
            router.close();
        }
    }

    private boolean requireKeys = true;

    private LlmRouter start(URI openAiBase, UnaryOperator<LlmRouter.Builder> more) {
        if (requireKeys) {
            openAi.requireKey(OPENAI_KEY);
        }
        anthropic.requireKey(ANTHROPIC_KEY);
        router =
                more.apply(
                                LlmRouter.builder()
                                        .transport(transport())
                                        .providerKeys(
                                                ProviderKeySource.fixed(
                                                        ProviderKey.openAi(OPENAI_KEY, openAiBase),
                                                        ProviderKey.anthropic(
                                                                ANTHROPIC_KEY,
                                                                anthropic.baseUri())))
                                        .budget(Money.fromUsdTruncating(5.00))
                                        .token(TOKEN)
                                        .usageSink(events)
                                        .retries(FAST)
                                        .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5)))
                        .start();
        return router;
    }

    private OpenAIClient openAiSdk() {
        OpenAIClient client =
                OpenAIOkHttpClient.builder()
                        .apiKey(TOKEN)
                        .baseUrl(router.baseUrl())
                        .maxRetries(0)
                        .timeout(Duration.ofSeconds(20))
                        .build();
        toClose.add(client::close);
        return client;
    }

    private AnthropicClient anthropicSdk() {
        AnthropicClient client =
                AnthropicOkHttpClient.builder()
                        .apiKey(TOKEN)
                        .baseUrl(router.baseUri().toString())
                        .maxRetries(0)
                        .timeout(Duration.ofSeconds(20))
                        .build();
        toClose.add(client::close);
        return client;
    }

    /** The LLM request events, once {@code count} are in and nothing is reserved. */
    private List<LlmRequestPayload> settled(int count) {
        Await.until(
                Duration.ofSeconds(10),
                "no reservation is left",
                () -> router.budgetStatus().reserved().isZero());
        Await.until(
                Duration.ofSeconds(10),
                count + " request events",
                () -> llmEvents().size() >= count);
        List<LlmRequestPayload> all = llmEvents();
        assertEquals(count, all.size(), "one event per attempt: " + all);
        long sum = all.stream().mapToLong(e -> cost(e).micros()).sum();
        assertEquals(Money.ofMicros(sum), router.totalSpent(), "the ledger = the events' costs");
        return all;
    }

    private List<LlmRequestPayload> llmEvents() {
        List<LlmRequestPayload> out = new ArrayList<>();
        for (AnalyticsEvent event : events.events()) {
            if (event.payload() instanceof LlmRequestPayload) {
                out.add((LlmRequestPayload) event.payload());
            }
        }
        return out;
    }

    private static Money cost(LlmRequestPayload event) {
        if (event instanceof LlmRequestCompleted) {
            return ((LlmRequestCompleted) event).cost();
        }
        return ((LlmRequestFailed) event).cost();
    }

    private static FakeResponse overloaded(int status) {
        return FakeResponse.error(status, "overloaded_error", "busy, try again")
                .header("retry-after-ms", "3");
    }

    @Test
    void theOpenAiSdkGetsA200AfterA429AndA503PlainAndStreamed() {
        start(openAi.baseUri(), b -> b);
        openAi.enqueue(
                FakeResponse.error(429, "requests", "Rate limit reached")
                        .header("retry-after", "0"));
        openAi.enqueue(overloaded(503));
        openAi.enqueue(FakeResponse.text("third time lucky").usage(100, 20));
        ChatCompletion plain =
                openAiSdk()
                        .chat()
                        .completions()
                        .create(
                                ChatCompletionCreateParams.builder()
                                        .model("gpt-4o-mini")
                                        .addUserMessage("hi")
                                        .build());
        assertEquals("third time lucky", plain.choices().get(0).message().content().orElseThrow());
        assertEquals(3, openAi.requestCount());

        openAi.enqueue(overloaded(503));
        openAi.enqueue(FakeResponse.text("streamed at last").usage(200, 40));
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream =
                openAiSdk()
                        .chat()
                        .completions()
                        .createStreaming(
                                ChatCompletionCreateParams.builder()
                                        .model("gpt-4o-mini")
                                        .addUserMessage("hi")
                                        .build())) {
            stream.stream().forEach(chunk -> accumulator.accumulate(chunk.validate()));
        }
        assertEquals(
                "streamed at last",
                accumulator.chatCompletion().choices().get(0).message().content().orElseThrow());
        // gpt-4o-mini, $0.15 in and $0.60 out per million tokens: the failed attempts cost 0,
        // 100 × 0.15 + 20 × 0.6 = 27 µ$ and 200 × 0.15 + 40 × 0.6 = 54 µ$
        List<LlmRequestPayload> all = settled(5);
        assertEquals(
                List.of(0L, 0L, 27L, 0L, 54L), all.stream().map(e -> cost(e).micros()).toList());
        assertEquals(Money.ofMicros(81), router.totalSpent());
    }

    @Test
    void theAnthropicSdkGetsA200AfterA529PlainAndStreamed() {
        start(openAi.baseUri(), b -> b);
        anthropic.enqueue(overloaded(529));
        anthropic.enqueue(FakeResponse.text("not overloaded now").usage(100, 10));
        Message plain =
                anthropicSdk()
                        .messages()
                        .create(
                                MessageCreateParams.builder()
                                        .model("claude-haiku-4-5")
                                        .maxTokens(100)
                                        .addUserMessage("hi")
                                        .build());
        assertEquals("not overloaded now", plain.content().get(0).asText().text());

        anthropic.enqueue(overloaded(529));
        anthropic.enqueue(overloaded(503));
        anthropic.enqueue(FakeResponse.text("streamed").usage(300, 20));
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> stream =
                anthropicSdk()
                        .messages()
                        .createStreaming(
                                MessageCreateParams.builder()
                                        .model("claude-haiku-4-5")
                                        .maxTokens(100)
                                        .addUserMessage("hi")
                                        .build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertEquals("streamed", accumulator.message().content().get(0).asText().text());
        assertEquals(5, anthropic.requestCount());
        // claude-haiku-4-5, $1 in and $5 out per million tokens: 100 + 50 = 150 µ$, then
        // 300 + 100 = 400 µ$; the 529s and the 503 cost nothing
        List<LlmRequestPayload> all = settled(5);
        assertEquals(
                List.of(0L, 150L, 0L, 0L, 400L), all.stream().map(e -> cost(e).micros()).toList());
    }

    @Test
    void aDeadProviderFallsBackToTheOtherProvidersModelWithAStreamedToolCallInTheCallersFormat()
            throws Exception {
        URI dead = deadPort();
        start(dead, b -> b.fallbacks(Map.of("gpt-4o-mini", List.of("claude-haiku-4-5"))));
        anthropic.enqueue(
                FakeResponse.toolCall("get_weather", "{\"city\":\"Paris\"}").usage(30, 12));
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream =
                openAiSdk()
                        .chat()
                        .completions()
                        .createStreaming(
                                ChatCompletionCreateParams.builder()
                                        .model("gpt-4o-mini")
                                        .addUserMessage("weather in Paris?")
                                        .addTool(
                                                com.openai.models.chat.completions
                                                        .ChatCompletionFunctionTool.builder()
                                                        .function(GET_WEATHER)
                                                        .build())
                                        .build())) {
            stream.stream().forEach(chunk -> accumulator.accumulate(chunk.validate()));
        }
        ChatCompletion answer = accumulator.chatCompletion();
        ChatCompletionMessageFunctionToolCall call =
                answer.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("get_weather", call.function().name());
        assertTrue(call.function().arguments().contains("Paris"), call.function().arguments());
        assertEquals("claude-haiku-4-5", answer.model(), "the model that answered");

        RecordedRequest sent = anthropic.takeRequest(Duration.ofSeconds(5));
        assertEquals("claude-haiku-4-5", sent.bodyJson().path("model").asText());
        assertEquals(ANTHROPIC_KEY, sent.header("x-api-key").orElseThrow(), "its own key only");
        assertFalse(sent.header("authorization").isPresent(), "no OpenAI key to Anthropic");
        // three attempts at the dead gpt-4o-mini (no connection: 0 µ$ each), then claude-haiku-4-5
        // at $1 in and $5 out per million tokens: 30 + 60 = 90 µ$
        List<LlmRequestPayload> all = settled(4);
        assertEquals(List.of(0L, 0L, 0L, 90L), all.stream().map(e -> cost(e).micros()).toList());
        assertEquals(
                List.of("gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "claude-haiku-4-5"),
                all.stream().map(e -> e.meta().model()).toList());
    }

    @Test
    void anOverloadedClaudeFallsBackToAGptModelWithAToolCallInAnthropicsFormat() {
        start(
                openAi.baseUri(),
                b -> b.fallbacks(Map.of("claude-haiku-4-5", List.of("gpt-4o-mini"))));
        for (int i = 0; i < 3; i++) {
            anthropic.enqueue(overloaded(529));
        }
        openAi.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Rome\"}").usage(100, 20));
        Message answer =
                anthropicSdk()
                        .messages()
                        .create(
                                MessageCreateParams.builder()
                                        .model("claude-haiku-4-5")
                                        .maxTokens(200)
                                        .addUserMessage("weather in Rome?")
                                        .addTool(CLAUDE_WEATHER_TOOL)
                                        .build());
        com.anthropic.models.messages.ToolUseBlock use =
                answer.content().stream()
                        .filter(b -> b.isToolUse())
                        .findFirst()
                        .orElseThrow()
                        .asToolUse();
        assertEquals("get_weather", use.name());
        assertTrue(use._input().toString().contains("Rome"), use._input().toString());
        assertEquals("gpt-4o-mini", answer.model().asString(), "the model that answered");
        RecordedRequest sent = openAi.takeRequest(Duration.ofSeconds(5));
        assertEquals("Bearer " + OPENAI_KEY, sent.header("authorization").orElseThrow());
        assertFalse(sent.header("x-api-key").isPresent(), "no Anthropic key to OpenAI");
        // three 529s (0 µ$), then gpt-4o-mini at $0.15 in and $0.60 out per million tokens:
        // 100 × 0.15 + 20 × 0.6 = 15 + 12 = 27 µ$
        List<LlmRequestPayload> all = settled(4);
        assertEquals(List.of(0L, 0L, 0L, 27L), all.stream().map(e -> cost(e).micros()).toList());
    }

    @Test
    void theResponseHeadersNameTheModelThatAnsweredAndTheAttempts() throws Exception {
        start(openAi.baseUri(), b -> b.fallbacks(Map.of("gpt-4o-mini", List.of("gpt-4o"))));
        for (int i = 0; i < 3; i++) {
            openAi.enqueue(overloaded(503));
        }
        openAi.enqueue(FakeResponse.text("from gpt-4o").usage(10, 10));
        HttpResponse<String> answer =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                router.baseUri().resolve("/v1/chat/completions"))
                                        .header("authorization", "Bearer " + TOKEN)
                                        .header("content-type", "application/json")
                                        .POST(
                                                HttpRequest.BodyPublishers.ofString(
                                                        "{\"model\":\"gpt-4o-mini\",\"messages\":"
                                                                + "[{\"role\":\"user\",\"content\":"
                                                                + "\"hi\"}]}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("gpt-4o", answer.headers().firstValue("x-iron-router-model").orElseThrow());
        assertEquals("4", answer.headers().firstValue("x-iron-router-attempts").orElseThrow());
        // the fallback's request names its own model
        for (int i = 0; i < 3; i++) {
            assertEquals(
                    "gpt-4o-mini",
                    openAi.takeRequest(Duration.ofSeconds(5)).bodyJson().path("model").asText());
        }
        assertEquals(
                "gpt-4o",
                openAi.takeRequest(Duration.ofSeconds(5)).bodyJson().path("model").asText());
        // gpt-4o, $2.50 in and $10 out per million tokens: 25 + 100 = 125 µ$
        settled(4);
        assertEquals(Money.ofMicros(125), router.totalSpent());
    }

    @Test
    void whenEveryAttemptFailsTheCallerGetsTheLastFailureAsTheProviderSentIt() throws Exception {
        start(openAi.baseUri(), b -> b);
        for (int i = 0; i < 3; i++) {
            openAi.enqueue(FakeResponse.error(503, "server_error", "down for maintenance " + i));
        }
        HttpResponse<String> answer = chat("gpt-4o-mini");
        assertEquals(503, answer.statusCode());
        assertTrue(answer.body().contains("down for maintenance 2"), answer.body());
        assertEquals("3", answer.headers().firstValue("x-iron-router-attempts").orElseThrow());
        settled(3);
        assertEquals(Money.ZERO, router.totalSpent());
    }

    @Test
    void aBadRequestIsNeverRetried() throws Exception {
        start(openAi.baseUri(), b -> b);
        openAi.enqueue(FakeResponse.error(400, "invalid_request_error", "bad messages"));
        HttpResponse<String> answer = chat("gpt-4o-mini");
        assertEquals(400, answer.statusCode());
        assertEquals(1, openAi.requestCount());
        assertEquals("1", answer.headers().firstValue("x-iron-router-attempts").orElseThrow());
    }

    @Test
    void aRetryAfterLongerThanTheLimitMovesToTheFallbackAtOnce() throws Exception {
        start(
                openAi.baseUri(),
                b ->
                        b.retries(FAST.withMaxRetryAfter(Duration.ofSeconds(1)))
                                .fallbacks(Map.of("gpt-4o-mini", List.of("claude-haiku-4-5"))));
        openAi.enqueue(
                FakeResponse.error(429, "requests", "Rate limit reached")
                        .header("retry-after", "60"));
        anthropic.enqueue(FakeResponse.text("haiku here").usage(10, 2));
        HttpResponse<String> answer = chat("gpt-4o-mini");
        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("haiku here"), answer.body());
        assertTrue(answer.body().contains("\"chat.completion\""), "in the caller's format");
        assertEquals(1, openAi.requestCount(), "no second try at the 429'd model");
        assertEquals(
                "claude-haiku-4-5",
                answer.headers().firstValue("x-iron-router-model").orElseThrow());
    }

    @Test
    void anOpenBreakerGoesStraightToTheFallbackAndClosesAfterAGoodTrial() throws Exception {
        MutableClock clock = MutableClock.at(Instant.parse("2026-12-07T12:00:00Z"));
        start(
                openAi.baseUri(),
                b ->
                        b.clock(clock)
                                .retries(RetryOptions.NONE)
                                .fallbacks(Map.of("gpt-4o-mini", List.of("claude-haiku-4-5")))
                                .circuitBreaker(
                                        new CircuitBreakerOptions(50, 2, Duration.ofSeconds(30))));
        anthropic.dispatcher(request -> FakeResponse.text("haiku answers").usage(10, 2));
        openAi.enqueue(overloaded(500));
        openAi.enqueue(overloaded(500));
        assertEquals(200, chat("gpt-4o-mini").statusCode());
        assertEquals(200, chat("gpt-4o-mini").statusCode());
        assertEquals(2, openAi.requestCount());
        // two failures of two calls: open, so gpt-4o-mini is not called at all
        HttpResponse<String> skipped = chat("gpt-4o-mini");
        assertEquals(200, skipped.statusCode());
        assertEquals(
                "claude-haiku-4-5",
                skipped.headers().firstValue("x-iron-router-model").orElseThrow());
        assertEquals("1", skipped.headers().firstValue("x-iron-router-attempts").orElseThrow());
        assertEquals(2, openAi.requestCount(), "the open breaker skipped gpt-4o-mini");
        assertEquals(3, anthropic.requestCount());

        clock.advance(Duration.ofSeconds(31));
        openAi.enqueue(FakeResponse.text("healthy again").usage(10, 2));
        HttpResponse<String> trial = chat("gpt-4o-mini");
        assertEquals(
                "gpt-4o-mini", trial.headers().firstValue("x-iron-router-model").orElseThrow());
        assertEquals(3, openAi.requestCount(), "the trial call");
        openAi.enqueue(FakeResponse.text("closed").usage(10, 2));
        assertEquals(
                "gpt-4o-mini",
                chat("gpt-4o-mini").headers().firstValue("x-iron-router-model").orElseThrow());
        assertEquals(4, openAi.requestCount(), "closed again after the good trial");
        assertEquals(3, anthropic.requestCount());
    }

    @Test
    void withEveryBreakerOpenAndNoFallbackTheCallerGetsA503WithRetryAfter() throws Exception {
        MutableClock clock = MutableClock.at(Instant.parse("2026-12-07T12:00:00Z"));
        start(
                openAi.baseUri(),
                b ->
                        b.clock(clock)
                                .retries(RetryOptions.NONE)
                                .circuitBreaker(
                                        new CircuitBreakerOptions(50, 1, Duration.ofSeconds(30))));
        openAi.enqueue(overloaded(502));
        assertEquals(502, chat("gpt-4o-mini").statusCode());
        HttpResponse<String> refused = chat("gpt-4o-mini");
        assertEquals(503, refused.statusCode());
        assertEquals("30", refused.headers().firstValue("retry-after").orElseThrow());
        assertTrue(refused.body().contains("circuit_open"), refused.body());
        assertEquals(1, openAi.requestCount());
        assertTrue(router.budgetStatus().reserved().isZero());
    }

    @Test
    void aKeyPoolRetriesA429AtOnceWithItsOtherKey() throws Exception {
        String second = OPENAI_KEY + "-B";
        requireKeys = false; // the dispatcher tells the keys apart
        ProviderKeySource pool =
                ProviderKeySource.pooled(
                        java.time.Clock.systemUTC(),
                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                        ProviderKey.openAi(second, openAi.baseUri()),
                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri()));
        // a 429 with a minute's Retry-After: the key cools, the other key goes at once
        openAi.dispatcher(
                request ->
                        request.header("authorization").orElse("").endsWith("-B")
                                ? FakeResponse.text("from key B").usage(10, 1)
                                : FakeResponse.error(429, "requests", "key A is limited")
                                        .header("retry-after", "60"));
        start(openAi.baseUri(), b -> b.providerKeys(pool));
        HttpResponse<String> answer = chat("gpt-4o-mini");
        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("from key B"), answer.body());
        assertEquals("2", answer.headers().firstValue("x-iron-router-attempts").orElseThrow());
        assertTrue(
                pool.coolingFor(ProviderKey.openAi(OPENAI_KEY, openAi.baseUri())).toSeconds() > 50);
        // while A cools, every request goes with B
        for (int i = 0; i < 3; i++) {
            assertEquals(200, chat("gpt-4o-mini").statusCode());
        }
        assertEquals(5, openAi.requestCount(), "A once, then B four times");
        assertFalse(answer.body().contains(OPENAI_KEY), "no key in the answer");
    }

    @Test
    void requestsThatMeetARateLimitedKeyShareItsCooldownInsteadOfSendingIntoIt() throws Exception {
        ProviderKeySource oneKey =
                ProviderKeySource.pooled(
                        java.time.Clock.systemUTC(),
                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri()));
        List<Long> arrivals = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean limited =
                new java.util.concurrent.atomic.AtomicBoolean();
        openAi.dispatcher(
                request -> {
                    arrivals.add(System.nanoTime());
                    return limited.compareAndSet(false, true)
                            ? FakeResponse.error(429, "requests", "slow down")
                                    .header("retry-after-ms", "600")
                            : FakeResponse.text("after the cooldown").usage(10, 1);
                });
        start(openAi.baseUri(), b -> b.providerKeys(oneKey));
        java.util.concurrent.CompletableFuture<HttpResponse<String>> first =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> uncheckedChat());
        Await.until(
                Duration.ofSeconds(5),
                "the key cools after the 429",
                () ->
                        !oneKey.coolingFor(io.ironcage.router.core.domain.ProviderType.OPENAI)
                                .isZero());
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> others =
                new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            others.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> uncheckedChat()));
        }
        assertEquals(200, first.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode());
        for (var other : others) {
            HttpResponse<String> answer = other.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(200, answer.statusCode(), answer.body());
            assertEquals("1", answer.headers().firstValue("x-iron-router-attempts").orElseThrow());
        }
        // nothing reached the provider during the 600 ms the key cooled: the first answer's
        // retry and the four others all came after it
        assertEquals(6, arrivals.size());
        for (int i = 1; i < arrivals.size(); i++) {
            long after = Duration.ofNanos(arrivals.get(i) - arrivals.get(0)).toMillis();
            assertTrue(after >= 590, "request " + i + " came " + after + " ms after the 429");
        }
        settled(6);
    }

    @Test
    void manyRetriedStreamsAllSucceed() throws Exception {
        // a streamed attempt ends on a worker; its retry must not run on an event loop as if it
        // could block there (it once did, now and then, and the caller got a 500)
        start(openAi.baseUri(), b -> b);
        HttpClient http = HttpClient.newHttpClient();
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            anthropic.enqueue(overloaded(529).header("retry-after-ms", String.valueOf(i % 2)));
            anthropic.enqueue(FakeResponse.text("ok " + i).usage(10, 2));
            HttpResponse<String> answer =
                    http.send(
                            HttpRequest.newBuilder(router.baseUri().resolve("/v1/messages"))
                                    .header("x-api-key", TOKEN)
                                    .header("anthropic-version", "2023-06-01")
                                    .header("content-type", "application/json")
                                    .POST(
                                            HttpRequest.BodyPublishers.ofString(
                                                    "{\"model\":\"claude-haiku-4-5\","
                                                            + "\"max_tokens\":50,\"stream\":true,"
                                                            + "\"messages\":[{\"role\":\"user\","
                                                            + "\"content\":\"hi\"}]}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200 || !answer.body().contains("message_stop")) {
                bad.add(i + ": " + answer.statusCode() + " " + answer.body());
            }
        }
        assertEquals(List.of(), bad);
        // claude-haiku-4-5: 10 × $1 + 2 × $5 per million tokens = 20 µ$ each; the 529s cost 0
        settled(200);
        assertEquals(Money.ofMicros(100 * 20), router.totalSpent());
    }

    @Test
    void withBreakersAndNoRetriesARequestWaitsForAPoolsCoolingKeys() throws Exception {
        requireKeys = false;
        ProviderKeySource pool =
                ProviderKeySource.pooled(
                        java.time.Clock.systemUTC(),
                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                        ProviderKey.openAi(OPENAI_KEY + "-B", openAi.baseUri()),
                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri()));
        openAi.enqueue(FakeResponse.error(429, "requests", "A").header("retry-after-ms", "200"));
        openAi.enqueue(FakeResponse.error(429, "requests", "B").header("retry-after-ms", "200"));
        openAi.enqueue(FakeResponse.text("back").usage(10, 1));
        start(
                openAi.baseUri(),
                b ->
                        b.providerKeys(pool)
                                .retries(RetryOptions.NONE)
                                .circuitBreaker(CircuitBreakerOptions.DEFAULTS));
        assertEquals(429, chat("gpt-4o-mini").statusCode());
        assertEquals(429, chat("gpt-4o-mini").statusCode());
        // both keys cool: the next request waits for the first to come back, then goes
        HttpResponse<String> waited = chat("gpt-4o-mini");
        assertEquals(200, waited.statusCode(), waited.body());
        assertEquals(3, openAi.requestCount());
    }

    @Test
    void aPoolSetsARejectedKeyAsideAndWaitsForItsRateLimitedOne() throws Exception {
        requireKeys = false;
        String good = OPENAI_KEY + "-good";
        ProviderKeySource pool =
                ProviderKeySource.pooled(
                        java.time.Clock.systemUTC(),
                        ProviderKey.openAi(OPENAI_KEY + "-revoked", openAi.baseUri()),
                        ProviderKey.openAi(good, openAi.baseUri()),
                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri()));
        java.util.concurrent.atomic.AtomicInteger goodCalls =
                new java.util.concurrent.atomic.AtomicInteger();
        openAi.dispatcher(
                request -> {
                    if (!request.header("authorization").orElse("").endsWith("-good")) {
                        return FakeResponse.error(401, "invalid_request_error", "revoked key");
                    }
                    return goodCalls.incrementAndGet() == 1
                            ? FakeResponse.error(429, "requests", "slow down")
                                    .header("retry-after-ms", "200")
                            : FakeResponse.text("good key").usage(10, 1);
                });
        start(openAi.baseUri(), b -> b.providerKeys(pool));
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> answer = chat("gpt-4o-mini");
            assertEquals(200, answer.statusCode(), i + ": " + answer.body());
            assertTrue(answer.body().contains("good key"), answer.body());
        }
    }

    @Test
    void timeoutsAreBilledTheirInputAndAnUnpricedModelsAreStillRecorded() throws Exception {
        start(
                openAi.baseUri(),
                b ->
                        b.retries(RetryOptions.NONE)
                                .allowUnpricedModels(true)
                                .timeouts(Duration.ofSeconds(2), Duration.ofMillis(300)));
        openAi.enqueue(FakeResponse.text("never").neverEnds());
        assertEquals(504, chat("gpt-4o-mini").statusCode());
        // the provider had it: billed the counted input bound, 25 tokens (8 counted with
        // OpenAI's framing of one "hi" message, + ⌈5 %⌉ + 16), at $0.15 per million tokens:
        // 3.75 → 3 µ$ (truncated); no output was seen
        List<LlmRequestPayload> priced = settled(1);
        assertEquals(Money.ofMicros(3), cost(priced.get(0)));
        assertEquals(Money.ofMicros(3), router.totalSpent());

        openAi.enqueue(FakeResponse.text("never").neverEnds());
        assertEquals(504, chat("my-own-unpriced-gpt").statusCode());
        // nothing to price it with: a failure event, as for any failure of an unpriced model
        List<LlmRequestPayload> all = settled(2);
        assertTrue(all.get(1) instanceof LlmRequestFailed, all.toString());
        assertEquals(Money.ZERO, cost(all.get(1)));
    }

    private HttpResponse<String> uncheckedChat() {
        try {
            return chat("gpt-4o-mini");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> chat(String model) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(router.baseUri().resolve("/v1/chat/completions"))
                                .header("authorization", "Bearer " + TOKEN)
                                .header("content-type", "application/json")
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                "{\"model\":\""
                                                        + model
                                                        + "\",\"max_tokens\":50,\"messages\":"
                                                        + "[{\"role\":\"user\",\"content\":"
                                                        + "\"hi\"}]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    /** The address of a port nothing listens on. */
    private static URI deadPort() throws IOException {
        try (ServerSocket socket =
                new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }

    private static final com.anthropic.models.messages.Tool CLAUDE_WEATHER_TOOL =
            com.anthropic.models.messages.Tool.builder()
                    .name("get_weather")
                    .inputSchema(
                            com.anthropic.models.messages.Tool.InputSchema.builder()
                                    .properties(
                                            com.anthropic.core.JsonValue.from(
                                                    Map.of("city", Map.of("type", "string"))))
                                    .build())
                    .build();

    private static final FunctionDefinition GET_WEATHER =
            FunctionDefinition.builder()
                    .name("get_weather")
                    .description("Current weather in a city")
                    .parameters(
                            FunctionParameters.builder()
                                    .putAdditionalProperty(
                                            "type", com.openai.core.JsonValue.from("object"))
                                    .putAdditionalProperty(
                                            "properties",
                                            com.openai.core.JsonValue.from(
                                                    Map.of("city", Map.of("type", "string"))))
                                    .build())
                    .build();
}
