package io.ironcage.router.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.config.RouterConfig.Budget;
import io.ironcage.router.core.config.RouterConfig.ControlPlane;
import io.ironcage.router.core.config.RouterConfig.Listen;
import io.ironcage.router.core.config.RouterConfig.Server;
import io.ironcage.router.core.config.RouterConfig.Timeouts;
import io.ironcage.router.core.config.RouterConfig.UnmeteredEndpoints;
import io.ironcage.router.core.config.RouterConfig.UnpricedModels;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.TokenPrice;
import io.ironcage.router.core.errors.ConfigException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouterConfigLoaderTest {
    private static final String SECRET = "sk-test-SECRET";
    private static final String ANTHROPIC_SECRET = "sk-ant-test-SECRET";
    private static final String TOKEN = "ic-token-SECRET";
    private static final Map<String, String> ENV =
            Map.of(
                    "IC_TOKEN", TOKEN,
                    "OPENAI_API_KEY", SECRET,
                    "ANTHROPIC_API_KEY", ANTHROPIC_SECRET,
                    "LIMIT", "2.5",
                    "EMPTY", "");

    private static final String FULL =
            String.join(
                    "\n",
                    "listen: 0.0.0.0:9000",
                    "transport: jdk",
                    "token: ${IC_TOKEN}",
                    "providers:",
                    "  openai:    { key: '${OPENAI_API_KEY}', base-url: 'http://127.0.0.1:1234/' }",
                    "  anthropic: { key: '${ANTHROPIC_API_KEY}' }",
                    "budget:",
                    "  limit-usd: 10.00",
                    "  unpriced-models: allow",
                    "  unmetered-endpoints: allow",
                    "pricing:",
                    "  overrides:",
                    "    my-model: { input-usd-per-mtok: 1.0, output-usd-per-mtok: 2.0 }",
                    "    other:",
                    "      input-usd-per-mtok: 3",
                    "      output-usd-per-mtok: 15",
                    "      max-output-tokens: 8192",
                    "analytics:",
                    "  sqlite: ./iron-router.db",
                    "timeouts:",
                    "  connect: 250ms",
                    "  upstream: 5m",
                    "server:",
                    "  header-timeout: 2s",
                    "  body-timeout: 90s",
                    "");

    private static RouterConfig parse(String yaml) {
        return RouterConfigLoader.parse(yaml, ENV, "router.yaml");
    }

    private static ConfigException error(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertNoSecret(e);
        return e;
    }

    private static void assertError(String yaml, String key, int line, String... fragments) {
        ConfigException e = error(yaml);
        assertEquals(key, e.key(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith("router.yaml"), e.getMessage());
        if (line > 0) {
            assertTrue(e.getMessage().contains("line " + line), e.getMessage());
        }
        assertTrue(e.getMessage().contains(key), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), e.getMessage());
        }
    }

    private static void assertNoSecret(Throwable e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        for (String secret : List.of(SECRET, ANTHROPIC_SECRET, TOKEN, "SECRET")) {
            assertFalse(trace.toString().contains(secret), trace.toString());
        }
    }

    private static final String DIRECT = "providers: { openai: { key: sk-test-SECRET } }\n";

    /** The smallest valid configuration: direct mode with its token. */
    private static final String MINIMAL = DIRECT + "token: ic-t\n";

    @Test
    void readsAFullFile() {
        RouterConfig config = parse(FULL);
        assertEquals(new Listen("0.0.0.0", 9000), config.listen());
        assertEquals("jdk", config.transport());
        assertEquals(Optional.of(TOKEN), config.token());
        assertEquals(
                Map.of(
                        ProviderType.OPENAI,
                        new ProviderKey(
                                ProviderType.OPENAI,
                                SECRET,
                                Optional.of(URI.create("http://127.0.0.1:1234"))),
                        ProviderType.ANTHROPIC,
                        new ProviderKey(
                                ProviderType.ANTHROPIC, ANTHROPIC_SECRET, Optional.empty())),
                config.providers());
        assertEquals(Optional.empty(), config.controlPlane());
        assertEquals(
                new Budget(
                        Optional.of(Money.ofMicros(10_000_000)),
                        UnpricedModels.ALLOW,
                        UnmeteredEndpoints.ALLOW),
                config.budget());
        assertEquals(Optional.of(Path.of("./iron-router.db")), config.analyticsSqlite());
        assertEquals(
                new Timeouts(Duration.ofMillis(250), Duration.ofMinutes(5)), config.timeouts());
        assertEquals(new Server(Duration.ofSeconds(2), Duration.ofSeconds(90)), config.server());
    }

    @Test
    void pricingOverridesGoThroughPricingTables() {
        List<ModelPricing> overrides = parse(FULL).pricingOverrides();
        assertEquals(
                PricingTables.parseOverrides(
                        "{\"my-model\":{\"input-usd-per-mtok\":1.0,\"output-usd-per-mtok\":2.0},"
                                + "\"other\":{\"input-usd-per-mtok\":3,\"output-usd-per-mtok\":15,"
                                + "\"max-output-tokens\":8192}}"),
                overrides);
        assertEquals("my-model", overrides.get(0).id());
        assertEquals(TokenPrice.fromUsdPerMillionTokens(15), overrides.get(1).output());
    }

    @Test
    void appliesTheDefaults() {
        RouterConfig config = parse(MINIMAL);
        assertEquals(new Listen("127.0.0.1", 8787), config.listen());
        assertEquals(Listen.DEFAULT, config.listen());
        assertEquals("netty", config.transport());
        assertEquals(Optional.of("ic-t"), config.token());
        assertEquals(Budget.DEFAULT, config.budget());
        assertEquals(Optional.empty(), config.budget().limit());
        assertEquals(UnpricedModels.REJECT, config.budget().unpricedModels());
        assertEquals(UnmeteredEndpoints.REJECT, config.budget().unmeteredEndpoints());
        assertEquals(Server.DEFAULT, config.server());
        assertEquals(Duration.ofSeconds(10), config.server().headerTimeout());
        assertEquals(Duration.ofSeconds(60), config.server().bodyTimeout());
        assertEquals(List.of(), config.pricingOverrides());
        assertEquals(Optional.empty(), config.analyticsSqlite());
        assertEquals(Duration.ofSeconds(10), config.timeouts().connect());
        assertEquals(Duration.ofSeconds(300), config.timeouts().upstream());
        assertEquals(Optional.empty(), config.providers().get(ProviderType.OPENAI).baseUrl());
    }

    @Test
    void anEmptySectionIsTheDefault() {
        assertEquals(Budget.DEFAULT, parse(MINIMAL + "budget:\n").budget());
        assertEquals(Budget.DEFAULT, parse("budget:\n" + MINIMAL).budget());
        assertEquals(Timeouts.DEFAULT, parse(MINIMAL + "timeouts: {}\n").timeouts());
    }

    @Test
    void readsServerMode() {
        RouterConfig config =
                parse("token: t-1\ncontrol-plane:\n  url: https://control.example/\n");
        assertEquals(
                Optional.of(
                        new ControlPlane(
                                URI.create("https://control.example"), Duration.ofSeconds(300))),
                config.controlPlane());
        assertTrue(config.providers().isEmpty());
        assertEquals(
                Duration.ofHours(1),
                parse("token: t\ncontrol-plane: { url: 'http://h:1', key-cache-ttl: 1h }\n")
                        .controlPlane()
                        .orElseThrow()
                        .keyCacheTtl());
        assertEquals(
                Duration.ZERO,
                parse("token: t\ncontrol-plane: { url: 'http://h:1', key-cache-ttl: 0s }\n")
                        .controlPlane()
                        .orElseThrow()
                        .keyCacheTtl());
    }

    @Test
    void listenAcceptsPortZeroAndIpv6() {
        assertEquals(new Listen("localhost", 0), parse(MINIMAL + "listen: localhost:0\n").listen());
        Listen v6 = parse(MINIMAL + "listen: '[::1]:8787'\n").listen();
        assertEquals(new Listen("::1", 8787), v6);
        assertEquals("[::1]:8787", v6.toString());
        assertEquals("127.0.0.1:8787", Listen.DEFAULT.toString());
    }

    @Test
    void interpolatesEnvironmentVariables() {
        RouterConfig config =
                parse(
                        "providers: { openai: { key: \"pre-${OPENAI_API_KEY}-post\" } }\n"
                                + "token: ${IC_TOKEN}\n"
                                + "budget: { limit-usd: '${LIMIT}' }\n"
                                + "analytics: { sqlite: '$${HOME}/x-$5.db' }\n");
        assertEquals(
                "pre-" + SECRET + "-post", config.providers().get(ProviderType.OPENAI).secret());
        assertEquals(Optional.of(Money.ofMicros(2_500_000)), config.budget().limit());
        assertEquals(Optional.of(Path.of("${HOME}/x-$5.db")), config.analyticsSqlite());
    }

    @Test
    void aMissingVariableNamesTheKeyAndTheVariable() {
        assertError(
                "token: t\nproviders:\n  openai: { key: '${NOT_SET_ANYWHERE}' }\n",
                "providers.openai.key",
                3,
                "NOT_SET_ANYWHERE",
                "not set");
        assertError(DIRECT + "token: '${BROKEN'\n", "token", 2, "malformed variable reference");
        assertError(
                DIRECT + "budget: { limit-usd: '${IC_TOKEN}' }\n",
                "budget.limit-usd",
                2,
                "not one");
    }

    @Test
    void unknownKeysNameThePathAndLine() {
        assertError(DIRECT + "listn: 1.2.3.4:5\n", "listn", 2, "unknown key 'listn'", "listen");
        assertError(
                DIRECT + "budget:\n  limit-usd: 1\n  limit: 2\n",
                "budget.limit",
                4,
                "unknown key 'limit'");
        assertError(
                "providers:\n  openai: { key: k, baseurl: 'http://x' }\n",
                "providers.openai.baseurl",
                2,
                "base-url");
        assertError("providers:\n  gemini: { key: k }\n", "providers.gemini", 2, "anthropic");
        assertError(
                DIRECT + "timeouts:\n  connect: 1s\n  connect: 2s\n",
                "timeouts.connect",
                4,
                "twice",
                "line 3");
    }

    @Test
    void wrongTypesNameThePathAndLine() {
        assertError(DIRECT + "budget:\n  limit-usd: ten\n", "budget.limit-usd", 3, "a number");
        assertError(DIRECT + "budget:\n  limit-usd: [1]\n", "budget.limit-usd", 3, "a list");
        assertError(DIRECT + "budget: 5\n", "budget", 2, "a mapping");
        assertError(DIRECT + "transport: 3\n", "transport", 2, "a string", "quotes");
        assertError(DIRECT + "token:\n", "token", 2);
        assertError(DIRECT + "token: ''\n", "token", 2);
        assertError(DIRECT + "token: ~\n", "token", 2, "got nothing");
        assertError(
                "providers:\n  openai:\n    key: 12345\n", "providers.openai.key", 3, "a string");
        assertError(DIRECT + "timeouts: { upstream: 10 }\n", "timeouts.upstream", 2, "duration");
        assertError(DIRECT + "pricing:\n  overrides: [1]\n", "pricing.overrides", 3, "a mapping");
    }

    @Test
    void badValuesNameThePathAndLine() {
        assertError(DIRECT + "budget:\n  limit-usd: -1\n", "budget.limit-usd", 3, "non-negative");
        assertError(DIRECT + "budget:\n  limit-usd: .nan\n", "budget.limit-usd", 3);
        assertError(DIRECT + "budget:\n  limit-usd: 1e999\n", "budget.limit-usd", 3);
        assertError(
                DIRECT + "budget: { unpriced-models: maybe }\n",
                "budget.unpriced-models",
                2,
                "reject or allow",
                "maybe");
        assertError(DIRECT + "listen: 127.0.0.1\n", "listen", 2, "host:port");
        assertError(DIRECT + "listen: 127.0.0.1:70000\n", "listen", 2, "65535");
        assertError(DIRECT + "listen: '::1:80'\n", "listen", 2, "brackets");
        assertError(DIRECT + "listen: ':80'\n", "listen", 2, "host:port");
        assertError(DIRECT + "timeouts:\n  connect: 10\n", "timeouts.connect", 3, "250ms");
        assertError(DIRECT + "timeouts:\n  connect: 0s\n", "timeouts.connect", 3, "longer than 0");
        assertError(DIRECT + "timeouts:\n  upstream: 5 minutes\n", "timeouts.upstream", 3);
        assertError(DIRECT + "transport: 'Net ty'\n", "transport", 2, "transport name");
        assertError(
                "providers:\n  openai: { key: k, base-url: 'ftp://x' }\n",
                "providers.openai.base-url",
                2,
                "http or https");
        assertError(
                "providers:\n  openai: { key: k, base-url: 'https://user:SECRET@h' }\n",
                "providers.openai.base-url",
                2,
                "user information");
        assertError(
                "token: t\ncontrol-plane: { url: 'not a url' }\n", "control-plane.url", 2, "URL");
        assertError(
                DIRECT
                        + "pricing:\n  overrides:\n    m: { input-usd-per-mtok: -1, output-usd-per-mtok: 1 }\n",
                "pricing.overrides.m.input-usd-per-mtok",
                4,
                "non-negative");
        assertError(
                DIRECT
                        + "pricing:\n  overrides:\n    m:\n      input-usd-per-mtok: 1\n      output: 1\n",
                "pricing.overrides.m.output",
                6,
                "unknown field");
        assertError(
                DIRECT
                        + "pricing:\n  overrides:\n    m:\n      input-usd-per-mtok: 1\n"
                        + "      output-usd-per-mtok: 1\n      long-context:\n"
                        + "        above-input-tokens: 10\n        output-usd-per-mtok: -1\n",
                "pricing.overrides.m.long-context.output-usd-per-mtok",
                9,
                "non-negative");
        assertError(
                DIRECT
                        + "pricing:\n  overrides:\n    m:\n      input-usd-per-mtok: 1\n"
                        + "      output-usd-per-mtok: 1\n      priority: { input: 2 }\n",
                "pricing.overrides.m.priority.input",
                7,
                "unknown field 'priority.input'");
        assertError(
                DIRECT + "pricing:\n  overrides:\n    m: { input-usd-per-mtok: 1 }\n",
                "pricing.overrides.m",
                4,
                "output-usd-per-mtok");
    }

    @Test
    void aModeIsRequired() {
        assertError("listen: 127.0.0.1:1\n", "", 1, "neither providers");
        assertError("providers: {}\n", "providers", 1, "no provider");
        assertError("control-plane: { url: 'http://h' }\n", "token", 1, "needs token");
        assertError("token: t\ncontrol-plane: { key-cache-ttl: 1s }\n", "control-plane.url", 2);
    }

    @Test
    void providerKeysAreCheckedWithoutBeingShown() {
        assertError(
                "providers:\n  openai: { key: '" + ANTHROPIC_SECRET + "' }\n",
                "providers.openai.key",
                2,
                "looks like an Anthropic key");
        assertError(
                "providers:\n  openai: { key: '${EMPTY}' }\n",
                "providers.openai.key",
                2,
                "empty",
                "environment variable");
        assertError("providers:\n  openai: { base-url: 'http://h' }\n", "providers.openai.key", 2);
        assertError(DIRECT + "token: '  '\n", "token", 2, "empty");
        // a non-sk-ant key for Anthropic is fine (fake providers, gateways)
        assertEquals(
                "fake",
                parse("token: t\nproviders: { anthropic: { key: fake } }\n")
                        .providers()
                        .get(ProviderType.ANTHROPIC)
                        .secret());
    }

    @Test
    void aConfigWithoutATokenIsAnErrorNamingTheKey() {
        assertError(DIRECT, "token", 1, "token is missing", "token: ${IC_TOKEN}");
        assertError(
                "listen: 127.0.0.1:0\nproviders:\n  openai: { key: sk-x }\n",
                "token",
                2,
                "token is missing");
        // on an address other machines may reach, the message says so
        ConfigException open = error(DIRECT + "listen: 0.0.0.0:8787\n");
        assertEquals("token", open.key());
        assertTrue(open.getMessage().contains("0.0.0.0:8787"), open.getMessage());
        assertTrue(open.getMessage().contains("other machines"), open.getMessage());
        assertFalse(error(DIRECT).getMessage().contains("other machines"));
        // a mistake elsewhere is reported first
        assertError(DIRECT + "budget: { limit-usd: -1 }\n", "budget.limit-usd", 2);
        // agents bring their own tokens
        assertEquals(
                Optional.empty(),
                parse("control-plane: { url: 'http://h' }\nagents:\n  - token: a\n").token());
        // the record refuses it too, so fromConfig never starts with a token nobody knows
        RouterConfig config = parse(MINIMAL);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new RouterConfig(
                                        config.listen(),
                                        config.transport(),
                                        Optional.empty(),
                                        config.providers(),
                                        Optional.empty(),
                                        config.budget(),
                                        List.of(),
                                        Optional.empty(),
                                        config.timeouts()));
        assertTrue(e.getMessage().contains("token"), e.getMessage());
    }

    @Test
    void listenKnowsWhichAddressesAreLoopback() {
        for (String host :
                List.of(
                        "127.0.0.1",
                        "127.1.2.3",
                        "localhost",
                        "LocalHost",
                        "::1",
                        "0:0:0:0:0:0:0:1",
                        "::ffff:127.0.0.1")) {
            assertTrue(new Listen(host, 8787).isLoopback(), host);
        }
        for (String host :
                List.of(
                        "0.0.0.0",
                        "::",
                        "192.168.1.10",
                        "10.0.0.1",
                        "128.0.0.1",
                        "127.0.0.256",
                        "127.0.0",
                        "127.0.0.1.5",
                        "localhost.example.com",
                        "example.com",
                        "fe80::1",
                        "::ffff:10.0.0.1")) {
            assertFalse(new Listen(host, 8787).isLoopback(), host);
        }
    }

    @Test
    void unmeteredEndpointsAreRejectedUnlessAllowed() {
        assertEquals(UnmeteredEndpoints.REJECT, parse(MINIMAL).budget().unmeteredEndpoints());
        assertEquals(
                UnmeteredEndpoints.ALLOW,
                parse(MINIMAL + "budget:\n  unmetered-endpoints: allow\n")
                        .budget()
                        .unmeteredEndpoints());
        assertEquals(
                UnmeteredEndpoints.REJECT,
                parse(MINIMAL + "budget: { limit-usd: 1, unmetered-endpoints: reject }\n")
                        .budget()
                        .unmeteredEndpoints());
        assertError(
                MINIMAL + "budget:\n  limit-usd: 1\n  unmetered-endpoints: yes-please\n",
                "budget.unmetered-endpoints",
                5,
                "reject or allow",
                "yes-please");
        assertError(
                MINIMAL + "budget: { unmetered-endpoints: true }\n",
                "budget.unmetered-endpoints",
                3,
                "a string");
        assertError(
                MINIMAL + "budget: { unmetered-endpoint: allow }\n",
                "budget.unmetered-endpoint",
                3,
                "unknown key",
                "unmetered-endpoints");
    }

    @Test
    void serverLimitsAndTheShutdownGraceAreRead() {
        Server server =
                parse(
                                MINIMAL
                                        + "server:\n"
                                        + "  max-concurrent-requests: 64\n"
                                        + "  max-body-size: 2MiB\n"
                                        + "  write-timeout: 15s\n"
                                        + "  shutdown-grace: 2m\n")
                        .server();
        assertEquals(
                new Server(
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(60),
                        64,
                        2L * 1024 * 1024,
                        Duration.ofSeconds(15),
                        Duration.ofMinutes(2)),
                server);
        Server defaults = parse(MINIMAL).server();
        assertEquals(1024, defaults.maxConcurrentRequests());
        assertEquals(10L * 1024 * 1024, defaults.maxBodySize());
        assertEquals(Duration.ofSeconds(60), defaults.writeTimeout());
        assertEquals(Duration.ofSeconds(30), defaults.shutdownGrace());
        // sizes: plain bytes, binary and decimal units
        assertEquals(
                4096, parse(MINIMAL + "server: { max-body-size: 4096 }\n").server().maxBodySize());
        assertEquals(
                512L * 1024,
                parse(MINIMAL + "server: { max-body-size: 512KiB }\n").server().maxBodySize());
        assertEquals(
                5_000_000,
                parse(MINIMAL + "server: { max-body-size: 5MB }\n").server().maxBodySize());
        assertEquals(
                1L << 30,
                parse(MINIMAL + "server: { max-body-size: 1GiB }\n").server().maxBodySize());
        // a grace of 0 is meaningful: cut at once
        assertEquals(
                Duration.ZERO,
                parse(MINIMAL + "server: { shutdown-grace: 0s }\n").server().shutdownGrace());
    }

    @Test
    void badServerLimitsNameTheirKey() {
        String server = MINIMAL + "server:\n  ";
        assertError(
                server + "max-concurrent-requests: 0\n",
                "server.max-concurrent-requests",
                4,
                "from 1 to 100000, got 0");
        assertError(
                server + "max-concurrent-requests: -5\n",
                "server.max-concurrent-requests",
                4,
                "got -5");
        assertError(
                server + "max-concurrent-requests: 2.5\n",
                "server.max-concurrent-requests",
                4,
                "whole number");
        assertError(
                server + "max-concurrent-requests: many\n",
                "server.max-concurrent-requests",
                4,
                "expected a number");
        assertError(server + "max-body-size: 0\n", "server.max-body-size", 4, "1KiB to 1GiB");
        assertError(server + "max-body-size: -1MiB\n", "server.max-body-size", 4, "10MiB");
        assertError(server + "max-body-size: 2GiB\n", "server.max-body-size", 4, "1KiB to 1GiB");
        assertError(server + "max-body-size: 10 MB/s\n", "server.max-body-size", 4, "10MiB");
        assertError(
                server + "max-body-size: 9999999999999999999GiB\n",
                "server.max-body-size",
                4,
                "1KiB to 1GiB");
        assertError(server + "write-timeout: 0s\n", "server.write-timeout", 4, "longer than 0");
        assertError(server + "write-timeout: -1s\n", "server.write-timeout", 4, "250ms, 10s");
        assertError(server + "write-timeout: 60\n", "server.write-timeout", 4, "250ms, 10s");
        assertError(server + "shutdown-grace: -5s\n", "server.shutdown-grace", 4, "250ms, 10s");
        assertError(server + "shutdown-grace: soon\n", "server.shutdown-grace", 4, "250ms, 10s");
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new Server(
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(1),
                                0,
                                1024,
                                Duration.ofSeconds(1),
                                Duration.ZERO));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new Server(
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(1),
                                1,
                                1024,
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(-1)));
    }

    @Test
    void serverTimeoutsAreReadWithTheirDefaults() {
        assertEquals(
                new Server(Duration.ofMillis(500), Duration.ofSeconds(60)),
                parse(MINIMAL + "server:\n  header-timeout: 500ms\n").server());
        assertEquals(
                new Server(Duration.ofSeconds(10), Duration.ofMinutes(2)),
                parse(MINIMAL + "server: { body-timeout: 2m }\n").server());
        assertEquals(Server.DEFAULT, parse(MINIMAL + "server:\n").server());
        assertEquals(Server.DEFAULT, parse(MINIMAL + "server: {}\n").server());
        assertError(
                MINIMAL + "server:\n  header-timeout: 0s\n",
                "server.header-timeout",
                4,
                "longer than 0");
        assertError(
                MINIMAL + "server:\n  body-timeout: 60\n",
                "server.body-timeout",
                4,
                "250ms, 10s, 5m or 1h");
        assertError(
                MINIMAL + "server:\n  header-timeout: 1s\n  max-body-bytes: 1\n",
                "server.max-body-bytes",
                5,
                "unknown key 'max-body-bytes'",
                "header-timeout, body-timeout, max-concurrent-requests, max-body-size,"
                        + " write-timeout, shutdown-grace");
        assertError(MINIMAL + "server: 10s\n", "server", 3, "a mapping");
        assertThrows(
                IllegalArgumentException.class,
                () -> new Server(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Server(Duration.ofSeconds(1), Duration.ofSeconds(-1)));
    }

    @Test
    void anUnquotedVariableInAFlowMappingSaysToQuoteIt() {
        for (String yaml :
                List.of(
                        "token: ${IC_TOKEN}\nproviders:\n  openai: { key: ${OPENAI_API_KEY} }\n",
                        "token: ${IC_TOKEN}\nproviders:\n  openai: {key: sk-${OPENAI_API_KEY}}\n",
                        "token: t\nproviders: { openai: { key: x } }\nagents: [ ${IC_TOKEN} ]\n")) {
            ConfigException e = error(yaml);
            assertEquals(3, e.line(), e.getMessage());
            assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
            assertTrue(e.getMessage().contains("quote it, key: \"${VAR}\""), e.getMessage());
            assertTrue(e.getMessage().contains("block style"), e.getMessage());
        }
        // quoted, or in block style, it is fine
        assertEquals(
                SECRET,
                parse("token: t\nproviders:\n  openai: { key: \"${OPENAI_API_KEY}\" }\n")
                        .providers()
                        .get(ProviderType.OPENAI)
                        .secret());
        assertEquals(
                SECRET,
                parse("token: t\nproviders:\n  openai:\n    key: ${OPENAI_API_KEY}\n")
                        .providers()
                        .get(ProviderType.OPENAI)
                        .secret());
        // other syntax errors get no such advice
        ConfigException other = error("token: t\nproviders: { openai: { key: x }\n");
        assertFalse(other.getMessage().contains("quote it"), other.getMessage());
    }

    @Test
    void syntaxErrorsGiveALineButNotTheText() {
        ConfigException e = error("token: " + TOKEN + "\nproviders: {\n  openai: [\n");
        assertEquals("", e.key());
        assertTrue(e.line() > 0, e.getMessage());
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
        assertNull(e.getCause());
        ConfigException tab = error("token: 'x'\n\tproviders: " + SECRET + "\n");
        assertEquals(2, tab.line(), tab.getMessage());
        assertError("", "", 0, "empty");
        assertError(DIRECT + "---\nlisten: a:1\n", "", 3, "more than one");
    }

    @Test
    void secretsNeverAppearInToString() {
        RouterConfig config = parse(FULL);
        String text = config.toString();
        assertFalse(text.contains("SECRET"), text);
        assertTrue(text.contains("token=<redacted>"), text);
        assertTrue(text.contains("0.0.0.0:9000"), text);
        assertFalse(config.providers().toString().contains("SECRET"));
        assertFalse(
                parse("token: ${IC_TOKEN}\ncontrol-plane: { url: 'http://h' }\n")
                        .toString()
                        .contains("SECRET"));
    }

    @Test
    void errorsAfterSecretsDoNotShowThem() {
        // every error below comes from a file holding secrets; error() asserts they are absent
        error(FULL + "extra: 1\n");
        error(FULL.replace("limit-usd: 10.00", "limit-usd: -10"));
    }

    @Test
    void aMissingFileIsAClearError(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        ConfigException e =
                assertThrows(ConfigException.class, () -> RouterConfigLoader.load(missing));
        assertEquals("", e.key());
        assertEquals(ConfigException.NO_LINE, e.line());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void loadsAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("router.yaml");
        Files.writeString(
                file,
                "providers:\n  openai: { key: sk-file }\nbudget: { limit-usd: 0 }\ntoken: t\n");
        RouterConfig config = RouterConfigLoader.load(file);
        assertEquals("sk-file", config.providers().get(ProviderType.OPENAI).secret());
        assertEquals(Optional.of(Money.ZERO), config.budget().limit());
        Files.writeString(
                file, "providers:\n  openai: { key: sk-file }\nbudget: { limit-usd: x }\n");
        ConfigException e =
                assertThrows(ConfigException.class, () -> RouterConfigLoader.load(file));
        assertTrue(e.getMessage().startsWith(file.toString() + ", line 3"), e.getMessage());
    }

    @Test
    void theRecordChecksItsInvariants() {
        RouterConfig config = parse(MINIMAL);
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new RouterConfig(
                                config.listen(),
                                config.transport(),
                                config.token(),
                                Map.of(),
                                Optional.empty(),
                                config.budget(),
                                List.of(),
                                Optional.empty(),
                                config.timeouts()));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new RouterConfig(
                                config.listen(),
                                config.transport(),
                                Optional.empty(),
                                Map.of(),
                                Optional.of(
                                        new ControlPlane(
                                                URI.create("http://h"), Duration.ofSeconds(1))),
                                config.budget(),
                                List.of(),
                                Optional.empty(),
                                config.timeouts()));
        assertThrows(IllegalArgumentException.class, () -> new Listen("h", 65536));
        assertThrows(
                IllegalArgumentException.class, () -> new Timeouts(Duration.ZERO, Duration.ZERO));
    }
}
