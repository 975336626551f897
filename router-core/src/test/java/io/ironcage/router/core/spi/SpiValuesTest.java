package io.ironcage.router.core.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.errors.LlmRouterException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SpiValuesTest {
    @Test
    void proxyRequestTakesItsBodyWithoutCopyingAndHidesSecretsInToString() {
        byte[] body = "{\"model\":\"gpt-4o\"}".getBytes(StandardCharsets.UTF_8);
        ProxyRequest request =
                new ProxyRequest(
                        "POST",
                        "/v1/chat/completions",
                        null,
                        HeaderMap.of("authorization", "Bearer ic-secret"),
                        body,
                        false);
        // the body is handed over: the record keeps the caller's array, the accessor returns it
        assertSame(body, request.body(), "the record took the array without copying it");
        assertSame(request.body(), request.body(), "the accessor returns it without copying");
        assertEquals("", request.query());
        assertEquals(18, request.bodyLength());
        assertFalse(request.toString().contains("ic-secret"));
        assertFalse(request.toString().contains("gpt-4o"));
    }

    @Test
    void httpRequestValidatesAndHidesHeaders() {
        HttpTransport.Request request =
                new HttpTransport.Request(
                        "POST",
                        URI.create("http://127.0.0.1:1/v1/messages"),
                        HeaderMap.of("x-api-key", "sk-ant-secret"),
                        new byte[] {1, 2},
                        Duration.ofSeconds(1));
        assertArrayEquals(new byte[] {1, 2}, request.body());
        assertFalse(request.toString().contains("sk-ant-secret"));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new HttpTransport.Request(
                                "GET", URI.create("http://x"), null, null, Duration.ZERO));
    }

    @Test
    void serverOptionsDefaultToLoopbackAndValidate() {
        ServerOptions options = ServerOptions.loopback(0);
        assertEquals("127.0.0.1", options.host());
        assertEquals(10L * 1024 * 1024, options.maxRequestBodyBytes());
        assertEquals(1024, options.withMaxRequestBodyBytes(1024).maxRequestBodyBytes());
        assertEquals(8, options.withMaxConcurrentRequests(8).maxConcurrentRequests());
        assertThrows(IllegalArgumentException.class, () -> ServerOptions.loopback(70_000));
        assertThrows(IllegalArgumentException.class, () -> options.withMaxConcurrentRequests(0));
    }

    @Test
    void serverOptionsCarryHeadAndBodyDeadlinesAndABodyMemoryBound() {
        ServerOptions options = ServerOptions.loopback(0);
        assertEquals(Duration.ofSeconds(10), options.headerTimeout());
        assertEquals(Duration.ofSeconds(60), options.bodyTimeout());
        assertTrue(options.maxBufferedBodyBytes() >= options.maxRequestBodyBytes());
        ServerOptions tuned =
                options.withTimeouts(Duration.ofMillis(300), Duration.ofSeconds(2))
                        .withMaxBufferedBodyBytes(options.maxRequestBodyBytes() * 3);
        assertEquals(Duration.ofMillis(300), tuned.headerTimeout());
        assertEquals(Duration.ofSeconds(2), tuned.bodyTimeout());
        assertEquals(options.maxRequestBodyBytes() * 3, tuned.maxBufferedBodyBytes());
        assertEquals(
                Long.MAX_VALUE / 2,
                tuned.withMaxRequestBodyBytes(Long.MAX_VALUE / 2).maxBufferedBodyBytes(),
                "room for one body of the largest size");
        assertThrows(
                IllegalArgumentException.class,
                () -> options.withTimeouts(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(
                IllegalArgumentException.class,
                () -> options.withMaxBufferedBodyBytes(options.maxRequestBodyBytes() - 1));
    }

    @Test
    void earlyAnswersCopyTheirBodyAndTheDefaultTransportRefusalIsPlainText() {
        byte[] body = {'n', 'o'};
        EarlyAnswer answer = new EarlyAnswer(401, HeaderMap.empty(), body);
        body[0] = 'X';
        assertArrayEquals(new byte[] {'n', 'o'}, answer.body());
        assertEquals(answer, new EarlyAnswer(401, HeaderMap.empty(), new byte[] {'n', 'o'}));
        assertThrows(
                IllegalArgumentException.class, () -> new EarlyAnswer(99, HeaderMap.empty(), body));
        ProxyHandler plain = (request, response, workers) -> null;
        assertTrue(plain.onHead(new RequestHead("GET", "/", null, HeaderMap.empty())).isEmpty());
        EarlyAnswer refused = plain.unreadable(431, java.util.Optional.empty());
        assertEquals(431, refused.status());
        assertEquals(
                "Request header fields too large",
                new String(refused.body(), StandardCharsets.UTF_8));
        assertFalse(
                new RequestHead("POST", "/v1/x", "", HeaderMap.of("x-api-key", "ic-secret"))
                        .toString()
                        .contains("ic-secret"));
    }

    @Test
    void aRequestTargetSplitsIntoRawPathAndQueryWithoutDecoding() {
        assertArrayEquals(
                new String[] {"/v1/./x%2F", "a=%20&b"},
                RequestHead.splitTarget("/v1/./x%2F?a=%20&b"));
        assertArrayEquals(
                new String[] {"/v1/models", ""},
                RequestHead.splitTarget("http://host:8/v1/models#frag"));
        assertArrayEquals(new String[] {"/", "q=1"}, RequestHead.splitTarget("https://host?q=1"));
        assertArrayEquals(new String[] {"/", ""}, RequestHead.splitTarget("http://host"));
        assertArrayEquals(new String[] {"/", ""}, RequestHead.splitTarget(""));
        assertEquals("/v1/\\x1b[31m\\x5c", RequestHead.printable("/v1/\u001b[31m\\"));
    }

    @Test
    void loadingAMissingTransportNamesTheArtifactsToAdd() {
        LlmRouterException byName =
                assertThrows(LlmRouterException.class, () -> TransportProvider.load("netty"));
        assertTrue(byName.getMessage().contains("No transport named 'netty'"), byName.getMessage());
        assertTrue(byName.getMessage().contains("router-transport-jdkhttp"), byName.getMessage());
        LlmRouterException only =
                assertThrows(LlmRouterException.class, TransportProvider::loadOnly);
        assertTrue(
                only.getMessage().contains("No transport is on the class path"), only.getMessage());
    }
}
