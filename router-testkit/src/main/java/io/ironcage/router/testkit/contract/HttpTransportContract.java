package io.ironcage.router.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link HttpTransport} must do, checked against {@link FakeProvider} on loopback.
 * Extend it and return a new client from {@link #transport(Duration)}.
 *
 * <p>The contract for failures: a refused connection is {@link ForwardException.Kind#CONNECT}; no
 * headers, or no next chunk, within the request's timeout is {@link ForwardException.Kind#TIMEOUT};
 * a stream cut before its end (a chunked body without its terminating chunk) is {@link
 * ForwardException.Kind#BROKEN}, never a clean end, so the core can tell a complete answer from a
 * truncated one. Non-2xx statuses are answers, not failures.
 */
public abstract class HttpTransportContract {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[]}";

    private FakeProvider provider;
    private HttpTransport transport;

    /** For subclasses. */
    protected HttpTransportContract() {}

    /**
     * Returns a new client under test.
     *
     * @param connectTimeout the connect timeout
     * @return the client; the kit closes it
     */
    protected abstract HttpTransport transport(Duration connectTimeout);

    /** Starts the fake and the client. */
    @BeforeEach
    void startFake() {
        provider = FakeProvider.openAi().start();
        transport = transport(Duration.ofSeconds(2));
    }

    /** Closes the client and the fake. */
    @AfterEach
    void closeAll() {
        transport.close();
        provider.close();
    }

    private URI uri(String pathAndQuery) {
        return URI.create(provider.baseUri() + pathAndQuery);
    }

    private HttpTransport.Request post(String pathAndQuery, byte[] body, Duration timeout) {
        return new HttpTransport.Request(
                "POST",
                uri(pathAndQuery),
                HeaderMap.of("content-type", "application/json"),
                body,
                timeout);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String streamRequest() {
        return "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}";
    }

    private static long millisSince(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos).toMillis();
    }

    @Test
    void forwardsMethodPathQueryHeadersAndBody() {
        byte[] body = bytes(CHAT);
        HttpTransport.Response response =
                transport.send(
                        new HttpTransport.Request(
                                "POST",
                                uri("/v1/chat/completions?api-version=2024&x=a%20b"),
                                HeaderMap.of(
                                        "content-type", "application/json",
                                        "authorization", "Bearer sk-test-key",
                                        "x-multi", "one",
                                        "x-multi", "two"),
                                body,
                                WAIT));
        assertEquals(200, response.status());
        RecordedRequest sent = provider.takeRequest(WAIT);
        assertEquals("POST", sent.method());
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("api-version=2024&x=a%20b", sent.query());
        assertEquals("Bearer sk-test-key", sent.header("authorization").orElseThrow());
        assertEquals(List.of("one", "two"), sent.headers().get("x-multi"));
        assertArrayEquals(body, sent.body());

        for (String method : new String[] {"GET", "DELETE", "PUT", "PATCH"}) {
            transport.send(
                    new HttpTransport.Request(
                            method, uri("/v1/models?limit=1"), HeaderMap.empty(), null, WAIT));
            RecordedRequest other = provider.takeRequest(WAIT);
            assertEquals(method, other.method());
            assertEquals("/v1/models", other.path());
            assertEquals("limit=1", other.query());
            assertEquals(0, other.body().length);
        }
    }

    @Test
    void roundTripsTenMebibyteBodies() {
        int size = 10 * 1024 * 1024;
        StringBuilder content = new StringBuilder(size + 100);
        content.append("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"");
        for (int i = 0; content.length() < size; i++) {
            content.append((char) ('a' + i % 26));
        }
        content.append("\"}]}");
        byte[] request = bytes(content.toString());
        String reply = content.substring(0, size);
        provider.enqueue(FakeResponse.raw(200, "application/octet-stream", reply));

        HttpTransport.Response response =
                transport.send(post("/v1/chat/completions", request, WAIT));
        assertEquals(200, response.status());
        assertArrayEquals(bytes(reply), response.body());
        assertArrayEquals(request, provider.takeRequest(WAIT).body());
    }

    @Test
    void returnsNonSuccessStatusesInsteadOfThrowing() {
        provider.enqueue(FakeResponse.error(429, "rate_limit_error", "slow down"));
        HttpTransport.Response limited =
                transport.send(post("/v1/chat/completions", bytes(CHAT), WAIT));
        assertEquals(429, limited.status());
        assertTrue(new String(limited.body(), StandardCharsets.UTF_8).contains("slow down"));

        provider.enqueue(FakeResponse.error(500, "server_error", "oops"));
        try (HttpTransport.StreamingResponse failed =
                transport.open(post("/v1/chat/completions", bytes(CHAT), WAIT))) {
            assertEquals(500, failed.status());
            assertTrue(new String(readAll(failed), StandardCharsets.UTF_8).contains("oops"));
        }
    }

    @Test
    void openReturnsAtTheHeadersAndReadsChunksAsTheyArrive() {
        provider.enqueue(
                FakeResponse.text("one two three four").eventDelay(Duration.ofMillis(150)));
        long begin = System.nanoTime();
        try (HttpTransport.StreamingResponse response =
                transport.open(post("/v1/chat/completions", bytes(streamRequest()), WAIT))) {
            long headersAt = millisSince(begin);
            assertEquals(200, response.status());
            assertEquals(
                    "text/event-stream", response.headers().first("content-type").orElseThrow());
            Optional<byte[]> first = response.read();
            long firstAt = millisSince(begin);
            assertTrue(first.isPresent());
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(first.get());
            int chunks = 1;
            for (Optional<byte[]> chunk = response.read();
                    chunk.isPresent();
                    chunk = response.read()) {
                all.writeBytes(chunk.get());
                chunks++;
            }
            long endAt = millisSince(begin);
            assertEquals(Optional.empty(), response.read(), "the end is sticky");
            String body = all.toString(StandardCharsets.UTF_8);
            assertTrue(body.contains("[DONE]"), body);
            assertTrue(chunks > 2, "the body came in " + chunks + " chunk(s)");
            assertTrue(
                    endAt - headersAt >= 300 && endAt - firstAt >= 300,
                    "headers at "
                            + headersAt
                            + " ms, first chunk at "
                            + firstAt
                            + " ms, end at "
                            + endAt
                            + " ms: not incremental");
        }
    }

    @Test
    void waitingTooLongForTheHeadersIsATimeout() {
        provider.enqueue(FakeResponse.text("late").headersDelay(Duration.ofSeconds(3)));
        long begin = System.nanoTime();
        ForwardException e =
                assertThrows(
                        ForwardException.class,
                        () ->
                                transport.open(
                                        post(
                                                "/v1/chat/completions",
                                                bytes(streamRequest()),
                                                Duration.ofMillis(300))));
        assertEquals(ForwardException.Kind.TIMEOUT, e.kind());
        assertTrue(millisSince(begin) < 1_500, "took " + millisSince(begin) + " ms");

        provider.enqueue(FakeResponse.text("never").neverEnds());
        long again = System.nanoTime();
        ForwardException plain =
                assertThrows(
                        ForwardException.class,
                        () ->
                                transport.send(
                                        post(
                                                "/v1/chat/completions",
                                                bytes(CHAT),
                                                Duration.ofMillis(300))));
        assertEquals(ForwardException.Kind.TIMEOUT, plain.kind());
        assertTrue(millisSince(again) < 1_500, "took " + millisSince(again) + " ms");
    }

    @Test
    void aStalledStreamIsATimeoutOnRead() {
        provider.enqueue(FakeResponse.text("first and then nothing").neverEnds());
        try (HttpTransport.StreamingResponse response =
                transport.open(
                        post(
                                "/v1/chat/completions",
                                bytes(streamRequest()),
                                Duration.ofMillis(300)))) {
            assertTrue(response.read().isPresent());
            long begin = System.nanoTime();
            ForwardException e = assertThrows(ForwardException.class, response::read);
            assertEquals(ForwardException.Kind.TIMEOUT, e.kind());
            assertTrue(millisSince(begin) < 1_500, "took " + millisSince(begin) + " ms");
        }
    }

    @Test
    void aRefusedConnectionIsAConnectFailure() throws Exception {
        HttpTransport.Request request = toClosedPort();
        int port = request.uri().getPort();
        ForwardException sent = assertThrows(ForwardException.class, () -> transport.send(request));
        assertEquals(ForwardException.Kind.CONNECT, sent.kind());
        ForwardException opened =
                assertThrows(ForwardException.class, () -> transport.open(request));
        assertEquals(ForwardException.Kind.CONNECT, opened.kind());
        assertTrue(sent.getMessage().contains("127.0.0.1:" + port), sent.getMessage());
    }

    @Test
    void aCutStreamIsBrokenNotAnEarlyEnd() {
        provider.enqueue(FakeResponse.text("one two three four").disconnectAfter(2));
        try (HttpTransport.StreamingResponse response =
                transport.open(post("/v1/chat/completions", bytes(streamRequest()), WAIT))) {
            assertEquals(200, response.status());
            ForwardException e =
                    assertThrows(
                            ForwardException.class,
                            () -> {
                                while (response.read().isPresent()) {
                                    // read up to the cut
                                }
                            });
            assertEquals(ForwardException.Kind.BROKEN, e.kind());
        }

        provider.enqueue(FakeResponse.text("one two three four").disconnectAfter(1));
        ForwardException whole =
                assertThrows(
                        ForwardException.class,
                        () ->
                                transport.send(
                                        post(
                                                "/v1/chat/completions",
                                                bytes(streamRequest()),
                                                WAIT)));
        assertEquals(ForwardException.Kind.BROKEN, whole.kind());
    }

    @Test
    void sendAsyncAnswersAndFailsAsSendDoes() throws Exception {
        ExecutorService blocking = Executors.newSingleThreadExecutor();
        try {
            byte[] body = bytes(CHAT);
            HttpTransport.Response ok =
                    await(
                            transport.sendAsync(
                                    new HttpTransport.Request(
                                            "POST",
                                            uri("/v1/chat/completions?q=1"),
                                            HeaderMap.of(
                                                    "content-type", "application/json",
                                                    "authorization", "Bearer sk-async"),
                                            body,
                                            WAIT),
                                    blocking));
            assertEquals(200, ok.status());
            assertTrue(new String(ok.body(), StandardCharsets.UTF_8).contains("chat.completion"));
            RecordedRequest sent = provider.takeRequest(WAIT);
            assertEquals("q=1", sent.query());
            assertEquals("Bearer sk-async", sent.header("authorization").orElseThrow());
            assertArrayEquals(body, sent.body());

            provider.enqueue(FakeResponse.error(429, "rate_limit_error", "slow down"));
            assertEquals(
                    429,
                    await(transport.sendAsync(post("/v1/chat/completions", body, WAIT), blocking))
                            .status());

            provider.enqueue(FakeResponse.text("never").neverEnds());
            long begin = System.nanoTime();
            assertEquals(
                    ForwardException.Kind.TIMEOUT,
                    asyncFailure(
                                    transport.sendAsync(
                                            post(
                                                    "/v1/chat/completions",
                                                    body,
                                                    Duration.ofMillis(300)),
                                            blocking))
                            .kind());
            assertTrue(millisSince(begin) < 1_500, "took " + millisSince(begin) + " ms");
            // the timed-out connection must not go back to the pool with the rest of that answer
            for (int i = 0; i < 3; i++) {
                HttpTransport.Response after =
                        await(
                                transport.sendAsync(
                                        post("/v1/chat/completions", body, WAIT), blocking));
                assertEquals(200, after.status());
                assertTrue(
                        new String(after.body(), StandardCharsets.UTF_8)
                                .contains("chat.completion"),
                        "a clean answer after the timeout");
            }

            provider.enqueue(FakeResponse.text("one two three four").disconnectAfter(1));
            assertEquals(
                    ForwardException.Kind.BROKEN,
                    asyncFailure(
                                    transport.sendAsync(
                                            post(
                                                    "/v1/chat/completions",
                                                    bytes(streamRequest()),
                                                    WAIT),
                                            blocking))
                            .kind());

            assertEquals(
                    ForwardException.Kind.CONNECT,
                    asyncFailure(transport.sendAsync(toClosedPort(), blocking)).kind());
        } finally {
            blocking.shutdownNow();
        }
    }

    /** A chat request to a loopback port nothing listens on (it was just freed). */
    private static HttpTransport.Request toClosedPort() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            port = socket.getLocalPort();
        }
        return new HttpTransport.Request(
                "POST",
                URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"),
                HeaderMap.empty(),
                bytes(CHAT),
                WAIT);
    }

    private static HttpTransport.Response await(CompletionStage<HttpTransport.Response> stage)
            throws Exception {
        return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The ForwardException a stage failed with (unwrapped), failing the test otherwise. */
    private static ForwardException asyncFailure(CompletionStage<HttpTransport.Response> stage) {
        ExecutionException failed =
                assertThrows(
                        ExecutionException.class,
                        () ->
                                stage.toCompletableFuture()
                                        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        Throwable cause = failed.getCause();
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return assertInstanceOf(ForwardException.class, cause);
    }

    @Test
    void closeIsIdempotent() {
        HttpTransport.StreamingResponse response =
                transport.open(post("/v1/chat/completions", bytes(streamRequest()), WAIT));
        response.close();
        response.close();
        transport.close();
        transport.close();
    }

    private static byte[] readAll(HttpTransport.StreamingResponse response) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Optional<byte[]> chunk = response.read(); chunk.isPresent(); chunk = response.read()) {
            all.writeBytes(chunk.get());
        }
        return all.toByteArray();
    }
}
