package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.controlplane.AnalyticsSync.Result;
import io.ironcage.router.core.controlplane.wire.AnalyticsEventClient;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.errors.ControlPlaneException;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drain of an {@link AnalyticsSync}: batch after batch of unsynced events read from the store,
 * posted with up to {@code concurrency} calls in flight on its own sender threads, and the answers
 * recorded in the store. A batch is read only once every call of the one before has been answered
 * and recorded, so an event is never in flight twice. When to drain, and the backoff after a failed
 * drain, are the sync's.
 *
 * <p>Called under the sync's cycle lock only, which also guards the totals.
 */
final class AnalyticsDrain {
    // the sync's logger: operators configure the sync's log lines by its name
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsSync.class);

    private final AnalyticsEventClient client;
    private final UsageEventStore store;
    private final Function<Optional<String>, Optional<String>> tokens;
    private final Clock clock;
    private final int batchSize;
    private final int concurrency;
    private final BooleanSupplier closed;
    private final ThreadPoolExecutor senders;

    private long sent; // guarded by the cycle lock
    private long synced; // guarded by the cycle lock
    private long rejected; // guarded by the cycle lock

    /**
     * @param closed whether the sync is closed: a scheduled drain then stops, and close() takes
     *     over
     */
    AnalyticsDrain(
            AnalyticsEventClient client,
            UsageEventStore store,
            Function<Optional<String>, Optional<String>> tokens,
            Clock clock,
            int batchSize,
            int concurrency,
            BooleanSupplier closed) {
        this.client = Objects.requireNonNull(client, "client");
        this.store = Objects.requireNonNull(store, "store");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.batchSize = batchSize;
        this.concurrency = concurrency;
        this.closed = Objects.requireNonNull(closed, "closed");
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
     * Batch after batch until the store has nothing more, a call fails, the sync closes (scheduled
     * cycles, {@code deadline} null) or the deadline passes (the final flush).
     */
    Result drain(Instant deadline) {
        int posted = 0;
        int acked = 0;
        int refused = 0;
        boolean failed = false;
        while (true) {
            if (deadline != null && !clock.instant().isBefore(deadline)) {
                LOG.warn("analytics sync: final flush stopped at its time limit");
                break;
            }
            if (deadline == null && closed.getAsBoolean()) {
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
        return new Result(posted, acked, refused, failed);
    }

    /** The totals so far: events sent, acknowledged and rejected. */
    Result totals(boolean failed) {
        return new Result((int) sent, (int) synced, (int) rejected, failed);
    }

    /** Stops the senders; a call past its timeout is abandoned, not waited for. */
    void shutdownNow() {
        senders.shutdownNow();
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

    /** What is left until {@code deadline} on {@code clock}, never negative. */
    static long remainingNanos(Clock clock, Instant deadline) {
        return Math.max(0, Duration.between(clock.instant(), deadline).toNanos());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Waits for every call of a final-flush batch until the deadline; false if some are out. */
    private boolean awaitPermits(Semaphore permits, Instant deadline) {
        try {
            return permits.tryAcquire(
                    concurrency, remainingNanos(clock, deadline), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** What one batch did. */
    private static final class Batch {
        int posted;
        int acked;
        int refused;
        boolean failed;
    }

    /** One call's answer, or its failure (no answer). */
    private record Outcome(AnalyticsEvent event, AnalyticsEventClient.Answer answer) {}

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
                                ? client.timeout()
                                : min(
                                        client.timeout(),
                                        Duration.between(clock.instant(), deadline));
                if (stop.get()
                        || (deadline == null && closed.getAsBoolean())
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
                    ControlPlaneException e = o.answer().refusal().orElseThrow();
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
        AnalyticsEventClient.Answer answer = null;
        try {
            answer = client.post(event, token, callTimeout);
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
            outcomes.add(new Outcome(event, answer));
            permits.release();
        }
    }
}
