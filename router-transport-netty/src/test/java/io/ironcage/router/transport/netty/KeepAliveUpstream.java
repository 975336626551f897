package io.ironcage.router.transport.netty;

import io.ironcage.router.testkit.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A raw-socket HTTP/1.1 upstream for the client tests, kept alive: answers every request with
 * {@code ok} after a delay (or never, or for {@code GET /stream} one chunk of a body that never
 * ends), one request at a time per connection; counts the connections, the answers, and the
 * connections the client closed. Requests carry no bodies.
 */
final class KeepAliveUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final Duration delay;
    private final boolean answers;
    private final AtomicInteger answered = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Set<Socket> closedByClient = ConcurrentHashMap.newKeySet();
    private final Set<Socket> requested = ConcurrentHashMap.newKeySet(); // carried a request

    private KeepAliveUpstream(Duration delay, boolean answers) throws IOException {
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.delay = delay;
        this.answers = answers;
        Thread acceptor = new Thread(this::accept);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** An upstream that answers every request after {@code delay}. */
    static KeepAliveUpstream answering(Duration delay) throws IOException {
        return new KeepAliveUpstream(delay, true);
    }

    /** An upstream that reads requests and never answers them. */
    static KeepAliveUpstream neverAnswering() throws IOException {
        return new KeepAliveUpstream(Duration.ZERO, false);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    /** Connections accepted so far. */
    int accepted() {
        return sockets.size();
    }

    /** Answers begun so far (counted before writing: the client may be done first). */
    int answered() {
        return answered.get();
    }

    /** Connections that carried a request; the client may keep the others idle in its pool. */
    int requested() {
        return requested.size();
    }

    /** Connections that carried a request and were not closed by the client. */
    long stillOpenAfterARequest() {
        return requested.stream().filter(socket -> !closedByClient.contains(socket)).count();
    }

    /** Waits until every connection that carried a request was closed by the client. */
    boolean awaitRequestedClosedByClient(Duration wait) {
        return holdsWithin(wait, () -> stillOpenAfterARequest() == 0);
    }

    /** Waits until the client has closed at least {@code count} connections. */
    boolean awaitClosedByClient(int count, Duration wait) {
        return holdsWithin(wait, () -> closedByClient.size() >= count);
    }

    /** Whether the condition comes to hold within the wait; the callers assert on the answer. */
    private static boolean holdsWithin(Duration wait, BooleanSupplier condition) {
        try {
            Await.until(wait, condition);
            return true;
        } catch (AssertionError timedOut) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                Thread connection = new Thread(() -> serve(socket));
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket;
                BufferedReader in =
                        new BufferedReader(
                                new InputStreamReader(
                                        socket.getInputStream(), StandardCharsets.ISO_8859_1))) {
            OutputStream out = socket.getOutputStream();
            while (true) {
                String first = in.readLine();
                if (first == null) {
                    closedByClient.add(socket);
                    return;
                }
                requested.add(socket);
                String line = first;
                while (!line.isEmpty()) {
                    line = in.readLine(); // headers
                    if (line == null) {
                        closedByClient.add(socket);
                        return;
                    }
                }
                if (!answers) {
                    continue; // a hung upstream: reads, never answers
                }
                Thread.sleep(delay.toMillis()); // a slow upstream, on purpose

                answered.incrementAndGet();
                out.write(
                        (first.startsWith("GET /stream ")
                                        // one chunk, then the body never ends
                                        ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                                + "2\r\nhi\r\n"
                                        : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                                .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException e) {
            closedByClient.add(socket); // reset by the client
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
