package io.ironcage.router.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.resilience.RetryOptions;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.RecordedRequest;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole path on loopback: a router with SQLite analytics serves a burst of mixed plain and
 * streamed requests, some failing, from several threads through the testkit's fake providers; then
 * {@code iron-router report} on the file agrees with the router's own ledger to the micro-dollar
 * and counts every request and failure.
 */
class ReportEndToEndTest {
    private static final String TOKEN = "ic-e2e-token";
    private static final String OPENAI_KEY = "sk-e2e-openai-0123456789";
    private static final String ANTHROPIC_KEY = "sk-ant-e2e-0123456789";
    private static final int REQUESTS = 200;
    private static final int THREADS = 8;

    @TempDir Path dir;

    @StartStop final FakeProvider openAi = FakeProvider.openAi().requireKey(OPENAI_KEY);

    @StartStop final FakeProvider anthropic = FakeProvider.anthropic().requireKey(ANTHROPIC_KEY);

    /**
     * Answers from the prompt: "fail-429"/"fail-500" give that error; otherwise a reply whose usage
     * depends on the prompt's number, with cache tokens on some.
     */
    private static FakeResponse answer(RecordedRequest request) {
        String prompt = request.bodyText();
        if (prompt.contains("fail-429")) {
            return FakeResponse.error(429, "rate_limit_error", "slow down");
        }
        if (prompt.contains("fail-500")) {
            return FakeResponse.error(500, "api_error", "upstream broke");
        }
        int n = Integer.parseInt(prompt.replaceAll("(?s).*request-(\\d+).*", "$1"));
        FakeResponse reply = FakeResponse.text("answer " + n).usage(100 + n, 10 + n % 37);
        return n % 3 == 0 ? reply.cacheTokens(50 + n, n % 2 == 0 ? 20 : 0) : reply;
    }

    @Test
    void theReportAgreesWithTheLedgerToTheMicroDollar() throws Exception {
        openAi.dispatcher(ReportEndToEndTest::answer);
        anthropic.dispatcher(ReportEndToEndTest::answer);
        Path db = dir.resolve("e2e.db");
        SqliteUsageEventSink sink = SqliteUsageEventSink.open(db);
        LlmRouter router =
                LlmRouter.builder()
                        .transport(new JdkHttpTransportProvider())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri())))
                        .listen("127.0.0.1", 0)
                        .token(TOKEN)
                        .budget(Money.fromUsdTruncating(100.00))
                        .usageSink(sink)
                        // one attempt per request: the failures reach the report as they are
                        // (RequestAttemptEventsTest links a retried request's attempts)
                        .retries(RetryOptions.NONE)
                        .start();
        Map<Integer, AtomicInteger> statuses = new HashMap<>();
        Map<String, AtomicInteger> byProvider = new HashMap<>();
        try {
            HttpClient http =
                    HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(5))
                            .build();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < REQUESTS; i++) {
                    int n = i;
                    results.add(
                            pool.submit(
                                    () -> {
                                        start.await();
                                        return send(http, router, n);
                                    }));
                }
                start.countDown();
                for (int i = 0; i < REQUESTS; i++) {
                    int status = results.get(i).get(60, TimeUnit.SECONDS);
                    statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                    byProvider
                            .computeIfAbsent(
                                    i % 4 < 2 ? "openai" : "anthropic", p -> new AtomicInteger())
                            .incrementAndGet();
                }
            } finally {
                pool.shutdownNow();
            }
        } finally {
            router.close(); // closes the sink: everything queued is committed
        }
        assertEquals(0, sink.droppedCount());
        int expectedFailures = REQUESTS / 5; // four in twenty fail upstream
        assertEquals(REQUESTS - expectedFailures, statuses.get(200).get(), statuses.toString());
        assertEquals(expectedFailures, REQUESTS - statuses.get(200).get());

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = IronRouter.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code =
                cli.execute(
                        "report", "--db", db.toString(), "--by", "provider", "--format", "json");
        assertEquals(0, code, err.toString());
        JsonNode report = new ObjectMapper().readTree(out.toString());
        JsonNode total = report.path("total");

        long ledgerMicros = router.budgetStatus().spent().micros();
        assertTrue(ledgerMicros > 0);
        assertEquals(ledgerMicros, total.path("spend_micros").asLong(), "report = ledger, in µ$");
        assertEquals(REQUESTS, total.path("requests").asLong());
        assertEquals(
                REQUESTS,
                total.path("caller_requests").asLong(),
                "one attempt each: every request has a router request id of its own");
        assertEquals(expectedFailures, total.path("failures").asLong());
        for (JsonNode group : report.path("groups")) {
            String provider = group.path("group").asText();
            assertEquals(byProvider.get(provider).get(), group.path("requests").asInt(), provider);
        }
        assertEquals(2, report.path("groups").size());
        long streamedBilled =
                sink.events().stream()
                        .map(AnalyticsEvent::payload)
                        .filter(p -> p instanceof LlmRequestCompleted)
                        .map(p -> (LlmRequestCompleted) p)
                        .filter(c -> c.request().streamed() && c.cost().micros() > 0)
                        .count();
        assertEquals(80, streamedBilled, "every successful streamed request is billed and stored");
        assertTrue(total.path("cache_read_tokens").asLong() > 0, "cache tokens are counted");
        assertTrue(total.path("latency_p95_ms").isIntegralNumber());
        assertTrue(!out.toString().contains(OPENAI_KEY) && !out.toString().contains(TOKEN));
    }

    /**
     * Request {@code n}: {@code n % 4} picks OpenAI plain, OpenAI streamed, Anthropic plain or
     * Anthropic streamed; four in twenty fail upstream (a 429 or a 500, plain and streamed, on both
     * providers).
     */
    private static int send(HttpClient http, LlmRouter router, int n) throws Exception {
        boolean stream = n % 2 == 1;
        int slot = n % 20;
        String prompt =
                slot == 5 || slot == 12
                        ? "fail-429"
                        : slot == 7 || slot == 14 ? "fail-500" : "request-" + n + " hello";
        HttpRequest.Builder request;
        String body;
        if (n % 4 < 2) {
            request =
                    HttpRequest.newBuilder(URI.create(router.baseUrl() + "/chat/completions"))
                            .header("authorization", "Bearer " + TOKEN);
            body =
                    "{\"model\":\"gpt-4o-mini\",\"max_tokens\":64,\"stream\":"
                            + stream
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                            + prompt
                            + "\"}]}";
        } else {
            request =
                    HttpRequest.newBuilder(router.baseUri().resolve("/v1/messages"))
                            .header("x-api-key", TOKEN)
                            .header("anthropic-version", "2023-06-01");
            body =
                    "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":64,\"stream\":"
                            + stream
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                            + prompt
                            + "\"}]}";
        }
        HttpResponse<String> response =
                http.send(
                        request.header("content-type", "application/json")
                                .timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && stream) {
            assertTrue(response.body().contains("data: "), "a stream: " + response.body());
        }
        return response.statusCode();
    }
}
