package io.ironcage.router.transport.jdkhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.transport.WorkerPool;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.BlockingHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

/**
 * What the JDK server does beyond the contract: saturation, bounds, strict heads, idle and write
 * timeouts, body memory, logging. What both transports do alike (bind failure, close, a body far
 * over the limit) is in the testkit's {@code ServerTransportContract}.
 */
class JdkServerBehaviourTest {
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static URI uri(ServerTransport.RunningServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    private static ProxyHandler blockingUntil(CountDownLatch release, CountDownLatch entered) {
        return BlockingHandler.onWorkers(
                (request, response) -> {
                    entered.countDown();
                    try {
                        release.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    response.send(200, HeaderMap.empty(), "done".getBytes(StandardCharsets.UTF_8));
                });
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
                                        BlockingHandler.onWorkers((request, response) -> {}))) {
            assertEquals(7, server.pool().getMaximumPoolSize());
            assertEquals(0, server.pool().getPoolSize(), "threads start when needed");
            assertEquals(7, ((WorkerPool) server.pool()).queueCapacity());
        }
    }

    /** Sends raw bytes on a new connection and returns what comes back until the end or 5 s. */
    private static String exchangeRaw(ServerTransport.RunningServer server, String request)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(5_000);
            try {
                socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                // the server may answer and close before reading everything
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                InputStream in = socket.getInputStream();
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    answer.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // reset or timeout: keep what arrived
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static ProxyHandler echo() {
        return BlockingHandler.onWorkers(
                (request, response) ->
                        response.send(200, HeaderMap.of("x-path", request.path()), request.body()));
    }

    @Test
    void aFoldedHeaderIsRefusedAndAHeadTrickledByteByByteIsServed() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        try (ServerTransport.RunningServer server =
                new JdkServerTransport()
                        .start(
                                ServerOptions.loopback(0),
                                BlockingHandler.onWorkers(
                                        (request, response) -> {
                                            handled.incrementAndGet();
                                            response.send(200, HeaderMap.empty(), request.body());
                                        }))) {
            // obs-fold: RFC 9112 §5.2 lets a server refuse it; the JDK's own server joined it
            String folded =
                    exchangeRaw(server, "GET / HTTP/1.1\r\nHost: x\r\nX-Long: one\r\n two\r\n\r\n");
            assertTrue(folded.startsWith("HTTP/1.1 400"), folded);
            assertTrue(folded.contains("connection: close"), folded);
            assertEquals(0, handled.get());

            // every byte its own read, CR and LF of a line end too: the head is still whole
            String request =
                    "\r\nPOST /t?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
            try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
                socket.setSoTimeout(5_000);
                socket.setTcpNoDelay(true);
                OutputStream out = socket.getOutputStream();
                for (byte b : request.getBytes(StandardCharsets.US_ASCII)) {
                    out.write(b);
                    out.flush();
                }
                byte[] answer = socket.getInputStream().readNBytes(12);
                assertEquals("HTTP/1.1 200", new String(answer, StandardCharsets.US_ASCII));
            }
            assertEquals(1, handled.get());
        }
    }

    @Test
    void headersUpToTheLimitsReachTheHandlerAndBeyondAre431() throws Exception {
        BlockingQueue<Integer> sizes = new LinkedBlockingQueue<>();
        try (ServerTransport.RunningServer server =
                new JdkServerTransport()
                        .start(
                                ServerOptions.loopback(0),
                                BlockingHandler.onWorkers(
                                        (request, response) -> {
                                            sizes.add(request.headers().size());
                                            response.send(200, HeaderMap.empty(), new byte[0]);
                                        }))) {
            String big =
                    "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-pad: "
                            + "p".repeat(RequestHeadParser.MAX_HEADER_BYTES - 100)
                            + "\r\n\r\n";
            assertTrue(exchangeRaw(server, big).startsWith("HTTP/1.1 200"), "headers at the limit");
            assertEquals(3, sizes.poll(5, TimeUnit.SECONDS));
            String huge =
                    "GET / HTTP/1.1\r\nHost: x\r\nx-pad: "
                            + "p".repeat(RequestHeadParser.MAX_HEADER_BYTES + 1_000)
                            + "\r\n\r\n";
            assertTrue(exchangeRaw(server, huge).startsWith("HTTP/1.1 431"), "over the limit");

            StringBuilder most = new StringBuilder("GET / HTTP/1.1\r\nConnection: close\r\n");
            for (int i = 1; i < RequestHeadParser.MAX_HEADERS; i++) {
                most.append("x-h").append(i).append(": v\r\n");
            }
            assertTrue(exchangeRaw(server, most + "\r\n").startsWith("HTTP/1.1 200"));
            assertEquals(RequestHeadParser.MAX_HEADERS, sizes.poll(5, TimeUnit.SECONDS));
            String tooMany = exchangeRaw(server, most + "x-one-more: v\r\n\r\n");
            assertTrue(tooMany.startsWith("HTTP/1.1 431"), tooMany);
        }
    }

    @Test
    void aKeptAliveConnectionIdleForTheIdleTimeoutIsClosed() throws Exception {
        try (ServerTransport.RunningServer server =
                        new JdkServerTransport(
                                        JdkServerTransport.QUEUE_LIKE_POOL,
                                        new JdkServerTransport.Timeouts(
                                                Duration.ofMillis(300), Duration.ofSeconds(60)))
                                .start(ServerOptions.loopback(0), echo());
                Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream()
                    .write(
                            "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertFalse(head.contains("connection: close"), head);
            assertEquals(-1, in.read(), "the idle connection was closed");
        }
    }

    @Test
    void aClientThatTakesNoDataForTheWriteTimeoutCountsAsGone() throws Exception {
        CompletableFuture<Boolean> done = new CompletableFuture<>(); // whether a write saw it
        try (ServerTransport.RunningServer server =
                        new JdkServerTransport(
                                        JdkServerTransport.QUEUE_LIKE_POOL,
                                        new JdkServerTransport.Timeouts(
                                                Duration.ofSeconds(30), Duration.ofMillis(400)))
                                .start(
                                        ServerOptions.loopback(0),
                                        BlockingHandler.onWorkers(
                                                (request, response) -> {
                                                    try (ResponseSink.ResponseStream stream =
                                                            response.stream(
                                                                    200, HeaderMap.empty())) {
                                                        byte[] data = new byte[16 * 1024];
                                                        for (int i = 0; i < 100_000; i++) {
                                                            if (!stream.write(data)) {
                                                                done.complete(true);
                                                                return;
                                                            }
                                                        }
                                                        done.complete(false);
                                                    } catch (RuntimeException e) {
                                                        done.completeExceptionally(e);
                                                    }
                                                }));
                Socket socket = new Socket()) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", server.address().getPort()));
            socket.getOutputStream()
                    .write(
                            "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
            // never reads: the writer waits, then is cut after the write timeout
            assertTrue(done.get(15, TimeUnit.SECONDS), "a write reports the client gone");
        }
    }

    @Test
    void theBodyMemoryIsGivenBackWhateverBecomesOfTheBody() throws Exception {
        try (JdkRunningServer server =
                (JdkRunningServer)
                        new JdkServerTransport()
                                .start(
                                        ServerOptions.loopback(0)
                                                .withMaxRequestBodyBytes(1000)
                                                .withTimeouts(
                                                        Duration.ofSeconds(5),
                                                        Duration.ofMillis(300)),
                                        echo())) {
            String head = "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
            assertTrue(exchangeRaw(server, head + "x".repeat(100)).startsWith("HTTP/1.1 200"));
            assertTrue(exchangeRaw(server, head + "x".repeat(10)).startsWith("HTTP/1.1 408"));
            String chunked = "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
            assertTrue(
                    exchangeRaw(server, chunked + "3\r\nabc\r\nzz\r\n").startsWith("HTTP/1.1 400"));
            try (Socket leaving = new Socket("127.0.0.1", server.address().getPort())) {
                leaving.getOutputStream()
                        .write((head + "x".repeat(50)).getBytes(StandardCharsets.US_ASCII));
                Await.until(
                        Duration.ofSeconds(5),
                        "the body took its memory",
                        () -> server.bodyMemory().taken() > 0);
            } // leaves in the middle of its body
            Await.until(
                    Duration.ofSeconds(5),
                    "every body gave its memory back",
                    () -> server.bodyMemory().taken() == 0);
        }
    }

    @Test
    void clientMistakesLogNoStackTraceAndRawPathsAreEscaped() throws Exception {
        Logger logger = Logger.getLogger("io.ironcage.router.transport.jdkhttp");
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture =
                new Handler() {
                    @Override
                    public void publish(LogRecord record) {
                        records.add(record);
                    }

                    @Override
                    public void flush() {}

                    @Override
                    public void close() {}
                };
        Level before = logger.getLevel();
        logger.setLevel(Level.ALL);
        logger.addHandler(capture);
        try (ServerTransport.RunningServer server =
                new JdkServerTransport()
                        .start(
                                ServerOptions.loopback(0)
                                        .withTimeouts(
                                                Duration.ofMillis(300), Duration.ofMillis(300)),
                                echo())) {
            String[] mistakes = {
                "GET /v1/\u001b[31mred HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Bad: a\u001bb\r\n\r\n",
                "POST /v1/\u0007bell HTTP/1.1\nHost: x\n\n",
                "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello",
                "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
                "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "GET /v1/slow HTTP/1.1\r\nHost: x\r\n",
            };
            for (String mistake : mistakes) {
                String answer = exchangeRaw(server, mistake);
                assertTrue(answer.matches("(?s)HTTP/1.1 4\\d\\d .*"), answer);
            }
        } finally {
            logger.removeHandler(capture);
            logger.setLevel(before);
        }
        SimpleFormatter format = new SimpleFormatter();
        for (LogRecord record : records) {
            String line = format.formatMessage(record);
            assertEquals(null, record.getThrown(), "a stack trace for a client's mistake: " + line);
            assertFalse(line.chars().anyMatch(c -> c < 0x20), "an unescaped control: " + line);
        }
        assertTrue(
                records.stream()
                        .map(format::formatMessage)
                        .anyMatch(line -> line.contains("/v1/\\x1b[31mred")),
                "the refused path is logged escaped: " + records.size() + " records");
    }

    /** Reads an answer's status line and headers. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = text.indexOf("content-length: ");
        if (length >= 0) {
            int end = text.indexOf("\r\n", length);
            in.readNBytes(Integer.parseInt(text.substring(length + 16, end)));
        }
        return text;
    }
}
