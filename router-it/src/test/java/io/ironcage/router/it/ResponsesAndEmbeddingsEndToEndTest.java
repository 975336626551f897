package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIServiceException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ServiceTier;
import io.ironcage.router.core.domain.TokenDetails;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.RecordedRequest;
import io.ironcage.router.testkit.junit.StartStop;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Responses API and embeddings metered to the µ$ through openai-java's {@code responses()} and
 * {@code embeddings()}, plain and streamed, with FakeProvider as OpenAI. Every bill is a figure
 * computed by hand from the bundled prices: gpt-4o $2.50 input, $1.25 cached input, $10 output per
 * million tokens (so 2.5, 1.25 and 10 µ$ a token); text-embedding-3-small $0.02, -3-large $0.13,
 * ada-002 $0.10 per million. Each cost term is truncated to whole µ$ on its own. Runs once per
 * transport ({@link NettyResponsesAndEmbeddingsEndToEndTest}, {@link
 * JdkResponsesAndEmbeddingsEndToEndTest}).
 */
abstract class ResponsesAndEmbeddingsEndToEndTest {
    private static final String OPENAI_KEY = "sk-proj-TESTKEY-responses-123";
    private static final String ANTHROPIC_KEY = "sk-ant-TESTKEY-responses-456";
    private static final String TOKEN = "ic-token-TESTTOKEN-responses";

    @StartStop final FakeProvider openAi = FakeProvider.openAi();
    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    private InMemoryUsageEventSink events;
    private LlmRouter router;
    private OpenAIClient client;

    /** Returns a new provider of the transport under test. */
    abstract TransportProvider transport();

    @BeforeEach
    void start() {
        openAi.requireKey(OPENAI_KEY);
        anthropic.requireKey(ANTHROPIC_KEY);
        startRouter(Money.fromUsdTruncating(5.00));
    }

    @AfterEach
    void stop() {
        client.close();
        router.close();
    }

