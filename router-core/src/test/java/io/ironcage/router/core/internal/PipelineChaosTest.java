package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.agent.DirectTenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.budget.BudgetStatus;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.UsageEventSink;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ARCHITECTURE.md's ledger bar as a test: zero overspend and zero leaked reservation after 100,000
 * concurrent requests with random errors, disconnects and timeouts. The whole pipeline runs (auth,
 * parse, price, reserve, forward, relay, settle, record) against an in-memory upstream and client
 * that fail at random, seeded so a failure can be replayed: upstream 5xx/429, connect failures,
 * timeouts before the answer, streams that break or stall mid-way, garbage bodies, and clients that
 * leave before or during the answer.
 */
class PipelineChaosTest {
    private static final String TOKEN = "ic-chaos-token";
    private static final int THREADS = 8;
    private static final int REQUESTS = 100_000;
    private static final long SEED = 20261127L;

    @Test
    @Timeout(120)
    @DisplayName(
            "100,000 concurrent requests with random faults: no overspend, no leaked reservation,"
                    + " spend equals the billed events")
    void chaos() throws Exception {
        Money limit = Money.ofMicros(2_000_000); // $2: runs out part-way, so refusals race too
        CostController ledger = CostController.withLimit(limit);
        Events events = new Events();
        ProxyPipeline pipeline =
                new ProxyPipeline(
                        Tenants.single(
                                TOKEN,
                                new DirectTenant(
                                        ProviderKeySource.fixed(
                                                ProviderKey.openAi(
                                                        "sk-chaos",
                                                        URI.create("http://127.0.0.1:1"))),
                                        ledger)),
                        new ChaosUpstream(),
                        PricingTables.bundled(),
                        events,
                        Clock.systemUTC(),
                        ProxyPipeline.Settings.of(Duration.ofSeconds(30), 1024 * 1024)
                                .withRejectUnpriced(true));
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger disconnected = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            done.add(
                    pool.submit(
                            () -> {
                                SplittableRandom random = new SplittableRandom(SEED + thread);
                                for (int i = 0; i < REQUESTS / THREADS; i++) {
                                    CapturingSink sink = chaosSink(random);
                                    Blocking.handle(pipeline, request(random), sink);
                                    if (sink.left()) {
                                        disconnected.incrementAndGet();
                                    } else {
                                        statuses.computeIfAbsent(
                                                        sink.status(), s -> new AtomicInteger())
                                                .incrementAndGet();
                                    }
                                }
                                return null;
                            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();

        BudgetStatus status = ledger.status();
        long billed =
                events.all.stream()
                        .map(AnalyticsEvent::payload)
                        .mapToLong(
                                p ->
                                        p instanceof LlmRequestCompleted
                                                ? ((LlmRequestCompleted) p).cost().micros()
                                                : p instanceof LlmRequestFailed
                                                        ? ((LlmRequestFailed) p).cost().micros()
                                                        : 0)
                        .sum();
        String summary = "statuses " + new TreeMap<>(statuses) + ", client left " + disconnected;
        assertTrue(
                status.spent().micros() <= limit.micros(),
                "overspent: " + status.spent() + " > " + limit + "; " + summary);
        assertEquals(0, status.reserved().micros(), "a reservation leaked; " + summary);
        assertEquals(
                status.spent().micros(),
                billed,
                "spend differs from the billed events; " + summary);
        // the run exercised what it claims to: successes, refusals once the budget ran out, each
        // kind of upstream failure and clients leaving
        for (int expected : new int[] {200, 402, 429, 500, 502, 504}) {
            assertTrue(
                    statuses.containsKey(expected),
                    "no " + expected + " answer in the run; " + summary);
        }
        assertTrue(disconnected.get() > 1_000, summary);
        assertTrue(
                status.spent().micros() > limit.micros() * 9 / 10, "budget not used; " + summary);
    }

    /** A client that may leave before the answer or part-way through a stream. */
    private static CapturingSink chaosSink(SplittableRandom random) {
        int roll = random.nextInt(100);
        if (roll < 3) {
            return CapturingSink.gone();
        }
        return roll < 10
                ? CapturingSink.leavingAfterWrites(random.nextInt(5))
                : new CapturingSink();
    }

    private static ProxyRequest request(SplittableRandom random) {
        boolean stream = random.nextInt(2) == 0;
        String model = random.nextInt(3) == 0 ? "gpt-4o" : "gpt-4o-mini";
        String body =
                "{\"model\":\""
                        + model
                        + "\",\"max_tokens\":"
                        + (16 + random.nextInt(240))
                        + (stream ? ",\"stream\":true" : "")
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the sea.\"}]}";
        HeaderMap headers =
                HeaderMap.of(
                        "authorization", "Bearer " + TOKEN, "content-type", "application/json");
        return new ProxyRequest(
                "POST",
                "/v1/chat/completions",
                "",
                headers,
                body.getBytes(StandardCharsets.UTF_8),
                false);
    }

    /**
     * Answers at random: fine, an error status, no connection, a timeout, garbage, a cut stream.
     */
    private static final class ChaosUpstream implements HttpTransport {
        private static final ThreadLocal<SplittableRandom> RANDOM =
                ThreadLocal.withInitial(
                        () -> new SplittableRandom(SEED ^ Thread.currentThread().getId()));

        @Override
        public Response send(Request request) {
            SplittableRandom random = RANDOM.get();
            int roll = random.nextInt(100);
            if (roll < 5) {
                throw new ForwardException(ForwardException.Kind.CONNECT, "chaos: refused", null);
            }
            if (roll < 10) {
                throw new ForwardException(ForwardException.Kind.TIMEOUT, "chaos: silent", null);
            }
            if (roll < 15) {
                return json(500, "{\"error\":{\"message\":\"chaos\",\"type\":\"server_error\"}}");
            }
            if (roll < 20) {
                return json(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}");
            }
            if (roll < 23) {
                return json(200, "{\"choices\": [ not json");
            }
            int in = promptTokens(random);
            int out = 1 + random.nextInt(maxTokens(request));
            return json(
                    200,
                    "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\","
                            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
                            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
                            + in
                            + ",\"completion_tokens\":"
                            + out
                            + ",\"total_tokens\":"
                            + (in + out)
                            + "}}");
        }

        /**
         * Like a real provider, never more output than {@code max_tokens}: a worst-case reservation
         * is an upper bound only for answers that keep to the request's limits.
         */
        private static int maxTokens(Request request) {
            String body = new String(request.body(), StandardCharsets.UTF_8);
            int at = body.indexOf("\"max_tokens\":") + "\"max_tokens\":".length();
            int end = at;
            while (Character.isDigit(body.charAt(end))) {
                end++;
            }
            return Integer.parseInt(body.substring(at, end));
        }

        /** "Tell me about the sea." is 6 tokens for OpenAI's tokenizers, plus message overhead. */
        private static int promptTokens(SplittableRandom random) {
            return 6 + random.nextInt(8);
        }

        private static Response json(int status, String body) {
            return new Response(
                    status,
                    HeaderMap.of("content-type", "application/json"),
                    body.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public StreamingResponse open(Request request) {
            SplittableRandom random = RANDOM.get();
            int roll = random.nextInt(100);
            if (roll < 5) {
                throw new ForwardException(ForwardException.Kind.CONNECT, "chaos: refused", null);
            }
            if (roll < 10) {
                throw new ForwardException(ForwardException.Kind.TIMEOUT, "chaos: silent", null);
            }
            if (roll < 15) {
                Response error =
                        json(500, "{\"error\":{\"message\":\"chaos\",\"type\":\"server_error\"}}");
                return canned(error.status(), error.headers(), List.of(error.body()), null);
            }
            int in = promptTokens(random);
            int deltas = 1 + random.nextInt(Math.min(30, maxTokens(request)));
            List<byte[]> chunks = new ArrayList<>();
            String head =
                    "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                            + "\"model\":\"gpt-4o-mini\",";
            chunks.add(
                    bytes(
                            head
                                    + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                                    + "\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n"));
            for (int i = 0; i < deltas; i++) {
                chunks.add(
                        bytes(
                                head
                                        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"w \"},"
                                        + "\"finish_reason\":null}],\"usage\":null}\n\n"));
            }
            chunks.add(
                    bytes(
                            head
                                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":"
                                    + in
                                    + ",\"completion_tokens\":"
                                    + deltas
                                    + ",\"total_tokens\":"
                                    + (in + deltas)
                                    + "}}\n\ndata: [DONE]\n\n"));
            RuntimeException cut = null;
            if (roll < 25) {
                // breaks or stalls part-way, before the usage chunk
                int keep = 1 + random.nextInt(deltas);
                chunks = new ArrayList<>(chunks.subList(0, keep));
                cut =
                        random.nextBoolean()
                                ? new ForwardException(
                                        ForwardException.Kind.BROKEN, "chaos: cut", null)
                                : new ForwardException(
                                        ForwardException.Kind.TIMEOUT, "chaos: stalled", null);
            }
            return canned(200, HeaderMap.of("content-type", "text/event-stream"), chunks, cut);
        }

        private static StreamingResponse canned(
                int status, HeaderMap headers, List<byte[]> chunks, RuntimeException end) {
            return new StreamingResponse() {
                private int next;

                @Override
                public int status() {
                    return status;
                }

                @Override
                public HeaderMap headers() {
                    return headers;
                }

                @Override
                public Optional<byte[]> read() {
                    if (next < chunks.size()) {
                        return Optional.of(chunks.get(next++));
                    }
                    if (end != null) {
                        throw end;
                    }
                    return Optional.empty();
                }

                @Override
                public void close() {}
            };
        }

        private static byte[] bytes(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {}
    }

    /** Keeps every event. */
    private static final class Events implements UsageEventSink {
        final ConcurrentLinkedQueue<AnalyticsEvent> all = new ConcurrentLinkedQueue<>();

        @Override
        public void record(AnalyticsEvent event) {
            all.add(event);
        }

        @Override
        public long droppedCount() {
            return 0;
        }

        @Override
        public void close() {}
    }
}
