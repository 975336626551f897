package io.ironcage.router.core.domain.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The router request id and attempt number of {@link RequestMeta}. */
class RequestMetaTest {
    private static final String ID = "req_0123456789abcdef01234567";

    private static RequestMeta meta(String routerRequestId, int attempt) {
        return new RequestMeta(
                routerRequestId,
                attempt,
                Optional.of("upstream-1"),
                120,
                OptionalLong.of(40),
                true,
                false,
                200);
    }

    @Test
    void keepsTheRouterRequestIdAndTheAttempt() {
        RequestMeta second = meta(ID, 2);
        assertEquals(ID, second.routerRequestId());
        assertEquals(2, second.attempt());
        assertEquals(Optional.of("upstream-1"), second.requestId(), "the upstream's id is apart");
    }

    @Test
    void theRouterRequestIdMustBeGiven() {
        assertThrows(NullPointerException.class, () -> meta(null, 1));
        assertThrows(IllegalArgumentException.class, () -> meta("", 1));
        assertThrows(IllegalArgumentException.class, () -> meta(" \t", 1));
    }

    @Test
    void attemptsCountFromOne() {
        assertEquals(1, meta(ID, 1).attempt());
        assertThrows(IllegalArgumentException.class, () -> meta(ID, 0));
        assertThrows(IllegalArgumentException.class, () -> meta(ID, -1));
        assertThrows(IllegalArgumentException.class, () -> meta(ID, Integer.MIN_VALUE));
    }

    @Test
    void theOldConstructorAndOfGenerateNothingAndClaimAttemptOne() {
        RequestMeta old =
                new RequestMeta(Optional.empty(), 10, OptionalLong.empty(), false, false, 200);
        assertEquals(RequestMeta.UNSPECIFIED_ROUTER_REQUEST_ID, old.routerRequestId());
        assertEquals(1, old.attempt());
        assertEquals(old, RequestMeta.of(200, 10), "the same fixed id every time");
        assertEquals("req_000000000000000000000000", RequestMeta.UNSPECIFIED_ROUTER_REQUEST_ID);
        assertFalse(old.hasRouterRequestId());
        assertTrue(meta(ID, 1).hasRouterRequestId());
    }

    @Test
    void withAttemptReplacesOnlyTheIdAndTheAttempt() {
        RequestMeta first = meta(ID, 1);
        RequestMeta third = first.withAttempt("req_ffffffffffffffffffffffff", 3);
        assertEquals(meta("req_ffffffffffffffffffffffff", 3), third);
        assertThrows(IllegalArgumentException.class, () -> first.withAttempt(ID, 0));
        assertThrows(IllegalArgumentException.class, () -> first.withAttempt(" ", 2));
    }
}
