package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.domain.Backoff;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a lease manager's background work on a scheduler: one pass at a time under the work lock,
 * soon after it is woken, and after a failed pass again on a {@link Backoff} (exponential with full
 * jitter, capped) until a pass succeeds. While it backs off, waking it does not cut the wait short:
 * a server that is down is not called for every settled request.
 *
 * <p>Shares its owner's lock and condition: its scheduling state is read and changed under that
 * lock ({@link #wake()}, {@link #stop()} and {@link #isRunning()} are called holding it), and it
 * signals the condition after every pass. The owner's own calls that must not overlap a pass
 * ({@code start}, {@code close}) run through {@link #exclusive(Runnable)}.
 */
final class RetryingWorker {
    private static final Logger LOG = LoggerFactory.getLogger(RetryingWorker.class);

    /** The work a pass does. */
    interface Job {
        /**
         * Under the work lock: one pass over everything there is to do.
         *
         * @return whether it all succeeded; false backs off before the next pass
         */
        boolean runOnce();

        /** Under the owner's lock: whether there is work to do now (before any pass). */
        boolean hasWork();

        /** Under the owner's lock, after a pass that succeeded: whether to run again at once. */
        boolean hasMoreWork();
    }

    private final ReentrantLock lock;
    private final Condition changed;
    private final ScheduledExecutorService scheduler;
    private final RetryBackoff backoff;
    private final String name;
    private final Job job;

    private final ReentrantLock work = new ReentrantLock();

    // under lock
    private boolean stopped;
    private boolean running;
    private int failedAttempts;
    private ScheduledFuture<?> scheduled;

    RetryingWorker(
            ReentrantLock lock,
            Condition changed,
            ScheduledExecutorService scheduler,
            Backoff backoff,
            RandomGenerator random,
            String name,
            Job job) {
        this.lock = Objects.requireNonNull(lock, "lock");
        this.changed = Objects.requireNonNull(changed, "changed");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.backoff = new RetryBackoff(backoff, random); // random null: the thread's own
        this.name = Objects.requireNonNull(name, "name");
        this.job = Objects.requireNonNull(job, "job");
    }

    /** Runs {@code action} under the work lock, so that no pass runs meanwhile. */
    void exclusive(Runnable action) {
        work.lock();
        try {
            action.run();
        } finally {
            work.unlock();
        }
    }

    /** Under the owner's lock: runs a pass soon, unless backing off after a failure. */
    void wake() {
        if (failedAttempts == 0) {
            schedule(Duration.ZERO);
        }
    }

    /** Schedules the next pass from the state: after the backoff, or now if there is work. */
    void scheduleFromState() {
        lock.lock();
        try {
            if (failedAttempts > 0) {
                schedule(backoff());
            } else if (job.hasWork()) {
                schedule(Duration.ZERO);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the owner's lock: no pass is scheduled from now on, and one that has not begun is
     * cancelled (one that has passed its first check finds out under the work lock).
     */
    void stop() {
        stopped = true;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
    }

    /** Under the owner's lock: whether a pass is under way. */
    boolean isRunning() {
        return running;
    }

    /** Under the owner's lock. */
    private void schedule(Duration delay) {
        if (stopped) {
            return;
        }
        if (scheduled != null && !scheduled.isDone()) {
            if (delay.isZero() && scheduled.getDelay(TimeUnit.NANOSECONDS) > 0) {
                scheduled.cancel(false); // run now instead
            } else {
                return;
            }
        }
        try {
            scheduled = scheduler.schedule(this::run, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("{}: scheduler is shut down; lease work not scheduled", name);
        }
    }

    /** Under the owner's lock. */
    private Duration backoff() {
        return backoff.delay(failedAttempts);
    }

    private void run() {
        lock.lock();
        try {
            if (stopped) {
                return;
            }
            running = true;
        } finally {
            lock.unlock();
        }
        boolean failed = false;
        work.lock();
        try {
            boolean stop;
            lock.lock();
            try {
                // the owner stopped the worker and took the work lock between the check above and
                // here, and has finished: a pass now (a handshake) would take a grant that nothing
                // returns
                stop = stopped;
            } finally {
                lock.unlock();
            }
            if (!stop) {
                failed = !job.runOnce();
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: budget lease work failed unexpectedly", name, e);
            failed = true;
        } finally {
            work.unlock();
            lock.lock();
            try {
                running = false;
                if (failed) {
                    failedAttempts = Math.min(failedAttempts + 1, 64); // past any cap already
                } else {
                    failedAttempts = 0;
                }
                scheduled = null;
                if (failed) {
                    schedule(backoff());
                } else if (job.hasMoreWork()) {
                    schedule(Duration.ZERO);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
