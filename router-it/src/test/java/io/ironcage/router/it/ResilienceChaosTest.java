package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.resilience.CircuitBreakerOptions;
import io.ironcage.router.core.resilience.RetryOptions;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.RecordedRequest;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Money under chaos: concurrent callers in both formats, plain and streamed, against providers that
 * answer at random 429, 500, 503, 529, a stream that breaks mid-way, or a good answer; the router
 * retries and falls back across providers, with circuit breakers on. However the attempts go, every
 * caller gets one answer, the events' costs add up to the ledger's spend to the µ$, and no
 * reservation is left.
 */
class ResilienceChaosTest {
    private static final String OPENAI_KEY = "sk-proj-TESTKEY-chaos-openai";
    private static final String ANTHROPIC_KEY = "sk-ant-TESTKEY-chaos-anthropic";
    private static final String TOKEN = "ic-token-TESTTOKEN-chaos";
    private static final int CALLERS = 8;
    private static final int REQUESTS_EACH = 25;

    @StartStop final FakeProvider openAi = FakeProvider.openAi();
    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    private final InMemoryUsageEventSink events = InMemoryUsageEventSink.create();
    private LlmRouter router;

    static Stream<Supplier<TransportProvider>> transports() {
        return Stream.of(NettyTransportProvider::new, JdkHttpTransportProvider::new);
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
    }

    /** A provider answer drawn at random; a third of them fail in a retryable way. */
    private static FakeResponse chaos(SplittableRandom random, RecordedRequest request) {
        int draw = random.nextInt(12);
        switch (draw) {
            case 0:
                return FakeResponse.error(429, "rate_limit_error", "slow down")
                        .header("retry-after-ms", "1");
            case 1:
                return FakeResponse.error(500, "api_error", "oops");
            case 2:
                return FakeResponse.error(503, "api_error", "unavailable");
            case 3:
                return FakeResponse.error(529, "overloaded_error", "overloaded");
            case 4:
                // a stream breaks after its first events (billed from what was seen); a whole
                // answer gets its usage
                return FakeResponse.text("cut short here")
                        .usage(50 + random.nextInt(50), 10)
                        .disconnectAfter(2);
            default:
                return FakeResponse.text("fine " + draw)
                        .usage(20 + random.nextInt(200), 1 + random.nextInt(40));
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void everyAttemptIsSettledAndTheLedgerEqualsTheEvents(Supplier<TransportProvider> transport)
            throws Exception {
        SplittableRandom seed = new SplittableRandom(20261207);
        SplittableRandom openAiRandom = seed.split();
        SplittableRandom anthropicRandom = seed.split();
        openAi.requireKey(OPENAI_KEY);
        anthropic.requireKey(ANTHROPIC_KEY);
        openAi.dispatcher(
                request -> {
                    synchronized (openAiRandom) {
                        return chaos(openAiRandom, request);
                    }
                });
        anthropic.dispatcher(
                request -> {
                    synchronized (anthropicRandom) {
                        return chaos(anthropicRandom, request);
                    }
                });
        router =
                LlmRouter.builder()
                        .transport(transport.get())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri())))
                        .budget(Money.fromUsdTruncating(100.00))
                        .token(TOKEN)
                        .usageSink(events)
                        .retries(
                                RetryOptions.of(
                                        3,
                                        Duration.ofMillis(1),
                                        Duration.ofMillis(3),
                                        RetryOptions.DEFAULT_RETRY_ON))
                        .fallbacks(
                                Map.of(
                                        "gpt-4o-mini", List.of("claude-haiku-4-5"),
                                        "claude-haiku-4-5", List.of("gpt-4o-mini", "gpt-4o")))
                        .circuitBreaker(new CircuitBreakerOptions(90, 50, Duration.ofMillis(50)))
                        .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(10))
                        .start();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CALLERS; c++) {
                int caller = c;
                done.add(
                        callers.submit(
                                () -> {
                                    for (int i = 0; i < REQUESTS_EACH; i++) {
                                        HttpResponse<String> answer =
                                                http.send(
                                                        request(caller, i),
                                                        HttpResponse.BodyHandlers.ofString());
                                        statuses.computeIfAbsent(
                                                        answer.statusCode(),
                                                        s -> new AtomicInteger())
                                                .incrementAndGet();
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
        }
        int answered = statuses.values().stream().mapToInt(AtomicInteger::get).sum();
        assertEquals(CALLERS * REQUESTS_EACH, answered, "every caller got one answer");
        assertTrue(statuses.get(200).get() > answered / 2, "most requests succeed: " + statuses);
        Await.until(
                Duration.ofSeconds(20),
                "no reservation is left",
                () -> router.budgetStatus().reserved().isZero());
        long attempts = openAi.requestCount() + anthropic.requestCount();
        Await.until(
                Duration.ofSeconds(20),
                "an event per attempt",
                () -> llmEvents().size() >= attempts);
        List<AnalyticsEvent> all = llmEvents();
        assertEquals(attempts, all.size(), "one event per attempt the providers saw");
        assertTrue(attempts > answered, "faults made the router retry: " + attempts);
        long sum = 0;
        for (AnalyticsEvent event : all) {
            sum +=
                    event.payload() instanceof LlmRequestCompleted
                            ? ((LlmRequestCompleted) event.payload()).cost().micros()
                            : ((LlmRequestFailed) event.payload()).cost().micros();
        }
        assertTrue(sum > 0);
        assertEquals(Money.ofMicros(sum), router.totalSpent(), "the ledger = Σ events, to the µ$");
        assertTrue(router.budgetStatus().reserved().isZero());
    }

    private List<AnalyticsEvent> llmEvents() {
        return events.events().stream()
                .filter(
                        e ->
                                e.payload() instanceof LlmRequestCompleted
                                        || e.payload() instanceof LlmRequestFailed)
                .toList();
    }

    private HttpRequest request(int caller, int i) {
        boolean anthropicFormat = (caller + i) % 2 == 0;
        boolean stream = i % 3 == 0;
        String model = (caller % 2 == 0) ? "gpt-4o-mini" : "claude-haiku-4-5";
        String body =
                "{\"model\":\""
                        + model
                        + "\",\"max_tokens\":100,\"stream\":"
                        + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"chaos "
                        + caller
                        + "/"
                        + i
                        + "\"}]}";
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(
                                router.baseUri()
                                        .resolve(
                                                anthropicFormat
                                                        ? "/v1/messages"
                                                        : "/v1/chat/completions"))
                        .header("content-type", "application/json")
                        .timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(body));
        if (anthropicFormat) {
            builder.header("x-api-key", TOKEN).header("anthropic-version", "2023-06-01");
        } else {
            builder.header("authorization", "Bearer " + TOKEN);
        }
        return builder.build();
    }
}
