package io.ironcage.router.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
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
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code iron-router report}: golden outputs (table, CSV, JSON) from a fixed set of events with
 * fixed timestamps, and clear exit-2 errors for bad options and unusable files.
 *
 * <p>To update the golden files after an intended change, run with {@code -Dgolden.update=true} and
 * review the diff.
 */
class ReportCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    private Path db;

    /** What a run printed and returned. */
    record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = IronRouter.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * The fixture: eight LLM requests over three UTC days from two providers and an unknown one,
     * three agents (one with a comma and quotes in its id) and none, plus lifecycle and threshold
     * events that a report does not count. Timestamps are fixed, so is every output.
     */
    @BeforeEach
    void writeFixture() {
        db = dir.resolve("usage.db");
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(db)) {
            fixture().forEach(sink::record);
        }
    }

    static List<AnalyticsEvent> fixture() {
        return List.of(
                at("2026-11-26T23:59:59.999Z", completed("gpt-4o-mini", 100, 50, 0, 0, 45, 100))
                        .withAgentId("agent_1"),
                at("2026-11-27T00:00:00Z", completed("gpt-4o-mini", 200, 100, 50, 0, 90, 300))
                        .withAgentId("agent_1"),
                at("2026-11-27T10:00:00Z", failed(ProviderType.OPENAI, "gpt-4o-mini", 429, 20))
                        .withAgentId("team \"red\", night shift"),
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
                at(
                        "2026-11-28T09:30:00Z",
                        completed("claude-sonnet-4-5", 2_000_000, 100_000, 0, 0, 7_500_000, 9_876)),
                at("2026-11-27T00:00:01Z", new RouterStarted(8787)),
                at(
                        "2026-11-27T11:00:00Z",
                        new BudgetThresholdReached(
                                80, Money.ofMicros(800_000), Money.ofMicros(1_000_000))));
    }

    @Test
    void tableByModel() throws Exception {
        Run run = run("report", "--db", db.toString(), "--by", "model");
        assertEquals(0, run.exitCode(), run.err());
        assertGolden("by-model.txt", run.out());
        assertEquals("", run.err());
    }

    @Test
    void theRootReadmeShowsTheGoldenTable() throws Exception {
        String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        try (InputStream in = ReportCommandTest.class.getResourceAsStream("report/by-model.txt")) {
            String golden = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(readme.contains("```\n" + golden + "```\n"), "README's sample is stale");
        }
    }

    @Test
    void tableInTotal() throws Exception {
        Run run = run("report", "--db", db.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertGolden("total.txt", run.out());
    }

    @Test
    void csvByAgentQuotesFieldsAsRfc4180Says() throws Exception {
        Run run = run("report", "--db", db.toString(), "--by", "agent", "--format", "csv");
        assertEquals(0, run.exitCode(), run.err());
        assertGolden("by-agent.csv", run.out());
        assertTrue(run.out().contains("\r\n"), "CRLF line breaks");
        assertTrue(run.out().contains("\"team \"\"red\"\", night shift\""), run.out());
    }

    @Test
    void jsonByDayForOneDay() throws Exception {
        Run run =
                run(
                        "report",
                        "--db",
                        db.toString(),
                        "--since",
                        "2026-11-27",
                        "--until",
                        "2026-11-28T00:00:00Z",
                        "--by",
                        "day",
                        "--format",
                        "json");
        assertEquals(0, run.exitCode(), run.err());
        assertGolden("one-day-by-day.json", run.out());
        JsonNode json = JSON.readTree(run.out());
        assertEquals("2026-11-27T00:00:00Z", json.path("since").asText());
        assertEquals(12_435, json.path("total").path("spend_micros").asLong());
        assertEquals(
                "0.012435", json.path("total").path("spend_usd").decimalValue().toPlainString());
    }

    @Test
    void jsonByProviderParsesAndAddsUp() throws Exception {
        Run run = run("report", "--db", db.toString(), "--by", "provider", "--format", "json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode json = JSON.readTree(run.out());
        long spend = 0;
        long requests = 0;
        for (JsonNode group : json.path("groups")) {
            spend += group.path("spend_micros").asLong();
            requests += group.path("requests").asLong();
        }
        assertEquals(json.path("total").path("spend_micros").asLong(), spend);
        assertEquals(json.path("total").path("requests").asLong(), requests);
        assertEquals(8, requests);
        assertEquals(7_512_480, spend);
        assertTrue(json.path("since").isNull());
    }

    @Test
    void anEmptyRangeSaysSo() {
        Run run = run("report", "--db", db.toString(), "--since", "2030-01-01", "--by", "model");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("No LLM requests in this range."), run.out());
        assertTrue(run.out().contains("TOTAL"), run.out());
    }

    @Test
    void instantsWithAnOffsetAreAccepted() {
        Run run =
                run(
                        "report",
                        "--db",
                        db.toString(),
                        "--since",
                        "2026-11-27T11:00:00+01:00",
                        "--format",
                        "csv");
        assertEquals(0, run.exitCode(), run.err());
        // from 10:00Z: the 429 at 10:00 and everything after it
        assertTrue(run.out().contains("\r\ntotal,,6,3,"), run.out());
    }

    @Test
    void aMissingFileExitsTwoAndIsNotCreated() {
        Path absent = dir.resolve("absent.db");
        Run run = run("report", "--db", absent.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("iron-router: analytics store "), run.err());
        assertTrue(run.err().contains("does not exist"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertFalse(Files.exists(absent), "report never creates a store");
        assertEquals("", run.out());
    }

    @Test
    void aFileThatIsNotSqliteExitsTwoUntouched() throws Exception {
        Path text = dir.resolve("router.yaml");
        Files.writeString(text, "listen: 127.0.0.1:8787\n");
        Run run = run("report", "--db", text.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("is not a SQLite database"), run.err());
        assertEquals("listen: 127.0.0.1:8787\n", Files.readString(text));
        assertNoStackTrace(run);
    }

    @Test
    void aForeignSqliteFileExitsTwoUnchanged() throws Exception {
        Path foreign = dir.resolve("shop.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + foreign);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)");
        }
        byte[] before = Files.readAllBytes(foreign);
        Run run = run("report", "--db", foreign.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("not an Iron Router analytics store"), run.err());
        assertArrayEquals(before, Files.readAllBytes(foreign));
        assertNoStackTrace(run);
    }

    @Test
    void badOptionValuesExitTwoNamingTheOption() {
        Run since = run("report", "--db", db.toString(), "--since", "yesterday");
        assertEquals(2, since.exitCode());
        assertTrue(since.err().contains("--since"), since.err());
        assertTrue(since.err().contains("'yesterday' is neither a date"), since.err());

        Run until = run("report", "--db", db.toString(), "--until", "2026-11-27T10:00:00");
        assertEquals(2, until.exitCode());
        assertTrue(until.err().contains("--until"), until.err());

        Run by = run("report", "--db", db.toString(), "--by", "color");
        assertEquals(2, by.exitCode());
        assertTrue(by.err().contains("--by"), by.err());
        assertTrue(by.err().contains("model, provider, agent, day, none"), by.err());

        Run format = run("report", "--db", db.toString(), "--format", "xml");
        assertEquals(2, format.exitCode());
        assertTrue(format.err().contains("--format"), format.err());
        assertTrue(format.err().contains("table, csv, json"), format.err());

        Run order =
                run(
                        "report",
                        "--db",
                        db.toString(),
                        "--since",
                        "2026-11-28",
                        "--until",
                        "2026-11-27");
        assertEquals(2, order.exitCode());
        assertTrue(order.err().contains("--since"), order.err());
        assertTrue(order.err().contains("must be before --until"), order.err());

        Run noDb = run("report");
        assertEquals(2, noDb.exitCode());
        assertTrue(noDb.err().contains("Missing required option: '--db=FILE'"), noDb.err());
        for (Run r : List.of(since, until, by, format, order, noDb)) {
            assertNoStackTrace(r);
            assertEquals("", r.out());
        }
    }

    @Test
    void helpDescribesTheOptions() {
        Run run = run("report", "--help");
        assertEquals(0, run.exitCode());
        for (String option :
                List.of("--db=FILE", "--since=TIME", "--until=TIME", "--by", "--format")) {
            assertTrue(run.out().contains(option), run.out());
        }
        assertTrue(run("--help").out().contains("report"));
    }

    private static void assertNoStackTrace(Run run) {
        assertFalse(run.err().contains("\tat "), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    private static void assertGolden(String name, String actual) throws Exception {
        if (Boolean.getBoolean("golden.update")) {
            Path file = Path.of("src/test/resources/io/ironcage/router/cli/report", name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        String resource = "report/" + name;
        try (InputStream in = ReportCommandTest.class.getResourceAsStream(resource)) {
            assertTrue(in != null, "golden file missing: " + resource);
            assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), actual, name);
        }
    }

    private static AnalyticsEvent at(String instant, EventPayload payload) {
        long ms = Instant.parse(instant).toEpochMilli();
        // a fixed id per timestamp keeps the fixture byte-for-byte the same on every run
        String id =
                new java.util.UUID(0x4000L | (ms << 16), 0x8000_0000_0000_0000L | ms).toString();
        return AnalyticsEvent.of(id, ms, payload);
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
