package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FakeForwardProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[]}";

    private static String exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return all.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void sendsAnAbsoluteFormRequestOnWithoutItsProxyAuthorization() throws IOException {
        try (FakeProvider provider = FakeProvider.openAi().start();
                FakeForwardProxy proxy = FakeForwardProxy.start().requireCredentials("u", "p")) {
            String target = provider.baseUri() + "/v1/chat/completions";
            String auth = "Basic " + Base64.getEncoder().encodeToString("u:p".getBytes());
            String answer =
                    exchange(
                            proxy.port(),
                            "POST "
                                    + target
                                    + " HTTP/1.1\r\nHost: x\r\n"
                                    + "Proxy-Authorization: "
                                    + auth
                                    + "\r\n"
                                    + "Content-Type: application/json\r\nConnection: close\r\n"
                                    + "Content-Length: "
                                    + CHAT.length()
                                    + "\r\n\r\n"
                                    + CHAT);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            RecordedRequest arrived = provider.takeRequest(WAIT);
            assertEquals("/v1/chat/completions", arrived.path());
            assertEquals(Optional.empty(), arrived.header("proxy-authorization"));
            FakeForwardProxy.Seen seen = proxy.awaitSeen(1, WAIT).get(0);
            assertEquals(new FakeForwardProxy.Seen("POST", target, Optional.of(auth), 200), seen);
        }
    }

    @Test
    void refusesMissingCredentialsWith407AndEverythingWith403WhenToldTo() throws IOException {
        try (FakeForwardProxy proxy = FakeForwardProxy.start().requireCredentials("u", "p")) {
            String answer = exchange(proxy.port(), "CONNECT example.com:443 HTTP/1.1\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 407"), answer);
            assertTrue(answer.contains("Proxy-Authenticate: Basic"), answer);
            proxy.refuseAll();
            answer = exchange(proxy.port(), "CONNECT example.com:443 HTTP/1.1\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
            assertEquals(407, proxy.seen().get(0).status());
            assertEquals(403, proxy.seen().get(1).status());
            assertEquals("example.com:443", proxy.seen().get(1).target());
        }
    }

    @Test
    void tunnelsAConnect() throws IOException {
        try (FakeProvider provider = FakeProvider.openAi().start();
                FakeForwardProxy proxy = FakeForwardProxy.start()) {
            String hostPort = "127.0.0.1:" + provider.baseUri().getPort();
            String answer =
                    exchange(
                            proxy.port(),
                            "CONNECT "
                                    + hostPort
                                    + " HTTP/1.1\r\n\r\n"
                                    + "POST /v1/chat/completions HTTP/1.1\r\nHost: "
                                    + hostPort
                                    + "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                    + "Content-Length: "
                                    + CHAT.length()
                                    + "\r\n\r\n"
                                    + CHAT);
            assertTrue(
                    answer.startsWith("HTTP/1.1 200 Connection Established\r\n\r\nHTTP/1.1 200"),
                    answer);
            assertEquals("CONNECT", proxy.awaitSeen(1, WAIT).get(0).method());
            assertEquals("/v1/chat/completions", provider.takeRequest(WAIT).path());
        }
    }
}
