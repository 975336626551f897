package io.ironcage.router.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetLease;
import io.ironcage.router.core.domain.budget.LeaseState;
import io.ironcage.router.core.spi.BudgetLeaseClient.HandshakeRequest;
import io.ironcage.router.core.spi.BudgetLeaseClient.LeaseGrant;
import io.ironcage.router.core.spi.BudgetLeaseClient.RefreshRequest;
import io.ironcage.router.core.spi.BudgetLeaseClient.RefreshResult;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BudgetLeaseClientTypesTest {
    private static final String TOKEN = "ic-secret-token-123";

    @Test
    void requestsNeverShowTheToken() {
        HandshakeRequest handshake =
                HandshakeRequest.of(TOKEN, ProviderType.ANTHROPIC, Money.ofMicros(5));
        RefreshRequest refresh = RefreshRequest.of(TOKEN, "lease_1", Money.ofMicros(7));
        assertFalse(handshake.toString().contains(TOKEN));
        assertFalse(refresh.toString().contains(TOKEN));
        assertTrue(handshake.toString().contains("anthropic"));
        assertTrue(refresh.toString().contains("lease_1"));
        assertEquals(TOKEN, handshake.icToken());
        assertEquals(OptionalLong.of(5), handshake.requestedMicros());
    }

    @Test
    void requestsAreValidatedWithoutEchoingTheToken() {
        assertThrows(
                IllegalArgumentException.class,
                () -> HandshakeRequest.of(" ", ProviderType.OPENAI));
        IllegalArgumentException zero =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> HandshakeRequest.of(TOKEN, ProviderType.OPENAI, Money.ZERO));
        assertFalse(zero.getMessage().contains(TOKEN));
        assertThrows(
                IllegalArgumentException.class,
                () -> new RefreshRequest(TOKEN, "lease_1", OptionalLong.of(-1)));
        assertThrows(IllegalArgumentException.class, () -> RefreshRequest.of(TOKEN, ""));
        assertThrows(
                NullPointerException.class,
                () -> new HandshakeRequest(TOKEN, null, OptionalLong.empty()));
        assertEquals(OptionalLong.empty(), RefreshRequest.of(TOKEN, "l").requestedMicros());
    }

    @Test
    void aGrantBecomesAnActiveDomainLease() {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        BudgetLease lease =
                new LeaseGrant("lease_1", Money.ofMicros(10), Money.ofMicros(90), Optional.of(at))
                        .toLease();
        assertEquals(LeaseState.ACTIVE, lease.state());
        assertEquals(Money.ofMicros(10), lease.granted());
        assertEquals(Money.ZERO, lease.spent());
        assertEquals(Optional.of(at), lease.expiresAt());
        assertEquals(
                Optional.empty(),
                new LeaseGrant("lease_2", Money.ZERO, Money.ZERO, Optional.empty())
                        .toLease()
                        .expiresAt());
        assertThrows(
                IllegalArgumentException.class,
                () -> new LeaseGrant(" ", Money.ZERO, Money.ZERO, Optional.empty()));
    }

    @Test
    void refreshResultsCarryTheRemainingBudget() {
        RefreshResult approved =
                new RefreshResult.Approved("lease_2", Money.ofMicros(5), Money.ofMicros(1));
        RefreshResult denied =
                new RefreshResult.Denied(RefreshResult.Denied.INSUFFICIENT_BUDGET, Money.ZERO);
        assertEquals(Money.ofMicros(1), approved.remaining());
        assertEquals(Money.ZERO, denied.remaining());
        assertEquals("insufficient_budget", ((RefreshResult.Denied) denied).reason());
    }
}
