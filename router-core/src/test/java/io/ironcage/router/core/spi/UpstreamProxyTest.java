package io.ironcage.router.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpstreamProxyTest {
    private static final URI OPENAI = URI.create("https://api.openai.com/v1/chat/completions");
    private static final URI LOOPBACK = URI.create("http://127.0.0.1:8080/v1/messages");

    @Test
    void oneProxyServesBothSchemesAndParsesCredentials() {
        UpstreamProxy proxy =
                UpstreamProxy.of("http://alice:s%3Acret@proxy.corp:3128", null, null, List.of());
        UpstreamProxy.Server server = proxy.select(OPENAI).orElseThrow();
        assertEquals("proxy.corp", server.host());
        assertEquals(3128, server.port());
        assertEquals("proxy.corp:3128", server.address());
        assertEquals(Optional.of("alice"), server.username());
        assertEquals(Optional.of("s:cret"), server.password());
        assertEquals(Optional.of("Basic YWxpY2U6czpjcmV0"), server.authorization());
        assertEquals(server, proxy.select(LOOPBACK).orElseThrow(), "loopback is proxied too");
    }

    @Test
    void explicitCredentialsOverrideTheUrlsAndThePortDefaultsTo80() {
        UpstreamProxy.Server server =
                UpstreamProxy.of("http://proxy.corp", "bob", "pw", List.of())
                        .select(OPENAI)
                        .orElseThrow();
        assertEquals(80, server.port());
        assertEquals(Optional.of("bob"), server.username());
        assertEquals(Optional.of("pw"), server.password());
    }

    @Test
    void toStringAndErrorsNeverShowThePassword() {
        UpstreamProxy proxy =
                UpstreamProxy.of("http://proxy.corp:3128", "bob", "hunter2", List.of());
        assertFalse(proxy.toString().contains("hunter2"), proxy.toString());
        assertTrue(proxy.toString().contains("bob:***@proxy.corp:3128"), proxy.toString());
        IllegalArgumentException bad =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                UpstreamProxy.of(
                                        "https://bob:hunter2@proxy.corp", null, null, List.of()));
        assertFalse(bad.getMessage().contains("hunter2"), bad.getMessage());
        assertTrue(bad.getMessage().contains("http://"), bad.getMessage());
    }

    @Test
    void invalidUrlsAreRefused() {
        for (String url :
                List.of("socks5://proxy:1080", "http://", "http://proxy:3128/path", "::")) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> UpstreamProxy.of(url, null, null, List.of()),
                    url);
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> UpstreamProxy.of("http://proxy:1", null, null, List.of("a b")));
        assertThrows(
                IllegalArgumentException.class,
                () -> UpstreamProxy.of("http://proxy:1", null, "pw", List.of()));
    }

    @Test
    void noProxyMatchesHostsSuffixesIpsPortsAndStar() {
        UpstreamProxy proxy =
                UpstreamProxy.of(
                        "http://proxy:3128",
                        null,
                        null,
                        List.of("example.com", ".internal", "10.0.0.1", "[::1]", "local:8080"));
        assertTrue(direct(proxy, "https://example.com/"));
        assertTrue(direct(proxy, "https://api.EXAMPLE.com/"));
        assertFalse(direct(proxy, "https://notexample.com/"));
        assertTrue(direct(proxy, "http://a.internal/"));
        assertTrue(direct(proxy, "http://internal/"));
        assertTrue(direct(proxy, "http://10.0.0.1:9000/"));
        assertFalse(direct(proxy, "http://10.0.0.11/"));
        assertTrue(direct(proxy, "http://[::1]:8080/"));
        assertTrue(direct(proxy, "http://local:8080/"));
        assertFalse(direct(proxy, "http://local:8081/"));
        assertFalse(direct(proxy, "https://api.openai.com/"));
        assertTrue(
                direct(
                        UpstreamProxy.of("http://proxy:3128", null, null, List.of("*")),
                        "https://x/"));
    }

    @Test
    void environmentVariablesPickAProxyPerSchemeWithLowerCaseFirst() {
        Map<String, String> env =
                Map.of(
                        "https_proxy", "http://u:p@secure-proxy:8443",
                        "HTTPS_PROXY", "http://ignored:1",
                        "HTTP_PROXY", "plain-proxy:3128",
                        "NO_PROXY", "localhost, .corp");
        UpstreamProxy proxy = UpstreamProxy.fromEnvironment(env::get, key -> null);
        assertEquals("secure-proxy:8443", proxy.select(OPENAI).orElseThrow().address());
        assertEquals(Optional.of("p"), proxy.select(OPENAI).orElseThrow().password());
        assertEquals(
                "plain-proxy:3128",
                proxy.select(URI.create("http://example.org/")).orElseThrow().address());
        assertTrue(direct(proxy, "http://localhost:1234/"));
        assertTrue(direct(proxy, "https://git.corp/"));
        assertEquals(List.of("localhost", ".corp"), proxy.noProxy());
    }

    @Test
    void anInvalidVariableNamesItselfAndNotItsPassword() {
        Map<String, String> env = Map.of("HTTPS_PROXY", "ftp://u:topsecret@proxy:21");
        IllegalArgumentException bad =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> UpstreamProxy.fromEnvironment(env::get, key -> null));
        assertTrue(bad.getMessage().contains("HTTPS_PROXY"), bad.getMessage());
        assertFalse(bad.getMessage().contains("topsecret"), bad.getMessage());
    }

    @Test
    void jdkPropertiesApplyWhenNoVariableIsSetAndKeepTheJdkNonProxyDefault() {
        Map<String, String> props =
                Map.of("https.proxyHost", "jdk-proxy", "https.proxyPort", "8080");
        UpstreamProxy proxy = UpstreamProxy.fromEnvironment(key -> null, props::get);
        assertEquals("jdk-proxy:8080", proxy.select(OPENAI).orElseThrow().address());
        assertTrue(direct(proxy, "http://example.org/"), "no http.proxyHost: http goes direct");
        assertTrue(direct(proxy, "https://127.0.0.1:9/"), "the JDK's default skips loopback");
        Map<String, String> listed =
                Map.of(
                        "http.proxyHost", "jdk-proxy",
                        "http.nonProxyHosts", "*.corp|example.org");
        UpstreamProxy plain = UpstreamProxy.fromEnvironment(key -> null, listed::get);
        assertEquals(80, plain.select(LOOPBACK).orElseThrow().port());
        assertTrue(direct(plain, "http://git.corp/"));
        assertTrue(direct(plain, "http://example.org/"));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        UpstreamProxy.fromEnvironment(
                                key -> null,
                                Map.of("http.proxyHost", "p", "http.proxyPort", "x")::get));
    }

    @Test
    void nothingSetIsNone() {
        UpstreamProxy proxy = UpstreamProxy.fromEnvironment(key -> null, key -> null);
        assertTrue(proxy.isNone());
        assertEquals(UpstreamProxy.none(), proxy);
        assertTrue(direct(proxy, "https://api.openai.com/"));
    }

    private static boolean direct(UpstreamProxy proxy, String uri) {
        return proxy.select(URI.create(uri)).isEmpty();
    }
}
