package io.ironcage.router.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code iron-router prices}: the price of each token class and the entry a name matched. */
class PricesCommandTest {
    @TempDir Path dir;

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = IronRouter.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void aTableShowsEachTokenClassAndTheEntryANameMatched() {
        String[] run = run("prices", "gpt-4o-mini", "openai/gpt-4o-mini", "no-such-model");
        assertEquals("0", run[0], run[2]);
        String[] lines = run[1].split("\n");
        assertTrue(lines[0].startsWith("model"), run[1]);
        // the bundled gpt-4o-mini: $0.15 in, $0.60 out, $0.075 cache read per million tokens
        assertTrue(
                lines[1].matches(
                        "gpt-4o-mini\\s+gpt-4o-mini\\s+openai\\s+0\\.15\\s+0\\.6\\s+0\\.075.*"),
                lines[1]);
        assertTrue(
                lines[2].matches(
                        "openai/gpt-4o-mini\\s+gpt-4o-mini\\s+openai\\s+0\\.15\\s+0\\.6.*"),
                "a provider prefix finds the model's entry: " + lines[2]);
        assertTrue(lines[3].matches("no-such-model\\s+\\(not priced\\)"), lines[3]);
    }

    @Test
    void theDayPicksADatedPriceAndADatedSnapshotShowsItsEntry() {
        PricesCommand command = new PricesCommand();
        StringWriter out = new StringWriter();
        CommandLine commandLine = new CommandLine(command);
        commandLine.setOut(new PrintWriter(out, true));
        // claude-sonnet-5 is $2 / $10 until 2026-08-31 and $3 / $15 from 2026-09-01
        command.clock = Clock.fixed(Instant.parse("2026-08-31T23:59:59Z"), ZoneOffset.UTC);
        assertEquals(0, commandLine.execute("claude-sonnet-5-20260815"));
        String before = out.toString().split("\n")[1];
        assertTrue(
                before.matches(
                        "claude-sonnet-5-20260815\\s+claude-sonnet-5\\s+anthropic\\s+2\\s+10\\s.*"),
                before);
        out.getBuffer().setLength(0);
        command.clock = Clock.fixed(Instant.parse("2026-09-01T00:00:00Z"), ZoneOffset.UTC);
        assertEquals(0, commandLine.execute("claude-sonnet-5-20260815"));
        String after = out.toString().split("\n")[1];
        assertTrue(
                after.matches(
                        "claude-sonnet-5-20260815\\s+claude-sonnet-5\\s+anthropic\\s+3\\s+15\\s.*"),
                after);
    }

    @Test
    void jsonIsExactAndOverridesFromRouterYamlApply() throws Exception {
        Path yaml = dir.resolve("router.yaml");
        Files.writeString(
                yaml,
                "token: t0ken-for-the-test\n"
                        + "providers:\n"
                        + "  openai:\n"
                        + "    key: sk-test\n"
                        + "pricing:\n"
                        + "  overrides:\n"
                        + "    my-model: { input-usd-per-mtok: 1.25, output-usd-per-mtok: 2.0 }\n");
        String[] run =
                run(
                        "prices",
                        "--config",
                        yaml.toString(),
                        "--format",
                        "json",
                        "my-model",
                        "gpt-4o-mini");
        assertEquals("0", run[0], run[2]);
        JsonNode all = new ObjectMapper().readTree(run[1]);
        assertEquals(2, all.size());
        assertEquals("my-model", all.get(0).path("entry").asText());
        assertEquals(
                new BigDecimal("1.25"),
                all.get(0).path("usd_per_million_tokens").path("input").decimalValue());
        assertEquals(
                0,
                new BigDecimal("0.075")
                        .compareTo(
                                all.get(1)
                                        .path("usd_per_million_tokens")
                                        .path("cache_read")
                                        .decimalValue()));
    }

    @Test
    void anUnknownFormatIsAUsageError() {
        String[] run = run("prices", "--format", "xml");
        assertEquals("2", run[0]);
        assertTrue(run[2].contains("'xml' is not one of table, csv, json"), run[2]);
    }

    @Test
    void csvKeepsNumbersPlainAndGuardsText() {
        String[] run = run("prices", "--format", "csv", "gpt-4o-mini", "=cmd|x");
        assertEquals("0", run[0], run[2]);
        String[] lines = run[1].split("\r\n");
        assertEquals(
                "model,entry,provider,input,output,cache read,cache write,max input,max output",
                lines[0]);
        assertEquals("gpt-4o-mini,gpt-4o-mini,openai,0.15,0.6,0.075,,128000,16384", lines[1]);
        assertEquals("'=cmd|x,(not priced),,,,,,,", lines[2], "a formula stays text");
    }
}
