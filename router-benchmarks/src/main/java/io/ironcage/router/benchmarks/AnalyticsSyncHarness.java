package io.ironcage.router.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.controlplane.AnalyticsSync;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UsageEventStore;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How fast the analytics sync empties a store into {@link FakeControlPlane} on loopback, over the
 * JDK HTTP client, one event per POST as the server's API wants.
 *
 * <pre>
 * java -Xmx256m -cp router-benchmarks/target/benchmarks.jar \
 *     io.ironcage.router.benchmarks.AnalyticsSyncHarness throughput [events=20000] [runs=5] \
 *     [concurrency=8] [batch=100] [store=sqlite] [dir] [serverMs=0]
 * java -Xmx256m -cp router-benchmarks/target/benchmarks.jar \
 *     io.ironcage.router.benchmarks.AnalyticsSyncHarness steady [rate=200] [seconds=60] [runs=3] \
 *     [intervalMs=1000] [concurrency=8] [dir]
 * </pre>
 *
 * <p>{@code throughput}: the store (SQLite, or {@code memory}) holds {@code events} events; one
 * {@link AnalyticsSync#syncNow()} drains it; prints events/s per run and the median with the range
 * (one warm-up run first, not counted). {@code serverMs} makes the server take that long to answer
 * each call, as a control server across a network would.
 *
 * <p>{@code steady}: events are recorded into a default SQLite store at a steady rate (open loop)
 * while the sync runs on its schedule; each event's wait runs from its recording to the moment the
 * sync got the server's acknowledgement. Prints p50, p99 and the longest wait per run, in units of
 * the interval too.
 */
public final class AnalyticsSyncHarness {
    private static final String TOKEN = "ic-bench-sync-token";
    private static final String AGENT = "agent_1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AnalyticsSyncHarness() {}

    /**
     * Runs the harness.
     *
     * @param args the mode ({@code throughput} or {@code steady}) and its parameters, see above
     * @throws Exception if setup fails or a thread is interrupted
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        String mode = args.length > 0 ? args[0] : "throughput";
        if (mode.equals("steady")) {
            steady(args);
        } else {
            throughput(args);
        }
    }

    private static String arg(String[] args, int i, String fallback) {
        return args.length > i ? args[i] : fallback;
    }

    private static Path dir(String given) throws IOException {
        return given == null
                ? Files.createTempDirectory("sync-bench")
                : Files.createDirectories(Path.of(given));
    }

    private static AnalyticsEvent event(long timestampMs, int i) {
        return AnalyticsEvent.of(
                        AnalyticsEvent.newEventId(timestampMs),
                        timestampMs,
                        LlmRequestCompleted.priced(
                                LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                                TokenUsage.of(1_000 + i % 100, 200),
                                Money.ofMicros(300 + i % 100),
                                RequestMeta.of(200, 120)))
                .withAgentId(AGENT);
    }

    private static AnalyticsSync sync(
            HttpTransport transport,
            UsageEventStore store,
            ControlPlaneOptions.Builder options,
            ScheduledExecutorService scheduler) {
        AnalyticsSync.Builder builder =
                AnalyticsSync.builder(
                                options.timeout(Duration.ofSeconds(10)).build(),
                                transport,
                                store,
                                agent -> agent.filter(AGENT::equals).map(a -> TOKEN))
                        .clock(Clock.systemUTC());
        if (scheduler != null) {
            builder.scheduler(scheduler);
        }
        return builder.build();
    }

    private static void throughput(String[] args) throws Exception {
        int events = Integer.parseInt(arg(args, 1, "20000"));
        int runs = Integer.parseInt(arg(args, 2, "5"));
        int concurrency = Integer.parseInt(arg(args, 3, "8"));
        int batch = Integer.parseInt(arg(args, 4, "100"));
        String kind = arg(args, 5, "sqlite");
        Path dir = dir(arg(args, 6, null));
        long serverMs = Long.parseLong(arg(args, 7, "0"));
        PrintStream out = System.out;
        out.printf(
                Locale.ROOT,
                "throughput: %,d events, concurrency %d, batch %d, %s store, server answers in %d"
                        + " ms%n",
                events,
                concurrency,
                batch,
                kind,
                serverMs);
        List<Double> rates = new ArrayList<>();
        for (int run = 0; run <= runs; run++) {
            try (FakeControlPlane server = FakeControlPlane.create().start();
                    HttpTransport transport =
                            new JdkHttpTransportProvider().httpTransport(Duration.ofSeconds(5))) {
                server.addAgent(TOKEN, ProviderType.OPENAI, "sk-bench", 1_000_000_000L);
                if (serverMs > 0) {
                    server.failNext(
                            FakeControlPlane.Endpoint.ANALYTICS_EVENTS,
                            events,
                            FakeControlPlane.Fault.delay(Duration.ofMillis(serverMs)));
                }
                UsageEventStore store =
                        kind.equals("memory")
                                ? InMemoryUsageEventSink.create()
                                : SqliteUsageEventSink.open(dir.resolve("sync-" + run + ".db"));
                long base = System.currentTimeMillis() - events;
                for (int i = 0; i < events; i++) {
                    store.record(event(base + i, i));
                }
                store.close(); // commits everything; the sync methods keep working
                AnalyticsSync sync =
                        sync(
                                transport,
                                store,
                                ControlPlaneOptions.builder(server.baseUri())
                                        .syncBatchSize(batch)
                                        .syncConcurrency(concurrency),
                                null);
                long started = System.nanoTime();
                AnalyticsSync.Result result = sync.syncNow();
                long nanos = System.nanoTime() - started;
                sync.close();
                if (result.synced() != events || server.analyticsEvents().size() != events) {
                    throw new IllegalStateException(
                            "synced "
                                    + result
                                    + ", server holds "
                                    + server.analyticsEvents().size());
                }
                double rate = events / (nanos / 1e9);
                out.printf(
                        Locale.ROOT,
                        "run %d%s: %,.0f events/s (%,d ms), %d connections%n",
                        run,
                        run == 0 ? " (warm-up)" : "",
                        rate,
                        TimeUnit.NANOSECONDS.toMillis(nanos),
                        server.connectionsSeen());
                if (run > 0) {
                    rates.add(rate);
                }
            }
        }
        Collections.sort(rates);
        out.printf(
                Locale.ROOT,
                "median %,.0f events/s (%,.0f-%,.0f)%n",
                rates.get(rates.size() / 2),
                rates.get(0),
                rates.get(rates.size() - 1));
    }

    /** Notes when the sync got each acknowledgement, by event id. */
    private static final class AckTimes implements HttpTransport {
        private final HttpTransport next;
        final Map<String, Long> acked = new ConcurrentHashMap<>();

        AckTimes(HttpTransport next) {
            this.next = next;
        }

        @Override
        public Response send(Request request) {
            Response response = next.send(request);
            if (response.status() >= 200 && response.status() <= 299) {
                try {
                    JsonNode body = JSON.readTree(request.body());
                    acked.put(body.get("event_id").asText(), System.nanoTime());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            return response;
        }

        @Override
        public StreamingResponse open(Request request) {
            return next.open(request);
        }

        @Override
        public void close() {
            next.close();
        }
    }

    private static void steady(String[] args) throws Exception {
        int rate = Integer.parseInt(arg(args, 1, "200"));
        int seconds = Integer.parseInt(arg(args, 2, "60"));
        int runs = Integer.parseInt(arg(args, 3, "3"));
        long intervalMs = Long.parseLong(arg(args, 4, "1000"));
        int concurrency = Integer.parseInt(arg(args, 5, "8"));
        Path dir = dir(arg(args, 6, null));
        PrintStream out = System.out;
        out.printf(
                Locale.ROOT,
                "steady: %d events/s for %d s, sync-interval %d ms, concurrency %d, SQLite store%n",
                rate,
                seconds,
                intervalMs,
                concurrency);
        List<Double> longest = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
            try (FakeControlPlane server = FakeControlPlane.create().start();
                    AckTimes transport =
                            new AckTimes(
                                    new JdkHttpTransportProvider()
                                            .httpTransport(Duration.ofSeconds(5)));
                    SqliteUsageEventSink store =
                            SqliteUsageEventSink.open(dir.resolve("steady-" + run + ".db"))) {
                server.addAgent(TOKEN, ProviderType.OPENAI, "sk-bench", 1_000_000_000L);
                AnalyticsSync sync =
                        sync(
                                transport,
                                store,
                                ControlPlaneOptions.builder(server.baseUri())
                                        .syncInterval(Duration.ofMillis(intervalMs))
                                        .syncConcurrency(concurrency),
                                scheduler);
                sync.start();
                int total = rate * seconds;
                Map<String, Long> recorded = new ConcurrentHashMap<>();
                long period = TimeUnit.SECONDS.toNanos(1) / rate;
                long start = System.nanoTime();
                for (int i = 0; i < total; i++) {
                    long due = start + i * period;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    AnalyticsEvent e = event(System.currentTimeMillis(), i);
                    recorded.put(e.eventId(), System.nanoTime());
                    store.record(e);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (transport.acked.size() < total && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }
                sync.close();
                long[] waits = new long[total];
                int i = 0;
                int missing = 0;
                for (Map.Entry<String, Long> e : recorded.entrySet()) {
                    Long ack = transport.acked.get(e.getKey());
                    if (ack == null) {
                        missing++;
                        waits[i++] = Long.MAX_VALUE;
                    } else {
                        waits[i++] = ack - e.getValue();
                    }
                }
                Arrays.sort(waits);
                double p50 = waits[total / 2] / 1e6;
                double p99 = waits[(int) Math.ceil(total * 0.99) - 1] / 1e6;
                double max = waits[total - 1] / 1e6;
                out.printf(
                        Locale.ROOT,
                        "run %d: %,d events, %d not acknowledged; wait p50 %.0f ms, p99 %.0f ms,"
                                + " longest %.0f ms = %.2f intervals; server holds %,d%n",
                        run,
                        total,
                        missing,
                        p50,
                        p99,
                        max,
                        max / intervalMs,
                        server.analyticsEvents().size());
                longest.add(max);
            } finally {
                scheduler.shutdownNow();
            }
        }
        Collections.sort(longest);
        out.printf(
                Locale.ROOT,
                "longest wait: median %.0f ms (%.0f-%.0f) = %.2f intervals; bar 2 intervals%n",
                longest.get(longest.size() / 2),
                longest.get(0),
                longest.get(longest.size() - 1),
                longest.get(longest.size() / 2) / intervalMs);
    }
}