    private void startRouter(Money budget) {
        if (router != null) {
            client.close();
            router.close();
        }
        events = InMemoryUsageEventSink.create();
        router =
                LlmRouter.builder()
                        .transport(transport())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri())))
                        .budget(budget)
                        .token(TOKEN)
                        .usageSink(events)
                        .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(20))
                        .start();
        client =
                OpenAIOkHttpClient.builder()
                        .apiKey(TOKEN)
                        .baseUrl(router.baseUrl())
                        .maxRetries(0)
                        .timeout(Duration.ofSeconds(30))
                        .build();
    }

    /** Reasoning tokens: part of the output, recorded in the event's details. */
    private static TokenDetails reasoning(long tokens) {
        return new TokenDetails(0, 0, 0, tokens, ServiceTier.STANDARD);
    }

    private static ResponseCreateParams.Builder ask(String model) {
        return ResponseCreateParams.builder().model(model).input("Tell me a story");
    }

    /**
     * Asserts the one request so far was billed {@code micros} for {@code usage}: in the ledger, in
     * its analytics event (completed), and with nothing left reserved.
     */
    private void assertBilled(long micros, TokenUsage usage) {
        Await.until(
                Duration.ofSeconds(30),
                "the request's analytics event is recorded",
                () -> events.eventsOfType(LlmRequestCompleted.class).size() == 1);
        LlmRequestCompleted done = events.eventsOfType(LlmRequestCompleted.class).get(0);
        assertEquals(micros, done.cost().micros(), "the event's cost");
        assertEquals(usage, done.usage(), "the event's tokens");
        assertTrue(done.priced());
        assertEquals(Money.ofMicros(micros), router.totalSpent(), "the ledger's spend");
        assertIdle();
    }

    private void assertIdle() {
        Await.until(
                Duration.ofSeconds(30),
                "no reservation is left",
                () -> router.budgetStatus().reserved().isZero());
    }

    // --- Responses API ---

    @Test
    void responsesPlainIsBilledFromItsUsageWithCachedAndReasoningTokens() {
        openAi.enqueue(
                FakeResponse.text("Once upon a time.")
                        .usage(1_000, 300)
                        .cacheTokens(200, 0)
                        .reasoningTokens(100));
        Response response = client.responses().create(ask("gpt-4o").build()).validate();
        assertEquals(ResponseStatus.COMPLETED, response.status().orElseThrow());
        assertEquals(1_200, response.usage().orElseThrow().inputTokens());
        assertEquals("/v1/responses", openAi.takeRequest(Duration.ofSeconds(2)).path());
        // input_tokens 1,200 of which 200 cached; output_tokens 300 of which 100 reasoning
        // (reasoning is output, billed at the output price):
        // 1,000 × 2.5 + 200 × 1.25 + 300 × 10 = 2,500 + 250 + 3,000 = 5,750 µ$
        assertBilled(5_750, new TokenUsage(1_000, 300, 200, 0, reasoning(100)));
    }

    @Test
    void responsesStreamIsBilledFromResponseCompleted() {
        openAi.enqueue(
                FakeResponse.text("Once upon a time there was a router.")
                        .usage(1_500, 400)
                        .cacheTokens(500, 0)
                        .reasoningTokens(150));
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream =
                client.responses().createStreaming(ask("gpt-4o").build())) {
            stream.stream().forEach(event -> accumulator.accumulate(event.validate()));
        }
        Response response = accumulator.response();
        assertEquals(ResponseStatus.COMPLETED, response.status().orElseThrow());
        assertEquals(
                "Once upon a time there was a router.",
                response.output()
                        .get(0)
                        .message()
                        .orElseThrow()
                        .content()
                        .get(0)
                        .outputText()
                        .orElseThrow()
                        .text());
        // the Responses API reports usage unasked: the body goes as sent, without the
        // stream_options a chat stream gets (OpenAI rejects include_usage here)
        RecordedRequest sent = openAi.takeRequest(Duration.ofSeconds(2));
        assertTrue(sent.bodyJson().path("stream").asBoolean());
        assertFalse(sent.bodyJson().has("stream_options"), sent.bodyText());
        // usage only in response.completed: input_tokens 2,000 of which 500 cached, output 400:
        // 1,500 × 2.5 + 500 × 1.25 + 400 × 10 = 3,750 + 625 + 4,000 = 8,375 µ$
        assertBilled(8_375, new TokenUsage(1_500, 400, 500, 0, reasoning(150)));
        assertTrue(events.eventsOfType(LlmRequestCompleted.class).get(0).request().streamed());
    }

    @Test
    void aCallerThatLeavesAResponsesStreamIsBilledFromTheUsageTheRouterReadsOnTo() {
        String story = "one two three four five six seven eight nine ten eleven twelve";
        openAi.enqueue(FakeResponse.text(story).usage(800, 120).eventDelay(Duration.ofMillis(30)));
        int deltas = 0;
        try (StreamResponse<ResponseStreamEvent> stream =
                client.responses().createStreaming(ask("gpt-4o").build())) {
            Iterator<ResponseStreamEvent> it = stream.stream().iterator();
            while (deltas < 2 && it.hasNext()) {
                if (it.next().isOutputTextDelta()) {
                    deltas++;
                }
            }
        } // the caller leaves after two of twelve deltas
        assertEquals(2, deltas);
        // the router reads the stream on to its end to bill it: response.completed's usage,
        // 800 × 2.5 + 120 × 10 = 2,000 + 1,200 = 3,200 µ$
        assertBilled(3_200, TokenUsage.of(800, 120));
    }

    @Test
    void aResponsesStreamCutUpstreamIsBilledFromWhatWasSeen() throws Exception {
        // events: created, in_progress, output_item.added, content_part.added, "one ", "two ",
        // then the connection drops: no response.completed, so no usage
        openAi.enqueue(FakeResponse.text("one two three four").usage(9, 9).disconnectAfter(6));
        String body =
                "{\"model\":\"gpt-4o\",\"input\":\"Tell me a story\",\"stream\":true,"
                        + "\"max_output_tokens\":50}";
        assertEquals(81, body.getBytes(StandardCharsets.UTF_8).length);
        HttpResponse<String> answer =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(router.baseUri().resolve("/v1/responses"))
                                        .header("authorization", "Bearer " + TOKEN)
                                        .header("content-type", "application/json")
                                        .timeout(Duration.ofSeconds(30))
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode());
        assertTrue(answer.body().contains("\"error\""), "the caller is told: " + answer.body());
        Await.until(
                Duration.ofSeconds(30),
                "the cut stream is recorded",
                () -> events.eventsOfType(LlmRequestFailed.class).size() == 1);
        // no usage: input is the worst case, the counted bound of the prompt: 3 reply priming + 3
        // framing + 1 role + 4 tokens of "Tell me a story" = 11, plus ⌈5 % of 11⌉ = 1 and 16 = 28
        // tokens (the body's 81 bytes before counting); output is the 8 bytes of text seen
        // ("one two "), under the worst case of max_output_tokens 50: 28 × 2.5 + 8 × 10 = 150 µ$
        LlmRequestFailed failed = events.eventsOfType(LlmRequestFailed.class).get(0);
        assertEquals(150, failed.cost().micros());
        assertEquals(TokenUsage.of(28, 8), failed.usage());
        assertEquals(Money.ofMicros(150), router.totalSpent());
        assertIdle();
    }

    @Test
    void aResponsesStreamEndingIncompleteIsBilledFromItsUsage() {
        openAi.enqueue(
                FakeResponse.text("It was a dark and")
                        .usage(500, 64)
                        .stopReason("max_output_tokens"));
        List<ResponseStreamEvent> seen = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream =
                client.responses().createStreaming(ask("gpt-4o").maxOutputTokens(64).build())) {
            stream.stream().forEach(event -> seen.add(event.validate()));
        }
        Response cut = seen.get(seen.size() - 1).incomplete().orElseThrow().response();
        assertEquals(ResponseStatus.INCOMPLETE, cut.status().orElseThrow());
        // response.incomplete carries the usage: 500 × 2.5 + 64 × 10 = 1,250 + 640 = 1,890 µ$
        assertBilled(1_890, TokenUsage.of(500, 64));
    }

    @Test
    void aResponsesStreamEndingFailedIsBilledFromItsUsage() {
        openAi.enqueue(
                FakeResponse.text("Once")
                        .usage(300, 20)
                        .failed("server_error", "The model failed mid-answer"));
        List<ResponseStreamEvent> seen = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream =
                client.responses().createStreaming(ask("gpt-4o").build())) {
            stream.stream().forEach(event -> seen.add(event.validate()));
        }
        Response failed = seen.get(seen.size() - 1).failed().orElseThrow().response();
        assertEquals(ResponseStatus.FAILED, failed.status().orElseThrow());
        // response.failed carries the usage: 300 × 2.5 + 20 × 10 = 750 + 200 = 950 µ$
        assertBilled(950, TokenUsage.of(300, 20));
    }

    @Test
    void aResponsesStreamEndingFailedWithoutUsageIsBilledFromWhatWasSeen() throws Exception {
        openAi.enqueue(
                FakeResponse.raw(
                        200,
                        "text/event-stream",
                        "event: response.created\n"
                                + "data: {\"type\":\"response.created\",\"sequence_number\":0,"
                                + "\"response\":{\"status\":\"in_progress\",\"usage\":null}}\n\n"
                                + "event: response.output_text.delta\n"
                                + "data: {\"type\":\"response.output_text.delta\","
                                + "\"sequence_number\":1,\"delta\":\"Once upon\"}\n\n"
                                + "event: response.failed\n"
                                + "data: {\"type\":\"response.failed\",\"sequence_number\":2,"
                                + "\"response\":{\"status\":\"failed\",\"usage\":null}}\n\n"));
        String body =
                "{\"model\":\"gpt-4o\",\"input\":\"Tell me a story\",\"stream\":true,"
                        + "\"max_output_tokens\":50}";
        assertEquals(81, body.getBytes(StandardCharsets.UTF_8).length);
        HttpResponse<String> answer =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(router.baseUri().resolve("/v1/responses"))
                                        .header("authorization", "Bearer " + TOKEN)
                                        .header("content-type", "application/json")
                                        .timeout(Duration.ofSeconds(30))
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode());
        assertTrue(answer.body().contains("response.failed"), answer.body());
        // a failure without usage: the worst-case input, the counted bound of 28 tokens (as in
        // the cut stream above), and the 9 bytes of text seen ("Once upon"): 28 × 2.5 + 9 × 10
        // = 70 + 90 = 160 µ$
        assertBilled(160, TokenUsage.of(28, 9));
    }

    @Test
    void maxOutputTokensBoundsTheWorstCase() {
        // worst case with max_output_tokens 1,000: the input counted with gpt-4o's encoding, 3
        // reply priming + 3 framing + 1 role + 4 tokens of "Tell me a story" = 11, plus ⌈5 % of
        // 11⌉ = 1 and 16 = 28 tokens, at gpt-4o's highest input-side price (2.5 µ$ per 1,000), plus
        // 1,000 × 10: 70 + 10,000; a budget of exactly that admits it and refuses 1,001 (10 µ$
        // more)
        long worstCase = 28 * 5 / 2 + 1_000 * 10;
        startRouter(Money.ofMicros(worstCase));
        int before = openAi.requestCount();
        OpenAIServiceException refused =
                assertThrows(
                        OpenAIServiceException.class,
                        () ->
                                client.responses()
                                        .create(ask("gpt-4o").maxOutputTokens(1_001L).build()));
        assertEquals(402, refused.statusCode());
        assertEquals("insufficient_budget", refused.code().orElseThrow());
        assertEquals(before, openAi.requestCount(), "a refused request never reaches OpenAI");
        assertIdle();
        openAi.enqueue(FakeResponse.text("ok").usage(100, 50));
        client.responses().create(ask("gpt-4o").maxOutputTokens(1_000L).build()).validate();
        // 100 × 2.5 + 50 × 10 = 250 + 500 = 750 µ$
        assertBilled(750, TokenUsage.of(100, 50));
    }

    @Test
    void aClaudeModelOnTheResponsesApiIsAClear400AndReservesNothing() {
        BadRequestException e =
                assertThrows(
                        BadRequestException.class,
                        () -> client.responses().create(ask("claude-sonnet-4-5").build()));
        assertEquals(400, e.statusCode());
        assertEquals("invalid_request_error", e.type().orElseThrow());
        assertEquals("model", e.param().orElseThrow());
        assertTrue(e.getMessage().contains("claude-sonnet-4-5"), e.getMessage());
        assertTrue(e.getMessage().contains("no counterpart"), e.getMessage());
        BadRequestException streamed =
                assertThrows(
                        BadRequestException.class,
                        () -> {
                            try (StreamResponse<ResponseStreamEvent> stream =
                                    client.responses()
                                            .createStreaming(ask("claude-sonnet-4-5").build())) {
                                stream.stream().forEach(ResponseStreamEvent::validate);
                            }
                        });
        assertEquals("model", streamed.param().orElseThrow(), "the same 400 for a stream");
        assertEquals(0, anthropic.requestCount() + openAi.requestCount());
        assertEquals(Money.ZERO, router.totalSpent());
        assertIdle();
    }

    // --- embeddings ---

    private static EmbeddingCreateParams.Builder embed(String model) {
        return EmbeddingCreateParams.builder().model(model);
    }

    @Test
    void anEmbeddingOfOneStringIsBilledItsPromptTokensTruncated() {
        openAi.enqueue(FakeResponse.text("").usage(123_456, 0));
        CreateEmbeddingResponse embedded =
                client.embeddings()
                        .create(embed("text-embedding-3-small").input("a long document").build())
                        .validate();
        assertEquals(1, embedded.data().size());
        assertEquals(8, embedded.data().get(0).embedding().size());
        // 123,456 × 0.02 = 2,469.12 → 2,469 µ$
        assertBilled(2_469, TokenUsage.of(123_456, 0));
    }

    @Test
    void anEmbeddingOfStringsIsBilledAtTheLargeModelsPrice() {
        openAi.enqueue(FakeResponse.text("").usage(10_007, 0));
        CreateEmbeddingResponse embedded =
                client.embeddings()
                        .create(
                                embed("text-embedding-3-large")
                                        .inputOfArrayOfStrings(List.of("one", "two", "three"))
                                        .build())
                        .validate();
        assertEquals(3, embedded.data().size());
        // 10,007 × 0.13 = 1,300.91 → 1,300 µ$
        assertBilled(1_300, TokenUsage.of(10_007, 0));
    }

    @Test
    void anEmbeddingOfATokenArrayIsBilledPerToken() {
        List<Long> tokens = LongStream.rangeClosed(1, 2_000).boxed().toList();
        CreateEmbeddingResponse embedded =
                client.embeddings()
                        .create(
                                embed("text-embedding-ada-002")
                                        .inputOfArrayOfTokens(tokens)
                                        .build())
                        .validate();
        assertEquals(1, embedded.data().size(), "one token array is one input");
        assertEquals(2_000, embedded.usage().promptTokens());
        // the fake counts a token array by its length: 2,000 × 0.10 = 200 µ$
        assertBilled(200, TokenUsage.of(2_000, 0));
    }

    @Test
    void anEmbeddingOfTokenArraysIsBilledForAllOfThem() {
        List<Long> first = LongStream.rangeClosed(1, 1_500).boxed().toList();
        List<Long> second = LongStream.rangeClosed(1, 1_000).boxed().toList();
        CreateEmbeddingResponse embedded =
                client.embeddings()
                        .create(
                                embed("text-embedding-3-small")
                                        .inputOfArrayOfTokenArrays(List.of(first, second))
                                        .build())
                        .validate();
        assertEquals(2, embedded.data().size());
        // 1,500 + 1,000 = 2,500 tokens × 0.02 = 50 µ$
        assertBilled(50, TokenUsage.of(2_500, 0));
    }

    @Test
    void anEmbeddingsWorstCaseIsItsInputOnlySoATinyBudgetAdmitsIt() throws IOException {
        // 10 µ$: not even one output token of gpt-4o. An embedding's worst case is its body's
        // bytes as input tokens at $0.02/M (a body of under 500 bytes is under 10 µ$) and no
        // output, however large the model's output limit
        startRouter(Money.ofMicros(10));
        openAi.enqueue(FakeResponse.text("").usage(300, 0));
        client.embeddings().create(embed("text-embedding-3-small").input("hello world").build());
        assertFalse(openAi.takeRequest(Duration.ofSeconds(2)).body().length >= 500);
        // 300 × 0.02 = 6 µ$
        assertBilled(6, TokenUsage.of(300, 0));
    }
}
