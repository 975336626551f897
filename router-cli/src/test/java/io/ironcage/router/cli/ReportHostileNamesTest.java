package io.ironcage.router.cli;

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
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Model names and agent ids are attacker-controlled text (any {@code x/<name>} model is priced and
 * stored verbatim). {@code iron-router report} must not let them drive the terminal (ANSI/OSC
 * sequences, a CR that forges a line, bidi overrides) nor a spreadsheet (CSV formula cells), and
 * JSON must still carry them exactly.
 */
class ReportHostileNamesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An OSC title change plus a bell, and a CSI colour: raw, they drive an xterm. */
    private static final String OSC = "x/\u001b]0;pwned\u0007gpt\u001b[31m";

    /** A CR forging a line over the row, a NUL and DEL, a C1 CSI (U+009B). */
    private static final String FORGED = "gpt\rTOTAL 0 requests\u0000\u007f\u009b2J";

    /** Right-to-left override and isolates, ALM, LRM/RLM, a line separator and a backslash. */
    private static final String BIDI = "x/\u202egpt\u202c\u2067\u2069\u061c\u200e\u200f\u2028\\";

    private static final String EQUALS = "=cmd|' /C calc'!A0";
    private static final String PLUS = "+SUM(1,2)";
    private static final String MINUS = "-2+3";
    private static final String AT = "@SUM(A1)";
    private static final String TAB = "\t=1";
    private static final String CR = "\r=1";
    private static final String HOSTILE_AGENT = "=\u001b[2Jagent";

    private static final List<String> MODELS =
            List.of(OSC, FORGED, BIDI, EQUALS, PLUS, MINUS, AT, TAB, CR, "gpt-4o-mini");

    @TempDir Path dir;

    private Path db;

    @BeforeEach
    void writeHostileEvents() {
        db = dir.resolve("hostile.db");
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(db)) {
            long ms = 1_764_201_600_000L; // 2025-11-27T00:00:00Z
            for (String model : MODELS) {
                AnalyticsEvent event =
                        AnalyticsEvent.of(
                                        new UUID(0x4000L | (ms << 16), 0x8000_0000_0000_0000L | ms)
                                                .toString(),
                                        ms,
                                        LlmRequestCompleted.priced(
                                                LlmModelMeta.of(ProviderType.OPENAI, model),
                                                TokenUsage.of(10, 5),
                                                Money.ofMicros(42),
                                                RequestMeta.of(200, 7)))
                                .withAgentId(model.equals(OSC) ? HOSTILE_AGENT : "agent_1");
                sink.record(event);
                ms += 1_000;
            }
        }
    }

    @Test
    void theTableShowsControlAndBidiCharactersAsEscapes() {
        String out = run("report", "--db", db.toString(), "--by", "model");

        assertNoRawControls(out, "\n");
        assertTrue(out.contains("x/\\x1b]0;pwned\\x07gpt\\x1b[31m"), out);
        assertTrue(out.contains("gpt\\rTOTAL 0 requests\\x00\\x7f\\x9b2J"), out);
        assertTrue(
                out.contains("x/\\u202egpt\\u202c\\u2067\\u2069\\u061c\\u200e\\u200f\\u2028\\\\"),
                out);
        assertTrue(out.contains("\\t=1"), out);
        // caption, blank line, header, 10 models, rule, total: no line forged
        List<String> lines = out.lines().collect(Collectors.toList());
        assertEquals(15, lines.size(), out);
        // every table line, the rule included, is as wide as the others: aligned on the escapes
        Set<Integer> widths = new HashSet<>();
        for (String line : lines.subList(2, lines.size())) {
            widths.add(line.codePointCount(0, line.length()));
        }
        assertEquals(1, widths.size(), out);
    }

    @Test
    void theTableEscapesAgentIdsToo() {
        String out = run("report", "--db", db.toString(), "--by", "agent");
        assertNoRawControls(out, "\n");
        assertTrue(out.contains("=\\x1b[2Jagent"), out);
    }

    @Test
    void csvNeutralisesFormulaCellsAndEscapesControls() {
        String out = run("report", "--db", db.toString(), "--by", "model", "--format", "csv");

        assertNoRawControls(out.replace("\r\n", ""), "");
        List<List<String>> records = parseCsv(out);
        assertEquals(MODELS.size() + 2, records.size(), out);
        List<String> groups = new ArrayList<>();
        for (List<String> record : records) {
            assertEquals(14, record.size(), record.toString());
            groups.add(record.get(1));
        }
        assertTrue(groups.contains("'=cmd|' /C calc'!A0"), groups.toString());
        assertTrue(groups.contains("'+SUM(1,2)"), groups.toString());
        assertTrue(groups.contains("'-2+3"), groups.toString());
        assertTrue(groups.contains("'@SUM(A1)"), groups.toString());
        assertTrue(groups.contains("'\\t=1"), groups.toString());
        assertTrue(groups.contains("'\\r=1"), groups.toString());
        assertTrue(groups.contains("x/\\x1b]0;pwned\\x07gpt\\x1b[31m"), groups.toString());
        assertTrue(groups.contains("gpt-4o-mini"), groups.toString());
        for (String group : groups) {
            assertFalse(group.matches("^[=+\\-@\t\r].*"), group);
        }
        // RFC 4180 quoting still applies, and numeric cells are untouched
        assertTrue(
                out.contains("\r\ngroup,\"'+SUM(1,2)\",1,0,100.00,0.000042,42,10,5,0,0,42,7,7\r\n"),
                out);
        assertTrue(out.endsWith("\r\ntotal,,10,0,100.00,0.000420,420,100,50,0,0,42,7,7\r\n"), out);
    }

    @Test
    void csvNeutralisesAgentIdsToo() {
        String out = run("report", "--db", db.toString(), "--by", "agent", "--format", "csv");
        assertNoRawControls(out.replace("\r\n", ""), "");
        assertTrue(out.contains("\r\ngroup,'=\\x1b[2Jagent,1,"), out);
    }

    @Test
    void jsonCarriesHostileNamesExactlyWithoutRawControls() throws Exception {
        String out = run("report", "--db", db.toString(), "--by", "model", "--format", "json");

        assertNoRawControls(out, "\n");
        JsonNode json = JSON.readTree(out);
        Set<String> groups = new HashSet<>();
        for (JsonNode group : json.path("groups")) {
            groups.add(group.path("group").textValue());
        }
        assertEquals(Set.copyOf(MODELS), groups);

        String byAgent = run("report", "--db", db.toString(), "--by", "agent", "--format", "json");
        assertNoRawControls(byAgent, "\n");
        Set<String> agents = new HashSet<>();
        for (JsonNode group : JSON.readTree(byAgent).path("groups")) {
            agents.add(group.path("group").textValue());
        }
        assertEquals(Set.of(HOSTILE_AGENT, "agent_1"), agents);
    }

    @Test
    void visibleEscapesEveryKindOfInvisibleCharacter() {
        assertEquals("plain-name_1.2/ü 模型", ReportFormats.visible("plain-name_1.2/ü 模型"));
        assertEquals(
                "\\t\\n\\r\\x00\\x1f\\x7f\\x80\\x9f",
                ReportFormats.visible("\t\n\r\0\u001f\u007f\u0080\u009f"));
        assertEquals("\\ufeff\\u200b\\u2029", ReportFormats.visible("\ufeff\u200b\u2029"));
        assertEquals(
                "a\\ud800b\\udc00", ReportFormats.visible("a\ud800b\udc00"), "lone surrogates");
        assertEquals("\ud83d\ude00", ReportFormats.visible("\ud83d\ude00"), "an emoji is shown");
        assertEquals("\\U000e0041", ReportFormats.visible(new String(Character.toChars(0xE0041))));
        assertEquals("a\\\\x1b", ReportFormats.visible("a\\x1b"), "a backslash is escaped too");
    }

    /**
     * Fails if {@code text} holds a control, format or separator character other than {@code
     * allowed}.
     */
    private static void assertNoRawControls(String text, String allowed) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int type = Character.getType(c);
            if (allowed.indexOf(c) < 0
                    && (type == Character.CONTROL
                            || type == Character.FORMAT
                            || type == Character.LINE_SEPARATOR
                            || type == Character.PARAGRAPH_SEPARATOR)) {
                throw new AssertionError(
                        String.format("raw U+%04X at %d in:%n%s", (int) c, i, text));
            }
        }
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = IronRouter.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        assertEquals(0, code, err.toString());
        assertEquals("", err.toString());
        return out.toString();
    }

    /** A strict RFC 4180 reader: CRLF record breaks, quoted fields with doubled quotes. */
    private static List<List<String>> parseCsv(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            if (text.charAt(i) == '"') {
                i++;
                while (true) {
                    char c = text.charAt(i++);
                    if (c == '"') {
                        if (i < text.length() && text.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(c);
                    }
                }
            }
            char c = text.charAt(i++);
            if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && text.charAt(i) == '\n') {
                i++;
                record.add(field.toString());
                field.setLength(0);
                records.add(record);
                record = new ArrayList<>();
            } else {
                assertFalse(c == '"' || c == '\r' || c == '\n', "bare " + (int) c + " at " + i);
                field.append(c);
            }
        }
        assertEquals(0, field.length() + record.size(), "the last record ends with CRLF");
        return records;
    }
}
