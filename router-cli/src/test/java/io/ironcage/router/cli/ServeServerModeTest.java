package io.ironcage.router.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.junit.StartStop;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code iron-router serve} in server mode: agents from router.yaml, leases returned on stop. */
class ServeServerModeTest {
    private static final String TOKEN = "ic-SERVE-agent-secret";
    private static final String KEY = "sk-proj-SERVE-secret";

    @TempDir Path dir;

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    @StartStop final FakeProvider openAi = FakeProvider.openAi();

    @Test
    void serveRunsTheAgentsOfRouterYamlAndReturnsTheirLeasesOnStop() throws Exception {
        openAi.requireKey(KEY);
        server.addAgent(
                TOKEN,
                Optional.of(ProviderType.OPENAI),
                Optional.of(KEY),
                Optional.of(openAi.baseUri()),
                25_000_000);
        Path file = dir.resolve("router.yaml");
        Files.writeString(
                file,
                "listen: 127.0.0.1:0\ntransport: jdk\ncontrol-plane:\n  url: "
                        + server.baseUri()
                        + "\n  lease-usd: 1.00\nagents:\n  - { token: "
                        + TOKEN
                        + ", id: agent_cli }\n");
        StopSignal stop = new StopSignal();
        CompletableFuture<LlmRouter> ready = new CompletableFuture<>();
        StringWriter out = new StringWriter();
        CompletableFuture<Integer> running =
                CompletableFuture.supplyAsync(
                        () -> {
                            CommandLine commandLine =
                                    new CommandLine(new ServeCommand(stop, ready::complete));
                            commandLine.setOut(new PrintWriter(out, true));
                            return commandLine.execute("--config", file.toString());
                        });
        LlmRouter router = ready.get(20, TimeUnit.SECONDS);

        HttpResponse<String> response =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(router.baseUrl() + "/chat/completions"))
                                        .timeout(Duration.ofSeconds(10))
                                        .header("authorization", "Bearer " + TOKEN)
                                        .header("content-type", "application/json")
                                        .POST(
                                                HttpRequest.BodyPublishers.ofString(
                                                        "{\"model\":\"gpt-4o-mini\","
                                                                + "\"messages\":[]}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());

        stop.stop();
        assertEquals(0, running.get(20, TimeUnit.SECONDS));
        String printed = out.toString();
        assertTrue(printed.contains("across 1 agent(s)"), printed);
        assertTrue(printed.contains("agent_cli: spent $"), printed);
        assertTrue(printed.contains("in 1 requests (0 failed)"), printed);
        assertFalse(printed.contains(TOKEN), printed);
        assertFalse(printed.contains(KEY), printed);
        FakeControlPlane.Lease lease = server.leases().get(0);
        assertEquals("closed", lease.status());
        assertEquals(1_000_000 - router.totalSpent().micros(), lease.returnedMicros());
    }
}
