package io.ironcage.router.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One run of every kind of call the router meters, through the official SDKs, into SQLite
 * analytics; then Σ of the analytics events' costs, the ledger's spend and the total {@code
 * iron-router report} prints for the same file agree to the µ$, and each call's bill is the figure
 * computed by hand. Here rather than in router-it because this module is where the report command,
 * the SQLite store and both transports are all visible: router-it would need router-cli on its
 * class path, a module edge only this test would use.
 *
 * <p>Prices (bundled table, µ$ per token): gpt-4o 2.5 input, 1.25 cached input, 10 output;
 * claude-sonnet-4-5 3 input, 0.30 cache read, 3.75 cache write, 15 output; text-embedding-3-small
 * 0.02. Each cost term is truncated to whole µ$ on its own.
 */
class MixedRunReportTest {
    private static final String TOKEN = "ic-mixed-token";
    private static final String OPENAI_KEY = "sk-mixed-openai-0123456789";
    private static final String ANTHROPIC_KEY = "sk-ant-mixed-0123456789";

    /** The bills of {@link #run}, in the order it makes the calls. */
    private static final long[] BILLS = {
        4_500, // chat: 1,000 × 2.5 + 200 × 10
        2_125, // chat streamed: 400 × 2.5 + 100 cached × 1.25 + 100 × 10 = 1,000 + 125 + 1,000
        6_600, // messages: 1,000 × 3 + 100 × 15 + 2,000 × 0.30 + 400 × 3.75 = 3,000+1,500+600+1,500
        1_350, // messages streamed: 200 × 3 + 50 × 15 = 600 + 750
        5_750, // responses: 1,000 × 2.5 + 200 cached × 1.25 + 300 × 10 = 2,500 + 250 + 3,000
        8_375, // responses streamed: 1,500 × 2.5 + 500 × 1.25 + 400 × 10 = 3,750 + 625 + 4,000
        3_200, // responses streamed, caller left: read on to response.completed, 800×2.5+120×10
        2_469, // embeddings: 123,456 × 0.02 = 2,469.12
        // cut upstream: the counted input bound, 28 tokens (3 reply priming + 3 framing + 1 role +
        // 4 for "Tell me a story" = 11, plus ⌈5 %⌉ = 1 and 16), × 2.5 = 70, + 8 bytes seen × 10 =
        // 80
        150,
    };

    @TempDir Path dir;

    @StartStop final FakeProvider openAi = FakeProvider.openAi().requireKey(OPENAI_KEY);

    @StartStop final FakeProvider anthropic = FakeProvider.anthropic().requireKey(ANTHROPIC_KEY);

    @Test
    void theReportEqualsTheLedgerAndTheEventsOnNetty() throws Exception {
        run(new NettyTransportProvider());
    }

    @Test
    void theReportEqualsTheLedgerAndTheEventsOnTheJdkTransport() throws Exception {
        run(new JdkHttpTransportProvider());
    }

