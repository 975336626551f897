package io.ironcage.router.analytics.sqlite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.analytics.sqlite.UsageQuery.GroupBy;
import io.ironcage.router.analytics.sqlite.UsageReport.Row;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.BudgetThresholdReached;
import io.ironcage.router.core.domain.analytics.EventPayload;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.domain.analytics.RouterStopped;
import io.ironcage.router.core.errors.LlmRouterException;
import io.ironcage.router.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage statistics over a store: groupings, ranges, exact percentiles, consistency, bad files. */
class UsageReportTest {
    @TempDir Path dir;

    private static final Instant DAY = Instant.parse("2026-11-27T00:00:00Z");

    /** Eight LLM requests over three days, plus events that are not requests. */
    private static List<AnalyticsEvent> fixture() {
        return List.of(
                at("2026-11-26T23:59:59.999Z", completed("gpt-4o-mini", 100, 50, 0, 0, 45, 100))
                        .withAgentId("agent_1"),
                at("2026-11-27T00:00:00Z", completed("gpt-4o-mini", 200, 100, 50, 0, 90, 300))
                        .withAgentId("agent_1"),
                at("2026-11-27T10:00:00Z", failed(ProviderType.OPENAI, "gpt-4o-mini", 429, 20))
                        .withAgentId("agent_2"),
                at(
                        "2026-11-27T12:00:00Z",
                        new LlmRequestCompleted(
                                LlmModelMeta.of(ProviderType.ANTHROPIC, "claude-haiku-4-5"),
                                new TokenUsage(1_000, 200, 3_000, 400),
                                Money.ofMicros(12_345),
                                true,
                                new RequestMeta(
                                        Optional.of("req_1"),
                                        1_234,
                                        OptionalLong.of(87),
                                        true,
                                        true,
                                        200))),
                at(
                                "2026-11-27T13:00:00Z",
                                failed(ProviderType.ANTHROPIC, "claude-haiku-4-5", 502, 5))
                        .withAgentId("agent_1"),
                at("2026-11-27T14:00:00Z", failed(ProviderType.OPENAI, "", 502, 2)),
                at(
                        "2026-11-28T00:00:00Z",
                        LlmRequestCompleted.unpriced(
                                new LlmModelMeta("unknown", Optional.empty(), "my-local-model"),
                                TokenUsage.of(7, 3),
                                RequestMeta.of(200, 15))),
                at("2026-11-27T00:00:01Z", new RouterStarted(8787)),
                at(
                        "2026-11-27T11:00:00Z",
                        new BudgetThresholdReached(
                                80, Money.ofMicros(800_000), Money.ofMicros(1_000_000))),
                at("2026-11-28T01:00:00Z", new RouterStopped(7, Money.ofMicros(12_480))));
    }

