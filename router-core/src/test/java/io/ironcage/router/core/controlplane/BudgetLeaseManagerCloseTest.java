package io.ironcage.router.core.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetDecision;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.LeaseState;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Close racing the background worker, with the interleavings forced: every lease the server grants
 * is returned, exactly once, with what was spent from it.
 */
class BudgetLeaseManagerCloseTest {
    private static final long LEASE = 5_000_000;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "lease-worker"));
    private final Ledger server = new Ledger();
    private final CostController ledger = CostController.withLimit(Money.ZERO);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** A control server's books: what each lease was granted and what its return said it spent. */
    private static final class Ledger implements BudgetLeaseClient {
        final Map<String, Long> granted = new TreeMap<>();
        final Map<String, Long> returnedSpent = new TreeMap<>();
        volatile CountDownLatch handshakeEntered;
        volatile CountDownLatch handshakeMayAnswer;

        @Override
        public LeaseGrant handshake(HandshakeRequest request) {
            CountDownLatch entered = handshakeEntered;
            CountDownLatch answer = handshakeMayAnswer;
            if (entered != null && answer != null) {
                entered.countDown();
                await(answer);
            }
            synchronized (this) {
                String id = "lease_" + (granted.size() + 1);
                granted.put(id, LEASE);
                return new LeaseGrant(id, Money.ofMicros(LEASE), Money.ZERO, Optional.empty());
            }
        }

        @Override
        public ReportResult report(
                String leaseId,
                String requestId,
                long tokens,
                Money cost,
                String model,
                ProviderType provider) {
            return new ReportResult(Money.ZERO);
        }

        @Override
        public RefreshResult refresh(RefreshRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public synchronized Money returnUnused(String leaseId, Money spent) {
            if (returnedSpent.putIfAbsent(leaseId, spent.micros()) != null) {
                throw new AssertionError(leaseId + " returned twice");
            }
            return Money.ofMicros(granted.get(leaseId) - spent.micros());
        }

        @Override
        public void close() {}

        synchronized Map<String, Long> granted() {
            return new TreeMap<>(granted);
        }

        synchronized Map<String, Long> returnedSpent() {
            return new TreeMap<>(returnedSpent);
        }
    }

    /**
     * The manager's work lock, with a gate: when armed, the worker thread stops just before taking
     * it, as a worker preempted right after its "closed?" check does on a loaded machine.
     */
    private static final class GatedLock extends ReentrantLock {
        volatile CountDownLatch arrived;
        volatile CountDownLatch open;

        @Override
        public void lock() {
            CountDownLatch a = arrived;
            CountDownLatch o = open;
            if (a != null && o != null && Thread.currentThread().getName().equals("lease-worker")) {
                arrived = null;
                a.countDown();
                await(o);
            }
            super.lock();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private BudgetLeaseManager manager() {
        return BudgetLeaseManager.builder(
                        server, "ic-close-token", () -> ProviderType.OPENAI, ledger)
                .clock(new TestClock())
                .scheduler(scheduler)
                .leaseSize(Money.ofMicros(LEASE))
                .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .build();
    }

    /** Puts a gated work lock into the manager (no seam in production code for it). */
    private static GatedLock gateWork(BudgetLeaseManager manager) throws Exception {
        GatedLock gated = new GatedLock();
        Field work = BudgetLeaseManager.class.getDeclaredField("work");
        work.setAccessible(true);
        work.set(manager, gated);
        return gated;
    }

    private void spend(BudgetLeaseManager manager, long micros) {
        manager.admit();
        BudgetDecision.Granted granted =
                (BudgetDecision.Granted) ledger.reserve(Money.ofMicros(micros));
        granted.reservation().commit(Money.ofMicros(micros));
        manager.recordSpend(ProviderType.OPENAI, "gpt-4o-mini", 10, Money.ofMicros(micros));
    }

    /** Lets the worker finish whatever it is doing (the fake client answers at once). */
    private void drainWorker() throws InterruptedException {
        scheduler.shutdown();
        assertTrue(scheduler.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void aWorkerThatPassedItsClosedCheckBeforeCloseMakesNoHandshakeAfterIt() throws Exception {
        BudgetLeaseManager manager = manager();
        GatedLock work = gateWork(manager);
        manager.start();
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch open = new CountDownLatch(1);
        work.open = open;
        work.arrived = arrived;

        spend(manager, 1_234_567); // wakes the worker, which stops at the work lock
        await(arrived);
        manager.close(); // takes the work lock first: returns lease_1
        open.countDown();
        drainWorker();

        assertEquals(
                Map.of("lease_1", LEASE),
                server.granted(),
                "no lease granted after close (nothing would return it)");
        assertEquals(Map.of("lease_1", 1_234_567L), server.returnedSpent());
        assertEquals(LeaseState.CLOSED, manager.lease().orElseThrow().state());
    }

    @Test
    void aRenewalInFlightAtCloseIsReturnedAsWellAsTheLeaseItReplaces() throws Exception {
        BudgetLeaseManager manager = manager();
        GatedLock work = gateWork(manager);
        manager.start();
        server.handshakeEntered = new CountDownLatch(1);
        server.handshakeMayAnswer = new CountDownLatch(1);

        spend(manager, 4_500_000); // under 20 % left: the worker renews, and its handshake waits
        await(server.handshakeEntered);
        List<Throwable> errors = new ArrayList<>();
        Thread closer =
                new Thread(
                        () -> {
                            try {
                                manager.close();
                            } catch (Throwable t) {
                                errors.add(t);
                            }
                        },
                        "closer");
        closer.start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!work.hasQueuedThread(closer) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000); // close waits for the renewal in flight
        }
        assertTrue(work.hasQueuedThread(closer), "close waits for the work lock");
        server.handshakeMayAnswer.countDown();
        closer.join(WAIT.toMillis());
        drainWorker();

        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(Map.of("lease_1", LEASE, "lease_2", LEASE), server.granted());
        assertEquals(
                Map.of("lease_1", 4_500_000L, "lease_2", 0L),
                server.returnedSpent(),
                "both leases returned, each with what was spent from it");
    }

    @Test
    void startAfterCloseTakesNoLease() {
        BudgetLeaseManager manager = manager();
        manager.close();

        manager.start();

        assertEquals(Map.of(), server.granted(), "nothing would return a lease taken now");
        assertTrue(manager.lease().isEmpty());
    }
}
