package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.controlplane.wire.AnalyticsEventClient;
import io.ironcage.router.core.domain.Backoff;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UsageEventStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends analytics events from a {@link UsageEventStore} to the Iron Cage control server ({@code
 * POST /api/v1/analytics/events}, one event per call in the server's format, reference §8.6), so
 * that each event reaches it once.
 *
 * <ul>
 *   <li>Every {@linkplain ControlPlaneOptions#syncInterval() interval} (default 30 s, as the
 *       reference) a cycle <em>drains</em> the store: it reads up to a {@linkplain
 *       ControlPlaneOptions#syncBatchSize() batch} of unsynced events, oldest first, posts them
 *       with up to {@linkplain ControlPlaneOptions#syncConcurrency() concurrency} calls in flight
 *       at once (default 8, over the kept-alive connections of the router's HTTP client), records
 *       the answers in the store, and reads the next batch, until nothing is unsynced, a call fails
 *       or the sync is closed. A batch is read only once every call of the one before has been
 *       answered and recorded, so an event is never in flight twice. With more than one call in
 *       flight, events reach the server roughly, not strictly, oldest first.
 *   <li>202 (accepted) and 200 (duplicate), or any other 2xx, acknowledge an event: it is marked
 *       synced in the store, once, and never sent again — a restart neither re-sends it nor loses
 *       it, since the state lives in the store (the reference re-sent every buffered event each
 *       cycle, §11 item 14).
 *   <li>A 400, 409, 413 or 422 refuses the event: it is marked rejected, with the status and
 *       message, so it is not sent again; nothing is dropped silently.
 *   <li>No answer, a 5xx or any other 4xx (401, 403, 404, 408, 429, ...) stops the cycle: no new
 *       call starts, the calls in flight are answered and recorded, the rest waits. The next cycle
 *       waits a {@link Backoff} (exponential with full jitter: a random wait up to a ceiling that
 *       starts at {@linkplain ControlPlaneOptions#minBackoff() the first backoff} and doubles up to
 *       5 min, or the options' longest backoff if that is longer), measured on the injected clock,
 *       and reset after a success.
 *   <li>Only {@code llm_request_completed} and {@code llm_request_failed} events are sent (the
 *       store returns no others; the server accepts no others). An event goes out with the IC token
 *       of the agent it belongs to; an event of an agent without a known token is rejected in the
 *       store with that reason.
 *   <li>{@link #close()} stops the schedule and flushes what is left, within a bound. The router
 *       closes its event sink first, so the store holds every event recorded before.
 * </ul>
 *
 * <p>This class holds the schedule, the backoff and the close bound; a cycle's batches are an
 * {@code AnalyticsDrain}'s, and the event's JSON and the answer's reading are {@link
 * io.ironcage.router.core.controlplane.wire.AnalyticsEventClient}'s.
 *
 * <p>Thread-safe; cycles never overlap. Tokens never appear in logs or messages.
 */
public final class AnalyticsSync implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsSync.class);

    /** The endpoint, reference §8.6. */
    public static final String PATH = AnalyticsEventClient.PATH;

    /** The least ceiling of the backoff after failed cycles: analytics may wait, the server not. */
    static final Duration MIN_MAX_BACKOFF = Duration.ofMinutes(5);

    private final AnalyticsEventClient client;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final Duration interval;
    private final int concurrency;
    private final RetryBackoff backoff;
    private final Duration closeTimeout;
    private final AnalyticsDrain drain;

    private final ReentrantLock cycle = new ReentrantLock();
    private final Object lock = new Object();
    private ScheduledFuture<?> task; // guarded by lock
    private volatile boolean closed; // written under lock
    private int failures; // guarded by cycle
    private Instant nextAttempt = Instant.MIN; // guarded by cycle

    /**
     * What one cycle did.
     *
     * @param sent events posted
     * @param synced events acknowledged (202 or 200) and marked synced
     * @param rejected events refused (400, 409, 413, 422) and marked rejected
     * @param failed whether the cycle stopped because the server could not be reached or failed
     *     (the rest waits for a later cycle)
     */
    public record Result(int sent, int synced, int rejected, boolean failed) {}

    private AnalyticsSync(Builder b) {
        ControlPlaneOptions o = b.options;
        this.client = AnalyticsEventClient.create(o.url(), b.transport, o.timeout());
        this.clock = b.clock;
        this.scheduler = b.scheduler;
        this.interval = o.syncInterval();
        this.concurrency = o.syncConcurrency();
        Duration max =
                o.maxBackoff().compareTo(MIN_MAX_BACKOFF) > 0 ? o.maxBackoff() : MIN_MAX_BACKOFF;
        this.backoff =
                new RetryBackoff(
                        Backoff.exponential(
                                o.minBackoff(),
                                max.compareTo(o.minBackoff()) < 0 ? o.minBackoff() : max),
                        b.random);
        this.closeTimeout = o.closeTimeout();
        this.drain =
                new AnalyticsDrain(
                        client,
                        b.store,
                        b.tokens,
                        clock,
                        o.syncBatchSize(),
                        concurrency,
                        () -> closed);
    }

    /**
     * Returns a builder. Interval, batch size, concurrency, call timeout, backoff and the close
     * bound come from {@code options}, where they are validated.
     *
     * @param options the control server's URL and the sync settings
     * @param transport the HTTP client; not closed by the sync
     * @param store where events are read from and their sync state kept
     * @param tokens the IC token of an event's agent ({@link AnalyticsEvent#agentId()}), if known
     * @return the builder
     */
    public static Builder builder(
            ControlPlaneOptions options,
            HttpTransport transport,
            UsageEventStore store,
            Function<Optional<String>, Optional<String>> tokens) {
        return new Builder(options, transport, store, tokens);
    }

    /**
     * Schedules the cycles every interval (the first after one interval). Requires a scheduler.
     *
     * @return this sync
     * @throws IllegalStateException if no scheduler was given or the sync is closed
     */
    public AnalyticsSync start() {
        synchronized (lock) {
            if (scheduler == null) {
                throw new IllegalStateException("start() needs a scheduler; see Builder.scheduler");
            }
            if (closed) {
                throw new IllegalStateException("this analytics sync is closed");
            }
            if (task == null) {
                long nanos = interval.toNanos();
                task =
                        scheduler.scheduleWithFixedDelay(
                                this::scheduledCycle, nanos, nanos, TimeUnit.NANOSECONDS);
            }
        }
        return this;
    }

    /**
     * Runs a cycle now unless the sync is backing off after a failure (what the schedule runs).
     *
     * @return what the cycle did; nothing when backing off
     */
    public Result runIfDue() {
        cycle.lock();
        try {
            if (clock.instant().isBefore(nextAttempt)) {
                return new Result(0, 0, 0, false);
            }
            return runCycle(null);
        } finally {
            cycle.unlock();
        }
    }

    /**
     * Runs one cycle now, ignoring any backoff: it drains the store, batch after batch.
     *
     * @return what it did
     */
    public Result syncNow() {
        cycle.lock();
        try {
            return runCycle(null);
        } finally {
            cycle.unlock();
        }
    }

    /**
     * Returns when the next scheduled cycle may send, after failures.
     *
     * @return the instant, or empty when not backing off
     */
    public Optional<Instant> backingOffUntil() {
        cycle.lock();
        try {
            return failures == 0 ? Optional.empty() : Optional.of(nextAttempt);
        } finally {
            cycle.unlock();
        }
    }

    /**
     * Returns the totals so far: events sent, acknowledged and rejected.
     *
     * @return the totals, with {@code failed} true while backing off
     */
    public Result totals() {
        cycle.lock();
        try {
            return drain.totals(failures > 0);
        } finally {
            cycle.unlock();
        }
    }

    /**
     * Stops the schedule (a cycle under way stops after the calls it has in flight) and sends what
     * is left, batch after batch, until the store has nothing unsynced, a call fails, or the close
     * timeout (default 5 s, on the clock) has passed; each call's timeout is cut to what is left of
     * it. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (task != null) {
                task.cancel(false);
            }
        }
        Instant deadline = clock.instant().plus(closeTimeout);
        // a cycle under way stops starting calls; its calls in flight may take the call timeout,
        // which the close bound does not wait out
        boolean locked;
        try {
            locked =
                    cycle.tryLock(
                            AnalyticsDrain.remainingNanos(clock, deadline), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            locked = false;
        }
        if (!locked) {
            LOG.warn(
                    "analytics sync: a cycle was still running at the close bound ({}); the rest"
                            + " stays unsynced",
                    closeTimeout);
            drain.shutdownNow();
            return;
        }
        try {
            Result r = runCycle(deadline);
            if (r.failed()) {
                LOG.warn("analytics sync: final flush stopped; the rest stays unsynced");
            }
        } catch (RuntimeException e) {
            LOG.warn("analytics sync: final flush failed: {}", e.toString());
        } finally {
            cycle.unlock();
            drain.shutdownNow(); // a call past its timeout is abandoned, not waited for
        }
    }

    @Override
    public String toString() {
        return "AnalyticsSync["
                + client.baseUrl()
                + ", every "
                + interval
                + ", up to "
                + concurrency
                + " calls at once]";
    }

    private void scheduledCycle() {
        try {
            runIfDue();
        } catch (RuntimeException e) {
            LOG.warn("analytics sync: a cycle failed unexpectedly", e);
        }
    }

    /** Under the cycle lock: one drain, then the backoff it leaves (reset after a success). */
    private Result runCycle(Instant deadline) {
        boolean failed = false;
        try {
            Result r = drain.drain(deadline);
            failed = r.failed();
            return r;
        } finally {
            if (failed) {
                failures++;
                nextAttempt = clock.instant().plus(backoff.delay(failures));
            } else {
                failures = 0;
                nextAttempt = Instant.MIN;
            }
        }
    }

    /** Configures an {@link AnalyticsSync}. */
    public static final class Builder {
        private final ControlPlaneOptions options;
        private final HttpTransport transport;
        private final UsageEventStore store;
        private final Function<Optional<String>, Optional<String>> tokens;
        private Clock clock;
        private ScheduledExecutorService scheduler;
        private RandomGenerator random;

        private Builder(
                ControlPlaneOptions options,
                HttpTransport transport,
                UsageEventStore store,
                Function<Optional<String>, Optional<String>> tokens) {
            this.options = Objects.requireNonNull(options, "options");
            this.transport = Objects.requireNonNull(transport, "transport");
            this.store = Objects.requireNonNull(store, "store");
            this.tokens = Objects.requireNonNull(tokens, "tokens");
        }

        /**
         * Sets the clock that backoff and the close bound are measured on (required; the router
         * passes its own).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the scheduler {@link AnalyticsSync#start()} runs the cycles on (not shut down by the
         * sync).
         *
         * @param scheduler the scheduler
         * @return this builder
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Sets where the backoff's jitter is drawn from (default: the thread's own random source);
         * for tests, which pass a fixed one.
         *
         * @param random the source, used on the cycle's thread only
         * @return this builder
         */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Builds the sync; call {@link AnalyticsSync#start()} to schedule it.
         *
         * @return the sync
         * @throws IllegalStateException if no clock was set
         */
        public AnalyticsSync build() {
            if (clock == null) {
                throw new IllegalStateException("set a clock, e.g. .clock(Clock.systemUTC())");
            }
            return new AnalyticsSync(this);
        }
    }
}
