package io.ironcage.router.core.agent;

import java.time.Clock;

/**
 * The tokens-per-minute counter of one tenant: a bucket of {@code limit} tokens that refills
 * continuously at {@code limit} per minute (the generic cell rate algorithm's bucket, in integer
 * arithmetic on the router's {@link Clock}). A request takes its worst case when admitted and gives
 * back what it did not use when it settles; since the bucket refills continuously, what is given
 * back is room at once, whenever the request settles, and no window boundary lets twice the limit
 * through.
 *
 * <p>Resilience4j's rate limiter has no way to give permits back, which the correction at
 * settlement needs; hence this small class. Thread-safe (each method holds the bucket's lock for a
 * few arithmetic operations).
 *
 * <p>The level is kept in token-milliseconds ({@code tokens × 60,000}): it refills by {@code limit}
 * per millisecond, so no division is needed. Usage beyond what was taken (a provider billing more
 * than the worst case) puts the bucket in debt, down to one minute's worth, paid back by the
 * refill.
 */
final class TokenBucket {
    /** The refill period: a full bucket per minute. */
    static final long MINUTE_MS = 60_000L;

    private final long limit;
    private final long capacity;
    private final Clock clock;
    private long level;
    private long lastMs;

    /**
     * Creates a full bucket.
     *
     * @param limit tokens per minute, from 1 to {@link RateLimits#MAX_TOKENS_PER_MINUTE}
     * @param clock the router's clock
     */
    TokenBucket(long limit, Clock clock) {
        if (limit < 1 || limit > RateLimits.MAX_TOKENS_PER_MINUTE) {
            throw new IllegalArgumentException("limit out of range: " + limit);
        }
        this.limit = limit;
        this.capacity = limit * MINUTE_MS;
        this.clock = clock;
        this.level = capacity;
        this.lastMs = clock.millis();
    }

    /** Tokens per minute. */
    long limit() {
        return limit;
    }

    /**
     * Takes tokens if the bucket holds them.
     *
     * @param tokens the tokens, {@code 0} or more; {@code 0} only checks the bucket is not in debt
     * @return {@code 0} if they were taken, else the milliseconds until they would fit ({@code
     *     Long.MAX_VALUE} if they never fit: more than the limit)
     */
    synchronized long tryTake(long tokens) {
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens must not be negative: " + tokens);
        }
        if (tokens > limit) {
            return Long.MAX_VALUE;
        }
        refill();
        long need = tokens * MINUTE_MS;
        if (level >= need) {
            level -= need;
            return 0;
        }
        long missing = need - level; // > 0
        return Math.max(1, ceilDiv(missing, limit));
    }

    /**
     * Gives tokens back, up to a full bucket.
     *
     * @param tokens the tokens, {@code 0} or more
     */
    synchronized void giveBack(long tokens) {
        if (tokens <= 0) {
            return;
        }
        refill();
        long scaled = scaled(tokens);
        level = Math.min(capacity, level + scaled);
    }

    /**
     * Takes tokens whether or not the bucket holds them (usage beyond what was taken), down to a
     * debt of one minute's worth.
     *
     * @param tokens the tokens, {@code 0} or more
     */
    synchronized void charge(long tokens) {
        if (tokens <= 0) {
            return;
        }
        refill();
        long scaled = scaled(tokens);
        level = Math.max(-capacity, level - scaled);
    }

    /**
     * Returns the whole tokens the bucket holds now.
     *
     * @return the tokens, {@code 0} or more
     */
    synchronized long remaining() {
        refill();
        return Math.max(0, level / MINUTE_MS);
    }

    /**
     * Returns how long until the bucket is full again.
     *
     * @return milliseconds, {@code 0} when full
     */
    synchronized long millisUntilFull() {
        refill();
        return ceilDiv(capacity - level, limit);
    }

    /**
     * Tokens in token-milliseconds; beyond two minutes' worth (from the deepest debt to full) more
     * makes no difference, so the product cannot overflow.
     */
    private long scaled(long tokens) {
        return tokens >= 2 * limit ? 2 * capacity : tokens * MINUTE_MS;
    }

    private void refill() {
        long now = clock.millis();
        if (now <= lastMs) {
            return; // a clock that went back refills nothing
        }
        // from the deepest debt the bucket is full after two minutes: no more can overflow
        long elapsed = Math.min(now - lastMs, 2 * MINUTE_MS);
        level = Math.min(capacity, level + elapsed * limit);
        lastMs = now;
    }

    private static long ceilDiv(long x, long y) {
        return -Math.floorDiv(-x, y);
    }

    @Override
    public synchronized String toString() {
        return "TokenBucket[" + Math.max(0, level / MINUTE_MS) + "/" + limit + "]";
    }
}
