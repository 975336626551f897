package io.ironcage.router.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ConfigException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code providers.<id>.keys}: a pool of keys instead of one {@code key}. */
class KeyPoolConfigTest {
    private static final String KEY_A = "sk-proj-A-SECRET";
    private static final String KEY_B = "sk-proj-B-SECRET";
    private static final String ANT = "sk-ant-C-SECRET";
    private static final Map<String, String> ENV =
            Map.of(
                    "OPENAI_KEY_A", KEY_A,
                    "OPENAI_KEY_B", KEY_B,
                    "SAME_AS_A", KEY_A,
                    "ANT_KEY", ANT,
                    "EMPTY", "");

    private static RouterConfig parse(String providers) {
        return RouterConfigLoader.parse("token: t\n" + providers, ENV, "router.yaml");
    }

    private static ConfigException error(String providers, String key, String... fragments) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(providers));
        assertEquals(key, e.key(), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), e.getMessage());
        }
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertFalse(trace.toString().contains("SECRET"), trace.toString());
        return e;
    }

    @Test
    void aKeysListIsAPoolWithEnvironmentVariablesExpanded() {
        RouterConfig config =
                parse(
                        "providers:\n"
                                + "  openai:\n"
                                + "    keys: [ \"${OPENAI_KEY_A}\", \"${OPENAI_KEY_B}\" ]\n"
                                + "    base-url: http://127.0.0.1:9/\n"
                                + "  anthropic: { key: \"${ANT_KEY}\" }\n");
        Optional<URI> base = Optional.of(URI.create("http://127.0.0.1:9"));
        ProviderKey a = new ProviderKey(ProviderType.OPENAI, KEY_A, base);
        ProviderKey b = new ProviderKey(ProviderType.OPENAI, KEY_B, base);
        ProviderKey ant = new ProviderKey(ProviderType.ANTHROPIC, ANT, Optional.empty());
        assertEquals(
                Map.of(ProviderType.OPENAI, List.of(a, b), ProviderType.ANTHROPIC, List.of(ant)),
                config.providerKeyPools());
        // the compatibility view: each provider's first key
        assertEquals(
                Map.of(ProviderType.OPENAI, a, ProviderType.ANTHROPIC, ant), config.providers());
        assertTrue(config.hasKeyPools());
        assertFalse(config.toString().contains("SECRET"), config.toString());
    }

    @Test
    void blockStyleAndAOneKeyListWork() {
        RouterConfig config = parse("providers:\n  openai:\n    keys:\n      - ${OPENAI_KEY_A}\n");
        assertEquals(List.of(KEY_A), secrets(config.providerKeyPools().get(ProviderType.OPENAI)));
        assertFalse(config.hasKeyPools(), "one key is no pool");
        RouterConfig single = parse("providers: { openai: { key: \"${OPENAI_KEY_A}\" } }\n");
        assertEquals(
                Map.of(ProviderType.OPENAI, List.of(single.providers().get(ProviderType.OPENAI))),
                single.providerKeyPools());
        assertFalse(single.hasKeyPools());
    }

    @Test
    void keyAndKeysTogetherAreAnErrorNamingKeys() {
        error(
                "providers:\n  openai:\n    key: \"${OPENAI_KEY_A}\"\n    keys: [ \"${OPENAI_KEY_B}\" ]\n",
                "providers.openai.keys",
                "line 5",
                "both key and keys");
    }

    @Test
    void anEmptyOrMalformedListIsAnError() {
        error("providers: { openai: { keys: [] } }\n", "providers.openai.keys", "no key");
        error(
                "providers: { openai: { keys: \"${OPENAI_KEY_A}\" } }\n",
                "providers.openai.keys",
                "must be a list",
                "a string");
        error("providers: { openai: { keys: } }\n", "providers.openai.keys", "must be a list");
        error(
                "providers: { openai: { keys: [ { k: v } ] } }\n",
                "providers.openai.keys[0]",
                "expected a string");
        error(
                "providers: { openai: { keys: [ \"${OPENAI_KEY_A}\", \"${EMPTY}\" ] } }\n",
                "providers.openai.keys[1]",
                "empty",
                "environment variable");
        error("providers: { openai: { base-url: 'http://h' } }\n", "providers.openai.key", "keys");
    }

    @Test
    void aRepeatedKeyIsAnErrorThatDoesNotShowIt() {
        error(
                "providers: { openai: { keys: [ \"${OPENAI_KEY_A}\", \"${OPENAI_KEY_B}\","
                        + " \"${SAME_AS_A}\" ] } }\n",
                "providers.openai.keys[2]",
                "the same as providers.openai.keys[0]",
                "not shown");
    }

    @Test
    void eachKeyIsCheckedLikeKey() {
        error(
                "providers: { openai: { keys: [ \"${OPENAI_KEY_A}\", \"${ANT_KEY}\" ] } }\n",
                "providers.openai.keys[1]",
                "looks like an Anthropic key");
        error(
                "providers: { openai: { keys: [ \"${OPENAI_KEY_A}\" ], extra: 1 } }\n",
                "providers.openai.extra",
                "key, keys, base-url");
    }

    @Test
    void theRecordChecksItsPools() {
        RouterConfig config =
                parse(
                        "providers: { openai: { keys: [ \"${OPENAI_KEY_A}\", \"${OPENAI_KEY_B}\" ] } }\n");
        ProviderKey a = config.providers().get(ProviderType.OPENAI);
        ProviderKey b = config.providerKeyPools().get(ProviderType.OPENAI).get(1);
        ProviderKey ant = ProviderKey.of(ANT);
        assertThrows(
                IllegalArgumentException.class,
                () -> withPools(config, Map.of(ProviderType.OPENAI, List.of(b, a))));
        assertThrows(
                IllegalArgumentException.class,
                () -> withPools(config, Map.of(ProviderType.OPENAI, List.of())));
        assertThrows(
                IllegalArgumentException.class,
                () -> withPools(config, Map.of(ProviderType.OPENAI, List.of(a, b, b))));
        assertThrows(
                IllegalArgumentException.class,
                () -> withPools(config, Map.of(ProviderType.OPENAI, List.of(a, ant))));
        assertThrows(
                IllegalArgumentException.class,
                () -> withPools(config, Map.of(ProviderType.ANTHROPIC, List.of(ant))));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> withPools(config, Map.of(ProviderType.OPENAI, List.of(a, b, b))));
        assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
        // the constructors without pools give each provider a pool of its one key
        RouterConfig plain = withPools(config, Map.of());
        assertEquals(Map.of(ProviderType.OPENAI, List.of(a)), plain.providerKeyPools());
        assertEquals(config, withPools(config, config.providerKeyPools()));
    }

    private static RouterConfig withPools(
            RouterConfig c, Map<ProviderType, List<ProviderKey>> pools) {
        return new RouterConfig(
                c.listen(),
                c.transport(),
                c.token(),
                c.providers(),
                c.controlPlane(),
                c.budget(),
                c.pricingOverrides(),
                c.analyticsSqlite(),
                c.timeouts(),
                c.agents(),
                c.server(),
                c.upstreamProxy(),
                c.resilience(),
                pools);
    }

    private static List<String> secrets(List<ProviderKey> keys) {
        return keys.stream().map(ProviderKey::secret).toList();
    }
}
