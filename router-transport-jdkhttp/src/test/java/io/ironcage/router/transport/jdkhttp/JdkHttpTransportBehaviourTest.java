package io.ironcage.router.transport.jdkhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.RecordedRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the JDK client does beyond the contract: restricted headers, secrets in messages. */
class JdkHttpTransportBehaviourTest {
    private static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[]}";

    @Test
    void restrictedHeadersAreSkippedSilently() {
        try (FakeProvider provider = FakeProvider.openAi().start();
                HttpTransport transport = new JdkHttpTransport(Duration.ofSeconds(2))) {
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
        }
    }

    @Test
    void aRefusedHeaderValueNeverAppearsInTheException() {
        String secret = "sk-ant-secret-\u20ac-value";
        try (HttpTransport transport = new JdkHttpTransport(Duration.ofSeconds(2))) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    transport.send(
                                            new HttpTransport.Request(
                                                    "GET",
                                                    URI.create("http://127.0.0.1:9/v1/models"),
                                                    HeaderMap.of("x-api-key", secret),
                                                    null,
                                                    Duration.ofSeconds(1))));
            for (Throwable t = e; t != null; t = t.getCause()) {
                String message = String.valueOf(t.getMessage());
                assertFalse(message.contains("sk-ant-secret"), message);
                assertFalse(String.valueOf(t).contains("sk-ant-secret"));
            }
            assertEquals(
                    "the JDK HTTP client refuses the value of header 'x-api-key' (value not shown)",
                    e.getMessage());
        }
    }

    @Test
    void usingAClosedTransportFailsClearly() {
        HttpTransport transport = new JdkHttpTransport(Duration.ofSeconds(2));
        transport.close();
        assertThrows(
                IllegalStateException.class,
                () ->
                        transport.send(
                                new HttpTransport.Request(
                                        "GET",
                                        URI.create("http://127.0.0.1:9/"),
                                        null,
                                        null,
                                        Duration.ofSeconds(1))));
    }
}
