package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code server.write-timeout} on both transports: a caller that stops reading a stream is cut
 * after the timeout, and its request is still billed (the router reads on to the provider's usage),
 * with no reservation left.
 */
class StalledCallerTest {
    private static final String TOKEN = "ic-stalled-token";
    private static final String KEY = "sk-ant-stalled";

    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    private LlmRouter router;

    static Stream<Supplier<TransportProvider>> transports() {
        return Stream.of(NettyTransportProvider::new, JdkHttpTransportProvider::new);
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void aCallerThatStopsReadingIsCutAfterTheWriteTimeoutAndBilled(
            Supplier<TransportProvider> transport) throws Exception {
        anthropic.requireKey(KEY);
        router =
                LlmRouter.builder()
                        .transport(transport.get())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.anthropic(KEY, anthropic.baseUri())))
                        .budget(Money.fromUsdTruncating(5.00))
                        .token(TOKEN)
                        .writeTimeout(Duration.ofMillis(500))
                        .start();
        // 200 events of 64 KiB: far more than the socket buffers between the router and a caller
        // that reads nothing
        String word = "a".repeat(64 * 1024 - 1) + " ";
        anthropic.enqueue(FakeResponse.text(word.repeat(200)).usage(40, 12));
        byte[] body =
                ("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"stream\":true,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                        .getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(16 * 1024); // small: the stall comes soon
            socket.connect(new InetSocketAddress("127.0.0.1", router.baseUri().getPort()));
            socket.getOutputStream()
                    .write(
                            ("POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: "
                                            + TOKEN
                                            + "\r\ncontent-type: application/json\r\n"
                                            + "content-length: "
                                            + body.length
                                            + "\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            // never reads: cut after the write timeout, then billed from the provider's usage,
            // which the router reads on to: 40 × $3 + 12 × $15 per million tokens = 300 µ$
            Await.until(
                    Duration.ofSeconds(20),
                    "the stalled caller's request is billed",
                    () -> router.totalSpent().equals(Money.ofMicros(300)));
            Await.until(
                    Duration.ofSeconds(5),
                    "no reservation is left",
                    () -> router.budgetStatus().reserved().isZero());
            // and its connection is closed: what was buffered drains, then the end (or a reset)
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            long received = 0;
            try {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    received += n;
                }
            } catch (SocketTimeoutException e) {
                fail("the stalled caller's connection stayed open");
            } catch (IOException e) {
                // a reset also ends it
            }
            assertTrue(received < 200L * 64 * 1024, "the whole stream was not sent: " + received);
        }
        assertEquals(1, anthropic.requestCount());
    }
}
