package io.ironcage.router.analytics.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a crash costs: a child JVM records events and is killed with SIGKILL ({@code
 * destroyForcibly}); the store loses at most the events of the last flush interval (plus the time
 * one commit takes), keeps a gap-free prefix of what was recorded, and passes {@code PRAGMA
 * integrity_check}. And a graceful {@code close()} loses nothing.
 */
class CrashRecoveryTest {
    private static final long FLUSH_MS = 100;

    /**
     * Time a committed batch may take beyond the flush interval on a loaded machine: the fsync of
     * the commit ({@code synchronous=FULL}) and the writer thread waiting for a core.
     */
    private static final long COMMIT_SLACK_MS = 500;

    @TempDir Path dir;

    /** A progress line of the child: events recorded so far, and when. */
    record Progress(long recorded, long atMs) {}

    @Test
    void aKilledWriterLosesAtMostTheLastFlushIntervalAndLeavesAHealthyFile() throws Exception {
        Path file = dir.resolve("crash.db");
        Path err = dir.resolve("child.err");
        Path out = dir.resolve("child.out");
        Process child =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx64m",
                                "-cp",
                                System.getProperty("java.class.path"),
                                CrashChild.class.getName(),
                                file.toString(),
                                Long.toString(FLUSH_MS))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
        long killedAtMs;
        try {
            // let it run for well over ten flush intervals
            try {
                Await.until(
                        Duration.ofSeconds(40),
                        "the child recorded 3000 events or ended",
                        () -> recordedSoFar(out) >= 3_000 || !child.isAlive());
            } catch (AssertionError tooSlow) {
                throw new AssertionError("child too slow: " + Files.readString(err), tooSlow);
            }
            assertTrue(
                    recordedSoFar(out) >= 3_000 || child.isAlive(),
                    "child ended early: " + Files.readString(err));
            killedAtMs = System.currentTimeMillis();
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close(), no flush
            assertTrue(child.waitFor(20, TimeUnit.SECONDS), "child did not die");
        } finally {
            child.destroyForcibly();
        }
        List<Progress> progress = progress(out); // every line the child printed before it died
        assertEquals(137, child.exitValue(), "killed by SIGKILL (128 + 9)");

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = c.createStatement()) {
            assertEquals("ok", string(s, "PRAGMA integrity_check"), "the file is not corrupt");
            long kept = number(s, "SELECT COUNT(*) FROM usage_events");
            long first = number(s, "SELECT MIN(timestamp_ms) FROM usage_events");
            long last = number(s, "SELECT MAX(timestamp_ms) FROM usage_events");
            assertTrue(kept > 0, "commits happened before the kill");
            assertEquals(CrashChild.BASE_MS, first);
            assertEquals(
                    kept - 1,
                    last - CrashChild.BASE_MS,
                    "what survived is a prefix of what was recorded, without gaps");

            long recorded = progress.get(progress.size() - 1).recorded();
            assertTrue(recorded >= kept, "nothing unrecorded appears");
            // every event recorded longer ago than one flush interval (+ commit slack) survived
            long mustHaveMs = killedAtMs - FLUSH_MS - COMMIT_SLACK_MS;
            long mustHave =
                    progress.stream()
                            .filter(p -> p.atMs() <= mustHaveMs)
                            .mapToLong(Progress::recorded)
                            .max()
                            .orElse(0);
            long lost = recorded - kept;
            long oldestLostAtMs =
                    progress.stream()
                            .filter(p -> p.recorded() > kept)
                            .mapToLong(Progress::atMs)
                            .min()
                            .orElse(killedAtMs);
            String summary =
                    "recorded at least "
                            + recorded
                            + ", kept "
                            + kept
                            + ", lost "
                            + lost
                            + " (the oldest recorded "
                            + (killedAtMs - oldestLostAtMs)
                            + " ms before the kill; flush interval "
                            + FLUSH_MS
                            + " ms)";
            System.out.println("crash test: " + summary);
            assertTrue(kept >= mustHave, "lost more than the last flush interval: " + summary);
        }
        // and the store opens again, recovers and takes new events
        try (SqliteUsageEventSink again = SqliteUsageEventSink.open(file)) {
            again.record(event(0));
            again.close();
            assertEquals(0, again.droppedCount());
        }
    }

    @Test
    void closeCommitsEverythingQueued() throws Exception {
        Path file = dir.resolve("close.db");
        // a flush interval and a batch too large to ever trigger: only close() writes
        SqliteUsageEventSink sink =
                SqliteUsageEventSink.open(
                        file,
                        SqliteOptions.builder()
                                .flushInterval(Duration.ofHours(1))
                                .batchSize(1_000_000)
                                .queueCapacity(50_000)
                                .build());
        for (int i = 0; i < 20_000; i++) {
            sink.record(event(i));
        }
        assertEquals(0, sink.events().size(), "nothing is committed before close");
        sink.close();
        assertEquals(0, sink.droppedCount());
        assertEquals(20_000, sink.events().size());
        assertEquals(20_000 * 7L, sink.totalCostMicros());
    }

    private static AnalyticsEvent event(long n) {
        return AnalyticsEvent.of(
                UUID.randomUUID().toString(),
                CrashChild.BASE_MS + n,
                LlmRequestCompleted.priced(
                        LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                        TokenUsage.of(10, 5),
                        Money.ofMicros(7),
                        RequestMeta.of(200, 3)));
    }

    private static List<Progress> progress(Path out) throws Exception {
        List<Progress> progress = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            String[] parts = line.trim().split(" ");
            if (parts.length == 2) { // skips "ready" and a line cut by the kill
                progress.add(new Progress(Long.parseLong(parts[0]), Long.parseLong(parts[1])));
            }
        }
        return progress;
    }

    private static long recordedSoFar(Path out) {
        try {
            List<Progress> progress = progress(out);
            return progress.isEmpty() ? 0 : progress.get(progress.size() - 1).recorded();
        } catch (Exception e) {
            throw new IllegalStateException("unreadable progress", e);
        }
    }

    private static String string(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long number(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
