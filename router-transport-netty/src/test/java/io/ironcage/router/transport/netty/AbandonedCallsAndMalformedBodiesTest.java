package io.ironcage.router.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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

    /** A whole-answer call whose worker is interrupted closes its upstream connection. */
    @Test
    void anAbandonedWholeAnswerCallClosesItsConnection() throws Exception {
        try (KeepAliveUpstream upstream = KeepAliveUpstream.neverAnswering();
                HttpTransport transport =
                        new NettyTransportProvider(
                                        NettyTransportOptions.builder()
                                                .maxConnectionsPerHost(1)
                                                .build())
                                .httpTransport(Duration.ofSeconds(2))) {
            URI uri = upstream.uri("/v1/chat");
            LinkedBlockingQueue<Throwable> thrown = new LinkedBlockingQueue<>();
            Thread worker =
                    new Thread(
                            () -> {
                                try {
                                    transport.send(get(uri, Duration.ofSeconds(10)));
                                } catch (Throwable t) {
                                    thrown.add(t);
                                }
                            });
            worker.start();
            Await.until(
                    Duration.ofSeconds(2),
                    "the request is on the wire",
                    () -> upstream.accepted() > 0 && upstream.stillOpenAfterARequest() > 0);

            worker.interrupt();
            assertTrue(thrown.poll(2, TimeUnit.SECONDS) instanceof ForwardException);
            // the call's own timeout (10 s) is far off: only the abandonment can close it
            assertTrue(
                    upstream.awaitClosedByClient(1, Duration.ofSeconds(3)),
                    "the abandoned call's connection is still open");
        }
    }

    /**
     * The same without an interrupt: the worker's {@code get(timeout)} and the loop's timer race;
     * whichever ends the call, its connection closes.
     */
    @Test
    void timedOutWholeAnswerCallsCloseTheirConnections() throws Exception {
        try (KeepAliveUpstream upstream = KeepAliveUpstream.neverAnswering();
                HttpTransport transport =
                        new NettyTransportProvider(NettyTransportOptions.defaults())
                                .httpTransport(Duration.ofSeconds(2))) {
            URI uri = upstream.uri("/v1/chat");
            int calls = 60;
            for (int i = 0; i < calls; i++) {
                assertThrows(
                        ForwardException.class,
                        () -> transport.send(get(uri, Duration.ofMillis(30))));
            }
            // a call that timed out before its connection was made leaves that fresh connection
            // idle in the pool (it carried nothing); every one that carried a request must close
            upstream.awaitRequestedClosedByClient(Duration.ofSeconds(3));
            long open = upstream.stillOpenAfterARequest();
            assertTrue(upstream.requested() > 0, "no call reached the upstream");
            assertEquals(
                    0,
                    open,
                    open
                            + " of "
                            + upstream.requested()
                            + " upstream connections that carried a request never closed");
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
                    public CompletionStage<Void> handle(
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
