package io.ironcage.router.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.junit.StartStop;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The iron-router command line, run in-process with captured output. */
class IronRouterTest {
    @TempDir Path dir;

    @StartStop final FakeProvider openAi = FakeProvider.openAi();

    /** What a run printed and returned. */
    record Run(int exitCode, String out, String err) {}

    private static Run run(ServeCommand serve, DemoCommand demo, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = IronRouter.commandLine(serve, demo);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Run run(String... args) {
        return run(new ServeCommand(), new DemoCommand(), args);
    }

    private Path config(String yaml) throws Exception {
        Path file = dir.resolve("router.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static void assertNoStackTrace(Run run) {
        assertFalse(run.err().contains("\tat "), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    @Test
    void helpListsTheCommands() {
        Run run = run("--help");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("Usage: iron-router"), run.out());
        assertTrue(run.out().contains("serve"), run.out());
        assertTrue(run.out().contains("demo"), run.out());
    }

    @Test
    void eachCommandHasHelp() {
        Run serve = run("serve", "--help");
        assertEquals(0, serve.exitCode());
        assertTrue(serve.out().contains("--config=FILE"), serve.out());
        assertTrue(serve.out().contains("${ENV_VAR}"), serve.out());
        Run demo = run("help", "demo");
        assertEquals(0, demo.exitCode());
        assertTrue(demo.out().contains("--port=PORT"), demo.out());
        assertTrue(demo.out().contains("--once"), demo.out());
        assertTrue(demo.out().contains("default: 8787"), demo.out());
    }

    @Test
    void noCommandIsAUsageError() {
        Run run = run();
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Missing command"), run.err());
    }

    @Test
    void anUnknownCommandIsAClearUsageError() {
        Run run = run("bogus");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("'bogus'"), run.err());
        assertTrue(run.err().contains("Usage: iron-router"), run.err());
    }

    @Test
    void anUnknownFlagIsAClearUsageError() {
        Run run = run("demo", "--nope");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Unknown option: '--nope'"), run.err());
        Run root = run("--nope");
        assertNotEquals(0, root.exitCode());
        assertTrue(root.err().contains("--nope"), root.err());
    }

    @Test
    void serveWithoutConfigIsAUsageError() {
        // an empty environment: no IRON_ROUTER_CONFIG, no provider keys
        Run run =
                run(
                        new ServeCommand(new StopSignal(), router -> {}, Map.of()),
                        new DemoCommand(),
                        "serve");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("no configuration: pass --config FILE"), run.err());
    }

    @Test
    void aBadConfigExitsTwoNamingKeyAndLine() throws Exception {
        Path file =
                config(
                        "transport: jdk\nproviders:\n  openai: { key: sk-x }\nbudget:\n"
                                + "  limit-usd: -1\n");
        Run run = run("serve", "--config", file.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("iron-router: "), run.err());
        assertTrue(run.err().contains("line 5"), run.err());
        assertTrue(run.err().contains("budget.limit-usd"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertNoStackTrace(run);
    }

    @Test
    void aConfigWithoutATokenExitsTwoNamingTheKey() throws Exception {
        Path file =
                config(
                        "listen: 127.0.0.1:0\ntransport: jdk\nproviders:\n  openai: { key: sk-x }\n");
        Run run = run("serve", "--config", file.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("iron-router: "), run.err());
        assertTrue(run.err().contains(", token: token is missing"), run.err());
        assertTrue(run.err().contains("line 3"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertNoStackTrace(run);
    }

    @Test
    void aMissingConfigFileExitsTwo() {
        Run run = run("serve", "--config", dir.resolve("absent.yaml").toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("absent.yaml"), run.err());
        assertNoStackTrace(run);
    }

    @Test
    void aTakenPortExitsOneWithOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path file =
                    config(
                            "listen: 127.0.0.1:"
                                    + taken.getLocalPort()
                                    + "\ntransport: jdk\ntoken: t\nproviders:\n"
                                    + "  openai: { key: sk-x }\n");
            Run run = run("serve", "--config", file.toString());
            assertEquals(1, run.exitCode(), run.err());
            assertTrue(run.err().startsWith("iron-router: Server start failed"), run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertNoStackTrace(run);
        }
    }

    @Test
    void aMissingTransportExitsOneNamingTheInstalledOnes() throws Exception {
        Path file = config("transport: quic\ntoken: t\nproviders:\n  openai: { key: sk-x }\n");
        Run run = run("serve", "--config", file.toString());
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.err().contains("'quic'"), run.err());
        assertTrue(run.err().contains("netty") && run.err().contains("jdk"), run.err());
        assertNoStackTrace(run);
    }

    @Test
    void serveRunsOnNettyUnlessTheConfigSaysJdk() throws Exception {
        for (String transport : new String[] {"", "transport: netty\n", "transport: jdk\n"}) {
            Path file =
                    config(
                            "listen: 127.0.0.1:0\n"
                                    + transport
                                    + "token: t\nproviders:\n  openai: { key: sk-x, base-url: "
                                    + openAi.baseUri()
                                    + " }\n");
            StopSignal stop = new StopSignal();
            CompletableFuture<LlmRouter> ready = new CompletableFuture<>();
            CompletableFuture<Run> running =
                    CompletableFuture.supplyAsync(
                            () ->
                                    run(
                                            new ServeCommand(stop, ready::complete),
                                            new DemoCommand(),
                                            "serve",
                                            "--config",
                                            file.toString()));
            LlmRouter router = ready.get(20, TimeUnit.SECONDS);
            HttpResponse<String> health =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(router.baseUri()).build(),
                                    HttpResponse.BodyHandlers.ofString());
            assertEquals("LlmRouter OK", health.body());
            boolean netty =
                    Thread.getAllStackTraces().keySet().stream()
                            .anyMatch(t -> t.getName().startsWith("iron-router-netty"));
            assertEquals(
                    !transport.contains("jdk"), netty, "netty threads with '" + transport + "'");
            stop.stop();
            assertEquals(0, running.get(20, TimeUnit.SECONDS).exitCode());
        }
    }

    @Test
    void demoRunsOnTheJdkTransportWhenAsked() {
        Run run =
                run(
                        "demo",
                        "--once",
                        "--transport",
                        "jdk",
                        "--port",
                        "0",
                        "--db",
                        dir.resolve("demo-jdk.db").toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().matches("(?s).*Transport\\s+jdk .*"), run.out());
        assertTrue(run.out().contains("Spend summary: 4 billed request(s)."), run.out());
        Run bogus = run("demo", "--once", "--transport", "carrier-pigeon", "--port", "0");
        assertEquals(2, bogus.exitCode(), bogus.err());
        assertTrue(bogus.err().contains("expected netty or jdk"), bogus.err());
    }

    @Test
    void serveAnswersUntilStoppedThenPrintsTheSpend() throws Exception {
        openAi.requireKey("sk-test-serve");
        openAi.enqueue(FakeResponse.text("served").usage(1_000, 500));
        Path file =
                config(
                        "listen: 127.0.0.1:0\ntransport: jdk\ntoken: ic-serve-token\n"
                                + "providers:\n  openai: { key: sk-test-serve, base-url: "
                                + openAi.baseUri()
                                + " }\nbudget:\n  limit-usd: 1.50\nanalytics:\n  sqlite: "
                                + dir.resolve("serve.db")
                                + "\n");
        StopSignal stop = new StopSignal();
        CompletableFuture<LlmRouter> ready = new CompletableFuture<>();
        ServeCommand serve = new ServeCommand(stop, ready::complete);
        CompletableFuture<Run> running =
                CompletableFuture.supplyAsync(
                        () -> run(serve, new DemoCommand(), "serve", "--config", file.toString()));

        LlmRouter router = ready.get(20, TimeUnit.SECONDS);
        HttpResponse<String> response =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(router.baseUrl() + "/chat/completions"))
                                        .timeout(Duration.ofSeconds(10))
                                        .header("authorization", "Bearer ic-serve-token")
                                        .header("content-type", "application/json")
                                        .POST(
                                                HttpRequest.BodyPublishers.ofString(
                                                        "{\"model\":\"gpt-4o-mini\","
                                                                + "\"messages\":[]}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains("served"));
        assertFalse(running.isDone(), "serve keeps running until stopped");

        stop.stop(); // what the shutdown hook runs
        Run run = running.get(20, TimeUnit.SECONDS);
        assertEquals(0, run.exitCode(), run.err());
        assertFalse(router.isRunning());
        assertEquals(Money.ofMicros(450), router.totalSpent());
        assertTrue(
                run.out().contains("stopped. Spent $0.000450 of a $1.500000 budget."), run.out());
        assertFalse(run.out().contains("ic-serve-token"), run.out());
        assertFalse(run.out().contains("sk-test-serve"), run.out());
        try (SqliteUsageEventSink stored = SqliteUsageEventSink.open(dir.resolve("serve.db"))) {
            assertEquals(450, stored.totalCostMicros(), "the request's cost is stored in SQLite");
        }
    }

    @Test
    void demoServesAfterTheSamplesUntilStopped() throws Exception {
        StopSignal stop = new StopSignal();
        CompletableFuture<Run> running =
                CompletableFuture.supplyAsync(
                        () ->
                                run(
                                        new ServeCommand(),
                                        new DemoCommand(stop),
                                        "demo",
                                        "--port",
                                        "0",
                                        "--db",
                                        dir.resolve("demo-serving.db").toString()));
        stop.stop(); // what the shutdown hook runs; returns once the demo has cleaned up
        Run run = running.get(30, TimeUnit.SECONDS);
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("Serving until Ctrl-C"), run.out());
        assertTrue(
                run.out().indexOf("Spend summary") > run.out().indexOf("Serving until Ctrl-C"),
                run.out());
    }

    @Test
    void aDemoOnATakenPortSaysHowToChooseAnother() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run run =
                    run(
                            "demo",
                            "--once",
                            "--port",
                            String.valueOf(taken.getLocalPort()),
                            "--db",
                            dir.resolve("taken.db").toString());
            assertEquals(1, run.exitCode(), run.err());
            assertTrue(run.err().contains("--port"), run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertNoStackTrace(run);
        }
    }

    @Test
    void demoOnceShowsTheUrlTheSamplesAndASummary() {
        Path db = dir.resolve("demo.db");
        Run run = run("demo", "--once", "--port", "0", "--db", db.toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        String out = run.out();
        assertTrue(
                out.matches("(?s).*Base URL \\(OpenAI SDKs\\)\\s+http://127\\.0\\.0\\.1:\\d+/v1.*"),
                out);
        assertTrue(out.contains("curl -s http://127.0.0.1:"), out);
        assertTrue(out.matches("(?s).*Transport\\s+netty .*"), "netty by default: " + out);
        assertTrue(out.contains("demo-token"), out);

        List<String> billed =
                out.lines().filter(l -> l.matches(".*\\s200\\s.*\\$\\d+\\.\\d{6}$")).toList();
        assertEquals(4, billed.size(), out);
        assertTrue(
                billed.stream()
                        .anyMatch(
                                l -> l.contains("chat → Claude") && l.contains("claude-haiku-4-5")),
                out);
        for (String line : billed) {
            Matcher cost = Pattern.compile("\\$(\\d+\\.\\d{6})$").matcher(line);
            assertTrue(cost.find(), line);
            assertTrue(Double.parseDouble(cost.group(1)) > 0, line);
        }
        assertTrue(billed.stream().anyMatch(l -> l.contains("gpt-4o-mini")), out);
        assertTrue(billed.stream().anyMatch(l -> l.contains("claude-sonnet-4-5")), out);
        List<String> refused =
                out.lines().filter(l -> l.matches(".*\\s402\\s+refused: .*")).toList();
        assertEquals(1, refused.size(), out);
        assertTrue(refused.get(0).contains("insufficient budget"), refused.get(0));

        assertTrue(out.contains("Usage events are stored in " + db.toAbsolutePath()), out);
        try (SqliteUsageEventSink stored = SqliteUsageEventSink.open(db)) {
            assertEquals(
                    4,
                    stored.events().stream()
                            .filter(e -> e.payload() instanceof LlmRequestCompleted)
                            .count(),
                    "the four billed samples are stored in SQLite");
            assertTrue(stored.totalCostMicros() > 0);
        }
        assertTrue(out.contains("Spend summary: 4 billed request(s)."), out);
        assertTrue(
                out.lines().anyMatch(l -> l.matches("\\s+gpt-4o-mini\\s+2 request\\(s\\).*")),
                out.lines().collect(Collectors.joining("\n")));
        assertFalse(out.contains("sk-demo"), out);
        assertFalse(out.contains("sk-ant-demo"), out);
    }
}
