package io.ironcage.router.core.agent;

import java.util.Objects;
import java.util.Optional;

/**
 * A request's hold on its tenant's rate limits ({@link TenantLimiter#acquire()}): a concurrency
 * slot, and the tokens taken on the worst case. {@link #settle(long)} corrects the tokens to those
 * used; {@link #release()} ends the hold: the slot goes back, and tokens not settled go back in
 * full (a request that ended without usage, e.g. an upstream error, used none). Both are idempotent
 * and thread-safe; without limits the shared {@link #NONE} does nothing.
 */
public final class RatePermit {
    /** The permit of a tenant without limits: holds nothing, refuses nothing. */
    public static final RatePermit NONE = new RatePermit(null, null);

    private final TenantLimiter limiter; // null: NONE or refused
    private final RateLimited refusal; // null: admitted
    private long tokensTaken;
    private boolean tokensHeld;
    private boolean released;

    RatePermit(TenantLimiter limiter) {
        this(Objects.requireNonNull(limiter, "limiter"), null);
    }

    private RatePermit(TenantLimiter limiter, RateLimited refusal) {
        this.limiter = limiter;
        this.refusal = refusal;
        this.released = limiter == null;
    }

    static RatePermit refused(RateLimited refusal) {
        return new RatePermit(null, Objects.requireNonNull(refusal, "refusal"));
    }

    /**
     * Returns why the request was refused.
     *
     * @return the refusal, or empty when admitted
     */
    public Optional<RateLimited> refusal() {
        return Optional.ofNullable(refusal);
    }

    /**
     * Returns whether {@link #reserveTokens(long)} counts anything: the permit was admitted by a
     * limiter with a tokens-per-minute limit. Lets the caller skip working out the worst case.
     *
     * @return {@code true} if tokens are counted
     */
    public boolean countsTokens() {
        return limiter != null && limiter.countsTokens();
    }

    /**
     * Takes the request's worst case of tokens (its input bound plus its output limit) from the
     * tokens-per-minute limit; does nothing without that limit. On a refusal the permit is
     * released.
     *
     * @param worstCase the tokens, {@code 0} or more ({@code 0} for a request without a worst case,
     *     an unpriced model: refused only while the tenant is in debt, its usage counted when
     *     settled)
     * @return the refusal, or empty when taken
     */
    public Optional<RateLimited> reserveTokens(long worstCase) {
        if (limiter == null || !limiter.countsTokens()) {
            return Optional.empty();
        }
        synchronized (this) {
            if (released || tokensHeld) {
                throw new IllegalStateException("the permit has no room for more tokens");
            }
            Optional<RateLimited> refused = limiter.takeTokens(worstCase);
            if (refused.isPresent()) {
                release();
                return refused;
            }
            tokensTaken = worstCase;
            tokensHeld = true;
            return Optional.empty();
        }
    }

    /**
     * Corrects the tokens taken to those the request used (input, cache reads and writes, and
     * output, as billed): the difference goes back, or is charged when more. Only the first call
     * counts; nothing after {@link #release()}.
     *
     * @param tokens the tokens used
     */
    public void settle(long tokens) {
        if (limiter == null) {
            return;
        }
        synchronized (this) {
            if (!tokensHeld) {
                return; // settled or released already, or no tokens reserved
            }
            tokensHeld = false;
            limiter.correctTokens(tokensTaken, Math.max(0, tokens));
        }
    }

    /**
     * Ends one attempt of the request (the router tries a model again, or a fallback): tokens it
     * took and did not settle go back in full, so the next attempt can take its own worst case; the
     * concurrency slot and the request stay held until {@link #release()}.
     */
    public void endAttempt() {
        if (limiter == null) {
            return;
        }
        synchronized (this) {
            if (tokensHeld) {
                tokensHeld = false;
                limiter.correctTokens(tokensTaken, 0);
            }
        }
    }

    /** Ends the hold: the concurrency slot goes back, and tokens not settled go back in full. */
    public void release() {
        if (limiter == null) {
            return;
        }
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            if (tokensHeld) {
                tokensHeld = false;
                limiter.correctTokens(tokensTaken, 0);
            }
            limiter.releaseSlot();
        }
    }

    @Override
    public String toString() {
        return refusal != null
                ? "RatePermit[refused " + refusal.limit() + "]"
                : limiter == null ? "RatePermit[none]" : "RatePermit[" + limiter.limits() + "]";
    }
}
