package io.ironcage.router.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the netty client does beyond the contract: restricted headers, secrets in messages, pooled
 * connections, no blocking on an event loop.
 */
class NettyHttpTransportBehaviourTest {
    private static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[]}";

    private static HttpTransport transport() {
        return new NettyTransportProvider().httpTransport(Duration.ofSeconds(2));
    }

    private static HttpTransport.Request get(URI uri, HeaderMap headers) {
        return new HttpTransport.Request("GET", uri, headers, null, Duration.ofSeconds(5));
    }

    @Test
    void restrictedHeadersAreSkippedSilently() {
        try (FakeProvider provider = FakeProvider.openAi().start();
                HttpTransport transport = transport()) {
            HttpTransport.Response response =
                    transport.send(
                            new HttpTransport.Request(
                                    "POST",
                                    URI.create(provider.baseUri() + "/v1/chat/completions"),
                                    HeaderMap.of(
                                            "host", "evil.example",
                                            "connection", "upgrade",
                                            "content-length", "1",
                                            "expect", "100-continue",
                                            "upgrade", "h2c",
                                            "transfer-encoding", "chunked",
                                            "content-type", "application/json"),
                                    CHAT.getBytes(StandardCharsets.UTF_8),
                                    Duration.ofSeconds(5)));
            assertEquals(200, response.status());
            RecordedRequest sent = provider.takeRequest(Duration.ofSeconds(2));
            assertEquals(
                    "127.0.0.1:" + provider.baseUri().getPort(), sent.header("host").orElseThrow());
            assertEquals(
                    String.valueOf(CHAT.length()), sent.header("content-length").orElseThrow());
            assertFalse(sent.header("upgrade").isPresent());
            assertFalse(sent.header("expect").isPresent());
            assertFalse(sent.header("transfer-encoding").isPresent());
            assertEquals(CHAT, sent.bodyText());
        }
    }

    @Test
    void theCallersHeadersReplaceDefaultsAndNoAcceptIsAdded() {
        try (FakeProvider provider = FakeProvider.openAi().start();
                HttpTransport transport = transport()) {
            transport.send(
                    get(
                            URI.create(provider.baseUri() + "/v1/models"),
                            HeaderMap.of("user-agent", "my-agent/1.0")));
            RecordedRequest sent = provider.takeRequest(Duration.ofSeconds(2));
            assertEquals(List.of("my-agent/1.0"), sent.headers().get("user-agent"));
            assertFalse(sent.header("accept").isPresent(), "no Accept the caller did not send");
            assertFalse(sent.header("content-length").isPresent(), "a GET without a body");

            transport.send(
                    get(
                            URI.create(provider.baseUri() + "/v1/models"),
                            HeaderMap.of("accept", "application/json")));
            assertEquals(
                    List.of("application/json"),
                    provider.takeRequest(Duration.ofSeconds(2)).headers().get("accept"));
        }
    }

    @Test
    void largeUpstreamHeadersAreRead() {
        try (FakeProvider provider = FakeProvider.openAi().start();
                HttpTransport transport = transport()) {
            provider.enqueue(FakeResponse.text("hi").header("x-big", "b".repeat(20_000)));
            HttpTransport.Response response =
                    transport.send(
                            new HttpTransport.Request(
                                    "POST",
                                    URI.create(provider.baseUri() + "/v1/chat/completions"),
                                    HeaderMap.of("content-type", "application/json"),
                                    CHAT.getBytes(StandardCharsets.UTF_8),
                                    Duration.ofSeconds(5)));
            assertEquals(200, response.status());
            assertEquals(20_000, response.headers().first("x-big").orElseThrow().length());
        }
    }

    @Test
    void aRefusedHeaderValueNeverAppearsInTheException() {
        String secret = "sk-ant-secret-\u20ac-value";
        try (HttpTransport transport = transport()) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    transport.send(
                                            get(
                                                    URI.create("http://127.0.0.1:9/v1/models"),
                                                    HeaderMap.of("x-api-key", secret))));
            for (Throwable t = e; t != null; t = t.getCause()) {
                assertFalse(String.valueOf(t).contains("sk-ant-secret"), String.valueOf(t));
            }
            assertEquals(
                    "the netty HTTP client refuses the value of header 'x-api-key' (value not"
                            + " shown)",
                    e.getMessage());
        }
    }

    @Test
    void aUriItCannotCallIsRefusedByAddressOnly() {
        try (HttpTransport transport = transport()) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    transport.send(
                                            get(
                                                    URI.create("ftp://127.0.0.1:21/x?key=sk-1"),
                                                    HeaderMap.empty())));
            assertFalse(e.getMessage().contains("sk-1"), e.getMessage());
        }
    }

    @Test
    void usingAClosedTransportFailsClearly() {
        HttpTransport transport = transport();
        transport.close();
        assertThrows(
                IllegalStateException.class,
                () -> transport.send(get(URI.create("http://127.0.0.1:9/"), null)));
        assertThrows(
                IllegalStateException.class,
                () -> transport.open(get(URI.create("http://127.0.0.1:9/"), null)));
    }

    @Test
    void aSlowStreamReaderHoldsAtMostAWindowOfChunks() throws Exception {
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            words.append("word").append(i).append(' ');
        }
        try (FakeProvider upstream = FakeProvider.openAi().start();
                HttpTransport client = transport()) {
            upstream.enqueue(FakeResponse.text(words.toString().trim()));
            NettyStreamingResponse response =
                    (NettyStreamingResponse)
                            client.open(
                                    new HttpTransport.Request(
                                            "POST",
                                            URI.create(upstream.baseUri() + "/v1/chat/completions"),
                                            HeaderMap.of("content-type", "application/json"),
                                            "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}"
                                                    .getBytes(StandardCharsets.UTF_8),
                                            Duration.ofSeconds(5)));
            assertTrue(response.read().isPresent());
            // the upstream sends 400 events at once; give it time to push what it can. Proves a
            // negative (the reader idling lets no more than a window pile up), so it stays a pause
            Thread.sleep(300);

            assertTrue(
                    response.waiting() <= NettyStreamingResponse.WINDOW,
                    response.waiting() + " chunks waiting");
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            for (Optional<byte[]> chunk = response.read();
                    chunk.isPresent();
                    chunk = response.read()) {
                rest.writeBytes(chunk.get());
                assertTrue(response.waiting() <= NettyStreamingResponse.WINDOW);
            }
            String body = rest.toString(StandardCharsets.UTF_8);
            assertTrue(body.contains("word399") && body.contains("[DONE]"), "nothing lost");
            response.close();
        }
    }

    @Test
    void blockingCallsAreRefusedOnAnEventLoop() throws Exception {
        EventLoops other = new EventLoops("other-provider", 1);
        try (HttpTransport transport = transport()) {
            HttpTransport.Request request = get(URI.create("http://127.0.0.1:9/"), null);
            Future<HttpTransport.Response> onLoop =
                    other.acquire().next().submit(() -> transport.send(request));
            ExecutionException e =
                    assertThrows(ExecutionException.class, () -> onLoop.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("worker thread"), e.getMessage());
        } finally {
            other.release();
        }
    }

    @Test
    void connectionsAreKeptAliveAndReused() throws Exception {
        try (KeepAliveUpstream upstream = KeepAliveUpstream.answering(Duration.ZERO);
                HttpTransport transport = transport()) {
            URI uri = upstream.uri("/v1/models");
            for (int i = 0; i < 5; i++) {
                HttpTransport.Response response = transport.send(get(uri, HeaderMap.empty()));
                assertEquals(200, response.status());
                assertEquals("ok", new String(response.body(), StandardCharsets.UTF_8));
            }
            try (HttpTransport.StreamingResponse streamed =
                    transport.open(get(uri, HeaderMap.empty()))) {
                assertEquals(
                        "ok", new String(streamed.read().orElseThrow(), StandardCharsets.UTF_8));
                assertTrue(streamed.read().isEmpty());
            }
            transport.send(get(uri, HeaderMap.empty()));
            assertEquals(7, upstream.answered());
            // a connection goes back to the pool just after its answer completes, so a call that
            // follows at once may find it still busy and open a second one; never one per call
            assertTrue(
                    upstream.accepted() <= 2,
                    upstream.accepted() + " connections for 7 sequential calls: not kept alive");
        }
    }
}
