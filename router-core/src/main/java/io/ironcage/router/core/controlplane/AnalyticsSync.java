package io.ironcage.router.core.controlplane;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.Backoff;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UsageEventStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>Thread-safe; cycles never overlap. Tokens never appear in logs or messages.
 */
public final class AnalyticsSync implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsSync.class);

    /** The endpoint, reference §8.6. */
    public static final String PATH = "/api/v1/analytics/events";

    /** The least ceiling of the backoff after failed cycles: analytics may wait, the server not. */
    static final Duration MIN_MAX_BACKOFF = Duration.ofMinutes(5);

    private final ControlPlaneHttp http;
    private final UsageEventStore store;
    private final Function<Optional<String>, Optional<String>> tokens;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final Duration interval;
    private final int batchSize;
    private final int concurrency;
    private final Backoff backoff;
    private final RandomGenerator random; // null: the thread's own
    private final Duration closeTimeout;
    private final ThreadPoolExecutor senders;

    private final ReentrantLock cycle = new ReentrantLock();
    private final Object lock = new Object();
    private ScheduledFuture<?> task; // guarded by lock
    private volatile boolean closed; // written under lock
    private int failures; // guarded by cycle
    private Instant nextAttempt = Instant.MIN; // guarded by cycle
    private long sent; // guarded by cycle
    private long synced; // guarded by cycle
    private long rejected; // guarded by cycle

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
        this.http = new ControlPlaneHttp(o.url(), b.transport, o.timeout());
        this.store = b.store;
        this.tokens = b.tokens;
        this.clock = b.clock;
        this.scheduler = b.scheduler;
        this.interval = o.syncInterval();
        this.batchSize = o.syncBatchSize();
        this.concurrency = o.syncConcurrency();
        Duration max =
                o.maxBackoff().compareTo(MIN_MAX_BACKOFF) > 0 ? o.maxBackoff() : MIN_MAX_BACKOFF;
        this.backoff =
                Backoff.exponential(
                        o.minBackoff(), max.compareTo(o.minBackoff()) < 0 ? o.minBackoff() : max);
        this.random = b.random;
        this.closeTimeout = o.closeTimeout();
        AtomicInteger count = new AtomicInteger();
        // threads only while there is something to send: a quiet router holds none
        this.senders =
                new ThreadPoolExecutor(
                        concurrency,
                        concurrency,
                        30,
                        TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(),
                        r -> {
                            Thread t =
                                    new Thread(
                                            r,
                                            "iron-router-analytics-sync-"
                                                    + count.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        this.senders.allowCoreThreadTimeOut(true);
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
            return drain(null);
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
            return drain(null);
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
            return new Result((int) sent, (int) synced, (int) rejected, failures > 0);
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
            locked = cycle.tryLock(remainingNanos(deadline), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            locked = false;
        }
        if (!locked) {
            LOG.warn(
                    "analytics sync: a cycle was still running at the close bound ({}); the rest"
                            + " stays unsynced",
                    closeTimeout);
            senders.shutdownNow();
            return;
        }
        try {
            Result r = drain(deadline);
            if (r.failed()) {
                LOG.warn("analytics sync: final flush stopped; the rest stays unsynced");
            }
        } catch (RuntimeException e) {
            LOG.warn("analytics sync: final flush failed: {}", e.toString());
        } finally {
            cycle.unlock();
            senders.shutdownNow(); // a call past its timeout is abandoned, not waited for
        }
    }

    @Override
    public String toString() {
        return "AnalyticsSync["
                + http.baseUrl()
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

    /**
     * Under the cycle lock: batch after batch until the store has nothing more, a call fails, the
     * sync closes (scheduled cycles, {@code deadline} null) or the deadline passes (the final
     * flush).
     */
    private Result drain(Instant deadline) {
        int posted = 0;
        int acked = 0;
        int refused = 0;
        boolean failed = false;
        try {
            while (true) {
                if (deadline != null && !clock.instant().isBefore(deadline)) {
                    LOG.warn("analytics sync: final flush stopped at its time limit");
                    break;
                }
                if (deadline == null && closed) {
                    break; // close() takes over, with its bound
                }
                List<AnalyticsEvent> batch = store.unsynced(batchSize);
                Batch done = sendBatch(batch, deadline);
                posted += done.posted;
                acked += done.acked;
                refused += done.refused;
                if (done.failed) {
                    failed = true;
                    break;
                }
                if (batch.size() < batchSize || done.posted + done.refused == 0) {
                    break; // drained, or nothing this sync can move
                }
            }
        } finally {
            if (failed) {
                failures++;
                nextAttempt = clock.instant().plus(delay(failures));
            } else {
                failures = 0;
                nextAttempt = Instant.MIN;
            }
        }
        return new Result(posted, acked, refused, failed);
    }

    /**
     * Whether a status refuses the event itself (it is marked rejected and never sent again), not
     * the sync as a whole: 400, 409, 413 and 422. Any other 4xx (401, 403, 404, a proxy's 405 or
     * 410 while the server is being deployed, 408, 429) stops the cycle like a 5xx, so a server
     * that refuses every call cannot reject a whole backlog in one drain.
     */
    static boolean refusesTheEvent(int status) {
        return status == 400 || status == 409 || status == 413 || status == 422;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private long remainingNanos(Instant deadline) {
        return Math.max(0, Duration.between(clock.instant(), deadline).toNanos());
    }

    /** Waits for every call of a final-flush batch until the deadline; false if some are out. */
    private boolean awaitPermits(Semaphore permits, Instant deadline) {
        try {
            return permits.tryAcquire(concurrency, remainingNanos(deadline), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Duration delay(int failuresInARow) {
        return random == null
                ? backoff.delay(failuresInARow)
                : backoff.delay(failuresInARow, random);
    }

    /** What one batch did. */
    private static final class Batch {
        int posted;
        int acked;
        int refused;
        boolean failed;
    }

    /** One call's answer, or its failure. */
    private record Outcome(AnalyticsEvent event, String token, ControlPlaneHttp.Answer answer) {}

    /**
     * Posts the batch's events with at most {@code concurrency} calls in flight, waits for every
     * call it started, then records the answers in the store (on this thread, once per event).
     */
    private Batch sendBatch(List<AnalyticsEvent> batch, Instant deadline) {
        Batch out = new Batch();
        Semaphore permits = new Semaphore(concurrency);
        AtomicBoolean stop = new AtomicBoolean();
        Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        List<String> acknowledged = new ArrayList<>();
        try {
            for (AnalyticsEvent event : batch) {
                if (!(event.payload() instanceof LlmRequestCompleted
                        || event.payload() instanceof LlmRequestFailed)) {
                    continue; // the server takes no other event
                }
                Optional<String> token = tokens.apply(event.agentId());
                if (token.isEmpty()) {
                    store.markRejected(
                            event.eventId(),
                            "no IC token is configured for agent "
                                    + event.agentId().orElse("(none)")
                                    + ", so the event cannot be sent");
                    out.refused++;
                    continue;
                }
                permits.acquireUninterruptibly();
                // the final flush cuts each call to what is left of its bound; a scheduled cycle
                // stops when the sync closes, and close() takes over
                Duration callTimeout =
                        deadline == null
                                ? http.timeout()
                                : min(http.timeout(), Duration.between(clock.instant(), deadline));
                if (stop.get()
                        || (deadline == null && closed)
                        || callTimeout.isNegative()
                        || callTimeout.isZero()) {
                    permits.release();
                    break;
                }
                out.posted++;
                try {
                    senders.execute(
                            () -> post(event, token.get(), callTimeout, stop, outcomes, permits));
                } catch (RejectedExecutionException e) {
                    out.posted--;
                    permits.release();
                    out.failed = true;
                    break;
                }
            }
        } finally {
            // every call started is answered (or times out) before its outcome is recorded; the
            // final flush waits no longer than its bound, and a call still out stays unsynced
            if (deadline == null) {
                permits.acquireUninterruptibly(concurrency);
            } else if (!awaitPermits(permits, deadline)) {
                out.failed = true;
                stop.set(true);
            }
            for (Outcome o : outcomes) {
                if (o.answer() == null) {
                    out.failed = true;
                    continue;
                }
                int status = o.answer().status();
                if (o.answer().isSuccess()) {
                    acknowledged.add(o.event().eventId());
                } else if (refusesTheEvent(status)) {
                    ControlPlaneException e = ControlPlaneHttp.refusal(o.answer(), o.token());
                    store.markRejected(o.event().eventId(), e.getMessage());
                    LOG.warn(
                            "analytics sync: event {} rejected: {}",
                            o.event().eventId(),
                            e.getMessage());
                    out.refused++;
                } else {
                    out.failed = true;
                }
            }
            if (!acknowledged.isEmpty()) {
                store.markSynced(acknowledged);
            }
            out.acked = acknowledged.size();
            sent += out.posted;
            synced += out.acked;
            rejected += out.refused;
        }
        return out;
    }

    /** On a sender thread: one call; a failure stops the batch from starting more. */
    private void post(
            AnalyticsEvent event,
            String token,
            Duration callTimeout,
            AtomicBoolean stop,
            Queue<Outcome> outcomes,
            Semaphore permits) {
        ControlPlaneHttp.Answer answer = null;
        try {
            answer =
                    http.post(
                            PATH,
                            toWire(event, token),
                            HeaderMap.empty(),
                            callTimeout,
                            "the analytics event",
                            token);
            int status = answer.status();
            if (!answer.isSuccess() && !refusesTheEvent(status)) {
                stop.set(true);
                LOG.warn("analytics sync: the server answered {}; retrying later", status);
            }
        } catch (ControlPlaneException e) {
            stop.set(true);
            LOG.warn("analytics sync: {}; retrying later", e.getMessage());
        } catch (RuntimeException e) {
            stop.set(true);
            LOG.warn("analytics sync: a call failed unexpectedly: {}", e.toString());
        } finally {
            outcomes.add(new Outcome(event, token, answer));
            permits.release();
        }
    }

    /** The server's wire format (reference §8.6). */
    static ObjectNode toWire(AnalyticsEvent event, String icToken) {
        ObjectNode out =
                ControlPlaneHttp.JSON
                        .createObjectNode()
                        .put("ic_token", icToken)
                        .put("event_id", event.eventId())
                        .put("timestamp_ms", event.timestampMs())
                        .put("event_type", event.eventType());
        if (event.payload() instanceof LlmRequestCompleted) {
            LlmRequestCompleted done = (LlmRequestCompleted) event.payload();
            out.put("model", done.model()).put("provider", done.provider());
            out.put("input_tokens", done.usage().inputTokens())
                    .put("output_tokens", done.usage().outputTokens())
                    .put("cost_micros", done.cost().micros());
            done.providerId().ifPresent(id -> out.put("provider_id", id));
        } else {
            LlmRequestFailed failed = (LlmRequestFailed) event.payload();
            out.put("model", failed.model()).put("provider", failed.provider());
            failed.providerId().ifPresent(id -> out.put("provider_id", id));
            failed.errorCode().ifPresent(code -> out.put("error_code", code));
            failed.errorMessage().ifPresent(message -> out.put("error_message", message));
            if (!failed.cost().isZero()) {
                // a stream that broke after the provider started billing was charged: the server
                // must see that spend, as the ledger and the lease did
                out.put("input_tokens", failed.usage().inputTokens())
                        .put("output_tokens", failed.usage().outputTokens())
                        .put("cost_micros", failed.cost().micros());
            }
        }
        return out;
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
