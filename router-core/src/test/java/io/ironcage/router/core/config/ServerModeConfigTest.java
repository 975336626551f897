package io.ironcage.router.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.config.RouterConfig.Agent;
import io.ironcage.router.core.config.RouterConfig.ControlPlane;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.errors.ConfigException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** router.yaml in server mode: the control plane's lease and sync settings, and agents. */
class ServerModeConfigTest {
    private static final String TOKEN_A = "ic-A-SECRET";
    private static final String TOKEN_B = "ic-B-SECRET";
    private static final Map<String, String> ENV =
            Map.of("IC_TOKEN_A", TOKEN_A, "IC_TOKEN_B", TOKEN_B, "LEASE", "2.5");
    private static final String CP = "control-plane: { url: 'http://127.0.0.1:1' }\n";

    private static RouterConfig parse(String yaml) {
        return RouterConfigLoader.parse(yaml, ENV, "router.yaml");
    }

    private static ConfigException error(String yaml, String key, int line, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertEquals(key, e.key(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertFalse(trace.toString().contains("SECRET"), trace.toString());
        return e;
    }

    @Test
    void readsLeaseSizeAndSyncInterval() {
        RouterConfig config =
                parse(
                        "token: ${IC_TOKEN_A}\n"
                                + "control-plane:\n"
                                + "  url: http://127.0.0.1:1\n"
                                + "  lease-usd: ${LEASE}\n"
                                + "  sync-interval: 5s\n");
        ControlPlane cp = config.controlPlane().orElseThrow();
        assertEquals(Optional.of(Money.ofMicros(2_500_000)), cp.leaseSize());
        assertEquals(Duration.ofSeconds(5), cp.syncInterval());
        assertEquals(List.of(), config.agents());
        assertEquals(Optional.of(TOKEN_A), config.token());
    }

    @Test
    void readsTheSyncBatchSizeAndConcurrency() {
        ControlPlane cp =
                parse(
                                "token: t\n"
                                        + "control-plane:\n"
                                        + "  url: http://h\n"
                                        + "  sync-interval: 1s\n"
                                        + "  sync-batch-size: 500\n"
                                        + "  sync-concurrency: 16\n")
                        .controlPlane()
                        .orElseThrow();
        assertEquals(Duration.ofSeconds(1), cp.syncInterval());
        assertEquals(500, cp.syncBatchSize());
        assertEquals(16, cp.syncConcurrency());
        ControlPlane defaults = parse("token: t\n" + CP).controlPlane().orElseThrow();
        assertEquals(ControlPlane.DEFAULT_SYNC_BATCH_SIZE, defaults.syncBatchSize());
        assertEquals(ControlPlaneOptions.DEFAULT_SYNC_CONCURRENCY, defaults.syncConcurrency());
    }

    @Test
    void aSyncBatchSizeOrConcurrencyOutOfRangeIsRefusedNamingTheKey() {
        error(
                "token: t\ncontrol-plane:\n  url: http://h\n  sync-batch-size: 0\n",
                "control-plane.sync-batch-size",
                4,
                "from 1 to 10000");
        error(
                "token: t\ncontrol-plane:\n  url: http://h\n  sync-concurrency: 65\n",
                "control-plane.sync-concurrency",
                4,
                "from 1 to 64");
        error(
                "token: t\ncontrol-plane:\n  url: http://h\n  sync-concurrency: 2.5\n",
                "control-plane.sync-concurrency",
                4,
                "whole number");
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new ControlPlane(
                                URI.create("http://h"),
                                Duration.ZERO,
                                Optional.empty(),
                                Duration.ofSeconds(1),
                                100,
                                0));
    }

    @Test
    void theSingleTokenCaseKeepsItsDefaults() {
        ControlPlane cp = parse("token: t\n" + CP).controlPlane().orElseThrow();
        assertEquals(Optional.empty(), cp.leaseSize());
        assertEquals(ControlPlane.DEFAULT_SYNC_INTERVAL, cp.syncInterval());
        assertEquals(new ControlPlane(URI.create("http://127.0.0.1:1"), cp.keyCacheTtl()), cp);
    }

    @Test
    void readsAListOfAgents() {
        RouterConfig config =
                parse(
                        CP
                                + "agents:\n"
                                + "  - token: ${IC_TOKEN_A}\n"
                                + "  - { token: '${IC_TOKEN_B}', id: agent_7 }\n");
        assertEquals(
                List.of(
                        new Agent(TOKEN_A, Optional.empty()),
                        new Agent(TOKEN_B, Optional.of("agent_7"))),
                config.agents());
        assertEquals(Optional.empty(), config.token());
        assertFalse(config.toString().contains("SECRET"), config.toString());
        assertTrue(config.toString().contains("agent_7"));
    }

    @Test
    void agentMistakesNameTheKeyAndLine() {
        error(CP + "agents: { token: x }\n", "agents", 2, "must be a list");
        error(CP + "agents: []\n", "agents", 2, "lists no agent");
        error(CP + "agents:\n  - id: agent_1\n", "agents[0].token", 3, "needs its IC token");
        error(CP + "agents:\n  - { token: x, name: y }\n", "agents[0].name", 3, "unknown key");
        error(
                CP + "agents:\n  - token: ${IC_TOKEN_A}\n  - token: ${IC_TOKEN_A}\n",
                "agents[1].token",
                4,
                "already the token of agents[0]");
        error(
                CP + "agents:\n  - { token: a, id: x }\n  - { token: b, id: x }\n",
                "agents[1].id",
                4,
                "already used by agents[0]");
        error(CP + "agents:\n  - { token: a, id: 'a b' }\n", "agents[0].id", 3, "agent id");
        error(
                "token: t\n" + CP + "agents:\n  - token: a\n",
                "agents",
                3,
                "token and agents are both set");
        error(
                "providers: { openai: { key: sk-x } }\nagents:\n  - token: a\n",
                "agents",
                2,
                "agents are for server mode");
        error(CP, "token", 1, "or a list of agents");
    }

    @Test
    void providersWithAControlPlaneAreDirectKeysWithTheServer() {
        RouterConfig config =
                parse(
                        "token: ${IC_TOKEN_A}\n"
                                + "providers:\n"
                                + "  openai:\n"
                                + "    key: sk-proj-KEY-SECRET\n"
                                + "control-plane:\n"
                                + "  url: http://127.0.0.1:1\n"
                                + "  lease-usd: 2.50\n"
                                + "budget:\n"
                                + "  limit-usd: 1.00\n");
        assertEquals("sk-proj-KEY-SECRET", config.providers().values().iterator().next().secret());
        assertEquals(
                Optional.of(Money.ofMicros(2_500_000)), config.controlPlane().get().leaseSize());
        assertEquals(Optional.of(Money.ofMicros(1_000_000)), config.budget().limit());
        assertFalse(config.toString().contains("SECRET"), config.toString());
        RouterConfig agents =
                parse(
                        "providers: { openai: { key: sk-x } }\n"
                                + CP
                                + "agents:\n  - token: ${IC_TOKEN_A}\n");
        assertEquals(1, agents.agents().size());
        assertEquals(1, agents.providers().size());
    }

    @Test
    void directKeysWithTheServerRefuseAKeyCacheTtlAndStillNeedAToken() {
        error(
                "token: t\n"
                        + "providers: { openai: { key: sk-x } }\n"
                        + "control-plane:\n"
                        + "  url: http://h\n"
                        + "  key-cache-ttl: 60s\n",
                "control-plane.key-cache-ttl",
                5,
                "never fetched");
        error("providers: { openai: { key: sk-x } }\n" + CP, "token", 2, "needs token");
    }

    @Test
    void leaseAndSyncMistakesNameTheKeyAndLine() {
        error(
                "token: t\ncontrol-plane:\n  url: http://h\n  lease-usd: 0\n",
                "control-plane.lease-usd",
                4,
                "more than $0 and at most $100");
        error(
                "token: t\ncontrol-plane:\n  url: http://h\n  lease-usd: 100.01\n",
                "control-plane.lease-usd",
                4,
                "at most $100");
        error(
                "token: t\ncontrol-plane:\n  url: http://h\n  sync-interval: 0s\n",
                "control-plane.sync-interval",
                4,
                "longer than 0");
    }

    @Test
    void theRecordChecksAgents() {
        ControlPlane cp = new ControlPlane(URI.create("http://h"), Duration.ZERO);
        RouterConfig base = parse("token: t\n" + CP);
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new RouterConfig(
                                base.listen(),
                                "jdk",
                                Optional.empty(),
                                Map.of(),
                                Optional.of(cp),
                                base.budget(),
                                List.of(),
                                Optional.empty(),
                                base.timeouts(),
                                List.of(
                                        new Agent("a", Optional.empty()),
                                        new Agent("a", Optional.empty()))));
        assertThrows(IllegalArgumentException.class, () -> new Agent(" ", Optional.empty()));
        assertFalse(new Agent(TOKEN_A, Optional.empty()).toString().contains("SECRET"));
    }
}
