package io.ironcage.router.benchmarks;

import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Does the SQLite sink slow the request path? Two routers in one JVM, identical but for the usage
 * sink (in memory vs SQLite, default options), in front of one {@link FakeProvider} on loopback
 * (optionally also the fake called directly, as a baseline). Requests (a ~1 KB chat completion) are
 * sent open-loop at a fixed total rate, interleaved across the arms request by request (in a random
 * order within each round), so every arm sees the same moment of a shared machine and keeps its
 * connections warm. Each latency runs from the request's scheduled send time to the last byte of
 * its response, so a stall is not hidden by sending less (no coordinated omission).
 *
 * <pre>
 * java -Xmx256m -cp router-benchmarks/target/benchmarks.jar \
 *     io.ironcage.router.benchmarks.SinkLatencyHarness [totalRate=1000] [phaseSeconds=10] \
 *     [phases=5] [arms=memory,sqlite] [dir]
 * </pre>
 *
 * <p>{@code arms} is a comma-separated choice of {@code memory}, {@code sqlite}, {@code direct}.
 * Prints p50/p90/p99/max per phase and arm and, per arm, the median of the phases' percentiles with
 * their range.
 */
public final class SinkLatencyHarness {
    private static final String TOKEN = "ic-bench-token";
    private static final String KEY = "sk-bench-not-a-real-key";

    private SinkLatencyHarness() {}

    /** One arm: where requests go. */
    private record Arm(String name, URI chatUri, String authorization) {}

    /** One phase's latencies, in microseconds, sorted. */
    private record Phase(long[] micros, int errors) {
        long percentile(int p) {
            if (micros.length == 0) {
                return -1;
            }
            int rank = (int) Math.ceil(p * micros.length / 100.0);
            return micros[Math.max(rank, 1) - 1];
        }
    }

