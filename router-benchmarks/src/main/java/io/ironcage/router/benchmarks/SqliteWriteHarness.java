package io.ironcage.router.benchmarks;

import io.ironcage.router.analytics.sqlite.SqliteOptions;
import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * Sustained analytics throughput into SQLite: producer threads record pre-built events as fast as
 * {@code record} accepts them into a default {@link SqliteUsageEventSink} (WAL, {@code
 * synchronous=FULL}, batches of 1,000, a 65,536-event queue); when the queue is full the producers
 * wait for room (a long {@code maxBlock}, so nothing is dropped and the writer sets the pace). The
 * clock stops when {@code close()} returns, i.e. when every event is committed.
 *
 * <pre>
 * java -cp router-benchmarks/target/benchmarks.jar \
 *     io.ironcage.router.benchmarks.SqliteWriteHarness [events=500000] [threads=4] [runs=5] \
 *     [ids=v7,v4] [dir]
 * </pre>
 *
 * <p>{@code ids} picks the event ids: {@code v7} the router's time-ordered ids ({@link
 * AnalyticsEvent#newEventId(long)}), {@code v4} random ones (the reference's, and what a
 * third-party caller might send); with both, runs alternate between them in the same invocation.
 * Prints each run and, per id kind, the median, minimum and maximum events per second. Not a JMH
 * benchmark: the quantity is a sustained rate over seconds of disk work, not the cost of one call.
 */
public final class SqliteWriteHarness {
    private SqliteWriteHarness() {}

    /**
     * Runs the harness.
     *
     * @param args events per run, producer threads, runs, and a directory for the files (default: a
     *     temporary one)
     * @throws Exception if a file cannot be created or a thread is interrupted
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        List<String> kinds = List.of((args.length > 3 ? args[3] : "v7,v4").split(","));
        Path dir =
                args.length > 4
                        ? Files.createDirectories(Path.of(args[4]))
                        : Files.createTempDirectory("iron-router-sqlite-bench");
        PrintStream out = System.out;
        out.printf(
                Locale.ROOT,
                "SQLite sink: %,d events per run from %d threads, %d runs (+1 warm-up) per id kind"
                        + " %s, files in %s%n",
                events,
                threads,
                runs,
                kinds,
                dir);
        Map<String, List<AnalyticsEvent>> prebuilt = new LinkedHashMap<>();
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (String kind : kinds) {
            prebuilt.put(kind, events(events, kind));
            rates.put(kind, new ArrayList<>());
        }
        for (int run = 0; run <= runs; run++) {
            for (String kind : kinds) {
                Path file = dir.resolve("bench-" + kind + "-" + run + ".db");
                double rate = run(file, prebuilt.get(kind), threads);
                deleteStore(file);
                out.printf(
                        Locale.ROOT,
                        "  %-3s %-8s %,12.0f events/s%n",
                        kind,
                        run == 0 ? "warm-up" : "run " + run,
                        rate);
                if (run > 0) {
                    rates.get(kind).add(rate);
                }
            }
        }
        for (String kind : kinds) {
            List<Double> r = rates.get(kind);
            Collections.sort(r);
            out.printf(
                    Locale.ROOT,
                    "%s ids: median %,.0f events/s (min %,.0f, max %,.0f)%n",
                    kind,
                    r.get(r.size() / 2),
                    r.get(0),
                    r.get(r.size() - 1));
        }
    }

    private static double run(Path file, List<AnalyticsEvent> events, int threads)
            throws InterruptedException {
        SqliteUsageEventSink sink =
                SqliteUsageEventSink.open(
                        file, SqliteOptions.builder().maxBlock(Duration.ofMinutes(1)).build());
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread producer =
                    new Thread(
                            () -> {
                                try {
                                    start.await();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                    return;
                                }
                                for (int i = first; i < events.size(); i += threads) {
                                    sink.record(events.get(i));
                                }
                            });
            producer.start();
            producers.add(producer);
        }
        long started = System.nanoTime();
        start.countDown();
        for (Thread producer : producers) {
            producer.join();
        }
        sink.close();
        long nanos = System.nanoTime() - started;
        if (sink.droppedCount() != 0) {
            throw new IllegalStateException(sink.droppedCount() + " events dropped");
        }
        return events.size() / (nanos / 1e9);
    }

    /** Realistic rows: a request id, a streamed flag, cache tokens, an agent on half of them. */
    private static List<AnalyticsEvent> events(int count, String kind) {
        List<AnalyticsEvent> events = new ArrayList<>(count);
        long base = 1_767_225_600_000L;
        for (int i = 0; i < count; i++) {
            AnalyticsEvent event =
                    AnalyticsEvent.of(
                            kind.equals("v4")
                                    ? UUID.randomUUID().toString()
                                    : AnalyticsEvent.newEventId(base + i),
                            base + i,
                            LlmRequestCompleted.priced(
                                    LlmModelMeta.of(
                                            i % 2 == 0
                                                    ? ProviderType.OPENAI
                                                    : ProviderType.ANTHROPIC,
                                            i % 2 == 0 ? "gpt-4o-mini" : "claude-haiku-4-5"),
                                    new TokenUsage(1_000 + i % 500, 200, i % 3 == 0 ? 512 : 0, 0),
                                    Money.ofMicros(450 + i % 100),
                                    new RequestMeta(
                                            Optional.of("req_" + i),
                                            300 + i % 200,
                                            OptionalLong.of(80),
                                            i % 4 == 0,
                                            false,
                                            200)));
            events.add(i % 2 == 0 ? event.withAgentId("agent_" + (i % 16)) : event);
        }
        return events;
    }

    private static void deleteStore(Path file) throws IOException {
        try (Stream<Path> siblings = Files.list(file.getParent())) {
            for (Path p : (Iterable<Path>) siblings::iterator) {
                if (p.getFileName().toString().startsWith(file.getFileName().toString())) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
