package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.agent.AgentSpec;
import io.ironcage.router.core.agent.RateLimits;
import io.ironcage.router.core.config.RouterConfig;
import io.ironcage.router.core.config.RouterConfigLoader;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.MutableClock;
import io.ironcage.router.testkit.junit.StartStop;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code rate-limits:} end to end on both transports (README, "Rate limits"): a refusal is a 429 in
 * the caller's format with {@code retry-after} and {@code x-ratelimit-*} headers, nothing is
 * reserved and the provider is never called for it; time moves on a {@link MutableClock}, never by
 * sleeping.
 */
class RateLimitEndToEndTest {
    private static final String TOKEN = "ic-token-RATES-1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"max_tokens\":50,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    private static final String MESSAGES =
            "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":50,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @StartStop final FakeProvider openAi = FakeProvider.openAi();
    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    private final CountDownLatch gate = new CountDownLatch(1);
    private final ExecutorService callers = Executors.newCachedThreadPool();
    private LlmRouter router;

    private void start(Supplier<TransportProvider> transport, RateLimits limits) {
        router =
                LlmRouter.builder()
                        .transport(transport.get())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi("sk-rates-openai", openAi.baseUri()),
                                        ProviderKey.anthropic("sk-ant-rates", anthropic.baseUri())))
                        .budget(Money.fromUsdTruncating(5.00))
                        .token(TOKEN)
                        .clock(clock)
                        .rateLimits(limits)
                        .start();
    }

    @AfterEach
    void stop() {
        gate.countDown();
        if (router != null) {
            router.close();
        }
        callers.shutdownNow();
    }

    private HttpResponse<String> post(String path, String body) {
        return post(TOKEN, path, body);
    }

    private HttpResponse<String> post(String token, String path, String body) {
        return RawCalls.post(router.baseUri(), token, path, body);
    }

    private CompletableFuture<HttpResponse<String>> postLater(String body) {
        return CompletableFuture.supplyAsync(() -> post("/v1/chat/completions", body), callers);
    }

    /** Answers every request once the gate opens, with a small usage. */
    private void holdAnswersUntilTheGateOpens(FakeProvider provider) {
        provider.dispatcher(
                request -> {
                    try {
                        gate.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return FakeResponse.text("Hi").usage(10, 5);
                });
    }

    private static String header(HttpResponse<?> answer, String name) {
        Optional<String> value = answer.headers().firstValue(name);
        assertTrue(value.isPresent(), name + " missing: " + answer.headers().map());
        return value.get();
    }

    private void assertNothingReserved() {
        Await.until(
                Duration.ofSeconds(10),
                "every reservation released",
                () -> router.budgetStatus().reserved().isZero());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void beyondRequestsPerMinuteA429InTheCallersFormatUntilTheNextMinute(
            String name, Supplier<TransportProvider> transport) throws Exception {
        start(transport, RateLimits.NONE.withRequestsPerMinute(3));
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> ok = post("/v1/chat/completions", CHAT);
            assertEquals(200, ok.statusCode(), ok.body());
        }
        assertNothingReserved();
        Money spent = router.totalSpent();

        HttpResponse<String> refused = post("/v1/chat/completions", CHAT);
        assertEquals(429, refused.statusCode(), refused.body());
        JsonNode error = JSON.readTree(refused.body()).get("error");
        assertEquals("requests", error.get("type").asText());
        assertEquals("rate_limit_exceeded", error.get("code").asText());
        assertTrue(error.get("param").isNull());
        assertEquals("60", header(refused, "retry-after"));
        assertEquals("3", header(refused, "x-ratelimit-limit-requests"));
        assertEquals("0", header(refused, "x-ratelimit-remaining-requests"));
        assertEquals("1m0s", header(refused, "x-ratelimit-reset-requests"));
        assertTrue(refused.headers().firstValue("x-ratelimit-limit-tokens").isEmpty());

        clock.advance(Duration.ofSeconds(45));
        HttpResponse<String> anthropicRefused = post("/v1/messages", MESSAGES);
        assertEquals(429, anthropicRefused.statusCode(), anthropicRefused.body());
        JsonNode body = JSON.readTree(anthropicRefused.body());
        assertEquals("error", body.get("type").asText());
        assertEquals("rate_limit_error", body.get("error").get("type").asText());
        assertEquals("15", header(anthropicRefused, "retry-after"));
        assertEquals("15s", header(anthropicRefused, "x-ratelimit-reset-requests"));

        assertEquals(3, openAi.requestCount(), "the refused request never went upstream");
        assertEquals(0, anthropic.requestCount());
        assertTrue(router.budgetStatus().reserved().isZero());
        assertEquals(spent, router.totalSpent());

        clock.advance(Duration.ofSeconds(15));
        HttpResponse<String> again = post("/v1/messages", MESSAGES);
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(1, anthropic.requestCount());
        assertNothingReserved();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void aRetriedRequestCountsOnceAgainstItsLimits(
            String name, Supplier<TransportProvider> transport) {
        start(transport, RateLimits.NONE.withRequestsPerMinute(1).withMaxConcurrent(1));
        openAi.enqueue(
                FakeResponse.error(503, "server_error", "busy").header("retry-after-ms", "0"));
        openAi.enqueue(FakeResponse.text("Hi").usage(10, 5));
        // its retry is the same caller request: not refused by the one-request limits
        HttpResponse<String> retried = post("/v1/chat/completions", CHAT);
        assertEquals(200, retried.statusCode(), retried.body());
        assertEquals("2", header(retried, "x-iron-router-attempts"));
        assertEquals(2, openAi.requestCount());
        // the minute's one request is used: the next caller request is refused
        HttpResponse<String> refused = post("/v1/chat/completions", CHAT);
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals(2, openAi.requestCount());
        assertNothingReserved();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void eachAgentHasItsOwnLimits(String name, Supplier<TransportProvider> transport) {
        start(transport, RateLimits.NONE.withRequestsPerMinute(1));
        router.agents().startAgent(AgentSpec.of("ic-token-RATES-agent"));
        assertEquals(200, post("/v1/chat/completions", CHAT).statusCode());
        assertEquals(429, post("/v1/chat/completions", CHAT).statusCode());
        assertEquals(200, post("ic-token-RATES-agent", "/v1/chat/completions", CHAT).statusCode());
        assertEquals(429, post("ic-token-RATES-agent", "/v1/chat/completions", CHAT).statusCode());
        assertEquals(2, openAi.requestCount());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void tokensPerMinuteCountTheWorstCaseUntilTheAnswerSettles(
            String name, Supplier<TransportProvider> transport) throws Exception {
        start(transport, RateLimits.NONE.withTokensPerMinute(1_000));
        holdAnswersUntilTheGateOpens(openAi);
        String big =
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":600,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        CompletableFuture<HttpResponse<String>> first = postLater(big);
        Await.until(
                Duration.ofSeconds(10),
                "the first request upstream",
                () -> openAi.requestCount() == 1);

        // the first holds its worst case (600 output + its input bound): 600 more do not fit
        Money reserved = router.budgetStatus().reserved();
        assertTrue(reserved.micros() > 0);
        HttpResponse<String> refused = post("/v1/chat/completions", big);
        assertEquals(
                reserved, router.budgetStatus().reserved(), "the refused one reserved nothing");
        assertEquals(429, refused.statusCode(), refused.body());
        JsonNode error = JSON.readTree(refused.body()).get("error");
        assertEquals("tokens", error.get("type").asText());
        assertEquals("rate_limit_exceeded", error.get("code").asText());
        assertEquals("1000", header(refused, "x-ratelimit-limit-tokens"));
        long remaining = Long.parseLong(header(refused, "x-ratelimit-remaining-tokens"));
        assertTrue(remaining > 0 && remaining < 400, "remaining " + remaining);
        long retryAfter = Long.parseLong(header(refused, "retry-after"));
        assertTrue(retryAfter >= 13 && retryAfter <= 60, "retry-after " + retryAfter);
        assertTrue(refused.headers().firstValue("x-ratelimit-limit-requests").isEmpty());
        assertEquals(1, openAi.requestCount(), "the refused request never went upstream");

        // more than a minute's tokens can never fit
        HttpResponse<String> tooLarge =
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"max_tokens\":5000,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(429, tooLarge.statusCode(), tooLarge.body());
        assertTrue(tooLarge.body().contains("Request too large"), tooLarge.body());

        // the answer settles at 15 tokens: the rest of its worst case is room again, at once
        gate.countDown();
        assertEquals(200, first.get(10, TimeUnit.SECONDS).statusCode());
        assertNothingReserved();
        HttpResponse<String> now = post("/v1/chat/completions", big);
        assertEquals(200, now.statusCode(), now.body());
        assertEquals(2, openAi.requestCount());
        assertNothingReserved();

        // an answer that used 595 tokens keeps them counted after it ends: 600 more do not fit
        openAi.enqueue(FakeResponse.text("Hi").usage(5, 590));
        assertEquals(200, post("/v1/chat/completions", big).statusCode());
        HttpResponse<String> spent = post("/v1/chat/completions", big);
        assertEquals(429, spent.statusCode(), spent.body());
        assertEquals(3, openAi.requestCount());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void anUpstreamErrorWithoutUsageGivesTheWorstCaseBack(
            String name, Supplier<TransportProvider> transport) {
        start(transport, RateLimits.NONE.withTokensPerMinute(1_000));
        String big =
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":600,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        openAi.enqueue(FakeResponse.error(500, "server_error", "The upstream failed."));
        // the router retries the 500 (retries' defaults): each attempt takes its own worst case,
        // so the retry fits only because the failed attempt, which had no usage, gave its back
        HttpResponse<String> retried = post("/v1/chat/completions", big);
        assertEquals(200, retried.statusCode(), retried.body());
        assertEquals("2", header(retried, "x-iron-router-attempts"));
        assertEquals(2, openAi.requestCount());
        assertNothingReserved();
        HttpResponse<String> next = post("/v1/chat/completions", big);
        assertEquals(200, next.statusCode(), next.body());
        assertEquals(3, openAi.requestCount());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void maxConcurrentAdmitsExactlyThatManyAtOnceAndTheRest429(
            String name, Supplier<TransportProvider> transport) throws Exception {
        int limit = 3;
        int extra = 4;
        start(transport, RateLimits.NONE.withMaxConcurrent(limit));
        holdAnswersUntilTheGateOpens(openAi);
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < limit + extra; i++) {
            all.add(postLater(CHAT));
        }
        Await.until(
                Duration.ofSeconds(15),
                "the held requests upstream and the rest refused",
                () ->
                        openAi.requestCount() == limit
                                && all.stream().filter(CompletableFuture::isDone).count() == extra);
        for (CompletableFuture<HttpResponse<String>> f : all) {
            if (f.isDone()) {
                HttpResponse<String> refused = f.get();
                assertEquals(429, refused.statusCode(), refused.body());
                assertEquals("1", header(refused, "retry-after"));
                assertEquals(
                        "requests",
                        JSON.readTree(refused.body()).get("error").get("type").asText());
            }
        }
        assertEquals(limit, openAi.requestCount());

        gate.countDown();
        for (CompletableFuture<HttpResponse<String>> f : all) {
            int status = f.get(15, TimeUnit.SECONDS).statusCode();
            assertTrue(status == 200 || status == 429, "status " + status);
        }
        assertEquals(limit, all.stream().filter(f -> f.join().statusCode() == 200).count());
        assertNothingReserved();

        // every slot came back: as many at once again
        List<CompletableFuture<HttpResponse<String>>> again = new ArrayList<>();
        for (int i = 0; i < limit; i++) {
            again.add(postLater(CHAT));
        }
        for (CompletableFuture<HttpResponse<String>> f : again) {
            assertEquals(200, f.get(15, TimeUnit.SECONDS).statusCode());
        }
        assertEquals(2 * limit, openAi.requestCount());
        assertNothingReserved();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"netty", "jdk"})
    void routerYamlRateLimitsReachTheRouter(String transport) {
        RouterConfig config =
                RouterConfigLoader.parse(
                        "listen: 127.0.0.1:0\n"
                                + "transport: "
                                + transport
                                + "\ntoken: "
                                + TOKEN
                                + "\nproviders:\n  openai: { key: sk-rates-openai, base-url: '"
                                + openAi.baseUri()
                                + "' }\n"
                                + "rate-limits:\n  requests-per-minute: 1\n",
                        Map.of(),
                        "router.yaml");
        assertEquals(RateLimits.NONE.withRequestsPerMinute(1), config.rateLimits());
        router = LlmRouter.fromConfig(config);
        assertEquals(200, post("/v1/chat/completions", CHAT).statusCode());
        HttpResponse<String> refused = post("/v1/chat/completions", CHAT);
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("1", header(refused, "x-ratelimit-limit-requests"));
        assertEquals(1, openAi.requestCount());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void theOpenAiSdkSeesARateLimitException(String name, Supplier<TransportProvider> transport) {
        start(transport, RateLimits.NONE.withRequestsPerMinute(1));
        OpenAIClient client =
                OpenAIOkHttpClient.builder()
                        .baseUrl(router.baseUrl())
                        .apiKey(router.token())
                        .maxRetries(0)
                        .build();
        try {
            ChatCompletionCreateParams params =
                    ChatCompletionCreateParams.builder()
                            .model("gpt-4o-mini")
                            .maxCompletionTokens(50)
                            .addUserMessage("Hi")
                            .build();
            client.chat().completions().create(params);
            RateLimitException e =
                    assertThrows(
                            RateLimitException.class,
                            () -> client.chat().completions().create(params));
            assertEquals(429, e.statusCode());
            assertEquals(Optional.of("60"), e.headers().values("retry-after").stream().findFirst());
            assertEquals(1, openAi.requestCount());
        } finally {
            client.close();
        }
    }
}
