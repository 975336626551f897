package io.ironcage.router.core.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.spi.BudgetLeaseClient.HandshakeRequest;
import io.ironcage.router.core.spi.BudgetLeaseClient.RefreshRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ControlPlaneExceptionTest {
    private static final String TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhZ2VudF9pZCI6ImFnZW50XzEifQ.sig";

    @Test
    void carriesTheServersStatusMessageAndCode() {
        ControlPlaneException e = new ControlPlaneException(403, "Budget limit exceeded");
        assertEquals(403, e.status());
        assertEquals("Budget limit exceeded", e.serverMessage());
        assertEquals(Optional.empty(), e.code());
        assertTrue(e.isClientError());
        assertFalse(e.isNoResponse());
        assertEquals(
                "The Iron Cage control server answered 403: Budget limit exceeded", e.getMessage());

        ControlPlaneException coded =
                new ControlPlaneException(401, "Invalid IC Token", "UNAUTHORIZED");
        assertEquals(Optional.of("UNAUTHORIZED"), coded.code());
        assertEquals(
                "The Iron Cage control server answered 401: Invalid IC Token (UNAUTHORIZED)",
                coded.getMessage());
        assertFalse(new ControlPlaneException(500, "Database error").isClientError());
        assertTrue(coded instanceof LlmRouterException);
    }

    @Test
    void noResponseIsStatusZeroWithTheCause() {
        IOException cause = new IOException("Connection refused");
        ControlPlaneException e = new ControlPlaneException("connection refused", cause);
        assertEquals(ControlPlaneException.NO_RESPONSE, e.status());
        assertTrue(e.isNoResponse());
        assertFalse(e.isClientError());
        assertSame(cause, e.getCause());
        assertEquals(
                "The Iron Cage control server could not be reached: connection refused",
                e.getMessage());
    }

    @Test
    void rejectsStatusesThatAreNotHttp() {
        assertThrows(IllegalArgumentException.class, () -> new ControlPlaneException(42, "x"));
        assertThrows(IllegalArgumentException.class, () -> new ControlPlaneException(600, "x"));
        assertThrows(NullPointerException.class, () -> new ControlPlaneException(400, null));
    }

    /**
     * No constructor takes a token, and the requests that do carry one redact it, so a message
     * built the way a client builds it (from the server's answer and the request's toString) never
     * shows the token.
     */
    @Test
    void neverShowsTheIcTokenOfTheCallThatFailed() {
        HandshakeRequest handshake = HandshakeRequest.of(TOKEN, ProviderType.OPENAI);
        RefreshRequest refresh = RefreshRequest.of(TOKEN, "lease_1");
        ControlPlaneException refused =
                new ControlPlaneException(401, "Invalid IC Token", "UNAUTHORIZED");
        ControlPlaneException unreachable =
                new ControlPlaneException(
                        "handshake " + handshake + " / " + refresh + " timed out",
                        new IOException("timeout"));
        for (ControlPlaneException e : new ControlPlaneException[] {refused, unreachable}) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            assertFalse(e.getMessage().contains(TOKEN));
            assertFalse(e.toString().contains(TOKEN));
            assertFalse(trace.toString().contains(TOKEN));
            assertFalse(trace.toString().contains("eyJ"));
        }
    }
}
