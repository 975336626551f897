package io.ironcage.router.core.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The worker on its own: a failed pass backs off on the Backoff, a good one resets it. */
class RetryingWorkerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final RecordingScheduler scheduler = new RecordingScheduler();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** Fails its first {@code failures} passes, then succeeds; has work until then. */
    private static final class Flaky implements RetryingWorker.Job {
        final AtomicInteger passes = new AtomicInteger();
        final int failures;

        Flaky(int failures) {
            this.failures = failures;
        }

        @Override
        public boolean runOnce() {
            return passes.incrementAndGet() > failures;
        }

        @Override
        public boolean hasWork() {
            return passes.get() <= failures;
        }

        @Override
        public boolean hasMoreWork() {
            return false;
        }
    }

    private RetryingWorker worker(Flaky job) {
        return new RetryingWorker(
                lock,
                changed,
                scheduler,
                Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(3)),
                TestRandom.CEILING,
                "agent_1",
                job);
    }

    private void awaitPasses(Flaky job, int passes) throws InterruptedException {
        long nanos = WAIT.toNanos();
        lock.lock();
        try {
            while (job.passes.get() < passes && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
        assertEquals(passes, job.passes.get());
    }

    @Test
    void failedPassesWaitLongerEachTimeUpToTheCapAndASuccessEndsTheBackoff() throws Exception {
        Flaky job = new Flaky(3);
        RetryingWorker worker = worker(job);

        worker.scheduleFromState();
        awaitPasses(job, 4);
        scheduler.shutdown();
        assertTrue(scheduler.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS));

        // ceilings 1 s, 2 s, then 3 s (the cap); the source draws the ceiling
        assertEquals(
                List.of(
                        Duration.ZERO,
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(3)),
                scheduler.delays);
    }

    @Test
    void aStoppedWorkerSchedulesNothing() throws Exception {
        Flaky job = new Flaky(1);
        RetryingWorker worker = worker(job);
        lock.lock();
        try {
            worker.stop();
            worker.wake();
        } finally {
            lock.unlock();
        }
        worker.scheduleFromState();

        assertEquals(List.of(), scheduler.delays);
        assertEquals(0, job.passes.get());
    }
}
