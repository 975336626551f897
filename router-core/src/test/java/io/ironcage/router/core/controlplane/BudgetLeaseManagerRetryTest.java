package io.ironcage.router.core.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.Await;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.errors.ControlPlaneException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The handshake is retried on the control plane's {@code Backoff}, jitter drawn from the source.
 */
class BudgetLeaseManagerRetryTest {
    private final RecordingScheduler scheduler = new RecordingScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void failedHandshakesAreRetriedWithExponentialJitteredCappedWaits() {
        AtomicInteger handshakes = new AtomicInteger();
        StubLeaseClient offline =
                new StubLeaseClient() {
                    @Override
                    public LeaseGrant handshake(HandshakeRequest request) {
                        handshakes.incrementAndGet();
                        throw new ControlPlaneException(
                                "no connection to 127.0.0.1:9", new IOException("refused"));
                    }
                };
        BudgetLeaseManager manager =
                BudgetLeaseManager.builder(
                                offline,
                                "ic-retry-token",
                                () -> ProviderType.OPENAI,
                                CostController.withLimit(Money.ZERO))
                        .clock(new TestClock())
                        .scheduler(scheduler)
                        .options(
                                ControlPlaneOptions.builder(URI.create("http://127.0.0.1:1"))
                                        .retryBackoff(
                                                Duration.ofMillis(100), Duration.ofMillis(400))
                                        .build())
                        .random(TestRandom.HALF)
                        .build();
        manager.start();
        Await.until(
                Duration.ofSeconds(10),
                "six passes were scheduled",
                () -> scheduler.delays.size() >= 6);
        manager.close();

        assertTrue(handshakes.get() >= 6, "retried: " + handshakes.get());
        // ceilings 100, 200, 400 (cap), 400 ms; the source draws half of each
        assertEquals(
                List.of(
                        Duration.ZERO,
                        Duration.ofMillis(50),
                        Duration.ofMillis(100),
                        Duration.ofMillis(200),
                        Duration.ofMillis(200)),
                scheduler.delays.subList(0, 5));
    }
}
