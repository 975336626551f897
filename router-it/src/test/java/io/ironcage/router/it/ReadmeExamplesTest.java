package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.budget.BudgetDecision;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.Reservation;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import io.ironcage.router.transport.netty.NettyTransportOptions;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Runs every Java snippet of the root README and of the module READMEs, and fails when a README
 * snippet no longer appears, character for character up to whitespace, in this file.
 */
class ReadmeExamplesTest {
    private static final String HELLO_CLAUDE =
            "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    private static final String HANDSHAKE = "{\"ic_token\":\"ic-token-1\",\"provider\":\"openai\"}";

    private static HttpResponse<String> post(String url, String body) {
        try {
            return java.net.http.HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .header("content-type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return java.net.http.HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rootReadmeDomainExample() {
        PricingTable prices = PricingTables.bundled();
        ModelPricing gpt4oMini = prices.find("openai/gpt-4o-mini-2024-07-18").orElseThrow();

        CostController budget = CostController.withLimit(Money.fromUsdTruncating(2.00));
        BudgetDecision decision = budget.reserve(Money.ofMicros(9_845));
        if (decision instanceof BudgetDecision.Granted) {
            try (Reservation reservation = ((BudgetDecision.Granted) decision).reservation()) {
                reservation.commit(gpt4oMini.cost(TokenUsage.of(1_000, 500))); // 450 µ$
            }
        }
        assertEquals(Money.ofMicros(450), budget.totalSpent());
        assertEquals(Money.ZERO, budget.reserved());
    }

    @Test
    void rootReadmeQuickStart() {
        try (FakeProvider fake = FakeProvider.openAi().start()) {
            fake.requireKey("sk-test");
            fake.enqueue(FakeResponse.text("Hello!").usage(1_000, 500));
            ProviderKey openAiKey = ProviderKey.openAi("sk-test", fake.baseUri());

            try (LlmRouter router =
                    LlmRouter.builder()
                            .transport(new NettyTransportProvider())
                            .providerKeys(
                                    ProviderKeySource.fixed(
                                            openAiKey)) // ProviderKey.of(System.getenv("OPENAI_API_KEY"))
                            .budget(Money.fromUsdTruncating(2.00))
                            .start()) {
                OpenAIClient client =
                        OpenAIOkHttpClient.builder()
                                .baseUrl(router.baseUrl())
                                .apiKey(router.token())
                                .build();
                ChatCompletion reply =
                        client.chat()
                                .completions()
                                .create(
                                        ChatCompletionCreateParams.builder()
                                                .model("gpt-4o-mini")
                                                .addUserMessage("Hi")
                                                .build());
                System.out.println(
                        reply.choices().get(0).message().content().orElse("")
                                + " — spent "
                                + router.totalSpent());

                assertEquals("Hello!", reply.choices().get(0).message().content().orElseThrow());
                assertEquals(Money.ofMicros(450), router.totalSpent());
                client.close();
            }
        }
    }

    @Test
    void moduleReadmeExamples() {
        try (FakeProvider fake = FakeProvider.openAi().start()) {
            ProviderKey openAiKey = ProviderKey.openAi("sk-test", fake.baseUri());
            // openAiKey: e.g. ProviderKey.of(System.getenv("OPENAI_API_KEY"))
            LlmRouter router =
                    LlmRouter.builder()
                            .transport(new NettyTransportProvider())
                            .providerKeys(ProviderKeySource.fixed(openAiKey))
                            .budget(Money.fromUsdTruncating(2.00))
                            .start();
            assertEquals(Money.ofMicros(2_000_000), router.budget().orElseThrow());
            router.close();
        }
        TransportProvider jdk = TransportProvider.load("jdk");
        assertEquals("jdk", jdk.name());
        assertInstanceOf(JdkHttpTransportProvider.class, jdk);
        TransportProvider netty = TransportProvider.load("netty");
        assertInstanceOf(NettyTransportProvider.class, netty);
    }

    @Test
    void rootReadmeTransportsExample() throws Exception {
        try (FakeProvider fake = FakeProvider.openAi().start()) {
            ProviderKey openAiKey = ProviderKey.openAi("sk-test", fake.baseUri());
            TransportProvider transport =
                    TransportProvider.load("jdk"); // or new JdkHttpTransportProvider()
            LlmRouter router =
                    LlmRouter.builder()
                            .transport(transport)
                            .providerKeys(ProviderKeySource.fixed(openAiKey))
                            .start();

            assertInstanceOf(JdkHttpTransportProvider.class, transport);
            assertEquals("LlmRouter OK", get(router.baseUri()).body());
            router.close();
        }
    }

    @Test
    void nettyReadmeOptionsExample() throws Exception {
        try (FakeProvider fake = FakeProvider.openAi().start()) {
            ProviderKey openAiKey = ProviderKey.openAi("sk-test", fake.baseUri());
            NettyTransportOptions options =
                    NettyTransportOptions.builder().maxConnectionsPerHost(1024).build();
            LlmRouter router =
                    LlmRouter.builder()
                            .transport(new NettyTransportProvider(options))
                            .providerKeys(ProviderKeySource.fixed(openAiKey))
                            .start();

            assertEquals(1024, options.maxConnectionsPerHost());
            assertEquals("LlmRouter OK", get(router.baseUri()).body());
            router.close();
        }
    }

    @Test
    void rootReadmeFakeProviderExample() {
        try (FakeProvider openAi = FakeProvider.openAi().start()) {
            openAi.enqueue(FakeResponse.text("Hello!").usage(10, 8));

            OpenAIClient client =
                    OpenAIOkHttpClient.builder()
                            .apiKey("sk-test")
                            .baseUrl(openAi.baseUri() + "/v1")
                            .build();
            ChatCompletion reply =
                    client.chat()
                            .completions()
                            .create(
                                    ChatCompletionCreateParams.builder()
                                            .model("gpt-4o-mini")
                                            .addUserMessage("Hi")
                                            .build());

            assertEquals("Hello!", reply.choices().get(0).message().content().orElseThrow());
            assertEquals(
                    "gpt-4o-mini",
                    openAi.takeRequest(Duration.ofSeconds(2)).bodyJson().path("model").asText());
        }
    }

    @Test
    void testkitReadmeScriptExerciseVerify() {
        try (FakeProvider anthropic = FakeProvider.anthropic().start()) {
            anthropic.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Paris\"}"));
            anthropic.enqueue(FakeResponse.error(529, "overloaded_error", "Overloaded"));

            HttpResponse<String> first = post(anthropic.baseUri() + "/v1/messages", HELLO_CLAUDE);
            HttpResponse<String> second = post(anthropic.baseUri() + "/v1/messages", HELLO_CLAUDE);

            assertTrue(first.body().contains("\"stop_reason\":\"tool_use\""));
            assertEquals(529, second.statusCode());
            assertEquals("/v1/messages", anthropic.takeRequest(Duration.ofSeconds(2)).path());
        }
    }

    @Nested
    class MyAgentTest {
        @StartStop final FakeProvider openAi = FakeProvider.openAi();

        @Test
        void answers() {
            assertTrue(
                    openAi.baseUri().toString().startsWith("http://127.0.0.1:")); // started for you
            // point the agent at openAi.baseUri() + "/v1"
        }
    }

    @Test
    void testkitReadmeControlPlaneExample() {
        try (FakeControlPlane server = FakeControlPlane.create().start()) {
            server.addAgent("ic-token-1", ProviderType.OPENAI, "sk-test", 5_000_000);
            server.failNext(
                    FakeControlPlane.Endpoint.HANDSHAKE,
                    1,
                    FakeControlPlane.Fault.status(500, "{}"));

            HttpResponse<String> refused =
                    post(server.baseUri() + "/api/v1/budget/handshake", HANDSHAKE);
            HttpResponse<String> granted =
                    post(server.baseUri() + "/api/v1/budget/handshake", HANDSHAKE);

            assertEquals(500, refused.statusCode());
            assertTrue(granted.body().contains("\"budget_granted\":5000000"));
            assertEquals(0, server.remainingMicros("agent_1"));
        }
    }

    @Test
    void everyReadmeSnippetIsMirroredHere() throws IOException {
        String self =
                squash(
                        Files.readString(
                                Path.of(
                                        "src/test/java/io/ironcage/router/it/ReadmeExamplesTest.java")));
        List<String> snippets = new ArrayList<>(javaSnippets(Path.of("../README.md")));
        snippets.addAll(javaSnippets(Path.of("../router-testkit/README.md")));
        snippets.addAll(javaSnippets(Path.of("../router-core/README.md")));
        snippets.addAll(javaSnippets(Path.of("../router-transport-jdkhttp/README.md")));
        snippets.addAll(javaSnippets(Path.of("../router-transport-netty/README.md")));
        assertEquals(11, snippets.size(), "snippets found in the READMEs");
        for (String snippet : snippets) {
            String body =
                    snippet.replaceFirst("(?s)^class MyAgentTest \\{", "")
                            .replaceFirst("(?s)\\}\\s*$", "");
            assertTrue(
                    self.contains(squash(body)),
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