    private void run(TransportProvider transport) throws Exception {
        Path db = dir.resolve(transport.name() + ".db");
        SqliteUsageEventSink sink = SqliteUsageEventSink.open(db);
        LlmRouter router =
                LlmRouter.builder()
                        .transport(transport)
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri())))
                        .listen("127.0.0.1", 0)
                        .token(TOKEN)
                        .budget(Money.fromUsdTruncating(5.00))
                        .usageSink(sink)
                        .start();
        OpenAIClient openAiClient =
                OpenAIOkHttpClient.builder()
                        .apiKey(TOKEN)
                        .baseUrl(router.baseUrl())
                        .maxRetries(0)
                        .timeout(Duration.ofSeconds(30))
                        .build();
        AnthropicClient anthropicClient =
                AnthropicOkHttpClient.builder()
                        .apiKey(TOKEN)
                        .baseUrl(router.baseUri().toString())
                        .maxRetries(0)
                        .timeout(Duration.ofSeconds(30))
                        .build();
        try {
            calls(router, openAiClient, anthropicClient);
        } finally {
            openAiClient.close();
            anthropicClient.close();
            router.close(); // closes the sink: everything queued is committed
        }
        long expected = 0;
        for (long bill : BILLS) {
            expected += bill;
        }
        assertEquals(34_519, expected); // 34,651 − 282 + 150

        List<Long> costs = new ArrayList<>();
        long failures = 0;
        for (AnalyticsEvent event : sink.events()) {
            if (event.payload() instanceof LlmRequestCompleted) {
                costs.add(((LlmRequestCompleted) event.payload()).cost().micros());
            } else if (event.payload() instanceof LlmRequestFailed) {
                costs.add(((LlmRequestFailed) event.payload()).cost().micros());
                failures++;
            }
        }
        assertEquals(
                List.of(4_500L, 2_125L, 6_600L, 1_350L, 5_750L, 8_375L, 3_200L, 2_469L, 150L),
                costs,
                "one event per metered call, each with its hand-computed bill; none for"
                        + " count_tokens");
        long events = costs.stream().mapToLong(Long::longValue).sum();
        assertEquals(expected, events, "Σ of the analytics events' costs");
        assertEquals(expected, router.budgetStatus().spent().micros(), "the ledger's spend");
        assertEquals(expected, sink.totalCostMicros(), "the store's own sum");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = IronRouter.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertEquals(
                0,
                cli.execute("report", "--db", db.toString(), "--format", "json"),
                err.toString());
        JsonNode total = new ObjectMapper().readTree(out.toString()).path("total");
        assertEquals(expected, total.path("spend_micros").asLong(), "iron-router report's total");
        assertEquals(BILLS.length, total.path("requests").asLong());
        assertEquals(1, failures);
        assertEquals(failures, total.path("failures").asLong());
    }

    /** Every kind of call once, each scripted with the usage {@link #BILLS} is computed from. */
    private void calls(LlmRouter router, OpenAIClient openAiClient, AnthropicClient anthropicClient)
            throws Exception {
        ChatCompletionCreateParams chat =
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("hi").build();
        openAi.enqueue(FakeResponse.text("Hi!").usage(1_000, 200));
        openAiClient.chat().completions().create(chat);
        openAi.enqueue(FakeResponse.text("Hi there").usage(400, 100).cacheTokens(100, 0));
        try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream =
                openAiClient.chat().completions().createStreaming(chat)) {
            stream.stream().forEach(ChatCompletionChunk::validate);
        }

        MessageCreateParams message =
                MessageCreateParams.builder()
                        .model("claude-sonnet-4-5")
                        .maxTokens(500)
                        .addUserMessage("hi")
                        .build();
        anthropic.enqueue(FakeResponse.text("Hello!").usage(1_000, 100).cacheTokens(2_000, 400));
        anthropicClient.messages().create(message);
        anthropic.enqueue(FakeResponse.text("Hello there").usage(200, 50));
        try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> stream =
                anthropicClient.messages().createStreaming(message)) {
            stream.stream().forEach(RawMessageStreamEvent::validate);
        }

        ResponseCreateParams responses =
                ResponseCreateParams.builder().model("gpt-4o").input("Tell me a story").build();
        openAi.enqueue(
                FakeResponse.text("Once.")
                        .usage(1_000, 300)
                        .cacheTokens(200, 0)
                        .reasoningTokens(100));
        openAiClient.responses().create(responses);
        openAi.enqueue(
                FakeResponse.text("Once upon a time.")
                        .usage(1_500, 400)
                        .cacheTokens(500, 0)
                        .reasoningTokens(150));
        try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream =
                openAiClient.responses().createStreaming(responses)) {
            stream.stream().forEach(ResponseStreamEvent::validate);
        }
        openAi.enqueue(
                FakeResponse.text("one two three four five six seven eight")
                        .usage(800, 120)
                        .eventDelay(Duration.ofMillis(30)));
        try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream =
                openAiClient.responses().createStreaming(responses)) {
            Iterator<ResponseStreamEvent> events = stream.stream().iterator();
            while (!events.next().isOutputTextDelta()) {
                // read up to the first delta, then leave
            }
        }
        // the caller left: its bill is settled once the router has read the stream to the end
        Await.until(
                Duration.ofSeconds(30),
                "the stream the caller left is billed",
                () ->
                        router.budgetStatus().spent().micros()
                                == 4_500 + 2_125 + 6_600 + 1_350 + 5_750 + 8_375 + 3_200);

        openAi.enqueue(FakeResponse.text("").usage(123_456, 0));
        openAiClient
                .embeddings()
                .create(
                        EmbeddingCreateParams.builder()
                                .model("text-embedding-3-small")
                                .input("a long document")
                                .build());

        // events: created, in_progress, output_item.added, content_part.added, "one ", "two ";
        // then the connection drops, before any usage
        openAi.enqueue(FakeResponse.text("one two three four").disconnectAfter(6));
        String cut =
                "{\"model\":\"gpt-4o\",\"input\":\"Tell me a story\",\"stream\":true,"
                        + "\"max_output_tokens\":50}";
        HttpResponse<String> answer =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(router.baseUri().resolve("/v1/responses"))
                                        .header("authorization", "Bearer " + TOKEN)
                                        .header("content-type", "application/json")
                                        .timeout(Duration.ofSeconds(30))
                                        .POST(HttpRequest.BodyPublishers.ofString(cut))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode());

        // free: forwarded, never priced, no event
        anthropic.enqueue(FakeResponse.text("").usage(4_321, 0));
        long counted =
                anthropicClient
                        .messages()
                        .countTokens(
                                MessageCountTokensParams.builder()
                                        .model("claude-sonnet-4-5")
                                        .addUserMessage("how many?")
                                        .build())
                        .inputTokens();
        assertEquals(4_321, counted);
        Await.until(
                Duration.ofSeconds(30),
                "nothing is left reserved",
                () -> router.budgetStatus().reserved().isZero());
    }
}