    /**
     * Runs the harness.
     *
     * @param args rate (requests/s), phase length in seconds, rounds, and a directory for the
     *     SQLite file
     * @throws Exception if setup fails or a thread is interrupted
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int phaseSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int phases = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        List<String> armNames = List.of((args.length > 3 ? args[3] : "memory,sqlite").split(","));
        Path dir =
                args.length > 4
                        ? Files.createDirectories(Path.of(args[4]))
                        : Files.createTempDirectory("iron-router-latency-bench");
        PrintStream out = System.out;
        StringBuilder prompt = new StringBuilder();
        while (prompt.length() < 900) {
            prompt.append("Tell me something short about the sea. ");
        }
        String body =
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\""
                        + prompt
                        + "\"}]}";
        Path file = dir.resolve("latency-" + System.nanoTime() + ".db");
        try (FakeProvider fake = FakeProvider.openAi().requireKey(KEY).start();
                InMemoryUsageEventSink memory = InMemoryUsageEventSink.create();
                SqliteUsageEventSink sqlite = SqliteUsageEventSink.open(file);
                LlmRouter memoryRouter = router(fake, memory);
                LlmRouter sqliteRouter = router(fake, sqlite)) {
            fake.dispatcher(r -> FakeResponse.text("The sea is salty.").usage(220, 6));
            Map<String, Arm> known =
                    Map.of(
                            "direct",
                            new Arm(
                                    "direct",
                                    URI.create(fake.baseUri() + "/v1/chat/completions"),
                                    "Bearer " + KEY),
                            "memory",
                            new Arm(
                                    "memory",
                                    URI.create(memoryRouter.baseUrl() + "/chat/completions"),
                                    "Bearer " + TOKEN),
                            "sqlite",
                            new Arm(
                                    "sqlite",
                                    URI.create(sqliteRouter.baseUrl() + "/chat/completions"),
                                    "Bearer " + TOKEN));
            List<Arm> arms = new ArrayList<>();
            for (String name : armNames) {
                Arm arm = known.get(name);
                if (arm == null) {
                    throw new IllegalArgumentException("unknown arm " + name);
                }
                arms.add(arm);
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            HttpClient http =
                    HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .executor(pool)
                            .connectTimeout(Duration.ofSeconds(5))
                            .build();
            out.printf(
                    Locale.ROOT,
                    "%,d req/s in total, open-loop, interleaved over %s (%,d req/s each); %d"
                            + " phases of %d s after a 5 s warm-up; SQLite file %s%n",
                    rate,
                    armNames,
                    rate / arms.size(),
                    phases,
                    phaseSeconds,
                    file);
            phase(http, arms, body, rate, 5); // warm-up: JIT, connections, the SQLite file
            Map<String, List<Phase>> results = new LinkedHashMap<>();
            arms.forEach(a -> results.put(a.name(), new ArrayList<>()));
            for (int n = 1; n <= phases; n++) {
                Map<String, Phase> phase = phase(http, arms, body, rate, phaseSeconds);
                for (Arm arm : arms) {
                    Phase p = phase.get(arm.name());
                    results.get(arm.name()).add(p);
                    out.printf(
                            Locale.ROOT,
                            "  phase %d %-6s n=%,6d errors=%d  p50 %,7d µs  p90 %,7d µs  p99 %,8d"
                                    + " µs  max %,9d µs%n",
                            n,
                            arm.name(),
                            p.micros().length,
                            p.errors(),
                            p.percentile(50),
                            p.percentile(90),
                            p.percentile(99),
                            p.micros().length == 0 ? -1 : p.micros()[p.micros().length - 1]);
                }
            }
            out.println("per arm: median of the phases (min-max)");
            for (Map.Entry<String, List<Phase>> e : results.entrySet()) {
                out.printf(
                        Locale.ROOT,
                        "  %-6s p50 %s  p90 %s  p99 %s%n",
                        e.getKey(),
                        summary(e.getValue(), 50),
                        summary(e.getValue(), 90),
                        summary(e.getValue(), 99));
            }
            pool.shutdownNow();
            out.printf(
                    Locale.ROOT,
                    "events: memory %,d kept, %d dropped; sqlite %d dropped%n",
                    memory.size(),
                    memory.droppedCount(),
                    sqlite.droppedCount());
        }
        try (SqliteUsageEventSink reopened = SqliteUsageEventSink.open(file)) {
            out.printf(Locale.ROOT, "sqlite file holds %,d events%n", reopened.events().size());
        }
    }

    private static LlmRouter router(FakeProvider fake, UsageEventSink sink) {
        return LlmRouter.builder()
                .transport(new JdkHttpTransportProvider())
                .providerKeys(ProviderKeySource.fixed(ProviderKey.openAi(KEY, fake.baseUri())))
                .listen("127.0.0.1", 0)
                .token(TOKEN)
                .usageSink(sink)
                .start();
    }

    /**
     * Sends {@code rate * seconds} requests; each block of {@code arms.size()} consecutive requests
     * goes to every arm once, in a random order, so no arm always follows another (a request sent
     * right after another one overlaps it).
     */
    private static Map<String, Phase> phase(
            HttpClient http, List<Arm> arms, String body, int rate, int seconds) {
        int count = rate * seconds;
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        long[] micros = new long[count];
        boolean[] failed = new boolean[count];
        int[] armOf = new int[count];
        Random random = new Random(count);
        List<Integer> order = new ArrayList<>();
        for (int a = 0; a < arms.size(); a++) {
            order.add(a);
        }
        for (int block = 0; block < count; block += arms.size()) {
            Collections.shuffle(order, random);
            for (int k = 0; k < arms.size() && block + k < count; k++) {
                armOf[block + k] = order.get(k);
            }
        }
        List<CompletableFuture<Void>> pending = new ArrayList<>(count);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        for (int i = 0; i < count; i++) {
            long scheduled = start + i * intervalNanos;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int slot = i;
            Arm arm = arms.get(armOf[i]);
            HttpRequest request =
                    HttpRequest.newBuilder(arm.chatUri())
                            .header("authorization", arm.authorization())
                            .header("content-type", "application/json")
                            .timeout(Duration.ofSeconds(10))
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build();
            pending.add(
                    http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                            .handle(
                                    (response, failure) -> {
                                        long took = System.nanoTime() - scheduled;
                                        failed[slot] =
                                                failure != null || response.statusCode() != 200;
                                        micros[slot] = TimeUnit.NANOSECONDS.toMicros(took);
                                        return null;
                                    }));
        }
        CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).join();
        Map<String, Phase> byArm = new LinkedHashMap<>();
        for (int a = 0; a < arms.size(); a++) {
            List<Long> mine = new ArrayList<>();
            int errors = 0;
            for (int i = 0; i < count; i++) {
                if (armOf[i] != a) {
                    continue;
                }
                mine.add(micros[i]);
                if (failed[i]) {
                    errors++;
                }
            }
            long[] sorted = mine.stream().mapToLong(Long::longValue).sorted().toArray();
            byArm.put(arms.get(a).name(), new Phase(sorted, errors));
        }
        return byArm;
    }

    private static String summary(List<Phase> phases, int p) {
        List<Long> values = new ArrayList<>();
        for (Phase phase : phases) {
            values.add(phase.percentile(p));
        }
        Collections.sort(values);
        return String.format(
                Locale.ROOT,
                "%,6d µs (%,d-%,d)",
                values.get(values.size() / 2),
                values.get(0),
                values.get(values.size() - 1));
    }
}
