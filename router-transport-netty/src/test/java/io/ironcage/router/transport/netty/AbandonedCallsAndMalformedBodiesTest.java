package io.ironcage.router.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A whole-answer call that is cancelled or times out closes its upstream connection (the upstream
 * would otherwise keep generating, and the connection stay counted); a chunked request body the
 * decoder finds malformed is refused with 400, never handed on truncated. Each failed before the
 * fixes in the commit that added it.
 */
class AbandonedCallsAndMalformedBodiesTest {

    private static HttpTransport.Request get(URI uri, Duration timeout) {
        return new HttpTransport.Request("GET", uri, HeaderMap.empty(), null, timeout);
    }

    /** Answers "ok" to every request, keep-alive; records every accepted socket. */
    private static final java.util.Set<Socket> CLOSED =
            java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static void serveOk(ServerSocket server, List<Socket> sockets, boolean answer) {
        Thread acceptor =
                new Thread(
                        () -> {
                            while (!server.isClosed()) {
                                try {
                                    Socket socket = server.accept();
                                    sockets.add(socket);
                                    Thread t = new Thread(() -> answer(socket, answer));
                                    t.setDaemon(true);
                                    t.start();
                                } catch (IOException e) {
                                    return;
                                }
                            }
                        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private static void answer(Socket socket, boolean answer) {
        try {
            BufferedReader in =
                    new BufferedReader(
                            new InputStreamReader(
                                    socket.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            while (true) {
                String line = in.readLine();
                if (line == null) {
                    CLOSED.add(socket);
                    return;
                }
                while (!line.isEmpty()) {
                    line = in.readLine();
                    if (line == null) {
                        CLOSED.add(socket);
                        return;
                    }
                }
                if (!answer) {
                    continue; // a hung upstream: reads, never answers
                }
                out.write(
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException e) {
            CLOSED.add(socket); // reset
        }
    }

    /**
     * LoopClient: with maxConnectionsPerHost=1 and two event loops, a stream read to its end leaves
     * its connection idle in loop A's pool; the next stream is opened on loop B (streams from
     * workers take the loops in turn), finds open == max and waits in the line. Nobody serves the
     * line: only a release (a call ending) or a close (idle timeout, 20 s) does.
     */
    @Test
    void anAbandonedWholeAnswerCallClosesItsConnection() throws Exception {
        List<Socket> sockets = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                HttpTransport transport =
                        new NettyTransportProvider(
                                        NettyTransportOptions.builder()
                                                .maxConnectionsPerHost(1)
                                                .build())
                                .httpTransport(Duration.ofSeconds(2))) {
            serveOk(server, sockets, false);
            URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/chat");
            LinkedBlockingQueue<Throwable> thrown = new LinkedBlockingQueue<>();
            Thread worker =
                    new Thread(
                            () -> {
                                try {
                                    transport.send(get(uri, Duration.ofSeconds(1)));
                                } catch (Throwable t) {
                                    thrown.add(t);
                                }
                            });
            worker.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (sockets.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(100); // the request is on the wire
            worker.interrupt();
            assertTrue(thrown.poll(2, TimeUnit.SECONDS) instanceof ForwardException);
            Thread.sleep(1_500); // well past the call's own timeout (1 s)
            boolean closedByClient = CLOSED.contains(sockets.get(0));
            assertTrue(
                    closedByClient,
                    "the abandoned call's connection is still open 1.5 s after its timeout");
        }
    }

    /**
     * Same leak without any interrupt: the worker's get(timeout) and the loop's timer race; when
     * the worker wins, future.cancel(true) cancels the timer (or makes its fail() a no-op). Counts
     * upstream connections the client never closed.
     */
    @Test
    void timedOutWholeAnswerCallsCloseTheirConnections() throws Exception {
        List<Socket> sockets = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
                HttpTransport transport =
                        new NettyTransportProvider(NettyTransportOptions.defaults())
                                .httpTransport(Duration.ofSeconds(2))) {
            serveOk(server, sockets, false);
            URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/chat");
            int calls = 60;
            for (int i = 0; i < calls; i++) {
                assertThrows(
                        ForwardException.class,
                        () -> transport.send(get(uri, Duration.ofMillis(30))));
            }
            Thread.sleep(500);
            int open = 0;
            for (Socket s : sockets) {
                if (!CLOSED.contains(s)) {
                    open++;
                }
            }
            assertEquals(
                    0, open, open + " of " + sockets.size() + " upstream connections never closed");
        }
    }

    /**
     * ServerConnection: a chunked body with an invalid chunk size makes Netty's decoder emit a
     * LastHttpContent whose decoder result is a failure; onContent takes it as the end of the body
     * and dispatches the truncated body to the handler, then keeps the connection, whose decoder
     * now discards everything (the next request hangs until the idle timeout).
     */
    @Test
    void aMalformedChunkedBodyIsRefusedNotDispatched() throws Exception {
        LinkedBlockingQueue<String> bodies = new LinkedBlockingQueue<>();
        ProxyHandler handler =
                new ProxyHandler() {
                    @Override
                    public void handle(ProxyRequest request, ResponseSink response) {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public CompletionStage<Void> handleAsync(
                            ProxyRequest request, ResponseSink response, Executor workers) {
                        bodies.add(new String(request.body(), StandardCharsets.ISO_8859_1));
                        response.send(200, HeaderMap.empty(), "seen".getBytes());
                        return CompletableFuture.completedFuture(null);
                    }
                };
        ServerTransport.RunningServer server =
                new NettyServerTransport(NettyTransportOptions.defaults())
                        .start(ServerOptions.loopback(0), handler);
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                                    + "Transfer-Encoding: chunked\r\n\r\n"
                                    + "5\r\nhello\r\nZZ\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = readSome(socket.getInputStream());
            String dispatched = bodies.poll(500, TimeUnit.MILLISECONDS);
            assertEquals(
                    null,
                    dispatched,
                    "the handler got a truncated body; the client got: "
                            + answer.replace("\r\n", "|"));
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        } finally {
            server.close();
        }
    }

    private static String readSome(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n = in.read(buffer);
            if (n > 0) {
                got.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            // nothing
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * NettyExchange: an answer sent on the event loop (the pass-through path) has no write timeout,
     * and ServerConnection times nothing out while ANSWERING: a client that never reads a large
     * answer holds its admission permit for ever. Here one permit (1 worker, queue 0).
     */
}
