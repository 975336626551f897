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
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Usage reports while the control server cannot be reached: bounded, and nothing lost. */
class BudgetLeaseManagerBacklogTest {
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** Grants one lease; its reports fail until the server comes back. */
    private static final class Outage extends StubLeaseClient {
        volatile boolean reachable;
        final AtomicLong reportedMicros = new AtomicLong();
        final AtomicLong reportedTokens = new AtomicLong();

        @Override
        public LeaseGrant handshake(HandshakeRequest request) {
            return new LeaseGrant(
                    "lease_1", Money.ofMicros(10_000_000), Money.ZERO, Optional.empty());
        }

        @Override
        public ReportResult report(
                String leaseId,
                String requestId,
                long tokens,
                Money cost,
                String model,
                ProviderType provider) {
            if (!reachable) {
                throw new ControlPlaneException(
                        "no connection to 127.0.0.1:9 for a usage report",
                        new IOException("refused"));
            }
            reportedMicros.addAndGet(cost.micros());
            reportedTokens.addAndGet(tokens);
            return new ReportResult(Money.ZERO);
        }
    }

    @Test
    void aLongOutageHoldsABoundedQueueAndEveryMicroDollarIsReportedWhenItEnds() {
        Outage client = new Outage();
        BudgetLeaseManager manager =
                BudgetLeaseManager.builder(
                                client,
                                "ic-backlog-token",
                                () -> ProviderType.OPENAI,
                                CostController.withLimit(Money.ZERO))
                        .clock(Clock.systemUTC())
                        .scheduler(scheduler)
                        .options(
                                ControlPlaneOptions.builder(URI.create("http://127.0.0.1:1"))
                                        .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(20))
                                        .build())
                        .random(TestRandom.CEILING)
                        .build();
        manager.start();
        int requests = 3 * BudgetLeaseManager.MAX_QUEUED_REPORTS;
        for (int i = 0; i < requests; i++) {
            manager.recordSpend(ProviderType.OPENAI, "gpt-4o-mini", 10, Money.ofMicros(3));
        }
        assertTrue(
                manager.pendingReports() <= BudgetLeaseManager.MAX_QUEUED_REPORTS,
                "queued " + manager.pendingReports());

        client.reachable = true;
        Await.until(
                Duration.ofSeconds(20),
                "the backlog was reported",
                () -> manager.pendingReports() == 0);
        assertEquals(0, manager.pendingReports());
        assertEquals(3L * requests, client.reportedMicros.get(), "every µ$ reported");
        assertEquals(10L * requests, client.reportedTokens.get());
        manager.close();
    }
}
