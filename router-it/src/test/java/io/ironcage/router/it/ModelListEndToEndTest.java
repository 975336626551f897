package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.models.ModelInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.NotFoundException;
import com.openai.models.models.Model;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.RecordedRequest;
import io.ironcage.router.testkit.junit.StartStop;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}} through the router: one list of every
 * configured provider's models in the caller's format, through both official SDKs, and what the
 * caller gets when a provider fails. Runs once per transport ({@link NettyModelListEndToEndTest},
 * {@link JdkModelListEndToEndTest}).
 */
abstract class ModelListEndToEndTest {
    private static final String OPENAI_KEY = "sk-proj-MODELSKEY-openai-123";
    private static final String ANTHROPIC_KEY = "sk-ant-MODELSKEY-anthropic-456";
    private static final String TOKEN = "ic-token-MODELSTOKEN-789";
    private static final String PARTIAL = "x-iron-router-models-partial";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final List<String> OPENAI_IDS =
            List.of("gpt-4o", "gpt-4o-mini", "gpt-5-mini", "o3-mini");
    private static final List<String> ANTHROPIC_IDS =
            List.of(
                    "claude-sonnet-4-5-20250929",
                    "claude-haiku-4-5-20251001",
                    "claude-opus-4-1-20250805");

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
        router =
                router(
                        Duration.ofSeconds(3),
                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri()));
    }

    @AfterEach
    void stopRouter() {
        toClose.forEach(Runnable::run);
        router.close();
    }

    private LlmRouter router(Duration upstreamTimeout, ProviderKey... keys) {
        if (router != null) {
            router.close();
        }
        events = InMemoryUsageEventSink.create();
        return LlmRouter.builder()
                .transport(transport())
                .providerKeys(ProviderKeySource.fixed(keys))
                .budget(Money.fromUsdTruncating(1.00))
                .token(TOKEN)
                .usageSink(events)
                .timeouts(Duration.ofSeconds(2), upstreamTimeout)
                .start();
    }

    private OpenAIClient openAiClient() {
        OpenAIClient client =
                OpenAIOkHttpClient.builder()
                        .apiKey(TOKEN)
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

    /** A GET with the router token as OpenAI's SDK sends it, or the given headers. */
    private HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(router.baseUri().resolve(path))
                        .timeout(Duration.ofSeconds(10))
                        .GET();
        if (headers.length == 0) {
            request.header("authorization", "Bearer " + TOKEN);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> getAsAnthropic(String path) {
        return get(path, "x-api-key", TOKEN, "anthropic-version", "2023-06-01");
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.path("data").forEach(model -> ids.add(model.path("id").asText()));
        return ids;
    }

    private static List<String> both(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /** Nothing was reserved, billed or recorded as a usage event: listing models is free. */
    private void assertFree() {
        assertEquals(Money.ofMicros(0), router.totalSpent());
        assertTrue(router.budgetStatus().reserved().isZero());
        assertEquals(List.of(), events.eventsOfType(LlmRequestCompleted.class));
        assertEquals(List.of(), events.eventsOfType(LlmRequestFailed.class));
    }

    @Test
    void theOpenAiSdkListsTheModelsOfBothProvidersEachAskedWithOnlyItsOwnKey() {
        List<Model> models = openAiClient().models().list().data();

        List<String> ids = new ArrayList<>();
        models.forEach(model -> ids.add(model.id()));
        assertEquals(both(OPENAI_IDS, ANTHROPIC_IDS), ids, "OpenAI's own models first");
        Model gpt = models.get(0);
        assertEquals("openai", gpt.ownedBy());
        assertEquals(FakeProvider.OPENAI_MODEL_CREATED.getEpochSecond(), gpt.created());
        Model claude = models.get(OPENAI_IDS.size());
        assertEquals("anthropic", claude.ownedBy());
        assertEquals(FakeProvider.ANTHROPIC_MODEL_CREATED.getEpochSecond(), claude.created());
        assertEquals(com.openai.core.JsonValue.from("model"), claude._object_());

        RecordedRequest toOpenAi = openAi.takeRequest(Duration.ofSeconds(2));
        assertEquals("/v1/models", toOpenAi.path());
        assertEquals("Bearer " + OPENAI_KEY, toOpenAi.header("authorization").orElseThrow());
        assertTrue(toOpenAi.header("x-api-key").isEmpty());
        RecordedRequest toAnthropic = anthropic.takeRequest(Duration.ofSeconds(2));
        assertEquals("/v1/models", toAnthropic.path());
        assertEquals("limit=1000", toAnthropic.query());
        assertEquals(ANTHROPIC_KEY, toAnthropic.header("x-api-key").orElseThrow());
        assertTrue(toAnthropic.header("authorization").isEmpty());
        assertEquals("2023-06-01", toAnthropic.header("anthropic-version").orElseThrow());
        assertFree();
    }

    @Test
    void theAnthropicSdkListsTheModelsOfBothProvidersInAnthropicsFormat() {
        com.anthropic.models.models.ModelListPage page = anthropicClient().models().list();

        List<String> ids = new ArrayList<>();
        page.data().forEach(model -> ids.add(model.id()));
        assertEquals(both(ANTHROPIC_IDS, OPENAI_IDS), ids, "Anthropic's own models first");
        assertEquals(false, page.hasMore().orElseThrow());
        assertEquals(ANTHROPIC_IDS.get(0), page.firstId().orElseThrow());
        assertEquals(OPENAI_IDS.get(OPENAI_IDS.size() - 1), page.lastId().orElseThrow());
        ModelInfo gpt = page.data().get(ANTHROPIC_IDS.size());
        assertEquals("gpt-4o", gpt.displayName(), "an OpenAI model's name is its id");
        assertEquals(
                OffsetDateTime.ofInstant(FakeProvider.OPENAI_MODEL_CREATED, ZoneOffset.UTC),
                gpt.createdAt());
        assertEquals(com.anthropic.core.JsonValue.from("model"), gpt._type());
        ModelInfo claude = page.data().get(0);
        assertEquals(
                OffsetDateTime.ofInstant(FakeProvider.ANTHROPIC_MODEL_CREATED, ZoneOffset.UTC),
                claude.createdAt());
        assertEquals(
                "Bearer " + OPENAI_KEY,
                openAi.takeRequest(Duration.ofSeconds(2)).header("authorization").orElseThrow());
        assertFree();
    }

    @Test
    void bothSdksRetrieveOneModelFromTheProviderItRoutesTo() {
        OpenAIClient openAiSdk = openAiClient();
        Model claude = openAiSdk.models().retrieve("claude-haiku-4-5-20251001");
        assertEquals("claude-haiku-4-5-20251001", claude.id());
        assertEquals("anthropic", claude.ownedBy());
        assertEquals(FakeProvider.ANTHROPIC_MODEL_CREATED.getEpochSecond(), claude.created());
        assertEquals(
                "/v1/models/claude-haiku-4-5-20251001",
                anthropic.takeRequest(Duration.ofSeconds(2)).path());
        Model gpt = openAiSdk.models().retrieve("gpt-4o-mini");
        assertEquals("gpt-4o-mini", gpt.id());
        assertEquals("openai", gpt.ownedBy());

        ModelInfo viaAnthropic = anthropicClient().models().retrieve("gpt-4o");
        assertEquals("gpt-4o", viaAnthropic.id());
        assertEquals("gpt-4o", viaAnthropic.displayName());
        assertEquals(
                OffsetDateTime.ofInstant(FakeProvider.OPENAI_MODEL_CREATED, ZoneOffset.UTC),
                viaAnthropic.createdAt());
        assertFree();
    }

    @Test
    void anUnknownModelIsItsProvidersNotFoundInTheCallersFormat() {
        NotFoundException notFound =
                assertThrows(
                        NotFoundException.class,
                        () -> openAiClient().models().retrieve("claude-nope"));
        assertEquals(404, notFound.statusCode());

        assertThrows(
                com.anthropic.errors.NotFoundException.class,
                () -> anthropicClient().models().retrieve("gpt-nope"));
        HttpResponse<String> raw = getAsAnthropic("/v1/models/gpt-nope");
        assertEquals(404, raw.statusCode());
        assertEquals("error", json(raw).path("type").asText(), raw.body());
        assertEquals("not_found_error", json(raw).at("/error/type").asText(), raw.body());
        assertTrue(json(raw).at("/error/message").asText().contains("gpt-nope"), raw.body());
    }

    @Test
    void aWrongTokenIsRefusedInTheCallersFormatBeforeAnyProviderIsAsked() {
        HttpResponse<String> openAiCaller = get("/v1/models", "authorization", "Bearer ic-wrong");
        assertEquals(401, openAiCaller.statusCode());
        assertEquals("invalid_api_key", json(openAiCaller).at("/error/code").asText());
        HttpResponse<String> anthropicCaller =
                get("/v1/models", "x-api-key", "ic-wrong", "anthropic-version", "2023-06-01");
        assertEquals(401, anthropicCaller.statusCode());
        assertEquals("authentication_error", json(anthropicCaller).at("/error/type").asText());
        assertEquals(0, openAi.requestCount() + anthropic.requestCount());
    }

    @Test
    void everyPageOfAnthropicsListIsFollowed() {
        anthropic.modelsPageSize(2);
        HttpResponse<String> response = get("/v1/models");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(both(OPENAI_IDS, ANTHROPIC_IDS), ids(json(response)));
        assertEquals("limit=1000", anthropic.takeRequest(Duration.ofSeconds(2)).query());
        assertEquals(
                "limit=1000&after_id=" + ANTHROPIC_IDS.get(1),
                anthropic.takeRequest(Duration.ofSeconds(2)).query());
        assertEquals(2, anthropic.requestCount());
    }

    @Test
    void aRouterWithOnlyOpenAiAnswersOpenAisListAndNeverAsksAnthropic() {
        router = router(Duration.ofSeconds(3), ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()));
        HttpResponse<String> response = get("/v1/models");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(OPENAI_IDS, ids(json(response)));
        assertTrue(response.headers().firstValue(PARTIAL).isEmpty());
        assertEquals(0, anthropic.requestCount());
    }

    @Test
    void aProviderPrefixStillForwardsToThatProviderAsItIs() {
        HttpResponse<String> response = get("/anthropic/v1/models");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(ANTHROPIC_IDS, ids(json(response)));
        assertEquals("", anthropic.takeRequest(Duration.ofSeconds(2)).query());
        assertEquals(0, openAi.requestCount());
    }

    @Test
    void aProviderAnswering401OrAnErrorOrMalformedJsonIsNamedMissingAndTheOthersAreListed() {
        anthropic.requireKey("sk-ant-some-other-key");
        HttpResponse<String> unauthorized = get("/v1/models");
        assertEquals(200, unauthorized.statusCode(), unauthorized.body());
        assertEquals(OPENAI_IDS, ids(json(unauthorized)));
        assertEquals("anthropic", unauthorized.headers().firstValue(PARTIAL).orElseThrow());

        anthropic.requireKey(ANTHROPIC_KEY);
        anthropic.enqueue(FakeResponse.error(500, "api_error", "Internal server error"));
        HttpResponse<String> failing = getAsAnthropic("/v1/models");
        assertEquals(200, failing.statusCode(), failing.body());
        assertEquals(OPENAI_IDS, ids(json(failing)));
        assertFalse(json(failing).path("has_more").asBoolean(true), "Anthropic's format");
        assertEquals("anthropic", failing.headers().firstValue(PARTIAL).orElseThrow());

        openAi.enqueue(FakeResponse.raw(200, "application/json", "{\"data\": [ not json"));
        HttpResponse<String> malformed = get("/v1/models");
        assertEquals(200, malformed.statusCode(), malformed.body());
        assertEquals(ANTHROPIC_IDS, ids(json(malformed)));
        assertEquals("openai", malformed.headers().firstValue(PARTIAL).orElseThrow());

        HttpResponse<String> healthy = get("/v1/models");
        assertEquals(both(OPENAI_IDS, ANTHROPIC_IDS), ids(json(healthy)));
        assertTrue(healthy.headers().firstValue(PARTIAL).isEmpty());
        assertFree();
    }

    @Test
    void whenEveryProviderFailsTheCallerGetsA502NamingThemInItsFormatAndTheRouterKeepsServing() {
        router =
                router(
                        Duration.ofMillis(300),
                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri()));
        openAi.enqueue(FakeResponse.text("").neverEnds());
        anthropic.enqueue(FakeResponse.raw(200, "application/json", "[1, 2]"));
        HttpResponse<String> openAiCaller = get("/v1/models");
        assertEquals(502, openAiCaller.statusCode(), openAiCaller.body());
        JsonNode error = json(openAiCaller).path("error");
        assertEquals("models_unavailable", error.path("code").asText(), openAiCaller.body());
        assertEquals("server_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains("openai (timed out)"), error.toString());
        assertTrue(
                error.path("message").asText().contains("anthropic (not a model list)"),
                error.toString());

        openAi.requireKey("sk-proj-another-key");
        anthropic.enqueue(FakeResponse.text("").neverEnds());
        HttpResponse<String> anthropicCaller = getAsAnthropic("/v1/models");
        assertEquals(502, anthropicCaller.statusCode(), anthropicCaller.body());
        JsonNode anthropicError = json(anthropicCaller);
        assertEquals("error", anthropicError.path("type").asText(), anthropicCaller.body());
        assertEquals("api_error", anthropicError.at("/error/type").asText());
        assertTrue(
                anthropicError.at("/error/message").asText().contains("openai (HTTP 401)"),
                anthropicCaller.body());
        assertTrue(
                anthropicError.at("/error/message").asText().contains("anthropic (timed out)"),
                anthropicCaller.body());

        openAi.requireKey(OPENAI_KEY);
        HttpResponse<String> after = get("/v1/models");
        assertEquals(200, after.statusCode(), after.body());
        assertEquals(both(OPENAI_IDS, ANTHROPIC_IDS), ids(json(after)));
        assertFree();
    }

    @Test
    void aModelLookupThatTimesOutIs504AndAnUnreachableProvider502() {
        router =
                router(
                        Duration.ofMillis(300),
                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri()));
        anthropic.enqueue(FakeResponse.text("").neverEnds());
        HttpResponse<String> timedOut = get("/v1/models/claude-haiku-4-5-20251001");
        assertEquals(504, timedOut.statusCode(), timedOut.body());
        assertEquals("upstream_timeout", json(timedOut).at("/error/code").asText());

        openAi.close();
        HttpResponse<String> unreachable = getAsAnthropic("/v1/models/gpt-4o");
        assertEquals(502, unreachable.statusCode(), unreachable.body());
        assertEquals("api_error", json(unreachable).at("/error/type").asText());
        HttpResponse<String> list = get("/v1/models");
        assertEquals(200, list.statusCode(), list.body());
        assertEquals(ANTHROPIC_IDS, ids(json(list)));
        assertEquals("openai", list.headers().firstValue(PARTIAL).orElseThrow());
    }

    @Test
    void providerKeysAppearInNoAnswerOrLogLine() {
        // providers that echo the key they were sent in their errors
        openAi.dispatcher(
                request ->
                        FakeResponse.error(
                                404,
                                "invalid_request_error",
                                "no model for " + request.header("authorization").orElse("")));
        anthropic.dispatcher(
                request ->
                        FakeResponse.error(
                                        500,
                                        "api_error",
                                        "broken for " + request.header("x-api-key").orElse(""))
                                .header("x-echo", request.header("x-api-key").orElse("")));
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        List<HttpResponse<String>> answers = new ArrayList<>();
        try {
            answers.add(get("/v1/models"));
            answers.add(getAsAnthropic("/v1/models"));
            answers.add(get("/v1/models/gpt-4o"));
            answers.add(getAsAnthropic("/v1/models/gpt-4o"));
            answers.add(get("/v1/models/claude-haiku-4-5-20251001"));
            openAi.requireKey("sk-proj-rejects-the-router");
            answers.add(get("/v1/models/gpt-4o"));
        } finally {
            System.setErr(original);
        }
        List<Integer> statuses = new ArrayList<>();
        answers.forEach(answer -> statuses.add(answer.statusCode()));
        assertEquals(List.of(502, 502, 404, 404, 500, 502), statuses);
        assertTrue(answers.get(2).body().contains("<redacted>"), answers.get(2).body());
        String everything =
                answers.stream().map(a -> a.body() + a.headers().map()).toList()
                        + captured.toString(StandardCharsets.UTF_8)
                        + events.events()
                        + router;
        assertTrue(everything.contains("model list is missing"), "the failures are logged");
        for (String secret : List.of(OPENAI_KEY, ANTHROPIC_KEY, TOKEN)) {
            assertFalse(everything.contains(secret), secret + " leaked: " + everything);
        }
    }
}
