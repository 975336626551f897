package io.ironcage.router.transport.jdkhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.ServerStartException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.spi.WorkerPool;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What the JDK server does beyond the contract: saturation, bounds, bind failure, close. */
class JdkServerBehaviourTest {
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static URI uri(ServerTransport.RunningServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    private static ProxyHandler blockingUntil(CountDownLatch release, CountDownLatch entered) {
        return (request, response) -> {
            entered.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            response.send(200, HeaderMap.empty(), "done".getBytes(StandardCharsets.UTF_8));
        };
    }

    @Test
    void answers503WhenEveryWorkerAndQueueSlotIsTaken() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        try (ServerTransport.RunningServer server =
                new JdkServerTransport(0)
                        .start(
                                ServerOptions.loopback(0).withMaxConcurrentRequests(1),
                                blockingUntil(release, entered))) {
            CompletableFuture<HttpResponse<String>> busy =
                    client.sendAsync(
                            HttpRequest.newBuilder(uri(server, "/busy")).build(),
                            HttpResponse.BodyHandlers.ofString());
            assertTrue(entered.await(5, TimeUnit.SECONDS));

            HttpResponse<String> refused =
                    client.send(
                            HttpRequest.newBuilder(uri(server, "/more"))
                                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(503, refused.statusCode());
            assertEquals("close", refused.headers().firstValue("connection").orElseThrow());

            release.countDown();
            assertEquals(200, busy.get(5, TimeUnit.SECONDS).statusCode());
            HttpResponse<String> again =
                    client.send(
                            HttpRequest.newBuilder(uri(server, "/again")).build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, again.statusCode());
        }
    }

    @Test
    void theWorkerPoolAndItsQueueAreBounded() {
        try (JdkRunningServer server =
                (JdkRunningServer)
                        new JdkServerTransport()
                                .start(
                                        ServerOptions.loopback(0).withMaxConcurrentRequests(7),
                                        (request, response) -> {})) {
            assertEquals(7, server.pool().getMaximumPoolSize());
            assertEquals(0, server.pool().getPoolSize(), "threads start when needed");
            assertEquals(7, ((WorkerPool) server.pool()).queueCapacity());
        }
    }

    @Test
    void aBodyFarOverTheLimitIsAnsweredWithoutReadingIt() throws Exception {
        AtomicBoolean tooLarge = new AtomicBoolean();
        try (ServerTransport.RunningServer server =
                        new JdkServerTransport()
                                .start(
                                        ServerOptions.loopback(0).withMaxRequestBodyBytes(1024),
                                        (request, response) -> {
                                            tooLarge.set(request.bodyTooLarge());
                                            response.send(413, HeaderMap.empty(), new byte[0]);
                                        });
                Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            // declares 100 MB, sends 2 KB: the answer must not wait for the rest
            out.write(
                    ("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[2048]);
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = new byte[64];
            int n = in.read(head);
            String status = new String(head, 0, Math.max(n, 0), StandardCharsets.US_ASCII);
            assertTrue(status.startsWith("HTTP/1.1 413"), status);
            assertTrue(tooLarge.get());
        }
    }

    @Test
    void aBindFailureNamesTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            ServerStartException e =
                    assertThrows(
                            ServerStartException.class,
                            () ->
                                    new JdkServerTransport()
                                            .start(
                                                    ServerOptions.loopback(port),
                                                    (request, response) -> {}));
            assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        }
    }

    @Test
    void closeWaitsForARequestInFlight() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        ServerTransport.RunningServer server =
                new JdkServerTransport()
                        .start(ServerOptions.loopback(0), blockingUntil(release, entered));
        CompletableFuture<HttpResponse<String>> inFlight =
                client.sendAsync(
                        HttpRequest.newBuilder(uri(server, "/slow")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        assertThrows(
                TimeoutException.class,
                () -> closing.get(100, TimeUnit.MILLISECONDS),
                "close() did not wait for the request in flight");
        release.countDown();
        assertEquals(200, inFlight.get(5, TimeUnit.SECONDS).statusCode());
        closing.get(5, TimeUnit.SECONDS);
    }

    @Test
    void closeGivesUpAfterTheGrace() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        ServerTransport.RunningServer server =
                new JdkServerTransport()
                        .start(
                                new ServerOptions("127.0.0.1", 0, 1024, 4, Duration.ofMillis(200)),
                                blockingUntil(release, entered));
        client.sendAsync(
                HttpRequest.newBuilder(uri(server, "/stuck")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        long begin = System.nanoTime();
        server.close();
        long millis = Duration.ofNanos(System.nanoTime() - begin).toMillis();
        release.countDown();
        assertTrue(millis >= 150 && millis < 1_500, "close took " + millis + " ms");
    }
}
