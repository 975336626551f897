package io.ironcage.router.benchmarks;

import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.agent.DirectTenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.internal.ProxyPipeline;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.testkit.CapturingResponseSink;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The sink's effect on the request pipeline alone, without sockets: two {@link ProxyPipeline}s
 * identical but for the usage sink (in memory vs SQLite with default options: a real file, a real
 * writer thread committing every 200 ms) handle a ~1 KB chat completion against a canned upstream,
 * interleaved request by request at a fixed rate per pipeline. Each latency runs from the request's
 * scheduled start to the end of {@code handle} (which includes {@code record}). Where {@link
 * SinkLatencyHarness} needs more CPU than a shared 2-core machine gives, this one measures exactly
 * 1,000 requests/s per sink.
 *
 * <pre>
 * java -Xmx256m -cp router-benchmarks/target/benchmarks.jar \
 *     io.ironcage.router.benchmarks.PipelineSinkHarness [ratePerSink=1000] [phaseSeconds=10] \
 *     [phases=6] [dir]
 * </pre>
 */
public final class PipelineSinkHarness {
    private static final String TOKEN = "ic-bench-token";

    private PipelineSinkHarness() {}

    /**
     * Runs the harness.
     *
     * @param args rate per sink (requests/s), phase length in seconds, phases, and a directory for
     *     the SQLite file
     * @throws Exception if setup fails
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int phaseSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int phases = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        Path dir =
                args.length > 3
                        ? Files.createDirectories(Path.of(args[3]))
                        : Files.createTempDirectory("iron-router-pipeline-bench");
        PrintStream out = System.out;
        Path file = dir.resolve("pipeline-" + System.nanoTime() + ".db");
        ProxyRequest request = request();
        try (InMemoryUsageEventSink memory = InMemoryUsageEventSink.create();
                SqliteUsageEventSink sqlite = SqliteUsageEventSink.open(file)) {
            List<ProxyPipeline> pipelines = List.of(pipeline(memory), pipeline(sqlite));
            List<String> names = List.of("memory", "sqlite");
            out.printf(
                    Locale.ROOT,
                    "%,d req/s per sink, interleaved (%,d req/s in all), %d phases of %d s after a"
                            + " 5 s warm-up; SQLite file %s%n",
                    rate,
                    rate * 2,
                    phases,
                    phaseSeconds,
                    file);
            phase(pipelines, request, rate, 5);
            List<List<long[]>> results = List.of(new ArrayList<>(), new ArrayList<>());
            for (int n = 1; n <= phases; n++) {
                List<long[]> phase = phase(pipelines, request, rate, phaseSeconds);
                for (int a = 0; a < 2; a++) {
                    long[] sorted = phase.get(a);
                    results.get(a).add(sorted);
                    out.printf(
                            Locale.ROOT,
                            "  phase %d %-6s n=%,6d  p50 %,6d µs  p90 %,6d µs  p99 %,6d µs  p99.9"
                                    + " %,7d µs  max %,7d µs%n",
                            n,
                            names.get(a),
                            sorted.length,
                            percentile(sorted, 50.0),
                            percentile(sorted, 90.0),
                            percentile(sorted, 99.0),
                            percentile(sorted, 99.9),
                            sorted[sorted.length - 1]);
                }
            }
            out.println("per sink: median of the phases (min-max)");
            for (int a = 0; a < 2; a++) {
                out.printf(
                        Locale.ROOT,
                        "  %-6s p50 %s  p99 %s  p99.9 %s%n",
                        names.get(a),
                        summary(results.get(a), 50.0),
                        summary(results.get(a), 99.0),
                        summary(results.get(a), 99.9));
            }
            out.printf(
                    Locale.ROOT,
                    "events: memory %,d kept, %d dropped; sqlite %d dropped%n",
                    memory.size(),
                    memory.droppedCount(),
                    sqlite.droppedCount());
        }
    }

    private static List<long[]> phase(
            List<ProxyPipeline> pipelines, ProxyRequest request, int ratePerSink, int seconds) {
        int sinks = pipelines.size();
        int count = ratePerSink * sinks * seconds;
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / ((long) ratePerSink * sinks);
        long[] micros = new long[count];
        CapturingResponseSink discard = CapturingResponseSink.discarding(bytes -> {});
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        for (int i = 0; i < count; i++) {
            long scheduled = start + i * intervalNanos;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            pipelines
                    .get(i % sinks)
                    .handle(request, discard, ProxyHandler.CALLING_THREAD)
                    .toCompletableFuture()
                    .join();
            if (discard.status() != 200) {
                throw new IllegalStateException("status " + discard.status());
            }
            micros[i] = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - scheduled);
        }
        List<long[]> bySink = new ArrayList<>();
        for (int a = 0; a < sinks; a++) {
            long[] mine = new long[count / sinks];
            for (int i = a, j = 0; j < mine.length; i += sinks, j++) {
                mine[j] = micros[i];
            }
            java.util.Arrays.sort(mine);
            bySink.add(mine);
        }
        return bySink;
    }

    /** Nearest rank: the value at 1-based position ceil(p * n / 100). */
    private static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length / 100.0);
        return sorted[Math.max(rank, 1) - 1];
    }

    private static String summary(List<long[]> phases, double p) {
        List<Long> values = new ArrayList<>();
        for (long[] phase : phases) {
            values.add(percentile(phase, p));
        }
        Collections.sort(values);
        return String.format(
                Locale.ROOT,
                "%,5d µs (%,d-%,d)",
                values.get(values.size() / 2),
                values.get(0),
                values.get(values.size() - 1));
    }

    private static ProxyPipeline pipeline(UsageEventSink sink) {
        return new ProxyPipeline(
                Tenants.single(
                        TOKEN,
                        new DirectTenant(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi(
                                                "sk-bench", URI.create("http://127.0.0.1:1"))),
                                CostController.withLimit(Money.ofMicros(Long.MAX_VALUE / 4)))),
                new Canned(),
                PricingTables.bundled(),
                sink,
                Clock.systemUTC(),
                ProxyPipeline.Settings.of(Duration.ofSeconds(30), 10 * 1024 * 1024)
                        .withRejectUnpriced(true));
    }

    private static ProxyRequest request() {
        StringBuilder prompt = new StringBuilder();
        while (prompt.length() < 900) {
            prompt.append("Tell me something short about the sea. ");
        }
        byte[] body =
                ("{\"model\":\"gpt-4o-mini\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\","
                                + "\"content\":\""
                                + prompt
                                + "\"}]}")
                        .getBytes(StandardCharsets.UTF_8);
        HeaderMap headers =
                HeaderMap.of(
                        "authorization", "Bearer " + TOKEN, "content-type", "application/json");
        return new ProxyRequest("POST", "/v1/chat/completions", "", headers, body, false);
    }

    /** A canned upstream: one chat completion with usage. */
    private static final class Canned implements HttpTransport {
        private static final byte[] COMPLETION =
                ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
                                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                                + "\"message\":{\"role\":\"assistant\",\"content\":\"The sea is"
                                + " salty.\"},\"finish_reason\":\"stop\"}],\"usage\":"
                                + "{\"prompt_tokens\":220,\"completion_tokens\":6,"
                                + "\"total_tokens\":226}}")
                        .getBytes(StandardCharsets.UTF_8);

        @Override
        public Response send(Request request) {
            return new Response(200, HeaderMap.of("content-type", "application/json"), COMPLETION);
        }

        @Override
        public StreamingResponse open(Request request) {
            return new StreamingResponse() {
                @Override
                public int status() {
                    return 200;
                }

                @Override
                public HeaderMap headers() {
                    return HeaderMap.of("content-type", "application/json");
                }

                @Override
                public Optional<byte[]> read() {
                    return Optional.empty();
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public void close() {}
    }
}
