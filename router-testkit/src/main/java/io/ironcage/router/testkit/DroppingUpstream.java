package io.ironcage.router.testkit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream on loopback for the stale-connection race: it answers the first request of each
 * connection with {@code 200 ok}, kept alive, and when a second request arrives on that connection
 * it closes it without answering (a reset, or an orderly close): what a client sees when the
 * upstream closed an idle keep-alive connection just as the client reused it. Records each request
 * line ({@code "GET /path"}) and counts connections.
 */
public final class DroppingUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final boolean reset;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();

    private DroppingUpstream(boolean reset) throws IOException {
        this.reset = reset;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "dropping-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts one that resets the reused connection ({@code SO_LINGER} 0).
     *
     * @return the upstream; close it
     */
    public static DroppingUpstream resetting() {
        return start(true);
    }

    /**
     * Starts one that closes the reused connection in order (a FIN).
     *
     * @return the upstream; close it
     */
    public static DroppingUpstream closing() {
        return start(false);
    }

    private static DroppingUpstream start(boolean reset) {
        try {
            return new DroppingUpstream(reset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Returns {@code http://127.0.0.1:port} plus the path.
     *
     * @param path e.g. {@code /v1/models}
     * @return the URI
     */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    /**
     * Returns how many connections it accepted.
     *
     * @return the count
     */
    public int accepted() {
        return accepted.get();
    }

    /**
     * Returns the request lines received, as {@code "METHOD /path"}, first first.
     *
     * @return a snapshot
     */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                Thread t = new Thread(() -> serve(socket), "dropping-upstream-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int request = 0; ; request++) {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                String[] parts = line.split(" ");
                lines.add(parts[0] + " " + (parts.length > 1 ? parts[1] : ""));
                int length = 0;
                for (String header = readLine(in);
                        header != null && !header.isEmpty();
                        header = readLine(in)) {
                    if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(header.substring(15).trim());
                    }
                }
                in.readNBytes(length);
                if (request > 0) {
                    if (reset) {
                        socket.setSoLinger(true, 0);
                    }
                    return; // closed without an answer
                }
                socket.getOutputStream()
                        .write(
                                ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                                + "Content-Type: text/plain\r\n"
                                                + "Connection: keep-alive\r\n\r\nok")
                                        .getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r'
                        ? line.substring(0, end - 1)
                        : line.toString();
            }
            line.append((char) b);
        }
        return line.length() == 0 ? null : line.toString();
    }

    /** Stops listening. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
