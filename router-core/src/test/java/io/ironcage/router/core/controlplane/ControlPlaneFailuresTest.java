package io.ironcage.router.core.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.errors.ControlPlaneException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ControlPlaneFailuresTest {
    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 408, 429})
    void serverTroubleIsWorthRetrying(int status) {
        assertTrue(ControlPlaneFailures.isTransient(new ControlPlaneException(status, "x")));
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 402, 403, 404, 409, 422})
    void aRefusalIsNot(int status) {
        assertFalse(ControlPlaneFailures.isTransient(new ControlPlaneException(status, "x")));
    }

    @Test
    void noAnswerIsWorthRetrying() {
        assertTrue(
                ControlPlaneFailures.isTransient(
                        new ControlPlaneException("no connection", new IllegalStateException())));
    }

    @Test
    void aCopyKeepsStatusMessageAndCode() {
        ControlPlaneException original = new ControlPlaneException(403, "Lease expired", "EXPIRED");

        ControlPlaneException copy = ControlPlaneFailures.copy(original);

        assertNotSame(original, copy);
        assertEquals(403, copy.status());
        assertEquals("Lease expired", copy.serverMessage());
        assertEquals(Optional.of("EXPIRED"), copy.code());
    }

    @Test
    void aCopyOfNoAnswerHasTheOriginalAsItsCause() {
        ControlPlaneException original =
                new ControlPlaneException("no connection", new IllegalStateException());

        ControlPlaneException copy = ControlPlaneFailures.copy(original);

        assertTrue(copy.isNoResponse());
        assertEquals(original.serverMessage(), copy.serverMessage());
        assertSame(original, copy.getCause());
    }
}