    private Path storeWith(List<AnalyticsEvent> events) {
        Path file = dir.resolve("usage-" + UUID.randomUUID() + ".db");
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            events.forEach(sink::record);
        }
        return file;
    }

    @Test
    void theTotalFollowsTheReferenceSemantics() {
        UsageReport report = UsageReport.read(storeWith(fixture()), UsageQuery.all());
        assertEquals(List.of(), report.rows(), "no groups without a grouping");
        Row total = report.total();
        assertEquals(Optional.empty(), total.group());
        assertEquals(7, total.requests(), "lifecycle and threshold events are not requests");
        assertEquals(3, total.failures());
        assertEquals(4, total.successes());
        assertEquals(Money.ofMicros(12_480), total.spend());
        assertEquals(1_307, total.inputTokens());
        assertEquals(353, total.outputTokens());
        assertEquals(3_050, total.cacheReadTokens());
        assertEquals(400, total.cacheWriteTokens());
        assertEquals(1_660, total.totalTokens());
        // latencies [2, 5, 15, 20, 100, 300, 1234]: ranks ceil(3.5) = 4 and ceil(6.65) = 7
        assertEquals(OptionalLong.of(20), total.latencyP50Ms());
        assertEquals(OptionalLong.of(1_234), total.latencyP95Ms());
        assertEquals(4 * 100.0 / 7, total.successRatePercent(), 1e-9);
        // failed requests count in the denominator (reference 8.3): 12,480 / 7 = 1,782.857...
        assertEquals(Money.ofMicros(1_783), total.averageCostPerRequest());
        assertEquals(1_660.0 / 7, total.averageTokensPerRequest(), 1e-9);
    }

    @Test
    void groupsByModelWithTheModellessGroupLast() {
        UsageReport report =
                UsageReport.read(storeWith(fixture()), UsageQuery.all().groupedBy(GroupBy.MODEL));
        assertEquals(
                List.of(
                        row("claude-haiku-4-5", 2, 1, 12_345, 1_000, 200, 3_000, 400, 5, 1_234),
                        row("gpt-4o-mini", 3, 1, 135, 300, 150, 50, 0, 100, 300),
                        row("my-local-model", 1, 0, 0, 7, 3, 0, 0, 15, 15),
                        row(null, 1, 1, 0, 0, 0, 0, 0, 2, 2)),
                report.rows());
        assertEquals(7, report.total().requests());
        assertEquals(Money.ofMicros(45), report.rows().get(1).averageCostPerRequest());
    }

    @Test
    void groupsByProviderAgentAndDay() {
        Path file = storeWith(fixture());
        assertEquals(
                List.of(
                        row("anthropic", 2, 1, 12_345, 1_000, 200, 3_000, 400, 5, 1_234),
                        row("openai", 4, 2, 135, 300, 150, 50, 0, 20, 300),
                        row("unknown", 1, 0, 0, 7, 3, 0, 0, 15, 15)),
                UsageReport.read(file, UsageQuery.all().groupedBy(GroupBy.PROVIDER)).rows());
        assertEquals(
                List.of(
                        row("agent_1", 3, 1, 135, 300, 150, 50, 0, 100, 300),
                        row("agent_2", 1, 1, 0, 0, 0, 0, 0, 20, 20),
                        row(null, 3, 1, 12_345, 1_007, 203, 3_000, 400, 15, 1_234)),
                UsageReport.read(file, UsageQuery.all().groupedBy(GroupBy.AGENT)).rows());
        assertEquals(
                List.of(
                        row("2026-11-26", 1, 0, 45, 100, 50, 0, 0, 100, 100),
                        row("2026-11-27", 5, 3, 12_435, 1_200, 300, 3_050, 400, 20, 1_234),
                        row("2026-11-28", 1, 0, 0, 7, 3, 0, 0, 15, 15)),
                UsageReport.read(file, UsageQuery.all().groupedBy(GroupBy.DAY)).rows());
    }

    @Test
    void theRangeIsHalfOpen() {
        Path file = storeWith(fixture());
        UsageQuery oneDay =
                UsageQuery.all()
                        .withSince(DAY)
                        .withUntil(Instant.parse("2026-11-28T00:00:00Z"))
                        .groupedBy(GroupBy.DAY);
        UsageReport report = UsageReport.read(file, oneDay);
        // 23:59:59.999 the day before is out; 00:00:00 of the next day is out (until excluded)
        assertEquals(
                List.of(row("2026-11-27", 5, 3, 12_435, 1_200, 300, 3_050, 400, 20, 1_234)),
                report.rows());
        assertEquals(5, report.total().requests());

        assertEquals(
                7,
                UsageReport.read(
                                file,
                                UsageQuery.all().withSince(Instant.parse("2026-11-26T00:00:00Z")))
                        .total()
                        .requests());
        assertEquals(
                1,
                UsageReport.read(file, UsageQuery.all().withUntil(DAY)).total().requests(),
                "only the request a millisecond before midnight");
        // a sub-millisecond bound: 23:59:59.9985 still includes the event at .999
        assertEquals(
                7,
                UsageReport.read(
                                file,
                                UsageQuery.all()
                                        .withSince(Instant.parse("2026-11-26T23:59:59.998500Z")))
                        .total()
                        .requests());
        assertEquals(
                6,
                UsageReport.read(
                                file,
                                UsageQuery.all()
                                        .withSince(Instant.parse("2026-11-26T23:59:59.999001Z")))
                        .total()
                        .requests());
    }

    @Test
    void anEmptyRangeHasAZeroTotalWithoutPercentiles() {
        UsageReport report =
                UsageReport.read(
                        storeWith(fixture()),
                        UsageQuery.all()
                                .withSince(Instant.parse("2030-01-01T00:00:00Z"))
                                .groupedBy(GroupBy.MODEL));
        assertEquals(List.of(), report.rows());
        assertEquals(row(null, 0, 0, 0, 0, 0, 0, 0, -1, -1), report.total());
        assertEquals(100.0, report.total().successRatePercent());
        assertEquals(Money.ZERO, report.total().averageCostPerRequest());
        assertEquals(0.0, report.total().averageTokensPerRequest());
    }

    @Test
    void percentilesAreExactNearestRankOverEveryRequest() {
        Random random = new Random(42);
        List<AnalyticsEvent> events = new ArrayList<>();
        Map<String, List<Long>> latencies = new TreeMap<>();
        String[] models = {"a-model", "b-model", "c-model"};
        int[] sizes = {1, 2, 101};
        for (int m = 0; m < models.length; m++) {
            for (int i = 0; i < sizes[m]; i++) {
                long latency = random.nextInt(5_000);
                latencies.computeIfAbsent(models[m], k -> new ArrayList<>()).add(latency);
                EventPayload payload =
                        i % 4 == 0
                                ? failed(ProviderType.OPENAI, models[m], 500, latency)
                                : completed(models[m], 1, 1, 0, 0, 1, latency);
                events.add(at("2026-11-27T12:00:00Z", payload));
            }
        }
        Collections.shuffle(events, random);
        UsageReport report =
                UsageReport.read(storeWith(events), UsageQuery.all().groupedBy(GroupBy.MODEL));
        assertEquals(3, report.rows().size());
        for (Row row : report.rows()) {
            List<Long> sorted = new ArrayList<>(latencies.get(row.group().orElseThrow()));
            Collections.sort(sorted);
            assertEquals(
                    OptionalLong.of(nearestRank(sorted, 50)), row.latencyP50Ms(), row.toString());
            assertEquals(
                    OptionalLong.of(nearestRank(sorted, 95)), row.latencyP95Ms(), row.toString());
        }
        List<Long> all = new ArrayList<>();
        latencies.values().forEach(all::addAll);
        Collections.sort(all);
        assertEquals(OptionalLong.of(nearestRank(all, 50)), report.total().latencyP50Ms());
        assertEquals(OptionalLong.of(nearestRank(all, 95)), report.total().latencyP95Ms());
    }

    @Test
    void percentilesOfOneToAHundredAndOneAreTheTextbookOnes() {
        List<AnalyticsEvent> events = new ArrayList<>();
        for (long latency = 101; latency >= 1; latency--) {
            events.add(at("2026-11-27T12:00:00Z", completed("m", 1, 1, 0, 0, 1, latency)));
        }
        Row total = UsageReport.read(storeWith(events), UsageQuery.all()).total();
        assertEquals(OptionalLong.of(51), total.latencyP50Ms(), "rank ceil(50.5) = 51");
        assertEquals(OptionalLong.of(96), total.latencyP95Ms(), "rank ceil(95.95) = 96");
    }

    /** Nearest rank: the value at 1-based position ceil(p * n / 100) of the sorted list. */
    private static long nearestRank(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p * sorted.size() / 100.0);
        return sorted.get(Math.max(rank, 1) - 1);
    }

    @Test
    void theSinkReportsWhatItHasCommitted() {
        Path file = dir.resolve("live.db");
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            fixture().forEach(sink::record);
            sink.close();
            assertEquals(
                    UsageReport.read(file, UsageQuery.all().groupedBy(GroupBy.MODEL)),
                    sink.report(UsageQuery.all().groupedBy(GroupBy.MODEL)));
        }
    }

    @Test
    void aFileIsReadableWhileARouterKeepsWritingToIt() throws Exception {
        Path file = dir.resolve("live-file.db");
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            sink.record(at("2026-11-27T00:00:00Z", completed("m", 1, 1, 0, 0, 5, 1)));
            awaitCount(sink, 1);
            // another process would do this (iron-router report): read-only, next to the writer
            assertEquals(1, UsageReport.read(file, UsageQuery.all()).total().requests());
            sink.record(at("2026-11-27T00:00:01Z", completed("m", 1, 1, 0, 0, 5, 1)));
            awaitCount(sink, 2);
            assertEquals(
                    Money.ofMicros(10), UsageReport.read(file, UsageQuery.all()).total().spend());
            assertEquals(0, sink.droppedCount());
        }
    }

    @Test
    void aReaderHoldingASnapshotNeverBlocksTheWriter() throws Exception {
        Path file = dir.resolve("snapshot.db");
        SqliteUsageEventSink sink = SqliteUsageEventSink.open(file);
        sink.record(at("2026-11-27T00:00:00Z", completed("m", 1, 1, 0, 0, 1, 1)));
        awaitCount(sink, 1);
        try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = reader.createStatement()) {
            s.execute("BEGIN");
            assertEquals(1, count(s), "the reader's snapshot starts here");
            long started = System.nanoTime();
            for (int i = 0; i < 5_000; i++) {
                sink.record(at("2026-11-27T00:00:01Z", completed("m", 1, 1, 0, 0, 1, 1)));
            }
            sink.close(); // commits everything while the read transaction is open
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertEquals(0, sink.droppedCount());
            assertEquals(1, count(s), "the open read transaction still sees its snapshot");
            s.execute("COMMIT");
            assertEquals(5_001, count(s));
            assertTrue(tookMs < 20_000, "the writer was not held up by the reader: " + tookMs);
        }
        assertEquals(5_001, sink.report(UsageQuery.all()).total().requests());
    }

    @Test
    void reportsWhileWritersWriteAreConsistentSnapshots() throws Exception {
        Path file = dir.resolve("concurrent.db");
        SqliteUsageEventSink sink =
                SqliteUsageEventSink.open(
                        file,
                        SqliteOptions.builder()
                                .flushInterval(java.time.Duration.ofMillis(5))
                                .batchSize(50)
                                .build());
        int threads = 4;
        int perThread = 5_000;
        String[] models = {"claude-haiku-4-5", "gpt-4o", "gpt-4o-mini"};
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Long> totals = Collections.synchronizedList(new ArrayList<>());
        try {
            CountDownLatch start = new CountDownLatch(1);
            Future<?> reader =
                    pool.submit(
                            () -> {
                                start.await();
                                while (writing.get()) {
                                    UsageReport r =
                                            sink.report(UsageQuery.all().groupedBy(GroupBy.MODEL));
                                    long requests = 0;
                                    long spend = 0;
                                    for (Row row : r.rows()) {
                                        requests += row.requests();
                                        spend += row.spend().micros();
                                        // each request costs 3 µ$ and uses 2 input tokens
                                        assertEquals(3 * row.requests(), row.spend().micros());
                                        assertEquals(2 * row.requests(), row.inputTokens());
                                    }
                                    assertEquals(r.total().requests(), requests, "groups = total");
                                    assertEquals(r.total().spend().micros(), spend);
                                    totals.add(r.total().requests());
                                }
                                return null;
                            });
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                writers.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    for (int i = 0; i < perThread; i++) {
                                        sink.record(
                                                at(
                                                        "2026-11-27T00:00:00Z",
                                                        completed(
                                                                models[i % models.length],
                                                                2,
                                                                1,
                                                                0,
                                                                0,
                                                                3,
                                                                i % 97)));
                                    }
                                    return null;
                                }));
            }
            start.countDown();
            for (Future<?> w : writers) {
                w.get(60, TimeUnit.SECONDS);
            }
            sink.close();
            writing.set(false);
            reader.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, sink.droppedCount(), "readers never made the writer drop");
        assertFalse(totals.isEmpty());
        for (int i = 1; i < totals.size(); i++) {
            assertTrue(totals.get(i) >= totals.get(i - 1), "a later report never sees less");
        }
        assertEquals((long) threads * perThread, sink.report(UsageQuery.all()).total().requests());
    }

    @Test
    void aMissingFileIsAnErrorAndIsNotCreated() {
        Path file = dir.resolve("absent.db");
        LlmRouterException e =
                assertThrows(
                        LlmRouterException.class, () -> UsageReport.read(file, UsageQuery.all()));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertFalse(Files.exists(file), "a reader never creates a store");
        assertFalse(Files.exists(dir.resolve("absent.db-wal")));
    }

    @Test
    void anEmptyOrNonSqliteFileIsRefusedUntouched() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.db"));
        LlmRouterException e =
                assertThrows(
                        LlmRouterException.class, () -> UsageReport.read(empty, UsageQuery.all()));
        assertTrue(e.getMessage().contains("empty file"), e.getMessage());
        assertEquals(0, Files.size(empty));

        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "not a database\n");
        e = assertThrows(LlmRouterException.class, () -> UsageReport.read(text, UsageQuery.all()));
        assertTrue(e.getMessage().contains("is not a SQLite database"), e.getMessage());
        assertEquals("not a database\n", Files.readString(text));

        e = assertThrows(LlmRouterException.class, () -> UsageReport.read(dir, UsageQuery.all()));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void aForeignSqliteFileIsRefusedUnchanged() throws Exception {
        Path file = dir.resolve("customers.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
            s.execute("INSERT INTO customers (name) VALUES ('Ada')");
        }
        byte[] before = Files.readAllBytes(file);
        LlmRouterException e =
                assertThrows(
                        LlmRouterException.class, () -> UsageReport.read(file, UsageQuery.all()));
        assertTrue(e.getMessage().contains("not an Iron Router analytics store"), e.getMessage());
        assertTrue(e.getMessage().contains("refusing to read it"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file), "the file is not changed");
    }

    @Test
    void aNewerSchemaIsRefused() throws Exception {
        Path file = storeWith(fixture());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO schema_version VALUES (99, 'V99__from_the_future.sql', 0)");
        }
        LlmRouterException e =
                assertThrows(
                        LlmRouterException.class, () -> UsageReport.read(file, UsageQuery.all()));
        assertTrue(e.getMessage().contains("schema version 99"), e.getMessage());
    }

    @Test
    void aQueryNeedsSinceBeforeUntil() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> UsageQuery.all().withSince(DAY).withUntil(DAY));
        assertTrue(e.getMessage().contains("[since, until)"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> UsageQuery.all().withUntil(DAY).withSince(DAY.plusSeconds(1)));
    }

    private static void awaitCount(SqliteUsageEventSink sink, int n) {
        Await.until(
                Duration.ofSeconds(10), "the event was written", () -> sink.events().size() >= n);
    }

    private static long count(Statement s) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM usage_events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Row row(
            String group,
            long requests,
            long failures,
            long spendMicros,
            long input,
            long output,
            long cacheRead,
            long cacheWrite,
            long p50,
            long p95) {
        return new Row(
                Optional.ofNullable(group),
                requests,
                failures,
                Money.ofMicros(spendMicros),
                input,
                output,
                cacheRead,
                cacheWrite,
                p50 < 0 ? OptionalLong.empty() : OptionalLong.of(p50),
                p95 < 0 ? OptionalLong.empty() : OptionalLong.of(p95));
    }

    private static AnalyticsEvent at(String instant, EventPayload payload) {
        return AnalyticsEvent.of(
                UUID.randomUUID().toString(), Instant.parse(instant).toEpochMilli(), payload);
    }

    private static LlmRequestCompleted completed(
            String model,
            long input,
            long output,
            long cacheRead,
            long cacheWrite,
            long costMicros,
            long latencyMs) {
        ProviderType provider =
                model.startsWith("claude") ? ProviderType.ANTHROPIC : ProviderType.OPENAI;
        return LlmRequestCompleted.priced(
                LlmModelMeta.of(provider, model),
                new TokenUsage(input, output, cacheRead, cacheWrite),
                Money.ofMicros(costMicros),
                RequestMeta.of(200, latencyMs));
    }

    private static LlmRequestFailed failed(
            ProviderType provider, String model, int status, long latencyMs) {
        return LlmRequestFailed.of(
                LlmModelMeta.of(provider, model),
                String.valueOf(status),
                "upstream " + status,
                RequestMeta.of(status, latencyMs));
    }
}
