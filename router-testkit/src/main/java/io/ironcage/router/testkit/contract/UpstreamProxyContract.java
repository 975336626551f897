package io.ironcage.router.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.errors.ProxyException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UpstreamProxy;
import io.ironcage.router.testkit.FakeForwardProxy;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link HttpTransport} must do with an outbound proxy ({@link UpstreamProxy}), checked
 * against {@link FakeForwardProxy} and {@link FakeProvider} on loopback. Extend it and return a new
 * client from {@link #transport(Duration, UpstreamProxy)}.
 *
 * <p>The contract: an {@code http} upstream is called with an absolute-form request through the
 * proxy, with Basic {@code Proxy-Authorization} when the proxy has credentials, and loopback is
 * proxied unless {@code no-proxy} lists it; an {@code https} upstream is reached through {@code
 * CONNECT host:port}; a proxy that refuses ({@code 407}, {@code 403}) or cannot be reached fails
 * the call with a {@link ProxyException} naming the proxy's {@code host:port} and never its
 * password.
 */
public abstract class UpstreamProxyContract {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String SECRET = "pr0xy-s3cret";

    private FakeProvider provider;
    private FakeForwardProxy proxy;

    /** For subclasses. */
    protected UpstreamProxyContract() {}

    /**
     * Returns a new client under test that calls upstreams through the proxy.
     *
     * @param connectTimeout the connect timeout
     * @param proxy the proxy
     * @return the client; the kit closes it
     */
    protected abstract HttpTransport transport(Duration connectTimeout, UpstreamProxy proxy);

    /** Starts the fakes. */
    @BeforeEach
    void startFakes() {
        provider = FakeProvider.openAi().start();
        proxy = FakeForwardProxy.start();
    }

    /** Closes the fakes. */
    @AfterEach
    void closeFakes() {
        proxy.close();
        provider.close();
    }

    private HttpTransport.Request chat(URI base) {
        return new HttpTransport.Request(
                "POST",
                URI.create(base + "/v1/chat/completions"),
                HeaderMap.of("content-type", "application/json", "authorization", "Bearer sk-t"),
                "{\"model\":\"gpt-4o\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8),
                WAIT);
    }

    private URI httpsTwin() {
        URI plain = provider.baseUri();
        return URI.create("https://127.0.0.1:" + plain.getPort());
    }

    @Test
    void anHttpUpstreamIsCalledInAbsoluteFormWithBasicCredentials() {
        proxy.requireCredentials("alice", SECRET);
        UpstreamProxy settings = UpstreamProxy.of(proxy.url(), "alice", SECRET, List.of());
        try (HttpTransport transport = transport(Duration.ofSeconds(2), settings)) {
            HttpTransport.Response response = transport.send(chat(provider.baseUri()));
            assertEquals(200, response.status());
        }
        FakeForwardProxy.Seen seen = proxy.awaitSeen(1, WAIT).get(0);
        assertEquals("POST", seen.method());
        assertEquals(provider.baseUri() + "/v1/chat/completions", seen.target());
        assertEquals(200, seen.status());
        RecordedRequest arrived = provider.takeRequest(WAIT);
        assertEquals("/v1/chat/completions", arrived.path());
        assertTrue(arrived.header("proxy-authorization").isEmpty(), "not sent past the proxy");
        assertEquals("Bearer sk-t", arrived.header("authorization").orElseThrow());
    }

    @Test
    void wrongCredentialsAreAProxyFailureNamingTheProxyButNotThePassword() {
        proxy.requireCredentials("alice", "the-right-one");
        UpstreamProxy settings = UpstreamProxy.of(proxy.url(), "alice", SECRET, List.of());
        try (HttpTransport transport = transport(Duration.ofSeconds(2), settings)) {
            ProxyException failure =
                    assertThrows(
                            ProxyException.class, () -> transport.send(chat(provider.baseUri())));
            assertEquals(407, failure.status());
            assertEquals("127.0.0.1:" + proxy.port(), failure.proxy());
            assertEquals(ForwardException.Kind.CONNECT, failure.kind());
            assertTrue(failure.getMessage().contains("127.0.0.1:" + proxy.port()));
            assertFalse(failure.getMessage().contains(SECRET), failure.getMessage());
        }
    }

    @Test
    void anHttpsUpstreamIsReachedThroughConnectAndARefusalIsAProxyFailure() {
        proxy.refuseAll();
        UpstreamProxy settings = UpstreamProxy.of(proxy.url(), null, null, List.of());
        try (HttpTransport transport = transport(Duration.ofSeconds(2), settings)) {
            ProxyException failure =
                    assertThrows(ProxyException.class, () -> transport.send(chat(httpsTwin())));
            assertEquals(403, failure.status());
            assertEquals("127.0.0.1:" + proxy.port(), failure.proxy());
        }
        FakeForwardProxy.Seen seen = proxy.awaitSeen(1, WAIT).get(0);
        assertEquals("CONNECT", seen.method());
        assertEquals("127.0.0.1:" + provider.baseUri().getPort(), seen.target());
    }

    @Test
    void anUnreachableProxyIsAProxyFailureNamingIt() {
        int closed = closedPort();
        UpstreamProxy settings =
                UpstreamProxy.of(
                        "http://u:" + SECRET + "@127.0.0.1:" + closed, null, null, List.of());
        try (HttpTransport transport = transport(Duration.ofSeconds(2), settings)) {
            ProxyException failure =
                    assertThrows(
                            ProxyException.class, () -> transport.send(chat(provider.baseUri())));
            assertEquals(0, failure.status());
            assertEquals("127.0.0.1:" + closed, failure.proxy());
            assertFalse(failure.getMessage().contains(SECRET), failure.getMessage());
        }
    }

    @Test
    void noProxyHostsAreCalledDirectly() {
        UpstreamProxy settings = UpstreamProxy.of(proxy.url(), null, null, List.of("127.0.0.1"));
        try (HttpTransport transport = transport(Duration.ofSeconds(2), settings)) {
            assertEquals(200, transport.send(chat(provider.baseUri())).status());
        }
        assertEquals(1, provider.requestCount());
        assertTrue(proxy.seen().isEmpty(), "the proxy saw " + proxy.seen());
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
