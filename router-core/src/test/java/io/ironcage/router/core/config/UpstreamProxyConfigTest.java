package io.ironcage.router.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.errors.ConfigException;
import io.ironcage.router.core.spi.UpstreamProxy;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The {@code upstream-proxy} section of {@code router.yaml}. */
class UpstreamProxyConfigTest {
    private static final String PASSWORD = "pr0xy-SECRET";
    private static final String MINIMAL = "providers: { openai: { key: sk-test } }\ntoken: ic-t\n";

    private static RouterConfig parse(String yaml) {
        return RouterConfigLoader.parse(
                MINIMAL + yaml, Map.of("PROXY_PASSWORD", PASSWORD), "router.yaml");
    }

    private static ConfigException error(String yaml, String key) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertEquals(key, e.key(), e.getMessage());
        assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
        return e;
    }

    @Test
    void absentMeansTheEnvironmentDecides() {
        assertEquals(Optional.empty(), parse("").upstreamProxy());
    }

    @Test
    void readsUrlCredentialsAndNoProxy() {
        RouterConfig config =
                parse(
                        String.join(
                                "\n",
                                "upstream-proxy:",
                                "  url: http://proxy.corp:3128",
                                "  username: alice",
                                "  password: ${PROXY_PASSWORD}",
                                "  no-proxy: [localhost, .corp, '10.0.0.1:8080']",
                                ""));
        UpstreamProxy proxy = config.upstreamProxy().orElseThrow();
        UpstreamProxy.Server server =
                proxy.select(URI.create("https://api.openai.com/")).orElseThrow();
        assertEquals("proxy.corp:3128", server.address());
        assertEquals(Optional.of("alice"), server.username());
        assertEquals(Optional.of(PASSWORD), server.password());
        assertEquals(List.of("localhost", ".corp", "10.0.0.1:8080"), proxy.noProxy());
        assertTrue(proxy.select(URI.create("http://git.corp/")).isEmpty());
        assertFalse(config.toString().contains(PASSWORD), config.toString());
    }

    @Test
    void invalidValuesAreErrorsNamingTheKey() {
        error("upstream-proxy:\n  username: alice\n", "upstream-proxy");
        error("upstream-proxy:\n  url: socks5://proxy:1080\n", "upstream-proxy.url");
        error(
                "upstream-proxy:\n  url: 'https://u:${PROXY_PASSWORD}@proxy:1'\n",
                "upstream-proxy.url");
        error("upstream-proxy:\n  url: ''\n", "upstream-proxy.url");
        error(
                "upstream-proxy:\n  url: http://proxy:1\n  password: ${PROXY_PASSWORD}\n",
                "upstream-proxy.password");
        error(
                "upstream-proxy:\n  url: http://proxy:1\n  no-proxy: localhost\n",
                "upstream-proxy.no-proxy");
        error(
                "upstream-proxy:\n  url: http://proxy:1\n  no-proxy: ['a b']\n",
                "upstream-proxy.no-proxy");
        error("upstream-proxy:\n  url: http://proxy:1\n  port: 3\n", "upstream-proxy.port");
    }
}
