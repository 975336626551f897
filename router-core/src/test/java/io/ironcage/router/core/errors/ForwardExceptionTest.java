package io.ironcage.router.core.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ForwardExceptionTest {
    private static final String UPSTREAM = "http://127.0.0.1:9";

    @Test
    void classifiesEveryTransportsFailuresTheSameWay() {
        Duration timeout = Duration.ofSeconds(3);
        IOException other = new IOException("reset");
        assertEquals(
                ForwardException.Kind.CONNECT,
                ForwardException.classify(other, UPSTREAM, timeout, true, false).kind());
        ForwardException late = ForwardException.classify(other, UPSTREAM, timeout, false, true);
        assertEquals(ForwardException.Kind.TIMEOUT, late.kind());
        assertEquals(
                "Forward failed: no answer from http://127.0.0.1:9 within PT3S", late.getMessage());
        assertEquals(
                ForwardException.Kind.CONNECT,
                ForwardException.classify(
                                new IOException("wrapped", new ConnectException("refused")),
                                UPSTREAM,
                                timeout,
                                false,
                                false)
                        .kind(),
                "a refused connection anywhere in the causes");
        assertEquals(
                ForwardException.Kind.BROKEN,
                ForwardException.classify(other, UPSTREAM, timeout, false, false).kind());
    }

    @Test
    void theAddressNeverCarriesThePathOrQuery() {
        String address =
                ForwardException.address(
                        URI.create("https://api.example.com/v1/chat?key=sk-secret-123"));
        assertEquals("https://api.example.com", address);
        assertFalse(address.contains("sk-secret"));
        assertEquals(
                "http://127.0.0.1:8080",
                ForwardException.address(URI.create("http://127.0.0.1:8080/x")));
    }
}
