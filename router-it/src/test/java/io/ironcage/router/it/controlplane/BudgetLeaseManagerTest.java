package io.ironcage.router.it.controlplane;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.controlplane.BudgetLeaseManager;
import io.ironcage.router.core.controlplane.ControlPlaneKeySource;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.controlplane.wire.ControlPlaneBudgetLeaseClient;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetDecision;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.LeaseState;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeControlPlane.Endpoint;
import io.ironcage.router.testkit.FakeControlPlane.Fault;
import io.ironcage.router.testkit.FakeControlPlane.Lease;
import io.ironcage.router.testkit.MutableClock;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A budget lease in a running router, against FakeControlPlane over HTTP. */
class BudgetLeaseManagerTest {
    private static final String TOKEN = "ic-MANAGER-secret-token-2718";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    private final HttpTransport transport =
            new JdkHttpTransportProvider().httpTransport(Duration.ofSeconds(2));
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<BudgetLeaseManager> managers = new ArrayList<>();
    private CostController ledger;
    private ControlPlaneKeySource keys;

    @AfterEach
    void stop() {
        managers.forEach(BudgetLeaseManager::close);
        scheduler.shutdownNow();
        transport.close();
    }

    private BudgetLeaseManager manager(Money leaseSize) {
        ledger = CostController.withLimit(Money.ZERO);
        keys =
                ControlPlaneKeySource.builder(server.baseUri(), TOKEN, transport)
                        .clock(clock)
                        .timeout(Duration.ofSeconds(2))
                        .build();
        BudgetLeaseManager manager =
                BudgetLeaseManager.builder(
                                ControlPlaneBudgetLeaseClient.builder(server.baseUri(), transport)
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                TOKEN,
                                () -> keys.currentKey().provider(),
                                ledger)
                        .clock(clock)
                        .scheduler(scheduler)
                        .options(
                                ControlPlaneOptions.builder(server.baseUri())
                                        .leaseSize(leaseSize)
                                        .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
                                        .build())
                        .name("agent_1")
                        .build();
        managers.add(manager);
        return manager;
    }

    /** Reserves, commits {@code cost} and records it, as the pipeline does for one request. */
    private void spend(BudgetLeaseManager manager, long cost) {
        manager.admit();
        BudgetDecision decision = ledger.reserve(Money.ofMicros(cost));
        BudgetDecision.Granted granted = (BudgetDecision.Granted) decision;
        granted.reservation().commit(Money.ofMicros(cost));
        manager.recordSpend(ProviderType.ANTHROPIC, "claude-3-5-haiku", 10, Money.ofMicros(cost));
    }

    private Lease serverLease(String leaseId) {
        return server.leases().stream()
                .filter(l -> l.leaseId().equals(leaseId))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void theHandshakeAtStartIsForTheKeysProviderAndSetsTheLimit() {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 25_000_000);
        BudgetLeaseManager manager = manager(Money.ofMicros(2_000_000));

        manager.start();

        assertEquals(Money.ofMicros(2_000_000), ledger.limit().orElseThrow());
        assertDoesNotThrow(manager::admit);
        Lease lease = server.leases().get(0);
        assertEquals("anthropic", lease.provider(), "not a fixed \"openai\" (reference §11.1)");
        assertEquals(lease.leaseId(), manager.lease().orElseThrow().leaseId());
        assertEquals(23_000_000, server.remainingMicros("agent_1"));
    }

    @Test
    void usageIsReportedAsRequestsSettleAndRetriedAfterServerErrors() throws Exception {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 25_000_000);
        BudgetLeaseManager manager = manager(Money.ofMicros(2_000_000));
        manager.start();
        server.failNext(Endpoint.REPORT, 2, Fault.status(500, "{\"error\":\"Database error\"}"));

        spend(manager, 1_000);
        spend(manager, 2_000);
        spend(manager, 3_000);

