package io.ironcage.router.core.controlplane;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.Await;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.errors.ControlPlaneException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A lease with an {@code expires_at} whose renewal cannot reach the server. */
class BudgetLeaseManagerExpiryTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    private final TestClock clock = new TestClock();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** Grants one lease that expires after ten minutes; then the server is unreachable. */
    private static final class OneLeaseThenOffline extends StubLeaseClient {
        final AtomicInteger handshakes = new AtomicInteger();

        @Override
        public LeaseGrant handshake(HandshakeRequest request) {
            if (handshakes.incrementAndGet() == 1) {
                return new LeaseGrant(
                        "lease_1",
                        Money.ofMicros(1_000_000),
                        Money.ofMicros(9_000_000),
                        Optional.of(START.plus(Duration.ofMinutes(10))));
            }
            throw new ControlPlaneException(
                    "no connection to 127.0.0.1:9 for the budget handshake",
                    new IOException("refused"));
        }
    }

    @Test
    void anExpiredLeaseIsNotUsedWhileItsRenewalFails() {
        OneLeaseThenOffline client = new OneLeaseThenOffline();
        CostController ledger = CostController.withLimit(Money.ZERO);
        BudgetLeaseManager manager =
                BudgetLeaseManager.builder(
                                client, "ic-expiry-token", () -> ProviderType.OPENAI, ledger)
                        .clock(clock)
                        .scheduler(scheduler)
                        .options(
                                ControlPlaneOptions.builder(URI.create("http://127.0.0.1:1"))
                                        .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(20))
                                        .build())
                        .random(TestRandom.CEILING)
                        .build();
        manager.start();
        assertDoesNotThrow(manager::admit);

        // inside the renewal margin: a renewal is asked for, and it cannot reach the server
        clock.advance(Duration.ofMinutes(9).plusSeconds(30));
        assertDoesNotThrow(manager::admit, "the lease in hand still covers requests");
        Await.until(
                Duration.ofSeconds(10),
                "a renewal was attempted",
                () -> client.handshakes.get() >= 2);
        assertTrue(client.handshakes.get() >= 2, "a renewal was attempted");

        // past expires_at: the server has taken the lease back; nothing may be spent from it
        clock.advance(Duration.ofMinutes(1));
        ControlPlaneException e = assertThrows(ControlPlaneException.class, manager::admit);
        assertEquals(403, e.status());
        assertTrue(ledger.available().isZero(), "nothing more may be reserved");
        manager.close();
    }
}
