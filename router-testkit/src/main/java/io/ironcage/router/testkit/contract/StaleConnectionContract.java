package io.ironcage.router.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.testkit.DroppingUpstream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * What every {@link HttpTransport} does when a pooled keep-alive connection turns out closed by the
 * upstream as it is reused ({@link DroppingUpstream}): an idempotent request is sent once more on a
 * fresh connection and answered; a {@code POST} the upstream may have read is never sent twice (it
 * fails, or is retried only where the transport knows the upstream read none of it). Extend it and
 * return a new client from {@link #transport(Duration)}.
 */
public abstract class StaleConnectionContract {
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** For subclasses. */
    protected StaleConnectionContract() {}

    /**
     * Returns a new client under test.
     *
     * @param connectTimeout the connect timeout
     * @return the client; the kit closes it
     */
    protected abstract HttpTransport transport(Duration connectTimeout);

    private static HttpTransport.Request request(String method, URI uri) {
        byte[] body = method.equals("POST") ? "{}".getBytes(StandardCharsets.UTF_8) : new byte[0];
        return new HttpTransport.Request(
                method, uri, HeaderMap.of("content-type", "application/json"), body, WAIT);
    }

    private void aGetIsSentOnceMore(Supplier<DroppingUpstream> kind) {
        try (DroppingUpstream upstream = kind.get();
                HttpTransport client = transport(Duration.ofSeconds(2))) {
            assertEquals(200, client.send(request("GET", upstream.uri("/first"))).status());
            HttpTransport.Response second = client.send(request("GET", upstream.uri("/second")));
            assertEquals(200, second.status());
            assertEquals(2, upstream.accepted(), "the retry went on a fresh connection");
            assertEquals(List.of("GET /first", "GET /second", "GET /second"), upstream.lines());
        }
    }

    @Test
    void aGetOnAConnectionClosedAsItIsReusedIsSentOnceMore() {
        aGetIsSentOnceMore(DroppingUpstream::closing);
    }

    @Test
    void aGetOnAConnectionResetAsItIsReusedIsSentOnceMore() {
        aGetIsSentOnceMore(DroppingUpstream::resetting);
    }

    @Test
    void aPostTheUpstreamReadIsNeverSentTwice() {
        try (DroppingUpstream upstream = DroppingUpstream.resetting();
                HttpTransport client = transport(Duration.ofSeconds(2))) {
            assertEquals(200, client.send(request("POST", upstream.uri("/first"))).status());
            ForwardException broken =
                    assertThrows(
                            ForwardException.class,
                            () -> client.send(request("POST", upstream.uri("/second"))));
            assertTrue(broken.kind() == ForwardException.Kind.BROKEN, "got " + broken.kind());
            assertEquals(List.of("POST /first", "POST /second"), upstream.lines());
        }
    }
}
