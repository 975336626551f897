package io.ironcage.router.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.FakeProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class NettyTransportProviderTest {
    @Test
    void serviceLoaderFindsItByName() {
        TransportProvider provider = TransportProvider.load("netty");
        assertInstanceOf(NettyTransportProvider.class, provider);
        assertEquals("netty", provider.name());
    }

    @Test
    void serviceLoaderFindsItAsTheOnlyTransport() {
        assertInstanceOf(NettyTransportProvider.class, TransportProvider.loadOnly());
    }

    @Test
    void rejectsANonPositiveConnectTimeout() {
        NettyTransportProvider provider = new NettyTransportProvider();
        assertThrows(IllegalArgumentException.class, () -> provider.httpTransport(Duration.ZERO));
        assertThrows(
                IllegalArgumentException.class,
                () -> provider.httpTransport(Duration.ofSeconds(-1)));
    }

    @Test
    void aProvidersServerAndClientShareOneEventLoopUntilTheLastCloses() throws Exception {
        NettyTransportProvider provider =
                new NettyTransportProvider(
                        NettyTransportOptions.defaults().toBuilder().eventLoopThreads(1).build());
        List<String> threads = new CopyOnWriteArrayList<>();
        try (FakeProvider upstream = FakeProvider.openAi().start()) {
            HttpTransport client = provider.httpTransport(Duration.ofSeconds(2));
            HttpTransport.Request call =
                    new HttpTransport.Request(
                            "POST",
                            URI.create(upstream.baseUri() + "/v1/chat/completions"),
                            HeaderMap.of("content-type", "application/json"),
                            "{\"model\":\"gpt-4o\",\"messages\":[]}"
                                    .getBytes(StandardCharsets.UTF_8),
                            Duration.ofSeconds(5));
            ProxyHandler proxy =
                    new ProxyHandler() {
                        @Override
                        public CompletionStage<Void> handle(
                                ProxyRequest request, ResponseSink response, Executor workers) {
                            threads.add(Thread.currentThread().getName());
                            return client.sendAsync(call, workers)
                                    .thenAccept(
                                            answer -> {
                                                threads.add(Thread.currentThread().getName());
                                                response.send(
                                                        answer.status(),
                                                        HeaderMap.empty(),
                                                        answer.body());
                                            });
                        }
                    };
            ServerTransport.RunningServer server =
                    provider.serverTransport().start(ServerOptions.loopback(0), proxy);
            assertEquals(2, provider.loops().users());
            HttpClient caller = HttpClient.newHttpClient();
            HttpResponse<String> answer =
                    caller.send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    "http://127.0.0.1:"
                                                            + server.address().getPort()
                                                            + "/x"))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode());
            assertTrue(answer.body().contains("chat.completion"), answer.body());
            assertEquals(2, threads.size());
            assertEquals(
                    threads.get(0),
                    threads.get(1),
                    "the upstream answer arrives on the caller's event loop");

            server.close();
            assertEquals(1, provider.loops().users());
            assertEquals(200, client.send(call).status(), "the client outlives the server");
            client.close();
            assertEquals(0, provider.loops().users());
        }
    }

    @Test
    void optionsHaveDefaultsAndCopyThroughTheirBuilder() {
        NettyTransportOptions defaults = NettyTransportOptions.defaults();
        assertSame(defaults, new NettyTransportProvider().options());
        assertEquals(64 * 1024, defaults.maxHeaderBytes());
        assertEquals(200, defaults.maxHeaderCount());
        assertEquals(512, defaults.maxConnectionsPerHost());
        assertEquals(defaults, defaults.toBuilder().build());

        NettyTransportOptions changed =
                defaults.toBuilder()
                        .eventLoopThreads(3)
                        .maxConnectionsPerHost(7)
                        .idleTimeout(Duration.ofSeconds(9))
                        .build();
        assertEquals(3, changed.eventLoopThreads());
        assertEquals(7, changed.maxConnectionsPerHost());
        assertEquals(Duration.ofSeconds(9), changed.idleTimeout());
        assertEquals(defaults.maxHeaderBytes(), changed.maxHeaderBytes());
        assertNotEquals(defaults, changed);
        assertEquals(changed, changed.toBuilder().build());
        assertEquals(changed.hashCode(), changed.toBuilder().build().hashCode());
        assertSame(changed, new NettyTransportProvider(changed).options());
    }

    @Test
    void optionsRejectNonsense() {
        NettyTransportOptions.Builder builder = NettyTransportOptions.builder();
        assertThrows(IllegalArgumentException.class, () -> builder.eventLoopThreads(0));
        assertThrows(IllegalArgumentException.class, () -> builder.maxHeaderBytes(10));
        assertThrows(IllegalArgumentException.class, () -> builder.maxHeaderCount(0));
        assertThrows(IllegalArgumentException.class, () -> builder.maxConnectionsPerHost(0));
        assertThrows(IllegalArgumentException.class, () -> builder.idleTimeout(Duration.ZERO));
        assertThrows(NullPointerException.class, () -> builder.requestReadTimeout(null));
        assertThrows(NullPointerException.class, () -> new NettyTransportProvider(null));
    }
}
