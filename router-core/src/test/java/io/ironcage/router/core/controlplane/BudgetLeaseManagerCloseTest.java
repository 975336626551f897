package io.ironcage.router.core.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.Await;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetDecision;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.LeaseState;
import io.ironcage.router.core.domain.budget.Reservation;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import java.lang.reflect.Field;
import java.net.URI;
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
    private static final class Ledger extends StubLeaseClient {
        final Map<String, Long> granted = new TreeMap<>();
        final Map<String, Long> returnedSpent = new TreeMap<>();
        final Map<String, Long> reported = new TreeMap<>();
        volatile CountDownLatch handshakeEntered;
        volatile CountDownLatch handshakeMayAnswer;
        volatile CountDownLatch returnEntered;
        volatile CountDownLatch returnMayAnswer;

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
            synchronized (this) {
                reported.merge(leaseId, cost.micros(), Long::sum);
            }
            return new ReportResult(Money.ZERO);
        }

        @Override
        public Money returnUnused(String leaseId, Money spent) {
            CountDownLatch entered = returnEntered;
            CountDownLatch answer = returnMayAnswer;
            if (entered != null && answer != null) {
                entered.countDown();
                await(answer);
            }
            synchronized (this) {
                if (returnedSpent.putIfAbsent(leaseId, spent.micros()) != null) {
                    throw new AssertionError(leaseId + " returned twice");
                }
                return Money.ofMicros(granted.get(leaseId) - spent.micros());
            }
        }

        synchronized Map<String, Long> granted() {
            return new TreeMap<>(granted);
        }

        synchronized Map<String, Long> returnedSpent() {
            return new TreeMap<>(returnedSpent);
        }

        synchronized Map<String, Long> reported() {
            return new TreeMap<>(reported);
        }

        /** Makes the next returns wait, after saying so, until {@link #answerReturns()}. */
        void holdReturns() {
            returnMayAnswer = new CountDownLatch(1);
            returnEntered = new CountDownLatch(1);
        }

        void answerReturns() {
            returnMayAnswer.countDown();
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
                .options(
                        ControlPlaneOptions.builder(URI.create("http://127.0.0.1:1"))
                                .leaseSize(Money.ofMicros(LEASE))
                                .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(20))
                                .build())
                .random(TestRandom.CEILING)
                .build();
    }

    /** Puts a gated work lock into the manager's worker (no seam in production code for it). */
    private static GatedLock gateWork(BudgetLeaseManager manager) throws Exception {
        GatedLock gated = new GatedLock();
        Field worker = BudgetLeaseManager.class.getDeclaredField("worker");
        worker.setAccessible(true);
        Field work = RetryingWorker.class.getDeclaredField("work");
        work.setAccessible(true);
        work.set(worker.get(manager), gated);
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

    /** Runs {@code close()} on a thread of its own; what it throws lands in {@code errors}. */
    private static Thread closeInBackground(
            BudgetLeaseManager manager, String name, List<Throwable> errors) {
        Thread closer =
                new Thread(
                        () -> {
                            try {
                                manager.close();
                            } catch (Throwable t) {
                                synchronized (errors) {
                                    errors.add(t);
                                }
                            }
                        },
                        name);
        closer.start();
        return closer;
    }

    /**
     * Waits until the thread blocks with a timeout: close() waiting for a settlement, or in a
     * return the server holds.
     */
    private static void awaitTimedWaiting(Thread thread) {
        Await.until(
                WAIT,
                thread.getName() + " blocks with a timeout",
                () -> thread.getState() == Thread.State.TIMED_WAITING);
        assertEquals(Thread.State.TIMED_WAITING, thread.getState(), "close is waiting");
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
        // close waits for the renewal in flight
        Await.until(WAIT, "close waits for the work lock", () -> work.hasQueuedThread(closer));
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
    void ledgerReportsAndReturnsAgreeToTheMicroDollarAcrossARenewal() throws Exception {
        BudgetLeaseManager manager = manager();
        manager.start();
        spend(manager, 1_234_567);
        spend(manager, 3_000_000); // 765_433 of 5_000_000 left, under 20 %: renewed
        Await.until(WAIT, "the lease was renewed", () -> manager.grantCount() >= 2);
        assertEquals(2, manager.grantCount(), "renewed");
        spend(manager, 765_433);
        spend(manager, 1);

        manager.close();
        drainWorker();

        Map<String, Long> expected = Map.of("lease_1", 4_234_567L, "lease_2", 765_434L);
        assertEquals(expected, server.returnedSpent(), "each return: what its lease spent");
        assertEquals(expected, server.reported(), "the reports say the same");
        assertEquals(Money.ofMicros(5_000_001), ledger.totalSpent(), "and so does the ledger");
        assertEquals(Money.ZERO, manager.unaccountedSpend());
    }

    @Test
    void aRequestInFlightAtCloseIsInTheReturnAndItsReportIsSent() throws Exception {
        BudgetLeaseManager manager = manager();
        manager.start();
        spend(manager, 1_000_000);
        manager.admit(); // a second request is in flight: reserved, not settled
        Reservation inFlight =
                ((BudgetDecision.Granted) ledger.reserve(Money.ofMicros(2_000_000))).reservation();
        server.holdReturns();

        List<Throwable> errors = new ArrayList<>();
        Thread closer = closeInBackground(manager, "closer", errors);
        awaitTimedWaiting(closer); // waiting for the settlement (or, unfixed, in the return)
        // settles as the pipeline does: the lease hears of the cost, then the ledger commits
        manager.recordSpend(ProviderType.OPENAI, "gpt-4o-mini", 10, Money.ofMicros(1_500_000));
        inFlight.commit(Money.ofMicros(1_500_000));
        server.answerReturns();
        closer.join(WAIT.toMillis());
        drainWorker();

        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(
                Map.of("lease_1", 2_500_000L),
                server.returnedSpent(),
                "the return counts the request that settled while close waited for it");
        assertEquals(Map.of("lease_1", 2_500_000L), server.reported(), "and its report went out");
    }

    @Test
    void noRequestIsAdmittedOnceCloseHasBegun() throws Exception {
        BudgetLeaseManager manager = manager();
        manager.start();
        spend(manager, 1_000_000);
        server.holdReturns();

        List<Throwable> errors = new ArrayList<>();
        Thread closer = closeInBackground(manager, "closer", errors);
        await(server.returnEntered); // the lease is being returned
        IllegalStateException during = assertThrows(IllegalStateException.class, manager::admit);
        server.answerReturns();
        closer.join(WAIT.toMillis());
        IllegalStateException after = assertThrows(IllegalStateException.class, manager::admit);

        assertTrue(errors.isEmpty(), errors.toString());
        for (IllegalStateException e : List.of(during, after)) {
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertFalse(e.getMessage().contains("handshake"), e.getMessage());
        }
        assertEquals(Map.of("lease_1", 1_000_000L), server.returnedSpent());
    }

    @Test
    void aSecondCloseReturnsOnlyOnceTheFirstHasReturnedTheLease() throws Exception {
        BudgetLeaseManager manager = manager();
        manager.start();
        spend(manager, 1_000_000);
        server.holdReturns();

        List<Throwable> errors = new ArrayList<>();
        Thread first = closeInBackground(manager, "first-closer", errors);
        await(server.returnEntered);
        Thread second = closeInBackground(manager, "second-closer", errors);
        second.join(300);
        boolean secondWaited = second.isAlive();
        server.answerReturns();
        first.join(WAIT.toMillis());
        second.join(WAIT.toMillis());

        assertTrue(errors.isEmpty(), errors.toString());
        assertTrue(
                secondWaited,
                "a caller of close() may shut down the client next: the return must be done");
        assertFalse(second.isAlive());
        assertEquals(Map.of("lease_1", 1_000_000L), server.returnedSpent());
    }

    @Test
    void spendSettledAfterTheReturnTookTheLeasesSpendIsCountedNotAddedAnywhere() throws Exception {
        BudgetLeaseManager manager =
                BudgetLeaseManager.builder(
                                server, "ic-close-token", () -> ProviderType.OPENAI, ledger)
                        .clock(new TestClock())
                        .scheduler(scheduler)
                        .options(
                                ControlPlaneOptions.builder(URI.create("http://127.0.0.1:1"))
                                        .leaseSize(Money.ofMicros(LEASE))
                                        .build())
                        .settleWait(Duration.ofMillis(50))
                        .build();
        manager.start();
        spend(manager, 1_000_000);
        manager.admit();
        Reservation slow =
                ((BudgetDecision.Granted) ledger.reserve(Money.ofMicros(2_000_000)))
                        .reservation(); // in flight longer than close waits for it
        server.holdReturns();

        List<Throwable> errors = new ArrayList<>();
        Thread closer = closeInBackground(manager, "closer", errors);
        await(server.returnEntered); // the settle wait ran out; the return is on its way
        manager.recordSpend(ProviderType.OPENAI, "gpt-4o-mini", 10, Money.ofMicros(700_000));
        slow.commit(Money.ofMicros(700_000));
        server.answerReturns();
        closer.join(WAIT.toMillis());
        manager.recordSpend(ProviderType.OPENAI, "gpt-4o-mini", 10, Money.ofMicros(11));
        drainWorker();

        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(Map.of("lease_1", 1_000_000L), server.returnedSpent());
        assertEquals(Map.of("lease_1", 1_000_000L), server.reported());
        assertEquals(
                Money.ofMicros(700_011),
                manager.unaccountedSpend(),
                "spent after the return took its amount: counted once, on no lease");
        assertEquals(Map.of("lease_1", LEASE), server.granted(), "no lease taken for it");
        assertEquals(1_000_000, manager.lease().orElseThrow().spent().micros());
        assertEquals(0, manager.pendingReports());
    }

    @Test
    void spendWithNoLeaseInForceAtCloseIsCounted() {
        BudgetLeaseClient refusing =
                new BudgetLeaseClient() {
                    @Override
                    public LeaseGrant handshake(HandshakeRequest request) {
                        throw new ControlPlaneException("connection refused", new Exception());
                    }

                    @Override
                    public ReportResult report(
                            String leaseId,
                            String requestId,
                            long tokens,
                            Money cost,
                            String model,
                            ProviderType provider) {
                        throw new AssertionError("no lease to report against");
                    }

                    @Override
                    public RefreshResult refresh(RefreshRequest request) {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public Money returnUnused(String leaseId, Money spent) {
                        throw new AssertionError("no lease to return");
                    }

                    @Override
                    public void close() {}
                };
        BudgetLeaseManager manager =
                BudgetLeaseManager.builder(
                                refusing, "ic-close-token", () -> ProviderType.OPENAI, ledger)
                        .clock(new TestClock())
                        .scheduler(scheduler)
                        .options(
                                ControlPlaneOptions.builder(URI.create("http://127.0.0.1:1"))
                                        .retryBackoff(
                                                Duration.ofSeconds(30), Duration.ofSeconds(30))
                                        .build())
                        .random(TestRandom.CEILING)
                        .build();
        manager.start();
        // settled while no lease was in force: it waits for the next lease, which never comes
        manager.recordSpend(ProviderType.OPENAI, "gpt-4o-mini", 10, Money.ofMicros(42));

        manager.close();

        assertEquals(Money.ofMicros(42), manager.unaccountedSpend());
        assertEquals(0, manager.pendingReports());
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
