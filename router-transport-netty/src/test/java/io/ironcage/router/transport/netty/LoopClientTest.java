package io.ironcage.router.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UpstreamProxy;
import io.ironcage.router.testkit.FakeForwardProxy;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plain-Netty client that carries whole answers ({@link LoopClient}): TLS with host-name
 * verification, the per-upstream connection limit, idle pooled connections closed.
 */
class LoopClientTest {
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir Path dir;

    private static HttpTransport.Request get(URI uri) {
        return new HttpTransport.Request(
                "GET", uri, HeaderMap.empty(), null, Duration.ofSeconds(5));
    }

    @Test
    void httpsUpstreamsAreCalledWithTlsAndTheirHostNameIsVerified() throws Exception {
        KeyStore keys = selfSigned(); // for dns:localhost only
        X509Certificate certificate = (X509Certificate) keys.getCertificate("upstream");
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger handshakes = new AtomicInteger();
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls(keys)));
        server.createContext(
                "/",
                exchange -> {
                    byte[] body = ("secure " + exchange.getRequestURI()).getBytes();
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                    exchange.close();
                });
        server.start();
        int port = server.getAddress().getPort();
        try (HttpTransport trusting =
                        new NettyHttpTransport(
                                Duration.ofSeconds(2),
                                NettyTransportOptions.defaults(),
                                new EventLoops("tls-test", 1),
                                () -> {
                                    handshakes.incrementAndGet();
                                    try {
                                        return SslContextBuilder.forClient()
                                                .trustManager(certificate)
                                                .build();
                                    } catch (SSLException e) {
                                        throw new IllegalStateException(e);
                                    }
                                });
                HttpTransport defaults =
                        new NettyTransportProvider().httpTransport(Duration.ofSeconds(2))) {
            for (String path : new String[] {"/one?x=1", "/two"}) {
                HttpTransport.Response answer =
                        trusting.send(get(URI.create("https://localhost:" + port + path)));
                assertEquals(200, answer.status());
                assertEquals("secure " + path, new String(answer.body(), StandardCharsets.UTF_8));
            }
            HttpTransport.Response async =
                    trusting.sendAsync(
                                    get(URI.create("https://localhost:" + port + "/three")), null)
                            .toCompletableFuture()
                            .get(5, TimeUnit.SECONDS);
            assertEquals("secure /three", new String(async.body(), StandardCharsets.UTF_8));
            assertEquals(1, handshakes.get(), "one TLS context, made on first use");

            // the certificate names localhost, not 127.0.0.1: refused although trusted
            ForwardException wrongName =
                    assertThrows(
                            ForwardException.class,
                            () ->
                                    trusting.send(
                                            get(URI.create("https://127.0.0.1:" + port + "/x"))));
            assertTrue(
                    wrongName.getMessage().contains("127.0.0.1:" + port), wrongName.getMessage());

            // the JDK's default trust store does not know a self-signed certificate
            ForwardException untrusted =
                    assertThrows(
                            ForwardException.class,
                            () -> defaults.send(get(URI.create("https://localhost:" + port))));
            assertTrue(
                    untrusted.getMessage().contains("localhost:" + port), untrusted.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aRequestOverTheConnectionLimitWaitsForAConnection() throws Exception {
        try (KeepAliveUpstream upstream = KeepAliveUpstream.answering(Duration.ofMillis(100));
                HttpTransport transport =
                        new NettyTransportProvider(
                                        NettyTransportOptions.builder()
                                                .maxConnectionsPerHost(1)
                                                .build())
                                .httpTransport(Duration.ofSeconds(2))) {
            URI uri = upstream.uri("/v1/models");
            List<CompletableFuture<HttpTransport.Response>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(transport.sendAsync(get(uri), null).toCompletableFuture());
            }
            for (CompletableFuture<HttpTransport.Response> call : calls) {
                assertEquals(200, call.get(10, TimeUnit.SECONDS).status());
            }
            assertEquals(1, upstream.accepted(), "one connection, taken in turn");
        }
    }

    @Test
    void aRequestAtTheLimitIsServedByAConnectionIdleOnAnotherLoop() throws Exception {
        try (KeepAliveUpstream upstream = KeepAliveUpstream.answering(Duration.ZERO);
                HttpTransport transport =
                        new NettyTransportProvider(
                                        NettyTransportOptions.builder()
                                                .eventLoopThreads(2)
                                                .maxConnectionsPerHost(1)
                                                .build())
                                .httpTransport(Duration.ofSeconds(2))) {
            // streams opened from this thread take the loops in turn; the one connection
            // idles on the loop of the stream before, never on the next stream's own
            for (int i = 0; i < 4; i++) {
                long start = System.nanoTime();
                try (HttpTransport.StreamingResponse stream =
                        transport.open(get(upstream.uri("/v1/models")))) {
                    assertEquals(
                            "ok", new String(stream.read().orElseThrow(), StandardCharsets.UTF_8));
                    assertTrue(stream.read().isEmpty());
                }
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis < 1_000, "stream " + i + " waited " + millis + " ms");
            }
            assertEquals(1, upstream.accepted(), "the one connection served every stream");
        }
    }

    @Test
    void aPooledConnectionIdleForTooLongIsClosed() throws Exception {
        try (KeepAliveUpstream upstream = KeepAliveUpstream.answering(Duration.ZERO);
                HttpTransport transport =
                        new NettyTransportProvider(
                                        NettyTransportOptions.builder()
                                                .connectionMaxIdleTime(Duration.ofMillis(200))
                                                .build())
                                .httpTransport(Duration.ofSeconds(2))) {
            URI uri = upstream.uri("/v1/models");
            assertEquals(200, transport.send(get(uri)).status());
            assertTrue(
                    upstream.awaitClosedByClient(1, Duration.ofSeconds(5)),
                    "the idle connection was not closed");
            assertEquals(200, transport.send(get(uri)).status(), "a new connection serves");
            assertEquals(2, upstream.accepted());
        }
    }

    @Test
    void aStreamReadToItsEndGivesItsConnectionBackAndOneClosedEarlyDoesNot() throws Exception {
        try (KeepAliveUpstream upstream = KeepAliveUpstream.answering(Duration.ZERO);
                HttpTransport transport =
                        new NettyTransportProvider(
                                        NettyTransportOptions.builder()
                                                .eventLoopThreads(1) // one pool: reuse is certain
                                                .build())
                                .httpTransport(Duration.ofSeconds(2))) {
            try (HttpTransport.StreamingResponse whole =
                    transport.open(get(upstream.uri("/v1/models")))) {
                assertEquals("ok", new String(whole.read().orElseThrow(), StandardCharsets.UTF_8));
                assertTrue(whole.read().isEmpty());
            }
            assertEquals(200, transport.send(get(upstream.uri("/v1/models"))).status());
            assertEquals(1, upstream.accepted(), "the stream's connection served the next call");

            try (HttpTransport.StreamingResponse cut =
                    transport.open(get(upstream.uri("/stream")))) {
                assertEquals("hi", new String(cut.read().orElseThrow(), StandardCharsets.UTF_8));
            } // closed before its end
            assertEquals(200, transport.send(get(upstream.uri("/v1/models"))).status());
            assertEquals(
                    2, upstream.accepted(), "a stream closed early does not go back to the pool");
        }
    }

    @Test
    void httpsUpstreamsThroughAProxyGoThroughOneConnectTunnelWithBasicCredentials()
            throws Exception {
        KeyStore keys = selfSigned();
        X509Certificate certificate = (X509Certificate) keys.getCertificate("upstream");
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls(keys)));
        server.createContext(
                "/",
                exchange -> {
                    byte[] body = ("tunnelled " + exchange.getRequestURI()).getBytes();
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                    exchange.close();
                });
        server.start();
        int port = server.getAddress().getPort();
        try (FakeForwardProxy proxy = FakeForwardProxy.start().requireCredentials("alice", "pw");
                HttpTransport client =
                        new NettyHttpTransport(
                                Duration.ofSeconds(2),
                                NettyTransportOptions.defaults(),
                                new EventLoops("tunnel-test", 1),
                                () -> {
                                    try {
                                        return SslContextBuilder.forClient()
                                                .trustManager(certificate)
                                                .build();
                                    } catch (SSLException e) {
                                        throw new IllegalStateException(e);
                                    }
                                },
                                UpstreamProxy.of(proxy.url(), "alice", "pw", List.of()))) {
            for (String path : new String[] {"/one", "/two"}) {
                HttpTransport.Response answer =
                        client.send(get(URI.create("https://localhost:" + port + path)));
                assertEquals(200, answer.status());
                assertEquals(
                        "tunnelled " + path, new String(answer.body(), StandardCharsets.UTF_8));
            }
            List<FakeForwardProxy.Seen> seen = proxy.seen();
            assertEquals(1, seen.size(), "the tunnel is pooled: " + seen);
            assertEquals("CONNECT", seen.get(0).method());
            assertEquals("localhost:" + port, seen.get(0).target(), "the proxy resolves the name");
            assertEquals(
                    "Basic " + java.util.Base64.getEncoder().encodeToString("alice:pw".getBytes()),
                    seen.get(0).proxyAuthorization().orElseThrow());
        } finally {
            server.stop(0);
        }
    }

    /** A key store with a self-signed certificate for {@code localhost}, made by keytool. */
    private KeyStore selfSigned() throws Exception {
        Path store = dir.resolve("upstream.p12");
        Process keytool =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "keytool")
                                        .toString(),
                                "-genkeypair",
                                "-alias",
                                "upstream",
                                "-keyalg",
                                "EC",
                                "-groupname",
                                "secp256r1",
                                "-dname",
                                "CN=localhost",
                                "-ext",
                                "san=dns:localhost",
                                "-validity",
                                "2",
                                "-storetype",
                                "PKCS12",
                                "-keystore",
                                store.toString(),
                                "-storepass",
                                new String(PASSWORD))
                        .redirectErrorStream(true)
                        .start();
        String output;
        try (InputStream in = keytool.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(keytool.waitFor(30, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, keytool.exitValue(), output);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD);
        }
        return keys;
    }

    private static SSLContext serverTls(KeyStore keys) throws Exception {
        KeyManagerFactory factory =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }
}
