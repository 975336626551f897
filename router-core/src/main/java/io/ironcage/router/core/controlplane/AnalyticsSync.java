package io.ironcage.router.core.controlplane;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.ControlPlaneException;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UsageEventStore;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends analytics events from a {@link UsageEventStore} to the Iron Cage control server ({@code
 * POST /api/v1/analytics/events}, one event per call in the server's format, reference §8.6), so
 * that each event reaches it once.
 *
 * <ul>
 *   <li>Every {@linkplain Builder#interval(Duration) interval} (default 30 s, as the reference) the
 *       sync reads up to a {@linkplain Builder#batchSize(int) batch} of unsynced events, oldest
 *       first, and posts them one by one.
 *   <li>202 (accepted) and 200 (duplicate), or any other 2xx, acknowledge an event: it is marked
 *       synced in the store and never sent again — a restart neither re-sends it nor loses it,
 *       since the state lives in the store (the reference re-sent every buffered event each cycle,
 *       §11 item 14).
 *   <li>A 4xx other than 408 and 429 marks the event rejected, with the status and message, so it
 *       is not sent again; nothing is dropped silently.
 *   <li>No answer, a 5xx, 408 or 429 stops the cycle; the next one waits a backoff that starts at
 *       {@linkplain Builder#retryBackoff(Duration, Duration) 1 s} and doubles up to 5 min, measured
 *       on the injected clock, and resets after a success.
 *   <li>Only {@code llm_request_completed} and {@code llm_request_failed} events are sent (the
 *       store returns no others; the server accepts no others). An event goes out with the IC token
 *       of the agent it belongs to; an event of an agent without a known token is rejected in the
 *       store with that reason.
 *   <li>{@link #close()} stops the schedule and flushes what is left, within a bound.
 * </ul>
 *
 * <p>Thread-safe; cycles never overlap. Tokens never appear in logs or messages.
 */
public final class AnalyticsSync implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsSync.class);

    /** The endpoint, reference §8.6. */
    public static final String PATH = "/api/v1/analytics/events";

    private final ControlPlaneHttp http;
    private final UsageEventStore store;
    private final Function<Optional<String>, Optional<String>> tokens;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final Duration interval;
    private final int batchSize;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration closeTimeout;

    private final ReentrantLock cycle = new ReentrantLock();
    private final Object lock = new Object();
    private ScheduledFuture<?> task; // guarded by lock
    private boolean closed; // guarded by lock
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
     * @param rejected events refused (4xx) and marked rejected
     * @param failed whether the cycle stopped because the server could not be reached or failed
     *     (the rest waits for a later cycle)
     */
    public record Result(int sent, int synced, int rejected, boolean failed) {}

    private AnalyticsSync(Builder b) {
        this.http = new ControlPlaneHttp(b.url, b.transport, b.timeout);
        this.store = b.store;
        this.tokens = b.tokens;
        this.clock = b.clock;
        this.scheduler = b.scheduler;
        this.interval = b.interval;
        this.batchSize = b.batchSize;
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
        this.closeTimeout = b.closeTimeout;
    }

    /**
     * Returns a builder.
     *
     * @param url the control server's base URL
     * @param transport the HTTP client; not closed by the sync
     * @param store where events are read from and their sync state kept
     * @param tokens the IC token of an event's agent ({@link AnalyticsEvent#agentId()}), if known
     * @return the builder
     */
    public static Builder builder(
            URI url,
            HttpTransport transport,
            UsageEventStore store,
            Function<Optional<String>, Optional<String>> tokens) {
        return new Builder(url, transport, store, tokens);
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
            return runCycle(batchSize, http.timeout());
        } finally {
            cycle.unlock();
        }
    }

    /**
     * Runs one cycle now, ignoring any backoff: one batch.
     *
     * @return what it did
     */
    public Result syncNow() {
        cycle.lock();
        try {
            return runCycle(batchSize, http.timeout());
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
     * Stops the schedule and sends what is left, batch after batch, until the store has nothing
     * unsynced, a cycle fails, or the close timeout (default 5 s, on the clock) has passed; each
     * call's timeout is cut to what is left of it. Idempotent.
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
        cycle.lock();
        try {
            while (true) {
                Duration left = Duration.between(clock.instant(), deadline);
                if (left.isNegative() || left.isZero()) {
                    LOG.warn("analytics sync: final flush stopped at its time limit");
                    break;
                }
                Result r = runCycle(batchSize, left);
                if (r.failed()) {
                    LOG.warn("analytics sync: final flush stopped; the rest stays unsynced");
                    break;
                }
                if (r.sent() + r.rejected() < batchSize) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("analytics sync: final flush failed: {}", e.toString());
        } finally {
            cycle.unlock();
        }
    }

    @Override
    public String toString() {
        return "AnalyticsSync[" + http.baseUrl() + ", every " + interval + "]";
    }

    private void scheduledCycle() {
        try {
            runIfDue();
        } catch (RuntimeException e) {
            LOG.warn("analytics sync: a cycle failed unexpectedly", e);
        }
    }

    /** Under the cycle lock. */
    private Result runCycle(int limit, Duration callTimeout) {
        List<AnalyticsEvent> batch = store.unsynced(limit);
        List<String> acknowledged = new ArrayList<>();
        int posted = 0;
        int refused = 0;
        boolean failed = false;
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
                    refused++;
                    continue;
                }
                posted++;
                ControlPlaneHttp.Answer answer;
                try {
                    answer =
                            http.post(
                                    PATH,
                                    toWire(event, token.get()),
                                    HeaderMap.empty(),
                                    callTimeout,
                                    "the analytics event",
                                    token.get());
                } catch (ControlPlaneException e) {
                    LOG.warn("analytics sync: {}; retrying later", e.getMessage());
                    failed = true;
                    break;
                }
                int status = answer.status();
                if (answer.isSuccess()) {
                    acknowledged.add(event.eventId());
                } else if (status >= 400 && status <= 499 && status != 408 && status != 429) {
                    ControlPlaneException e = ControlPlaneHttp.refusal(answer, token.get());
                    store.markRejected(event.eventId(), e.getMessage());
                    LOG.warn(
                            "analytics sync: event {} rejected: {}",
                            event.eventId(),
                            e.getMessage());
                    refused++;
                } else {
                    LOG.warn("analytics sync: the server answered {}; retrying later", status);
                    failed = true;
                    break;
                }
            }
        } finally {
            if (!acknowledged.isEmpty()) {
                store.markSynced(acknowledged);
            }
            sent += posted;
            synced += acknowledged.size();
            rejected += refused;
            if (failed) {
                failures++;
                nextAttempt = clock.instant().plus(backoff());
            } else {
                failures = 0;
                nextAttempt = Instant.MIN;
            }
        }
        return new Result(posted, acknowledged.size(), refused, failed);
    }

    private Duration backoff() {
        Duration d = minBackoff.multipliedBy(1L << Math.min(failures - 1, 20));
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
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
        private final URI url;
        private final HttpTransport transport;
        private final UsageEventStore store;
        private final Function<Optional<String>, Optional<String>> tokens;
        private Clock clock;
        private ScheduledExecutorService scheduler;
        private Duration interval = Duration.ofSeconds(30);
        private int batchSize = 100;
        private Duration timeout = Duration.ofSeconds(30);
        private Duration minBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofMinutes(5);
        private Duration closeTimeout = Duration.ofSeconds(5);

        private Builder(
                URI url,
                HttpTransport transport,
                UsageEventStore store,
                Function<Optional<String>, Optional<String>> tokens) {
            this.url = Objects.requireNonNull(url, "url");
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
         * Sets the time between cycles (default 30 s).
         *
         * @param interval the interval, positive
         * @return this builder
         */
        public Builder interval(Duration interval) {
            this.interval = ControlPlaneHttp.requirePositive(interval, "interval");
            return this;
        }

        /**
         * Sets the most events one cycle sends (default 100).
         *
         * @param size at least 1
         * @return this builder
         */
        public Builder batchSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException(
                        "the batch size must be at least 1, got " + size);
            }
            this.batchSize = size;
            return this;
        }

        /**
         * Sets the timeout of each call (default 30 s, as the reference).
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = ControlPlaneHttp.requirePositive(timeout, "timeout");
            return this;
        }

        /**
         * Sets the backoff after a failed cycle: {@code min}, doubling up to {@code max} (default 1
         * s to 5 min).
         *
         * @param min the first delay, positive
         * @param max the longest, at least {@code min}
         * @return this builder
         */
        public Builder retryBackoff(Duration min, Duration max) {
            ControlPlaneHttp.requirePositive(min, "min");
            ControlPlaneHttp.requirePositive(max, "max");
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("the longest backoff is shorter than the first");
            }
            this.minBackoff = min;
            this.maxBackoff = max;
            return this;
        }

        /**
         * Sets how long {@link AnalyticsSync#close()} may spend on its final flush (default 5 s).
         *
         * @param bound the bound, positive
         * @return this builder
         */
        public Builder closeTimeout(Duration bound) {
            this.closeTimeout = ControlPlaneHttp.requirePositive(bound, "closeTimeout");
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
