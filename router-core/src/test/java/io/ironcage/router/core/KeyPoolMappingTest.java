package io.ironcage.router.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.config.RouterConfig;
import io.ironcage.router.core.config.RouterConfigLoader;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.spi.TransportProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a {@code keys:} pool in {@code router.yaml} makes of the builder's key source. */
class KeyPoolMappingTest {
    private static final Map<String, String> ENV =
            Map.of("A", "sk-proj-A-SECRET", "B", "sk-proj-B-SECRET");

    private static LlmRouter.Builder builder(String providers) {
        RouterConfig config =
                RouterConfigLoader.parse("token: t\n" + providers, ENV, "router.yaml");
        return ConfigMapping.builder(config, NO_TRANSPORT);
    }

    /** Never asked for anything: these tests do not start the router. */
    private static final TransportProvider NO_TRANSPORT =
            new TransportProvider() {
                @Override
                public String name() {
                    return "none";
                }

                @Override
                public ServerTransport serverTransport() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public HttpTransport httpTransport(Duration connectTimeout) {
                    throw new UnsupportedOperationException();
                }
            };

    @Test
    void aKeysListBuildsAPoolOnTheRoutersClock() {
        LlmRouter.Builder builder =
                builder("providers: { openai: { keys: [ \"${A}\", \"${B}\" ] } }\n");
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        // the clock is set after the mapping, as a test would: the pool still runs on it
        builder.clock(Clock.fixed(start, ZoneOffset.UTC));
        ProviderKeySource keys = builder.keySource();
        assertTrue(keys.toString().startsWith("ProviderKeySource.pooled"), keys.toString());
        assertFalse(keys.toString().contains("SECRET"), keys.toString());
        ProviderKey first = keys.key(ProviderType.OPENAI).orElseThrow();
        ProviderKey second = keys.key(ProviderType.OPENAI).orElseThrow();
        assertEquals("sk-proj-A-SECRET", first.secret());
        assertEquals("sk-proj-B-SECRET", second.secret());
        keys.coolDown(first, Duration.ofSeconds(30));
        assertEquals(Duration.ofSeconds(30), keys.coolingFor(first), "on the fixed clock");
        assertEquals(second, keys.key(ProviderType.OPENAI).orElseThrow());
        assertEquals(second, keys.key(ProviderType.OPENAI).orElseThrow());
    }

    @Test
    void oneKeyStaysFixedAndProviderKeysReplacesThePool() {
        ProviderKeySource single =
                builder("providers: { openai: { key: \"${A}\" } }\n").keySource();
        assertTrue(single.toString().startsWith("ProviderKeySource.fixed"), single.toString());
        ProviderKeySource mine = ProviderKeySource.fixed(ProviderKey.of("sk-proj-mine"));
        LlmRouter.Builder builder =
                builder("providers: { openai: { keys: [ \"${A}\", \"${B}\" ] } }\n")
                        .providerKeys(mine);
        assertEquals(mine, builder.keySource());
    }
}
