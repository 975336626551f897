package io.ironcage.router.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.LlmRouter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code iron-router serve} without {@code --config}: the environment, through a fake lookup. */
class ServeFromEnvironmentTest {
    private static final String OPENAI_KEY = "sk-env-openai-SECRET-1234";
    private static final String ANTHROPIC_KEY = "sk-ant-env-SECRET-5678";

    @TempDir Path dir;

    /** What a run printed and returned, and the router it started (null if none). */
    record Run(int exitCode, String out, String err, LlmRouter router) {}

    /** Runs {@code serve} with the given environment; a router that starts is stopped at once. */
    private static Run serve(Map<String, String> env, String... args) throws Exception {
        return serve(env, router -> {}, args);
    }

    /**
     * Runs {@code serve} with the given environment; a router that starts is checked for health,
     * given to {@code whileServing}, then stopped.
     */
    private static Run serve(Map<String, String> env, ServingCheck whileServing, String... args)
            throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        StopSignal stop = new StopSignal();
        CompletableFuture<LlmRouter> ready = new CompletableFuture<>();
        CommandLine commandLine =
                IronRouter.commandLine(
                        new ServeCommand(stop, ready::complete, env), new DemoCommand());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        CompletableFuture<Integer> running =
                CompletableFuture.supplyAsync(() -> commandLine.execute(all));
        LlmRouter router = null;
        try {
            router =
                    CompletableFuture.anyOf(ready, running)
                            .thenApply(x -> ready.getNow(null))
                            .get(20, TimeUnit.SECONDS);
            if (router != null) {
                assertTrue(router.isRunning());
                HttpResponse<String> health =
                        HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(router.baseUri()).build(),
                                        HttpResponse.BodyHandlers.ofString());
                assertEquals("LlmRouter OK", health.body());
                whileServing.check(router);
            }
        } finally {
            if (router != null) {
                stop.stop();
            }
        }
        int code = running.get(20, TimeUnit.SECONDS);
        return new Run(code, out.toString(), err.toString(), router);
    }

    /** What a test checks while the router serves. */
    interface ServingCheck {
        void check(LlmRouter router) throws Exception;
    }

    private static void assertNoProviderKey(Run run) {
        for (String text : new String[] {run.out(), run.err()}) {
            assertFalse(text.contains(OPENAI_KEY), text);
            assertFalse(text.contains(ANTHROPIC_KEY), text);
            assertFalse(text.contains("SECRET"), text);
        }
    }

    @Test
    void withoutConfigOrKeysTheErrorNamesBothWays() throws Exception {
        Run run = serve(Map.of("OPENAI_API_KEY", "  ", "HOME", "/tmp"));
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--config FILE"), run.err());
        assertTrue(run.err().contains("IRON_ROUTER_CONFIG"), run.err());
        assertTrue(run.err().contains("OPENAI_API_KEY and/or ANTHROPIC_API_KEY"), run.err());
    }

    @Test
    void ironRouterConfigNamesTheFileWhenConfigIsNotGiven() throws Exception {
        Path file = dir.resolve("from-env.yaml");
        Files.writeString(
                file,
                "listen: 127.0.0.1:0\ntoken: ic-file-token\nproviders:\n  openai: { key: sk-x }\n"
                        + "server: { shutdown-grace: 1s }\n");
        // the keys are set too: the file wins, no token is generated
        Run run =
                serve(Map.of("IRON_ROUTER_CONFIG", file.toString(), "OPENAI_API_KEY", OPENAI_KEY));
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("ic-file-token", run.router().token());
        assertFalse(run.out().contains("shown once"), run.out());
        assertNoProviderKey(run);
        Run missing = serve(Map.of("IRON_ROUTER_CONFIG", dir.resolve("absent.yaml").toString()));
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("absent.yaml"), missing.err());
        assertTrue(missing.err().contains("does not exist"), missing.err());
    }

    @Test
    void theProviderKeysStartARouterWithAGeneratedTokenPrintedOnce() throws Exception {
        Run run =
                serve(
                        Map.of("OPENAI_API_KEY", OPENAI_KEY, "ANTHROPIC_API_KEY", ANTHROPIC_KEY),
                        "--listen",
                        "127.0.0.1:0");
        assertEquals(0, run.exitCode(), run.err());
        LlmRouter router = run.router();
        String token = router.token();
        assertTrue(token.matches("ir-[A-Za-z0-9_-]{43}"), "a 256-bit URL-safe token");
        assertEquals(2, count(run.out(), token), run.out()); // one OpenAI, one Anthropic line
        assertTrue(
                run.out()
                        .contains(
                                "  OPENAI_BASE_URL="
                                        + router.baseUrl()
                                        + " OPENAI_API_KEY="
                                        + token),
                run.out());
        String root = router.baseUri().toString().replaceAll("/$", "");
        assertTrue(
                run.out().contains("  ANTHROPIC_BASE_URL=" + root + " ANTHROPIC_API_KEY=" + token),
                run.out());
        assertFalse(run.err().contains(token), "the token only on stdout, once");
        assertNoProviderKey(run);
        // each run draws a new token
        Run again = serve(Map.of("ANTHROPIC_API_KEY", ANTHROPIC_KEY), "--listen", "127.0.0.1:0");
        assertNotEquals(token, again.router().token());
        assertFalse(again.out().contains("OPENAI_BASE_URL"), again.out());
        assertTrue(again.out().contains("ANTHROPIC_BASE_URL="), again.out());
        assertNoProviderKey(again);
    }

    @Test
    void theGeneratedRouterUsesOnlyTheKeysThatAreSetAndNoBudget() throws Exception {
        Run run =
                serve(
                        Map.of("OPENAI_API_KEY", OPENAI_KEY),
                        router -> {
                            // a caller without the token is refused before anything goes upstream
                            HttpResponse<String> refused =
                                    HttpClient.newHttpClient()
                                            .send(
                                                    HttpRequest.newBuilder(
                                                                    URI.create(
                                                                            router.baseUrl()
                                                                                    + "/chat/completions"))
                                                            .timeout(Duration.ofSeconds(10))
                                                            .POST(
                                                                    HttpRequest.BodyPublishers
                                                                            .ofString("{}"))
                                                            .build(),
                                                    HttpResponse.BodyHandlers.ofString());
                            assertEquals(401, refused.statusCode());
                        },
                        "--listen",
                        "127.0.0.1:0");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.router().budgetStatus().limit().isEmpty(), "no budget limit");
        assertTrue(run.out().contains("no budget limit"), run.out());
        assertFalse(run.out().contains("ANTHROPIC"), run.out());
    }

    @Test
    void aBadKeyOrListenIsAConfigurationErrorWithoutTheKey() throws Exception {
        Run swapped = serve(Map.of("OPENAI_API_KEY", "sk-ant-SECRET-under-openai"));
        assertEquals(2, swapped.exitCode());
        assertTrue(swapped.err().contains("providers.openai.key"), swapped.err());
        assertFalse(swapped.err().contains("sk-ant-SECRET"), swapped.err());
        Run badListen = serve(Map.of("OPENAI_API_KEY", OPENAI_KEY), "--listen", "nowhere");
        assertEquals(2, badListen.exitCode());
        assertTrue(badListen.err().contains("listen must be host:port"), badListen.err());
        assertNoProviderKey(badListen);
        Path file = dir.resolve("r.yaml");
        Files.writeString(file, "token: t\nproviders:\n  openai: { key: sk-x }\n");
        Run both = serve(Map.of(), "--config", file.toString(), "--listen", "127.0.0.1:0");
        assertEquals(2, both.exitCode());
        assertTrue(both.err().contains("set its listen key"), both.err());
    }

    private static int count(String text, String part) {
        int n = 0;
        for (Matcher m = Pattern.compile(Pattern.quote(part)).matcher(text); m.find(); ) {
            n++;
        }
        return n;
    }
}
