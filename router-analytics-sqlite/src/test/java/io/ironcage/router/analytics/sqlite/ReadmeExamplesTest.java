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
import io.ironcage.router.core.spi.UsageEventStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every Java snippet of this module's README, and fails when a README snippet no longer
 * appears, character for character up to whitespace, in this file.
 */
class ReadmeExamplesTest {
    @TempDir Path dir;

    private Path storeWithTwoRequests() {
        Path file = dir.resolve("iron-router.db");
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            for (long latency : new long[] {120, 480}) {
                long at = Instant.parse("2026-11-27T10:00:00Z").toEpochMilli() + latency;
                sink.record(
                        AnalyticsEvent.of(
                                AnalyticsEvent.newEventId(at),
                                at,
                                LlmRequestCompleted.priced(
                                        LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                                        TokenUsage.of(1_000, 500),
                                        Money.ofMicros(450),
                                        RequestMeta.of(200, latency))));
            }
        }
        return file;
    }

    @Test
    void statisticsFromJava() {
        Path file = storeWithTwoRequests();
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            // README snippet, verbatim:
            UsageReport report =
                    UsageReport.read(
                            file,
                            UsageQuery.all()
                                    .withSince(Instant.parse("2026-11-01T00:00:00Z"))
                                    .groupedBy(UsageQuery.GroupBy.MODEL));
            for (UsageReport.Row row : report.rows()) {
                System.out.println(
                        row.group().orElse("(no model)")
                                + ": "
                                + row.requests()
                                + " requests, "
                                + row.failures()
                                + " failed, $"
                                + row.spend().toUsdString(6)
                                + ", p95 "
                                + row.latencyP95Ms().orElse(0)
                                + " ms");
            }
        } finally {
            System.setOut(stdout);
        }
        assertEquals(
                "gpt-4o-mini: 2 requests, 0 failed, $0.000900, p95 480 ms",
                printed.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void whatTheSyncDoesWithTheStore() {
        Path file = storeWithTwoRequests();
        // README snippet, verbatim:
        try (SqliteUsageEventSink store = SqliteUsageEventSink.open(file)) {
            List<AnalyticsEvent> batch =
                    store.unsynced(100); // LLM request events not yet sent, oldest first
            // ... send them; then, for what the server acknowledged:
            store.markSynced(batch.stream().map(AnalyticsEvent::eventId).toList());
        }
        try (SqliteUsageEventSink store = SqliteUsageEventSink.open(file)) {
            assertEquals(List.of(), store.unsynced(100));
            for (AnalyticsEvent e : store.events()) {
                assertEquals(UsageEventStore.SyncState.SYNCED, store.syncState(e.eventId()));
            }
        }
    }

    @Test
    void everyReadmeSnippetIsMirroredHere() throws IOException {
        String self =
                squash(
                        Files.readString(
                                Path.of(
                                        "src/test/java/io/ironcage/router/analytics/sqlite/ReadmeExamplesTest.java")));
        List<String> snippets = javaSnippets(Path.of("README.md"));
        assertEquals(2, snippets.size(), "snippets found in the README");
        for (String snippet : snippets) {
            assertTrue(
                    self.contains(squash(snippet)),
                    "README snippet not mirrored in this test:\n" + snippet);
        }
    }

    private static List<String> javaSnippets(Path readme) throws IOException {
        Matcher m = Pattern.compile("(?s)```java\\n(.*?)```").matcher(Files.readString(readme));
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    private static String squash(String code) {
        return code.replaceAll("\\s+", "");
    }
}
