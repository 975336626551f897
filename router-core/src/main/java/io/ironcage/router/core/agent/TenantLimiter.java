package io.ironcage.router.core.agent;

import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One tenant's rate limits at work ({@link RateLimits}; README, "Rate limits"), on the router's
 * {@link Clock}, so tests move time instead of sleeping:
 *
 * <ul>
 *   <li>{@code max-concurrent}: a {@link Semaphore}, a slot taken without waiting and given back
 *       when the request ends;
 *   <li>{@code requests-per-minute}: Resilience4j's {@code AtomicRateLimiter}, fixed one-minute
 *       windows counted from the tenant's start, never waiting for a permit ({@code
 *       timeoutDuration} zero);
 *   <li>{@code tokens-per-minute}: a {@link TokenBucket}, since the worst case taken at admission
 *       is corrected at settlement and Resilience4j cannot give permits back.
 * </ul>
 *
 * <p>The request path calls {@link #acquire()} before the budget reservation and {@link
 * RatePermit#reserveTokens(long)} once the worst case is known. Thread-safe.
 */
public final class TenantLimiter {
    private static final TenantLimiter UNLIMITED = new TenantLimiter();
    private static final long MINUTE_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final RateLimits limits;
    private final Clock clock;
    private final AtomicRateLimiter requests; // null: no requests-per-minute
    private final long requestsStartNanos;
    private final Semaphore concurrent; // null: no max-concurrent
    private final TokenBucket tokens; // null: no tokens-per-minute

    private TenantLimiter() {
        this.limits = RateLimits.NONE;
        this.clock = null;
        this.requests = null;
        this.requestsStartNanos = 0;
        this.concurrent = null;
        this.tokens = null;
    }

    private TenantLimiter(RateLimits limits, Clock clock, String name) {
        this.limits = limits;
        this.clock = clock;
        if (limits.requestsPerMinute() > 0) {
            RateLimiterConfig config =
                    RateLimiterConfig.custom()
                            .limitForPeriod(limits.requestsPerMinute())
                            .limitRefreshPeriod(Duration.ofMinutes(1))
                            // never wait for a permit: a refusal is a 429 now (and a frozen test
                            // clock would never end the wait)
                            .timeoutDuration(Duration.ZERO)
                            .build();
            this.requestsStartNanos = nanos();
            this.requests = new AtomicRateLimiter(name, config, this::nanos);
        } else {
            this.requestsStartNanos = 0;
            this.requests = null;
        }
        this.concurrent = limits.maxConcurrent() > 0 ? new Semaphore(limits.maxConcurrent()) : null;
        this.tokens =
                limits.tokensPerMinute() > 0
                        ? new TokenBucket(limits.tokensPerMinute(), clock)
                        : null;
    }

    /**
     * Returns a limiter for one tenant; each tenant needs its own.
     *
     * @param limits the limits
     * @param clock the router's clock
     * @param name the tenant, for Resilience4j's limiter name (an agent id, never a token)
     * @return the limiter; the shared unlimited one when {@code limits} sets none
     */
    public static TenantLimiter of(RateLimits limits, Clock clock, String name) {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(name, "name");
        return limits.isNone() ? UNLIMITED : new TenantLimiter(limits, clock, name);
    }

    /**
     * Returns the limiter that limits nothing; its permits are the shared {@link RatePermit#NONE}.
     *
     * @return the unlimited limiter
     */
    public static TenantLimiter unlimited() {
        return UNLIMITED;
    }

    /**
     * Returns the limits.
     *
     * @return the limits
     */
    public RateLimits limits() {
        return limits;
    }

    /**
     * Admits a request on concurrency and requests per minute: a concurrency slot first (which can
     * be given back), then a request permit (which cannot). Never waits.
     *
     * @return {@link RatePermit#NONE} without limits; else a permit holding the slot, or a refused
     *     one ({@link RatePermit#refusal()}) holding nothing
     */
    public RatePermit acquire() {
        if (this == UNLIMITED) {
            return RatePermit.NONE;
        }
        if (concurrent != null && !concurrent.tryAcquire()) {
            return RatePermit.refused(
                    new RateLimited(
                            RateLimited.Limit.CONCURRENCY, Duration.ofSeconds(1), 0, state()));
        }
        if (requests != null && !requests.acquirePermission()) {
            if (concurrent != null) {
                concurrent.release();
            }
            long wait =
                    Math.max(requests.getDetailedMetrics().getNanosToWait(), requestsResetNanos());
            return RatePermit.refused(
                    new RateLimited(RateLimited.Limit.REQUESTS, atLeastASecond(wait), 0, state()));
        }
        return new RatePermit(this);
    }

    /** Takes a request's worst case of tokens; the refusal, if it does not fit. */
    Optional<RateLimited> takeTokens(long worstCase) {
        if (tokens == null) {
            return Optional.empty();
        }
        long waitMs = tokens.tryTake(worstCase);
        if (waitMs == 0) {
            return Optional.empty();
        }
        if (waitMs == Long.MAX_VALUE) {
            return Optional.of(
                    new RateLimited(
                            RateLimited.Limit.TOKENS_TOO_LARGE,
                            Duration.ofMinutes(1),
                            worstCase,
                            state()));
        }
        return Optional.of(
                new RateLimited(
                        RateLimited.Limit.TOKENS,
                        atLeastASecond(TimeUnit.MILLISECONDS.toNanos(waitMs)),
                        worstCase,
                        state()));
    }

    /** Corrects the tokens taken at admission to those used. */
    void correctTokens(long taken, long used) {
        if (tokens == null) {
            return;
        }
        if (used < taken) {
            tokens.giveBack(taken - used);
        } else {
            tokens.charge(used - taken);
        }
    }

    /** Gives a concurrency slot back. */
    void releaseSlot() {
        if (concurrent != null) {
            concurrent.release();
        }
    }

    /** Whether the tokens-per-minute limit is set. */
    boolean countsTokens() {
        return tokens != null;
    }

    /**
     * Returns what the limiter allows now.
     *
     * @return the state, for the {@code x-ratelimit-*} headers
     */
    public RateLimitState state() {
        long requestsRemaining = 0;
        Duration requestsReset = Duration.ZERO;
        if (requests != null) {
            requestsRemaining = Math.max(0, requests.getMetrics().getAvailablePermissions());
            requestsReset = Duration.ofNanos(requestsResetNanos());
        }
        long tokensRemaining = 0;
        Duration tokensReset = Duration.ZERO;
        if (tokens != null) {
            tokensRemaining = tokens.remaining();
            tokensReset = Duration.ofMillis(tokens.millisUntilFull());
        }
        return new RateLimitState(
                limits.requestsPerMinute(),
                requestsRemaining,
                requestsReset,
                limits.tokensPerMinute(),
                tokensRemaining,
                tokensReset);
    }

    /** Until the current requests window ends (windows count from the limiter's start). */
    private long requestsResetNanos() {
        long intoWindow = Math.floorMod(nanos() - requestsStartNanos, MINUTE_NANOS);
        return MINUTE_NANOS - intoWindow;
    }

    private long nanos() {
        return TimeUnit.MILLISECONDS.toNanos(clock.millis());
    }

    private static Duration atLeastASecond(long nanos) {
        return Duration.ofNanos(Math.max(nanos, TimeUnit.SECONDS.toNanos(1)));
    }

    @Override
    public String toString() {
        return "TenantLimiter[" + limits + "]";
    }
}