        assertTrue(manager.awaitDelivered(WAIT));
        Lease lease = serverLease(manager.lease().orElseThrow().leaseId());
        assertEquals(6_000, lease.reportedSpentMicros(), "each report counted once");
        assertTrue(server.callCount(Endpoint.REPORT) >= 3, "1 to 3 reports + 2 retries");
        assertEquals(Money.ofMicros(6_000), manager.lease().orElseThrow().spent());
    }

    @Test
    void aRefusedHandshakeRefusesRequestsWithTheServersReasonAndRecovers() throws Exception {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 25_000_000);
        server.failNext(
                Endpoint.HANDSHAKE, 3, Fault.status(403, "{\"error\":\"Budget limit exceeded\"}"));
        BudgetLeaseManager manager = manager(Money.ofMicros(2_000_000));

        manager.start();

        ControlPlaneException e = assertThrows(ControlPlaneException.class, manager::admit);
        assertEquals(403, e.status());
        assertEquals("Budget limit exceeded", e.serverMessage());
        assertEquals(Money.ZERO, ledger.limit().orElseThrow(), "nothing may be spent meanwhile");
        assertTrue(manager.awaitLease(WAIT), "retried until the server granted a lease");
        assertDoesNotThrow(manager::admit);
        assertEquals(4, server.callCount(Endpoint.HANDSHAKE));
    }

    @Test
    void anUnreachableServerAtStartIsReportedAndTheLeaseComesWhenItReturns() throws Exception {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 25_000_000);
        BudgetLeaseManager manager = manager(Money.ofMicros(2_000_000));
        server.goOffline();

        manager.start();

        ControlPlaneException e = assertThrows(ControlPlaneException.class, manager::admit);
        assertTrue(e.isNoResponse(), e.getMessage());
        assertTrue(e.getMessage().contains("no connection to 127.0.0.1"), e.getMessage());
        server.goOnline();
        assertTrue(manager.awaitLease(WAIT));
        assertEquals(Money.ofMicros(2_000_000), ledger.limit().orElseThrow());
    }

    @Test
    void aServerThatDisappearsMidRunGetsTheReportsWhenItReturns() throws Exception {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 25_000_000);
        BudgetLeaseManager manager = manager(Money.ofMicros(2_000_000));
        manager.start();
        spend(manager, 1_000);
        assertTrue(manager.awaitDelivered(WAIT));

        server.goOffline();
        spend(manager, 2_000);
        spend(manager, 4_000);
        assertFalse(manager.awaitDelivered(Duration.ofMillis(200)), "the server is away");
        assertDoesNotThrow(manager::admit, "the lease in hand still covers requests");

        server.goOnline();
        assertTrue(manager.awaitDelivered(WAIT));
        assertEquals(
                7_000, serverLease(manager.lease().orElseThrow().leaseId()).reportedSpentMicros());
    }

    @Test
    @DisplayName("a lease is renewed under load without overspend")
    void aLeaseIsRenewedUnderLoadWithoutOverspend() throws Exception {
        long budget = 60_000;
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", budget);
        BudgetLeaseManager manager = manager(Money.ofMicros(5_000));
        manager.start();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger refused = new AtomicInteger();
        List<Future<?>> runs = new ArrayList<>();
        try {
            for (int t = 0; t < 8; t++) {
                runs.add(
                        pool.submit(
                                () -> {
                                    // until the agent's budget is spent to within two worst
                                    // cases, so the run outlasts many renewals
                                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                                    while (ledger.totalSpent().micros() < budget - 600
                                            && System.nanoTime() < end) {
                                        if (!request(manager, refused)) {
                                            // pace refused callers like real clients, so the
                                            // test measures renewal, not lock barging
                                            LockSupport.parkNanos(200_000);
                                        }
                                    }
                                }));
            }
            for (Future<?> run : runs) {
                run.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(manager.awaitDelivered(WAIT));
        long spent = ledger.totalSpent().micros();
        String debug = ledger + " " + manager;
        try {
            manager.admit();
        } catch (ControlPlaneException e) {
            debug += " admit: " + e.getMessage();
        }
        manager.close();

        List<Lease> leases = server.leases();
        assertTrue(leases.size() > 5, "renewed several times: " + leases.size());
        long granted = leases.stream().mapToLong(Lease::grantedMicros).sum();
        assertTrue(spent <= granted, "spent " + spent + " of " + granted + " granted");
        for (Lease lease : leases) {
            assertEquals("closed", lease.status(), lease.toString());
            assertTrue(lease.reportedSpentMicros() <= lease.grantedMicros(), lease.toString());
        }
        long reported = leases.stream().mapToLong(Lease::reportedSpentMicros).sum();
        assertEquals(spent, reported, "every request reported once, to the lease it spent");
        assertEquals(
                budget - spent,
                server.remainingMicros("agent_1"),
                "every lease returned exactly granted − spent");
        assertTrue(spent <= budget);
        assertTrue(spent >= budget - 600, "the run spent the budget: " + spent + " " + debug);
    }

    /** One request as the pipeline makes it; false when the budget refused it. */
    private boolean request(BudgetLeaseManager manager, AtomicInteger refused) {
        try {
            manager.admit();
        } catch (ControlPlaneException e) {
            refused.incrementAndGet();
            return false;
        }
        long worst = 300;
        BudgetDecision decision = ledger.reserve(Money.ofMicros(worst));
        if (!(decision instanceof BudgetDecision.Granted)) {
            refused.incrementAndGet();
            return false;
        }
        long actual = ThreadLocalRandom.current().nextLong(1, worst + 1);
        ((BudgetDecision.Granted) decision).reservation().commit(Money.ofMicros(actual));
        manager.recordSpend(ProviderType.ANTHROPIC, "claude-3-5-haiku", 10, Money.ofMicros(actual));
        return true;
    }

    @Test
    @DisplayName("shutdown returns exactly granted − spent")
    void closeReturnsExactlyGrantedMinusSpent() throws Exception {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 25_000_000);
        BudgetLeaseManager manager = manager(Money.ofMicros(5_000_000));
        manager.start();
        spend(manager, 1_234_567);

        manager.close();

        Lease lease = server.leases().get(0);
        assertEquals("closed", lease.status());
        assertEquals(5_000_000 - 1_234_567, lease.returnedMicros());
        assertEquals(25_000_000 - 1_234_567, server.remainingMicros("agent_1"));
        assertEquals(1_234_567, lease.reportedSpentMicros(), "the report went out before");
        assertEquals(LeaseState.CLOSED, manager.lease().orElseThrow().state());
        manager.close(); // idempotent
        assertEquals(1, server.callCount(Endpoint.RETURN));
    }

    @Test
    void aReturnThatFailsOnCloseIsLoggedWithTheAmount() throws Exception {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 25_000_000);
        BudgetLeaseManager manager = manager(Money.ofMicros(5_000_000));
        manager.start();
        spend(manager, 1_000_000);
        assertTrue(manager.awaitDelivered(WAIT));
        server.failNext(Endpoint.RETURN, 1, Fault.status(500, "{\"error\":\"Database error\"}"));

        Secrets.Captured<Void> run =
                Secrets.capturingStderr(
                        () -> {
                            manager.close();
                            return null;
                        });

        String leaseId = server.leases().get(0).leaseId();
        assertTrue(run.log().contains("returning budget lease " + leaseId + " failed"), run.log());
        assertTrue(run.log().contains("Database error"), run.log());
        assertTrue(run.log().contains("4000000 µ$ unused stays allocated"), run.log());
        Secrets.assertAbsent(run.log(), TOKEN, "sk-ant-x");
    }

    @Test
    void anExpiredLeaseIsReplacedByANewOne() throws Exception {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 25_000_000);
        BudgetLeaseManager manager = manager(Money.ofMicros(2_000_000));
        manager.start();
        String first = manager.lease().orElseThrow().leaseId();
        server.expireLease(first);

        spend(manager, 1_000); // its report is refused with "Lease expired"

        assertTrue(manager.awaitDelivered(WAIT));
        assertTrue(manager.awaitLease(WAIT));
        String second = manager.lease().orElseThrow().leaseId();
        assertNotEquals(first, second);
        assertDoesNotThrow(manager::admit);
        assertEquals(Money.ofMicros(1_000 + 2_000_000), ledger.limit().orElseThrow());
    }

    @Test
    void aRevokedLeaseStopsRequestsUntilTheServerGrantsAgain() throws Exception {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 25_000_000);
        BudgetLeaseManager manager = manager(Money.ofMicros(2_000_000));
        manager.start();
        String first = manager.lease().orElseThrow().leaseId();
        server.revokeLease(first);
        server.failNext(
                Endpoint.HANDSHAKE,
                1000,
                Fault.status(403, "{\"error\":\"Budget limit exceeded\"}"));

        spend(manager, 1_000);
        assertTrue(manager.awaitDelivered(WAIT));

        ControlPlaneException e = assertThrows(ControlPlaneException.class, manager::admit);
        assertEquals(403, e.status());
        assertEquals(LeaseState.REVOKED, manager.lease().orElseThrow().state());
        assertTrue(ledger.available().isZero(), "nothing more may be reserved");
    }
}
