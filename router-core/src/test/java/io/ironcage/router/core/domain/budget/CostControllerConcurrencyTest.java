package io.ironcage.router.core.domain.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ironcage.router.core.domain.Money;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many threads against one ledger, then a linearizability check: every mutation's result is
 * replayed, in {@link BudgetStatus#version()} order, against a plain sequential model, and every
 * recorded snapshot must match the model exactly.
 */
class CostControllerConcurrencyTest {
    private static final int THREADS = 16;
    private static final int OPS_PER_THREAD = 20_000;
    private static final long INITIAL_LIMIT = 2_000;
    private static final long HEADROOM = 2_000;

    private static final int RESERVE = 0;
    private static final int COMMIT = 1;
    private static final int CANCEL = 2;
    private static final int SET_LIMIT = 3;

    /** One mutation as its thread saw it: what it did and the snapshot it returned. */
    private record Mutation(
            int kind,
            long amount,
            long actualOrLimit,
            long spent,
            long reserved,
            long limit,
            long version) {}

    /** A refused reservation and the window of versions its decision fell in. */
    private record Refusal(long versionBefore, long versionAfter, long available, long requested) {}

    private static final class ThreadLog {
        final List<Mutation> mutations = new ArrayList<>(2 * OPS_PER_THREAD + 16);
        final List<Refusal> refusals = new ArrayList<>(OPS_PER_THREAD);
        long committedActuals;
        long grantViolations;

        void record(int kind, long amount, long actualOrLimit, BudgetStatus status) {
            mutations.add(
                    new Mutation(
                            kind,
                            amount,
                            actualOrLimit,
                            status.spent().micros(),
                            status.reserved().micros(),
                            status.limit().orElseThrow().micros(),
                            status.version()));
        }
    }

    @Test
    void concurrentReservationsAreLinearizableAndNeverOverspend() throws Exception {
        CostController ledger = CostController.withLimit(Money.ofMicros(INITIAL_LIMIT));
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<ThreadLog>> futures = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                long seed = 0x1C0FFEEL * (t + 1);
                futures.add(pool.submit(() -> run(ledger, new SplittableRandom(seed), start)));
            }
            start.countDown();
            List<ThreadLog> logs = new ArrayList<>();
            for (Future<ThreadLog> future : futures) {
                logs.add(future.get(60, TimeUnit.SECONDS));
            }
            verify(ledger, logs);
        } finally {
            pool.shutdownNow();
        }
    }

    private static ThreadLog run(
            CostController ledger, SplittableRandom random, CountDownLatch start)
            throws InterruptedException {
        ThreadLog log = new ThreadLog();
        start.await();
        for (int op = 0; op < OPS_PER_THREAD; op++) {
            if (random.nextInt(100) < 2) {
                // keep the limit a little ahead of spending, so both grants and refusals are common
                long newLimit = ledger.totalSpent().micros() + HEADROOM + random.nextInt(1_000);
                log.record(SET_LIMIT, 0, newLimit, ledger.setLimit(Money.ofMicros(newLimit)));
                continue;
            }
            long amount = random.nextInt(20) == 0 ? 0 : 1 + random.nextInt(300);
            long versionBefore = ledger.status().version();
            BudgetDecision decision = ledger.reserve(Money.ofMicros(amount));
            if (decision instanceof BudgetDecision.Insufficient) {
                BudgetDecision.Insufficient refused = (BudgetDecision.Insufficient) decision;
                long versionAfter = ledger.status().version();
                log.refusals.add(
                        new Refusal(
                                versionBefore,
                                versionAfter,
                                refused.available().micros(),
                                refused.requested().micros()));
                continue;
            }
            BudgetDecision.Granted granted = (BudgetDecision.Granted) decision;
            BudgetStatus afterGrant = granted.statusAfter();
            if (amount > 0
                    && afterGrant.spent().micros() + afterGrant.reserved().micros()
                            > afterGrant.limit().orElseThrow().micros()) {
                log.grantViolations++;
            }
            log.record(RESERVE, amount, 0, afterGrant);
            // close() after commit/cancel must be a no-op: the gapless version check proves it
            try (Reservation reservation = granted.reservation()) {
                int choice = random.nextInt(100);
                if (choice < 55) {
                    long actual = random.nextLong(amount + 1);
                    log.record(COMMIT, amount, actual, reservation.commit(Money.ofMicros(actual)));
                    log.committedActuals += actual;
                } else if (choice < 75) {
                    long actual = amount + 1 + random.nextInt(100); // more than reserved
                    log.record(COMMIT, amount, actual, reservation.commit(Money.ofMicros(actual)));
                    log.committedActuals += actual;
                } else {
                    log.record(CANCEL, amount, 0, reservation.cancel());
                }
            }
        }
        return log;
    }

    private static void verify(CostController ledger, List<ThreadLog> logs) {
        BudgetStatus end = ledger.status();
        long committed = logs.stream().mapToLong(l -> l.committedActuals).sum();
        assertEquals(Money.ZERO, end.reserved(), "no leaked reservation");
        assertEquals(Money.ofMicros(committed), end.spent(), "spent = sum of committed actuals");
        assertEquals(0, logs.stream().mapToLong(l -> l.grantViolations).sum(), "grant over limit");

        // every version 1..N belongs to exactly one recorded mutation (so nothing else mutated)
        int n = Math.toIntExact(end.version());
        Mutation[] byVersion = new Mutation[n + 1];
        for (ThreadLog log : logs) {
            long previous = 0;
            for (Mutation mutation : log.mutations) {
                assertTrue(mutation.version() > previous, "versions grow within a thread");
                previous = mutation.version();
                int v = Math.toIntExact(mutation.version());
                assertTrue(v >= 1 && v <= n, "version in range: " + mutation);
                if (byVersion[v] != null) {
                    fail("two mutations with version " + v + ": " + byVersion[v] + ", " + mutation);
                }
                byVersion[v] = mutation;
            }
        }

        // replay against a sequential model
        long spent = 0;
        long reserved = 0;
        long limit = INITIAL_LIMIT;
        long[] availableAfter = new long[n + 1];
        availableAfter[0] = limit;
        int grants = 0;
        int overshoots = 0;
        for (int v = 1; v <= n; v++) {
            Mutation mutation = byVersion[v];
            if (mutation == null) {
                fail("no recorded mutation has version " + v);
            }
            switch (mutation.kind()) {
                case RESERVE:
                    if (mutation.amount() > availableAfter[v - 1]) {
                        fail(
                                "granted "
                                        + mutation
                                        + " with only "
                                        + availableAfter[v - 1]
                                        + " available");
                    }
                    reserved += mutation.amount();
                    grants++;
                    break;
                case COMMIT:
                    spent += mutation.actualOrLimit();
                    reserved -= mutation.amount();
                    if (mutation.actualOrLimit() > mutation.amount()) {
                        overshoots++;
                    }
                    break;
                case CANCEL:
                    reserved -= mutation.amount();
                    break;
                default:
                    limit = mutation.actualOrLimit();
                    break;
            }
            assertEquals(
                    List.of(spent, reserved, limit),
                    List.of(mutation.spent(), mutation.reserved(), mutation.limit()),
                    "snapshot of version " + v + " differs from the sequential model");
            availableAfter[v] = CostController.available(limit, spent, reserved);
        }

        // every refusal saw a real state of the ledger inside its window, and was right to refuse
        int refusals = 0;
        for (ThreadLog log : logs) {
            for (Refusal refusal : log.refusals) {
                refusals++;
                assertTrue(refusal.available() < refusal.requested(), refusal.toString());
                boolean seen = false;
                for (long v = refusal.versionBefore(); v <= refusal.versionAfter() && !seen; v++) {
                    seen = availableAfter[(int) v] == refusal.available();
                }
                assertTrue(seen, "refusal matches no state in its window: " + refusal);
            }
        }
        // the workload really exercised both outcomes
        assertTrue(grants > 10_000, "grants: " + grants);
        assertTrue(refusals > 10_000, "refusals: " + refusals);
        assertTrue(overshoots > 1_000, "commits above the reservation: " + overshoots);
    }

    @Test
    void closeAndExceptionPathsLeakNothingUnderContention() throws Exception {
        int threads = 8;
        int ops = 10_000;
        CostController ledger = CostController.withLimit(Money.ofMicros(1_000_000_000));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Long>> futures = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                long seed = 42L + t;
                futures.add(
                        pool.submit(
                                () -> {
                                    SplittableRandom random = new SplittableRandom(seed);
                                    long committed = 0;
                                    start.await();
                                    for (int i = 0; i < ops; i++) {
                                        long amount = 1 + random.nextInt(1_000);
                                        BudgetDecision d = ledger.reserve(Money.ofMicros(amount));
                                        if (!(d instanceof BudgetDecision.Granted)) {
                                            continue;
                                        }
                                        int choice = random.nextInt(3);
                                        try (Reservation r =
                                                ((BudgetDecision.Granted) d).reservation()) {
                                            if (choice == 0) {
                                                r.commit(Money.ofMicros(amount / 2));
                                                committed += amount / 2;
                                            } else if (choice == 1) {
                                                throw new IllegalStateException("disconnect");
                                            }
                                            // choice 2: abandoned, close() releases it
                                        } catch (IllegalStateException expected) {
                                            // the simulated failure; close() already ran
                                        }
                                    }
                                    return committed;
                                }));
            }
            start.countDown();
            long committed = 0;
            for (Future<Long> future : futures) {
                committed += future.get(60, TimeUnit.SECONDS);
            }
            assertEquals(Money.ZERO, ledger.reserved());
            assertEquals(Money.ofMicros(committed), ledger.totalSpent());
        } finally {
            pool.shutdownNow();
        }
    }
}
