package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.config.RouterConfig;
import io.ironcage.router.core.config.RouterConfigLoader;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.budget.BudgetDecision;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.Reservation;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.domain.pricing.TierPrices;
import io.ironcage.router.core.domain.pricing.TokenPrice;
import io.ironcage.router.core.errors.ConfigException;
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
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every Java snippet of the root README and of the module READMEs, and fails when a README
 * snippet no longer appears, character for character up to whitespace, in this file; loads every
 * YAML snippet with the real configuration loader and starts a router from it.
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
        LocalDate day = LocalDate.of(2026, 12, 7); // the router uses today's date in UTC
        ModelPricing gpt4oMini = prices.find("openai/gpt-4o-mini-2024-07-18", day).orElseThrow();

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
    void rootReadmeResponsesAndEmbeddingsBills() {
        LocalDate day = LocalDate.of(2026, 12, 7); // prices can change by date
        ModelPricing gpt4o = PricingTables.bundled().find("gpt-4o", day).orElseThrow();
        // Responses usage: 1,200 input tokens (200 cached), 300 output (100 reasoning)
        Money answer =
                gpt4o.cost(new TokenUsage(1_000, 300, 200, 0)); // 2,500 + 250 + 3,000 = 5,750 µ$

        ModelPricing small =
                PricingTables.bundled().find("text-embedding-3-small", day).orElseThrow();
        Money embedding = small.cost(TokenUsage.of(123_456, 0)); // 2,469.12 → 2,469 µ$

        assertEquals(Money.ofMicros(5_750), answer);
        assertEquals(Money.ofMicros(2_469), embedding);
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
        assertEquals(12, snippets.size(), "snippets found in the READMEs");
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
        return snippets(readme, "java");
    }

    private static List<String> snippets(Path readme, String language) throws IOException {
        Matcher m =
                Pattern.compile("(?s)```" + language + "\\n(.*?)```")
                        .matcher(Files.readString(readme));
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** What the README snippets' ${VAR}s read; fake values, never a real key. */
    private static final Map<String, String> README_ENV =
            Map.of(
                    "IC_TOKEN", "ic-readme-token",
                    "IC_TOKEN_A", "ic-readme-token-a",
                    "IC_TOKEN_B", "ic-readme-token-b",
                    "OPENAI_API_KEY", "sk-readme-openai",
                    "OPENAI_API_KEY_2", "sk-readme-openai-2",
                    "ANTHROPIC_API_KEY", "sk-ant-readme-anthropic");

    /** What a snippet that is only a section is added to, so that it can start a router. */
    private static final String BASE =
            "token: ${IC_TOKEN}\nproviders:\n  openai:\n    key: ${OPENAI_API_KEY}\n";

    @Test
    void theReadmeOverridesReferenceSetsEveryFieldItShows() throws IOException {
        String yaml =
                snippets(Path.of("../README.md"), "yaml").stream()
                        .filter(s -> s.contains("long-context:"))
                        .findFirst()
                        .orElseThrow();
        ModelPricing m =
                RouterConfigLoader.parse(yaml, README_ENV, "README overrides")
                        .pricingOverrides()
                        .get(0);
        assertEquals("claude-sonnet-4-5", m.id());
        assertEquals(new TokenPrice(3_000_000), m.input());
        assertEquals(new TokenPrice(15_000_000), m.output());
        assertEquals(Optional.of(new TokenPrice(300_000)), m.cacheRead());
        assertEquals(Optional.of(new TokenPrice(3_750_000)), m.cacheWrite());
        TierPrices t = m.tiers();
        assertEquals(Optional.of(new TokenPrice(6_000_000)), t.cacheWriteOneHour());
        assertEquals(Optional.of(new TokenPrice(3_000_000)), t.inputAudio());
        assertEquals(Optional.of(new TokenPrice(15_000_000)), t.outputAudio());
        assertEquals(OptionalLong.of(10_000), m.webSearchMicrosPerCall());
        assertEquals(OptionalLong.of(64_000), m.maxOutputTokens());
        assertEquals(OptionalLong.of(200_000), m.maxInputTokens());
        assertEquals(346, m.toolUseSystemPromptTokens());
        assertEquals(
                Optional.of(
                        new TierPrices.LongContext(
                                200_000,
                                new TierPrices.ClassPrices(
                                        Optional.of(new TokenPrice(6_000_000)),
                                        Optional.of(new TokenPrice(22_500_000)),
                                        Optional.of(new TokenPrice(600_000)),
                                        Optional.of(new TokenPrice(7_500_000))))),
                t.longContext());
        assertEquals(
                new TierPrices.ClassPrices(
                        Optional.of(new TokenPrice(5_000_000)),
                        Optional.of(new TokenPrice(25_000_000)),
                        Optional.of(new TokenPrice(500_000)),
                        Optional.empty()),
                t.priority());
        assertEquals(
                new TierPrices.ClassPrices(
                        Optional.of(new TokenPrice(1_500_000)),
                        Optional.of(new TokenPrice(7_500_000)),
                        Optional.of(new TokenPrice(150_000)),
                        Optional.empty()),
                t.flex());
        // the override wins for the dated and prefixed names too
        PricingTable table = PricingTables.bundled().withOverrides(List.of(m));
        assertEquals(
                m,
                table.find("anthropic/claude-sonnet-4-5-20250929", LocalDate.of(2026, 12, 7))
                        .orElseThrow());
    }

    @Test
    void everyReadmeYamlSnippetStartsARouter(@TempDir Path dir) throws IOException {
        List<String> snippets = new ArrayList<>(snippets(Path.of("../README.md"), "yaml"));
        snippets.addAll(snippets(Path.of("../router-analytics-sqlite/README.md"), "yaml"));
        assertEquals(5, snippets.size(), "YAML snippets found in the READMEs");
        List<String> configs = new ArrayList<>();
        for (String snippet : snippets) {
            String yaml =
                    snippet.contains("\nproviders:") || snippet.contains("control-plane:")
                            ? snippet
                            : BASE + snippet;
            configs.add(yaml);
            String alternative = uncommented(yaml);
            if (!alternative.equals(yaml)) {
                configs.add(alternative);
            }
        }
        assertEquals(7, configs.size(), "with their commented-out alternatives:\n" + configs);
        assertTrue(
                configs.stream()
                        .anyMatch(
                                yaml ->
                                        RouterConfigLoader.parse(yaml, README_ENV, "README")
                                                .hasKeyPools()),
                "the reference shows a key pool");
        try (FakeControlPlane control = FakeControlPlane.create().start()) {
            for (String token : List.of("IC_TOKEN", "IC_TOKEN_A", "IC_TOKEN_B")) {
                control.addAgent(README_ENV.get(token), ProviderType.OPENAI, "sk-test", 50_000_000);
            }
            for (int i = 0; i < configs.size(); i++) {
                String yaml = configs.get(i);
                RouterConfig config =
                        RouterConfigLoader.parse(yaml, README_ENV, "README snippet " + i);
                assertTrue(config.listen().isLoopback(), "a README listens on loopback: " + yaml);
                Path files = Files.createDirectories(dir.resolve("snippet-" + i));
                RouterConfig local = onLoopback(config, files, control.baseUri());
                SqliteUsageEventSink sink =
                        local.analyticsSqlite().map(SqliteUsageEventSink::open).orElse(null);
                try (LlmRouter router =
                        sink == null
                                ? LlmRouter.fromConfig(local)
                                : LlmRouter.fromConfig(local, sink)) {
                    assertEquals("LlmRouter OK", get(router.baseUri()).body(), yaml);
                    HttpResponse<String> ready = get(router.baseUri().resolve("/ready"));
                    assertEquals(200, ready.statusCode(), ready.body() + "\n" + yaml);
                    config.token().ifPresent(token -> assertEquals(token, router.token()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    @Test
    void theLoaderSaysHowToFixAnUnquotedVariableInAFlowMapping() {
        ConfigException e =
                assertThrows(
                        ConfigException.class,
                        () ->
                                RouterConfigLoader.parse(
                                        "token: ${IC_TOKEN}\nproviders:\n"
                                                + "  openai:    { key: ${OPENAI_API_KEY} }\n",
                                        README_ENV,
                                        "router.yaml"));
        assertEquals(3, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains("key: \"${VAR}\""), e.getMessage());
        assertTrue(e.getMessage().contains("block style"), e.getMessage());
        assertFalse(e.getMessage().contains("sk-readme"), e.getMessage());
    }

    /**
     * The snippet with its commented-out settings ({@code # key: …}, {@code # - …}) put in; {@code
     * agents} replaces {@code token}, as the README says.
     */
    private static String uncommented(String yaml) {
        String out = yaml.replaceAll("(?m)^( *)# (?=[a-z-]+:|  - )", "$1");
        if (!out.equals(yaml) && out.contains("\nagents:")) {
            out = out.replaceAll("(?m)^token:.*\\n", "");
        }
        return out;
    }

    /**
     * The configuration on 127.0.0.1 and a free port, with its SQLite file in {@code dir} and its
     * control server at {@code controlServer}: what a README reader runs, without touching the
     * network or the working directory.
     */
    private static RouterConfig onLoopback(RouterConfig config, Path dir, URI controlServer) {
        return new RouterConfig(
                new RouterConfig.Listen("127.0.0.1", 0),
                config.transport(),
                config.token(),
                config.providers(),
                config.controlPlane()
                        .map(
                                cp ->
                                        new RouterConfig.ControlPlane(
                                                controlServer,
                                                cp.keyCacheTtl(),
                                                cp.leaseSize(),
                                                cp.syncInterval())),
                config.budget(),
                config.pricingOverrides(),
                config.analyticsSqlite().map(file -> dir.resolve(file.getFileName())),
                config.timeouts(),
                config.agents(),
                config.server(),
                Optional.empty(), // no outbound proxy: nothing is sent upstream here
                config.resilience(),
                config.providerKeyPools(),
                config.rateLimits());
    }

    private static String squash(String code) {
        return code.replaceAll("\\s+", "");
    }
}
