package io.ironcage.router.analytics.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.errors.LlmRouterException;
import io.ironcage.router.core.spi.UsageEventStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store beyond the port contract: durability, schema, WAL, concurrency, full-queue policy. */
class SqliteStoreTest {
    @TempDir Path dir;

    @Test
    void reopeningAfterCloseSeesEveryEventAndAddsToThem() throws Exception {
        Path file = dir.resolve("durable.db");
        List<AnalyticsEvent> first = new ArrayList<>();
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            for (int i = 0; i < 500; i++) {
                AnalyticsEvent e = completed(i, 1_000 + i);
                first.add(e);
                sink.record(e);
            }
        }
        try (SqliteUsageEventSink again = SqliteUsageEventSink.open(file)) {
            assertEquals(first, again.events());
            assertEquals(624_750, again.totalCostMicros(), "sum of 1,000 + i for i < 500");
            again.record(completed(9_999, 7));
        }
        try (SqliteUsageEventSink third = SqliteUsageEventSink.open(file)) {
            assertEquals(501, third.events().size());
        }
        assertEquals(
                (long) SchemaMigrator.latestVersion(),
                scalar(file, "SELECT COUNT(*) FROM schema_version"),
                "each migration applied once");
    }

    @Test
    void storesAbsentFieldsAsNullAndNewEventsAsUnsynced() throws Exception {
        Path file = dir.resolve("columns.db");
        AnalyticsEvent failed =
                AnalyticsEvent.of(
                        UUID.randomUUID().toString(),
                        42,
                        LlmRequestFailed.of(
                                LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o"),
                                "401",
                                "Incorrect API key provided: sk-proj-****abcd",
                                RequestMeta.of(401, 9)));
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            sink.record(failed);
        }
        try (Connection c = connect(file);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM usage_events")) {
            assertTrue(rs.next());
            assertEquals("llm_request_failed", rs.getString("event_type"));
            assertEquals("unsynced", rs.getString("synced_state"));
            assertNull(rs.getObject("cost_micros"));
            assertNull(rs.getObject("input_tokens"));
            assertNull(rs.getObject("ttfb_ms"));
            assertNull(rs.getObject("port"));
            assertNull(rs.getObject("agent_id"));
            assertNull(rs.getObject("router_request_id"), "the placeholder names no request");
            assertEquals(1, rs.getInt("attempt"));
            assertEquals(401, rs.getInt("status"));
            assertEquals("Incorrect API key provided: <redacted>", rs.getString("error_message"));
        }
    }

    @Test
    void keepsTheBillOfAFailureThatWasBilled() {
        Path file = dir.resolve("billed.db");
        AnalyticsEvent cut =
                AnalyticsEvent.of(
                        UUID.randomUUID().toString(),
                        43,
                        LlmRequestFailed.billed(
                                LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o"),
                                "502",
                                "The upstream stream broke before it completed",
                                RequestMeta.of(502, 30),
                                new TokenUsage(120, 17, 3, 0),
                                Money.ofMicros(477)));
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            sink.record(cut);
        }
        try (SqliteUsageEventSink again = SqliteUsageEventSink.open(file)) {
            assertEquals(List.of(cut), again.events());
            assertEquals(477, again.totalCostMicros());
        }
    }

    @Test
    void refusesAFileWithANewerSchemaVersionNamingBothVersions() throws Exception {
        Path file = dir.resolve("newer.db");
        SqliteUsageEventSink.open(file).close();
        int future = SchemaMigrator.latestVersion() + 1;
        exec(
                file,
                "INSERT INTO schema_version VALUES (" + future + ", 'V_from_the_future.sql', 0)");
        LlmRouterException e =
                assertThrows(LlmRouterException.class, () -> SqliteUsageEventSink.open(file));
        assertTrue(e.getMessage().contains("schema version " + future), e.getMessage());
        assertTrue(
                e.getMessage()
                        .contains(
                                "newest this Iron Router knows ("
                                        + SchemaMigrator.latestVersion()
                                        + ")"),
                e.getMessage());
    }

    @Test
    void refusesAFileThatIsNotSqlite() throws Exception {
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "just some text, certainly not a database\n");
        LlmRouterException e =
                assertThrows(LlmRouterException.class, () -> SqliteUsageEventSink.open(file));
        assertTrue(e.getMessage().contains("is not a SQLite database"), e.getMessage());
        assertEquals(
                "just some text, certainly not a database\n",
                Files.readString(file, StandardCharsets.UTF_8),
                "the file is left alone");
    }

    @Test
    void refusesASqliteDatabaseThatIsNotOurs() throws Exception {
        Path file = dir.resolve("someone-else.db");
        exec(file, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
        LlmRouterException e =
                assertThrows(LlmRouterException.class, () -> SqliteUsageEventSink.open(file));
        assertTrue(e.getMessage().contains("not an Iron Router analytics store"), e.getMessage());
        assertTrue(e.getMessage().contains("customers"), e.getMessage());
    }

    @Test
    void opensInWalModeWithABusyTimeout() throws Exception {
        Path file = dir.resolve("wal.db");
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            sink.record(event(new RouterStarted(8080)));
        }
        // journal_mode=WAL is stored in the file: any connection sees it
        try (Connection c = connect(file);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
            assertTrue(rs.next());
            assertEquals("wal", rs.getString(1));
        }
        assertEquals((long) SchemaMigrator.APPLICATION_ID, scalar(file, "PRAGMA application_id"));
    }

    @Test
    void concurrentWritersKeepEveryEvent() throws Exception {
        Path file = dir.resolve("concurrent.db");
        int threads = 8;
        int perThread = 2_000;
        SqliteUsageEventSink sink = SqliteUsageEventSink.open(file);
        {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    futures.add(
                            pool.submit(
                                    () -> {
                                        start.await();
                                        for (int i = 0; i < perThread; i++) {
                                            sink.record(completed(i, 1));
                                        }
                                        return null;
                                    }));
                }
                start.countDown();
                for (Future<?> f : futures) {
                    f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        sink.close();
        assertEquals(0, sink.droppedCount());
        assertEquals(16_000L, scalar(file, "SELECT COUNT(*) FROM usage_events"));
        assertEquals(16_000, sink.totalCostMicros());
    }

    @Test
    void dropPolicyCountsDropsWithoutBlockingOrThrowing() throws Exception {
        Path file = dir.resolve("drop.db");
        SqliteOptions options =
                SqliteOptions.builder()
                        .queueCapacity(4)
                        .batchSize(1)
                        .flushInterval(Duration.ofMillis(5))
                        .fullQueuePolicy(SqliteOptions.FullQueuePolicy.DROP)
                        .build();
        SqliteUsageEventSink sink = SqliteUsageEventSink.open(file, options);
        int recorded = 200;
        // hold the write lock from another connection: the writer stalls, the queue fills
        try (Connection blocker = connect(file);
                Statement s = blocker.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            long started = System.nanoTime();
            for (int i = 0; i < recorded; i++) {
                sink.record(completed(i, 1));
            }
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(tookMs < 1_000, "DROP never waits, took " + tookMs + " ms");
            s.execute("COMMIT");
        }
        sink.close();
        long kept = sink.events().size();
        assertTrue(sink.droppedCount() > 0, "a full queue drops");
        assertTrue(kept > 0, "what was queued is written");
        assertEquals(recorded, kept + sink.droppedCount(), "every event kept or counted");
    }

    @Test
    void blockThenDropWaitsAtMostMaxBlockThenCounts() throws Exception {
        Path file = dir.resolve("block.db");
        SqliteOptions options =
                SqliteOptions.builder()
                        .queueCapacity(2)
                        .batchSize(1)
                        .flushInterval(Duration.ofMillis(5))
                        .maxBlock(Duration.ofMillis(50))
                        .build();
        assertEquals(SqliteOptions.FullQueuePolicy.BLOCK_THEN_DROP, options.fullQueuePolicy());
        SqliteUsageEventSink sink = SqliteUsageEventSink.open(file, options);
        int recorded = 10;
        try (Connection blocker = connect(file);
                Statement s = blocker.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            for (int i = 0; i < recorded; i++) {
                sink.record(completed(i, 1));
            }
            s.execute("COMMIT");
        }
        sink.close();
        assertTrue(sink.droppedCount() > 0, "the queue stayed full past maxBlock");
        assertEquals(recorded, sink.events().size() + sink.droppedCount());
    }

    @Test
    void recordWithoutWaitingNeverWaitsAndHandsBackTheWaitWhenTheQueueIsFull() throws Exception {
        Path file = dir.resolve("nowait.db");
        SqliteOptions options =
                SqliteOptions.builder()
                        .queueCapacity(2)
                        .batchSize(1)
                        .flushInterval(Duration.ofMillis(5))
                        .maxBlock(Duration.ofSeconds(5))
                        .build();
        SqliteUsageEventSink sink = SqliteUsageEventSink.open(file, options);
        int recorded = 20;
        List<Runnable> handedBack = new ArrayList<>();
        try (Connection blocker = connect(file);
                Statement s = blocker.createStatement()) {
            s.execute("BEGIN IMMEDIATE"); // the writer stalls, the queue fills
            long started = System.nanoTime();
            for (int i = 0; i < recorded; i++) {
                sink.recordWithoutWaiting(completed(i, 1)).ifPresent(handedBack::add);
            }
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(tookMs < 1_000, "never waits for room, took " + tookMs + " ms");
            assertFalse(handedBack.isEmpty(), "a full queue hands the wait back");
            assertEquals(0, sink.droppedCount(), "nothing dropped: the rest is handed back");
            s.execute("COMMIT");
        }
        handedBack.forEach(Runnable::run); // where waiting is allowed: room comes, all are kept
        sink.close();
        assertEquals(0, sink.droppedCount());
        assertEquals(recorded, sink.events().size());
    }

    @Test
    void aRejectionIsStoredAsFailedWithItsReasonRedactedAndCut() throws Exception {
        Path file = dir.resolve("sync.db");
        AnalyticsEvent refused = completed(1, 5);
        AnalyticsEvent accepted = completed(2, 5);
        String reason =
                "400 VALIDATION_ERROR for {\"ic_token\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln\","
                        + " \"key\":\"sk-proj-abcdef1234567890\"} "
                        + "x".repeat(5_000);
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            sink.record(refused);
            sink.record(accepted);
            sink.close();
            sink.markRejected(refused.eventId(), reason);
            sink.markSynced(List.of(accepted.eventId()));
        }
        try (Connection c = connect(file);
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT event_id, synced_state, sync_error FROM usage_events"
                                        + " ORDER BY rowid")) {
            assertTrue(rs.next());
            assertEquals("failed", rs.getString("synced_state"), "the schema's word for rejected");
            String stored = rs.getString("sync_error");
            assertTrue(
                    stored.startsWith(
                            "400 VALIDATION_ERROR for {\"<redacted>\", \"key\":\"<redacted>\"}"),
                    stored);
            assertFalse(stored.contains("eyJ"), stored);
            assertFalse(stored.contains("sk-proj"), stored);
            assertEquals(1_000, stored.length(), "cut to 1,000 characters");
            assertTrue(rs.next());
            assertEquals("synced", rs.getString("synced_state"));
            assertNull(rs.getString("sync_error"));
        }
        try (SqliteUsageEventSink again = SqliteUsageEventSink.open(file)) {
            assertEquals(UsageEventStore.SyncState.REJECTED, again.syncState(refused.eventId()));
            assertTrue(again.rejectionReason(refused.eventId()).startsWith("400 VALIDATION_ERROR"));
            assertNull(again.rejectionReason(accepted.eventId()));
            assertEquals(List.of(), again.unsynced(10));
        }
    }

    private static AnalyticsEvent completed(int i, long costMicros) {
        return event(
                LlmRequestCompleted.priced(
                        LlmModelMeta.of(ProviderType.ANTHROPIC, "claude-haiku-4-5"),
                        TokenUsage.of(100 + i, 20),
                        Money.ofMicros(costMicros),
                        RequestMeta.of(200, 5)));
    }

    private static AnalyticsEvent event(
            io.ironcage.router.core.domain.analytics.EventPayload payload) {
        return AnalyticsEvent.of(
                UUID.randomUUID().toString(), 1_767_225_600_000L + counter++, payload);
    }

    private static long counter;

    private static Connection connect(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    private static void exec(Path file, String sql) throws SQLException {
        try (Connection c = connect(file);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static long scalar(Path file, String sql) throws SQLException {
        try (Connection c = connect(file);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }
}
