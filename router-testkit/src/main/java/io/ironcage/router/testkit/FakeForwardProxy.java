package io.ironcage.router.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A forward HTTP proxy on loopback for client tests, as a corporate egress proxy behaves: {@code
 * CONNECT host:port} opens a tunnel; an absolute-form request ({@code GET http://host:port/path})
 * is sent on to that host in origin form without its {@code Proxy-Authorization}. It can require
 * Basic credentials (else {@code 407} with {@code Proxy-Authenticate}) or refuse everything with
 * {@code 403}; it records the first request head of every connection it accepts.
 *
 * <p>After the first request of a connection the proxy only relays bytes both ways (a tunnel for
 * {@code CONNECT}, the upstream connection for absolute-form), so a kept-alive connection's later
 * requests reach the same upstream unrecorded.
 *
 * <pre>{@code
 * try (FakeForwardProxy proxy = FakeForwardProxy.start().requireCredentials("u", "p")) {
 *     ... call http://127.0.0.1:port through proxy.port() ...
 *     proxy.seen().get(0).target();
 * }
 * }</pre>
 */
public final class FakeForwardProxy implements AutoCloseable {
    private static final int MAX_HEAD_BYTES = 64 * 1024;

    private final ServerSocket server;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile String expectedAuthorization;
    private volatile boolean refuseAll;

    /**
     * One request head the proxy received.
     *
     * @param method the method, e.g. {@code CONNECT} or {@code POST}
     * @param target the request target: {@code host:port} for {@code CONNECT}, an absolute URI
     *     otherwise
     * @param proxyAuthorization the {@code Proxy-Authorization} header, if sent
     * @param status what the proxy answered: 200 for a tunnel or a request sent on, else its
     *     refusal (407, 403, 502)
     */
    public record Seen(
            String method, String target, Optional<String> proxyAuthorization, int status) {}

    private FakeForwardProxy() throws IOException {
        server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "fake-forward-proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a proxy on {@code 127.0.0.1} and a free port, letting everything through.
     *
     * @return the proxy; close it
     */
    public static FakeForwardProxy start() {
        try {
            return new FakeForwardProxy();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Requires Basic credentials from now on; a request without them is answered {@code 407}.
     *
     * @param username the user name
     * @param password the password
     * @return this proxy
     */
    public FakeForwardProxy requireCredentials(String username, String password) {
        expectedAuthorization =
                "Basic "
                        + Base64.getEncoder()
                                .encodeToString(
                                        (username + ":" + password)
                                                .getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /**
     * Refuses every request from now on with {@code 403}.
     *
     * @return this proxy
     */
    public FakeForwardProxy refuseAll() {
        refuseAll = true;
        return this;
    }

    /**
     * Returns the port it listens on.
     *
     * @return the port
     */
    public int port() {
        return server.getLocalPort();
    }

    /**
     * Returns {@code http://127.0.0.1:port}, the proxy's URL.
     *
     * @return the URL
     */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /**
     * Returns the request heads received so far, first first.
     *
     * @return a snapshot
     */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            sockets.add(socket);
            Thread handler = new Thread(() -> serve(socket), "fake-forward-proxy-connection");
            handler.setDaemon(true);
            handler.start();
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            List<String> head = readHead(in);
            if (head.isEmpty()) {
                return;
            }
            String[] line = head.get(0).split(" ", 3);
            if (line.length != 3) {
                return;
            }
            String method = line[0];
            String target = line[1];
            Optional<String> authorization = header(head, "proxy-authorization");
            if (refuseAll) {
                refuse(out, method, target, authorization, 403, "");
                return;
            }
            String expected = expectedAuthorization;
            if (expected != null && !authorization.equals(Optional.of(expected))) {
                refuse(
                        out,
                        method,
                        target,
                        authorization,
                        407,
                        "Proxy-Authenticate: Basic realm=\"fake\"\r\n");
                return;
            }
            String host;
            int port;
            String forwardedHead = null;
            if (method.equals("CONNECT")) {
                int colon = target.lastIndexOf(':');
                host = target.substring(0, colon);
                port = Integer.parseInt(target.substring(colon + 1));
            } else {
                URI uri = URI.create(target);
                host = uri.getHost();
                port = uri.getPort() < 0 ? 80 : uri.getPort();
                String path =
                        uri.getRawPath() == null || uri.getRawPath().isEmpty()
                                ? "/"
                                : uri.getRawPath();
                StringBuilder rewritten =
                        new StringBuilder(method)
                                .append(' ')
                                .append(
                                        uri.getRawQuery() == null
                                                ? path
                                                : path + "?" + uri.getRawQuery())
                                .append(' ')
                                .append(line[2])
                                .append("\r\n");
                for (String header : head.subList(1, head.size())) {
                    String name = header.substring(0, Math.max(0, header.indexOf(':')));
                    if (!name.trim().equalsIgnoreCase("proxy-authorization")
                            && !name.trim().equalsIgnoreCase("proxy-connection")) {
                        rewritten.append(header).append("\r\n");
                    }
                }
                forwardedHead = rewritten.append("\r\n").toString();
            }
            Socket upstream = new Socket();
            sockets.add(upstream);
            try (upstream) {
                try {
                    upstream.connect(new InetSocketAddress(host, port), 5_000);
                } catch (IOException e) {
                    refuse(out, method, target, authorization, 502, "");
                    return;
                }
                seen.add(new Seen(method, target, authorization, 200));
                if (forwardedHead == null) {
                    out.write(
                            "HTTP/1.1 200 Connection Established\r\n\r\n"
                                    .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } else {
                    upstream.getOutputStream()
                            .write(forwardedHead.getBytes(StandardCharsets.ISO_8859_1));
                }
                Thread back = new Thread(() -> pipe(upstream, client), "fake-forward-proxy-relay");
                back.setDaemon(true);
                back.start();
                pipe(client, upstream);
                back.join(10_000);
            }
        } catch (IOException | RuntimeException e) {
            // the client or the upstream went away: the connection just ends
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sockets.remove(client);
        }
    }

    private void refuse(
            OutputStream out,
            String method,
            String target,
            Optional<String> authorization,
            int status,
            String extra)
            throws IOException {
        seen.add(new Seen(method, target, authorization, status));
        String reason =
                status == 407
                        ? "Proxy Authentication Required"
                        : status == 403 ? "Forbidden" : "Bad Gateway";
        out.write(
                ("HTTP/1.1 "
                                + status
                                + " "
                                + reason
                                + "\r\n"
                                + extra
                                + "Content-Length: 0\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Copies until either side ends, then ends the other's writing. */
    private static void pipe(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed
        }
        try {
            to.shutdownOutput();
        } catch (IOException e) {
            // already closed
        }
    }

    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int total = 0;
        int b;
        while ((b = in.read()) >= 0) {
            if (++total > MAX_HEAD_BYTES) {
                throw new IOException("request head too long");
            }
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                if (text.endsWith("\r")) {
                    text = text.substring(0, text.length() - 1);
                }
                if (text.isEmpty()) {
                    return lines;
                }
                lines.add(text);
                line.reset();
            } else {
                line.write(b);
            }
        }
        return List.of();
    }

    private static Optional<String> header(List<String> head, String name) {
        for (String header : head.subList(1, head.size())) {
            int colon = header.indexOf(':');
            if (colon > 0
                    && header.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                return Optional.of(header.substring(colon + 1).trim());
            }
        }
        return Optional.empty();
    }

    /**
     * Waits until the proxy has received at least {@code count} request heads.
     *
     * @param count how many
     * @param timeout how long to wait
     * @return the request heads
     */
    public List<Seen> awaitSeen(int count, Duration timeout) {
        Await.until(timeout, "the proxy to see " + count + " requests", () -> seen.size() >= count);
        return seen();
    }

    /** Stops listening and closes every connection. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
