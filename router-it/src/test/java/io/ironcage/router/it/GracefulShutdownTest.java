package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A router's stop on both transports: what is in flight finishes within the shutdown grace and is
 * billed from its usage, what arrives meanwhile gets 503 in the caller's format, what is left at
 * the grace's end is cut and billed from what was seen, and no reservation is left.
 */
class GracefulShutdownTest {
    private static final String TOKEN = "ic-shutdown-token";
    private static final String KEY = "sk-ant-shutdown";
    private static final String MODEL = "claude-sonnet-4-5"; // $3 in, $15 out per million tokens
    private static final String STREAM =
            "{\"model\":\""
                    + MODEL
                    + "\",\"max_tokens\":100,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

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

    private LlmRouter start(TransportProvider transport, Duration grace) {
        anthropic.requireKey(KEY);
        router =
                LlmRouter.builder()
                        .transport(transport)
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.anthropic(KEY, anthropic.baseUri())))
                        .budget(Money.fromUsdTruncating(5.00))
                        .token(TOKEN)
                        .shutdownGrace(grace)
                        .start();
        return router;
    }

    private HttpResponse<InputStream> stream() throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(router.baseUri().resolve("/v1/messages"))
                                .header("x-api-key", TOKEN)
                                .header("anthropic-version", "2023-06-01")
                                .header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(STREAM))
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
    }

    private static long cost(TokenUsage usage) {
        // the router prices by the day of its own clock, the system one here
        return PricingTables.bundled()
                .find(MODEL, java.time.LocalDate.now(java.time.ZoneOffset.UTC))
                .orElseThrow()
                .cost(usage)
                .micros();
    }

    @ParameterizedTest
    @MethodSource("transports")
    void aStreamInFlightFinishesWithinTheGraceWhileNewRequestsGet503(
            Supplier<TransportProvider> transport) throws Exception {
        start(transport.get(), Duration.ofSeconds(60));
        anthropic.enqueue(
                FakeResponse.text("one two three four five")
                        .usage(40, 12)
                        .eventDelay(Duration.ofMillis(150)));
        try (Socket keptAlive = new Socket()) {
            keptAlive.connect(
                    new InetSocketAddress("127.0.0.1", router.baseUri().getPort()), 5_000);
            keptAlive.setSoTimeout(10_000);
            OutputStream out = keptAlive.getOutputStream();
            InputStream in = keptAlive.getInputStream();
            out.write(ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertTrue(readAnswer(in).startsWith("HTTP/1.1 200"), "the connection is open");

            HttpResponse<InputStream> response = stream();
            assertEquals(200, response.statusCode());
            try (BufferedReader events =
                    new BufferedReader(
                            new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                assertTrue(events.readLine().startsWith("event: "), "the stream has begun");
                long begin = System.nanoTime();
                CompletableFuture<Void> closing = CompletableFuture.runAsync(router::close);
                Await.until(
                        Duration.ofSeconds(5),
                        "the router accepts no new connection",
                        () -> refuses(router.baseUri().getPort()));
                // a request on a connection opened before: 503 in Anthropic's format
                byte[] late = ascii(STREAM);
                out.write(
                        ascii(
                                "POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: "
                                        + TOKEN
                                        + "\r\ncontent-type: application/json\r\n"
                                        + "content-length: "
                                        + late.length
                                        + "\r\n\r\n"));
                out.write(late);
                String refused = readAnswer(in);
                assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
                assertTrue(refused.toLowerCase().contains("connection: close"), refused);
                assertTrue(refused.contains("\"type\":\"error\""), refused);
                assertFalse(closing.isDone(), "close() waits for the stream in flight");
                StringBuilder rest = new StringBuilder();
                for (String line = events.readLine(); line != null; line = events.readLine()) {
                    rest.append(line).append('\n');
                }
                assertTrue(rest.toString().contains("message_stop"), "the stream finished");
                closing.get(10, TimeUnit.SECONDS);
                long millis = Duration.ofNanos(System.nanoTime() - begin).toMillis();
                assertTrue(millis < 30_000, "close returned once the stream ended: " + millis);
            }
        }
        // billed from the provider's usage: 40 × $3 + 12 × $15 per million tokens = 300 µ$
        assertEquals(300, cost(TokenUsage.of(40, 12)));
        assertEquals(Money.ofMicros(300), router.totalSpent());
        assertTrue(router.budgetStatus().reserved().isZero(), "no reservation left");
        assertEquals(1, anthropic.requestCount(), "the refused request never went upstream");
    }

    @ParameterizedTest
    @MethodSource("transports")
    void aStreamLeftAtTheEndOfTheGraceIsCutAndBilledFromWhatWasSeen(
            Supplier<TransportProvider> transport) throws Exception {
        start(transport.get(), Duration.ofMillis(300));
        // message_start reports 40 input tokens, then nothing more ever comes
        anthropic.enqueue(FakeResponse.text("never").usage(40, 12).neverEnds());
        HttpResponse<InputStream> response = stream();
        assertEquals(200, response.statusCode());
        try (InputStream body = response.body()) {
            BufferedReader events =
                    new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            assertTrue(events.readLine().startsWith("event: message_start"));
            Await.until(
                    Duration.ofSeconds(5),
                    "the reservation is held",
                    () -> !router.budgetStatus().reserved().isZero());
            long begin = System.nanoTime();
            router.close();
            long millis = Duration.ofNanos(System.nanoTime() - begin).toMillis();
            assertTrue(millis >= 250, "close waited for the grace: " + millis + " ms");
        }
        // no usage came: the input the stream reported, and no output text was seen:
        // 40 × $3 per million tokens = 120 µ$
        assertEquals(120, cost(TokenUsage.of(40, 0)));
        assertEquals(Money.ofMicros(120), router.totalSpent());
        assertTrue(router.budgetStatus().reserved().isZero(), "no reservation left");
    }

    @ParameterizedTest
    @MethodSource("transports")
    void inServerModeTheCutStreamIsSettledBeforeTheFinalReportAndTheLeaseReturn(
            Supplier<TransportProvider> transport) throws Exception {
        anthropic.requireKey(KEY);
        FakeControlPlane control = FakeControlPlane.create();
        control.start();
        try {
            router = serverMode(transport.get(), control);
            String leaseId = router.agents().list().get(0).leaseId().orElseThrow();
            anthropic.enqueue(FakeResponse.text("never").usage(40, 12).neverEnds());
            HttpResponse<InputStream> response = stream();
            assertEquals(200, response.statusCode());
            try (InputStream body = response.body()) {
                assertTrue(
                        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))
                                .readLine()
                                .startsWith("event: message_start"));
                router.close();
            }
            // settled (120 µ$, as above) before the report and the return: the lease gives back
            // exactly what the cut stream did not spend, and the final flush sent its event
            FakeControlPlane.Lease returned =
                    control.leases().stream()
                            .filter(l -> l.leaseId().equals(leaseId))
                            .findFirst()
                            .orElseThrow();
            assertEquals("closed", returned.status());
            assertEquals(120, returned.reportedSpentMicros());
            assertEquals(1_000_000 - 120, returned.returnedMicros());
            assertEquals(Money.ofMicros(120), router.totalSpent());
            assertEquals(1, control.analyticsEvents().size(), "the final flush sent the event");
        } finally {
            control.close();
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void aWholeRequestLeftAtTheEndOfTheGraceIsCutAndBilledItsInputBeforeTheLeaseReturn(
            Supplier<TransportProvider> transport) throws Exception {
        anthropic.requireKey(KEY);
        FakeControlPlane control = FakeControlPlane.create();
        control.start();
        try {
            router = serverMode(transport.get(), control);
            String leaseId = router.agents().list().get(0).leaseId().orElseThrow();
            // the provider takes the request and never answers it
            anthropic.enqueue(FakeResponse.text("never").usage(40, 12).neverEnds());
            String whole =
                    "{\"model\":\""
                            + MODEL
                            + "\",\"max_tokens\":100,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            CompletableFuture<HttpResponse<String>> answer =
                    HttpClient.newHttpClient()
                            .sendAsync(
                                    HttpRequest.newBuilder(router.baseUri().resolve("/v1/messages"))
                                            .header("x-api-key", TOKEN)
                                            .header("anthropic-version", "2023-06-01")
                                            .header("content-type", "application/json")
                                            .POST(HttpRequest.BodyPublishers.ofString(whole))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
            Await.until(
                    Duration.ofSeconds(5),
                    "the provider has the request",
                    () -> anthropic.requestCount() == 1);
            router.close();
            // nothing of the answer was seen: billed as its reservation bounds it, the input
            // bound at the highest input price the request can trigger. A Claude request's input
            // is bounded by its bytes (one token per byte), 90 here; its highest input price is
            // a cache write's $3.75 per million tokens: 90 × 3.75 = 337.5 → 337 µ$ (truncated);
            // no output seen
            assertEquals(90, whole.getBytes(StandardCharsets.UTF_8).length);
            FakeControlPlane.Lease returned =
                    control.leases().stream()
                            .filter(l -> l.leaseId().equals(leaseId))
                            .findFirst()
                            .orElseThrow();
            assertEquals("closed", returned.status());
            assertEquals(337, returned.reportedSpentMicros(), "settled before the report");
            assertEquals(1_000_000 - 337, returned.returnedMicros());
            assertEquals(Money.ofMicros(337), router.totalSpent());
            assertEquals(1, control.analyticsEvents().size(), "the final flush sent the event");
            assertTrue(
                    answer.handle((r, failure) -> r == null || r.statusCode() == 503)
                            .get(10, TimeUnit.SECONDS),
                    "the caller got a 503 or its connection closed");
        } finally {
            control.close();
        }
    }

    /** A server-mode router whose agent holds a 1,000,000 µ$ lease, with a 300 ms grace. */
    private LlmRouter serverMode(TransportProvider transport, FakeControlPlane control) {
        control.addAgent(
                TOKEN,
                Optional.of(ProviderType.ANTHROPIC),
                Optional.of(KEY),
                Optional.of(anthropic.baseUri()),
                25_000_000);
        return LlmRouter.builder()
                .transport(transport)
                .controlPlane(
                        ControlPlaneOptions.builder(control.baseUri())
                                .timeout(Duration.ofSeconds(2))
                                .leaseSize(Money.ofMicros(1_000_000))
                                .retryBackoff(Duration.ofMillis(20), Duration.ofMillis(100))
                                .build())
                .token(TOKEN)
                .shutdownGrace(Duration.ofMillis(300))
                .start();
    }

    private static boolean refuses(int port) {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** One answer: head and a body of content-length bytes. */
    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection ended: " + head);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
