package io.ironcage.router.transport.jdkhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.errors.ConfigException;
import io.ironcage.router.core.errors.LlmRouterException;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.junit.StartStop;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FromConfigTest {
    @StartStop final FakeProvider openAi = FakeProvider.openAi();

    @TempDir Path dir;

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("router.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void aRouterStartsFromRouterYamlAndServes() throws Exception {
        openAi.requireKey("sk-test-config");
        openAi.enqueue(FakeResponse.text("from config").usage(1_000, 500));
        Path file =
                write(
                        "listen: 127.0.0.1:0\n"
                                + "transport: jdk\n"
                                + "token: ic-config-token\n"
                                + "providers:\n"
                                + "  openai: { key: sk-test-config, base-url: "
                                + openAi.baseUri()
                                + " }\n"
                                + "budget:\n"
                                + "  limit-usd: 1.50\n");
        try (LlmRouter router = LlmRouter.fromConfig(file)) {
            assertEquals("ic-config-token", router.token());
            assertEquals(Money.ofMicros(1_500_000), router.budget().orElseThrow());
            HttpResponse<String> response =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            router.baseUrl() + "/chat/completions"))
                                            .timeout(Duration.ofSeconds(10))
                                            .header("authorization", "Bearer ic-config-token")
                                            .header("content-type", "application/json")
                                            .POST(
                                                    HttpRequest.BodyPublishers.ofString(
                                                            "{\"model\":\"gpt-4o-mini\",\"messages\":[]}"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            assertTrue(response.body().contains("from config"));
            assertEquals(Money.ofMicros(450), router.totalSpent());
        }
    }

    @Test
    void aTransportThatIsNotOnTheClassPathIsNamed() throws Exception {
        Path file = write("transport: netty\ntoken: t\nproviders:\n  openai: { key: sk-x }\n");
        LlmRouterException e =
                assertThrows(LlmRouterException.class, () -> LlmRouter.fromConfig(file));
        assertTrue(e.getMessage().contains("netty"), e.getMessage());
        assertTrue(e.getMessage().contains("router-transport-netty"), e.getMessage());
    }

    @Test
    void aConfigErrorNamesTheKeyAndLine() throws Exception {
        Path file =
                write(
                        "transport: jdk\nproviders:\n  openai: { key: sk-x }\nbudget:\n  limit-usd: -1\n");
        ConfigException e = assertThrows(ConfigException.class, () -> LlmRouter.fromConfig(file));
        assertEquals("budget.limit-usd", e.key());
        assertEquals(5, e.line());
    }
}
