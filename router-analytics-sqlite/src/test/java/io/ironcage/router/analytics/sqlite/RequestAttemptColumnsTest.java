package io.ironcage.router.analytics.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.LlmRequestPayload;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema version 2: the router request id and the attempt of each LLM request event, stored and
 * read back; a version-1 file migrates in place and keeps its rows.
 */
class RequestAttemptColumnsTest {
    private static final String REQ = "req_0123456789abcdef01234567";
    private static final LlmModelMeta GPT = LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini");

    @TempDir Path dir;

    private static RequestMeta attempt(String routerRequestId, int attempt, int status) {
        return new RequestMeta(
                routerRequestId,
                attempt,
                Optional.empty(),
                25,
                OptionalLong.empty(),
                false,
                false,
                status);
    }

    @Test
    void eachAttemptIsItsOwnRowWithTheRequestsIdItsNumberAndItsCost() {
        Path file = dir.resolve("attempts.db");
        AnalyticsEvent first =
                AnalyticsEvent.of(
                        "0190c6a4-5b2e-7d3f-8a1b-000000000001",
                        1_767_225_600_000L,
                        LlmRequestFailed.billed(
                                GPT,
                                "502",
                                "The upstream stream broke before it completed",
                                attempt(REQ, 1, 502),
                                TokenUsage.of(100, 3),
                                Money.ofMicros(40)));
        AnalyticsEvent second =
                AnalyticsEvent.of(
                        "0190c6a4-5b2e-7d3f-8a1b-000000000002",
                        1_767_225_600_001L,
                        LlmRequestCompleted.priced(
                                GPT,
                                TokenUsage.of(100, 20),
                                Money.ofMicros(300),
                                attempt(REQ, 2, 200)));
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            sink.record(first);
            sink.record(second);
        }
        try (SqliteUsageEventSink again = SqliteUsageEventSink.open(file)) {
            assertEquals(List.of(first, second), again.events(), "id and attempt read back");
            assertEquals(340, again.totalCostMicros(), "both attempts' costs, not deduplicated");
            UsageReport.Row total = again.report(UsageQuery.all()).total();
            assertEquals(2, total.requests(), "requests count attempts (rows)");
            assertEquals(1, total.callerRequests(), "of one caller's request");
            assertEquals(1, total.failures());
            assertEquals(Money.ofMicros(340), total.spend());
        }
        assertEquals(
                List.of(REQ + " 1", REQ + " 2"),
                jdbi(file)
                        .withHandle(
                                h ->
                                        h.createQuery(
                                                        "SELECT router_request_id || ' ' || attempt"
                                                                + " FROM usage_events ORDER BY"
                                                                + " timestamp_ms")
                                                .mapTo(String.class)
                                                .list()));
    }

    @Test
    void aVersionOneFileMigratesAndKeepsItsRowsWithoutAnId() {
        Path file = dir.resolve("v1.db");
        jdbi(file)
                .useHandle(
                        h -> {
                            h.execute("PRAGMA application_id = " + SchemaMigrator.APPLICATION_ID);
                            h.execute(
                                    "CREATE TABLE schema_version ("
                                            + " version INTEGER NOT NULL PRIMARY KEY,"
                                            + " name TEXT NOT NULL,"
                                            + " applied_at_ms INTEGER NOT NULL) STRICT");
                            h.createScript(resource("V1__usage_events.sql")).execute();
                            h.execute(
                                    "INSERT INTO schema_version VALUES (1,"
                                            + " 'V1__usage_events.sql', 0)");
                            oldRow(h, "0190c6a4-5b2e-7d3f-8a1b-00000000000a", 1, 1_250);
                            oldRow(h, "0190c6a4-5b2e-7d3f-8a1b-00000000000b", 2, 750);
                        });

        UsageReport.Row before = UsageReport.read(file, UsageQuery.all()).total();
        assertEquals(2, before.requests(), "a reader does not migrate, yet reads a version-1 file");
        assertEquals(2, before.callerRequests(), "each old row is a request of its own");
        assertEquals(Money.ofMicros(2_000), before.spend());

        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            List<AnalyticsEvent> old = sink.events();
            assertEquals(2, old.size(), "the old rows are kept");
            assertEquals(2_000, sink.totalCostMicros());
            for (AnalyticsEvent e : old) {
                RequestMeta request = ((LlmRequestPayload) e.payload()).request();
                assertEquals(
                        RequestMeta.UNSPECIFIED_ROUTER_REQUEST_ID,
                        request.routerRequestId(),
                        "no id is made up");
                assertEquals(1, request.attempt());
                assertEquals(Optional.of("up-" + e.eventId()), request.requestId());
            }
            UsageReport.Row migrated = sink.report(UsageQuery.all()).total();
            assertEquals(Money.ofMicros(2_000), migrated.spend());
            assertEquals(2, migrated.callerRequests(), "NULL ids are not one request");
            sink.record(
                    AnalyticsEvent.of(
                            "0190c6a4-5b2e-7d3f-8a1b-00000000000c",
                            3,
                            LlmRequestCompleted.priced(
                                    GPT,
                                    TokenUsage.of(1, 1),
                                    Money.ofMicros(5),
                                    attempt(REQ, 1, 200))));
        }

        jdbi(file)
                .useHandle(
                        h -> {
                            assertEquals(
                                    List.of(1, 2),
                                    h.createQuery("SELECT version FROM schema_version ORDER BY 1")
                                            .mapTo(Integer.class)
                                            .list());
                            assertEquals(
                                    2,
                                    h.createQuery(
                                                    "SELECT COUNT(*) FROM usage_events WHERE"
                                                            + " router_request_id IS NULL AND"
                                                            + " attempt IS NULL")
                                            .mapTo(Integer.class)
                                            .one(),
                                    "old rows stay NULL in the new columns");
                            assertEquals(
                                    REQ,
                                    h.createQuery(
                                                    "SELECT router_request_id FROM usage_events"
                                                            + " WHERE timestamp_ms = 3")
                                            .mapTo(String.class)
                                            .one());
                            assertNull(
                                    h.createQuery(
                                                    "SELECT attempt FROM usage_events WHERE"
                                                            + " timestamp_ms = 1")
                                            .mapTo(Integer.class)
                                            .one());
                            assertTrue(
                                    h.createQuery(
                                                    "SELECT sql FROM sqlite_master WHERE type ="
                                                            + " 'index' AND name ="
                                                            + " 'usage_events_router_request_id'")
                                            .mapTo(String.class)
                                            .one()
                                            .contains("router_request_id"),
                                    "the index exists");
                        });
    }

    private static void oldRow(Handle h, String eventId, long at, long costMicros) {
        h.createUpdate(
                        "INSERT INTO usage_events (event_id, event_type, timestamp_ms, provider,"
                                + " model, request_id, latency_ms, streamed, translated, status,"
                                + " input_tokens, output_tokens, cache_read_tokens,"
                                + " cache_write_tokens, cost_micros, priced) VALUES (:id,"
                                + " 'llm_request_completed', :at, 'openai', 'gpt-4o-mini', :up,"
                                + " 12, 0, 0, 200, 10, 5, 0, 0, :cost, 1)")
                .bind("id", eventId)
                .bind("at", at)
                .bind("up", "up-" + eventId)
                .bind("cost", costMicros)
                .execute();
    }

    private static Jdbi jdbi(Path file) {
        return Jdbi.create("jdbc:sqlite:" + file);
    }

    private static String resource(String name) {
        try (InputStream in = SchemaMigrator.class.getResourceAsStream("schema/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
