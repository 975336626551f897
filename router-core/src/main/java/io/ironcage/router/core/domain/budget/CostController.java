package io.ironcage.router.core.domain.budget;

import io.ironcage.router.core.domain.Money;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The budget ledger: a limit, the money spent and the money reserved, all in whole micro-dollars
 * (reference §6.2, {@code iron_cost::CostController}).
 *
 * <p>Every request {@linkplain #reserve(Money) reserves} its worst-case cost before it is sent and
 * settles its real cost after ({@link Reservation#commit(Money)}), or releases the reservation
 * ({@link Reservation#cancel()}, {@link Reservation#close()}). A reservation is granted only if
 * {@code spent + reserved + amount <= limit} at that instant, so concurrent requests can never
 * reserve more than the limit.
 *
 * <p><b>Linearizable.</b> All state sits in plain {@code long} fields guarded by one private lock;
 * every operation reads and writes them in a single critical section, and every mutation increments
 * {@link BudgetStatus#version()}. (The reference uses three independent atomics and commits in two
 * steps, {@code spent += actual} then {@code reserved -= amount}; we keep that order inside one
 * critical section, so no one ever observes the intermediate state.) Threshold listeners are called
 * after the lock is released.
 *
 * <p><b>Parity with the reference:</b> {@link #check()} refuses when {@code spent + reserved >=
 * limit} (so a limit of 0 refuses everything); reserving exactly the available amount succeeds;
 * reserving 0 always succeeds, even when the budget is used up; a positive reservation when the
 * budget is used up is {@link BudgetDecision.Insufficient} with 0 available (the pipeline calls
 * {@link #check()} first, as the reference does, and reports {@link BudgetDecision.Exceeded} then).
 * A commit may exceed its reservation.
 *
 * <p><b>Where we differ:</b> amounts are {@link Money}, never negative (the reference's negative
 * {@code i64} budgets wrap to unlimited, reference §11 item 12; use {@link #unlimited()} instead);
 * arithmetic that would overflow throws {@link ArithmeticException} and changes nothing, where the
 * reference wraps; a {@link Reservation} settles exactly once and can be closed.
 *
 * <p>A final class rather than a record: it is a service with mutable, lock-guarded state.
 */
public final class CostController {
    /** The internal limit of an unlimited ledger. */
    static final long UNLIMITED = Long.MAX_VALUE;

    /** A threshold that cannot be reached (limit 0, or above {@code Long.MAX_VALUE} µ$). */
    private static final long NEVER = -1;

    /** The thresholds {@link #withLimit(Money, Consumer)} uses: 80 % and 100 %. */
    public static final List<Integer> DEFAULT_THRESHOLD_PERCENTS = List.of(80, 100);

    private static final int MAX_PERCENT = 1000;

    private final Object lock = new Object();

    /** Sorted ascending; empty for no thresholds. */
    private final int[] percents;

    private final Consumer<ThresholdCrossing> listener;

    /**
     * The most the limit can be ({@link #withCeiling}); {@code UNLIMITED} for none. When set, the
     * thresholds measure it, not the limit.
     */
    private final long ceiling;

    // Everything below is guarded by lock.
    private boolean limited;
    private long limit;
    private Optional<Money> limitView;
    private long spent;
    private long reserved;
    private long version;
    private final long[] thresholds;
    private final boolean[] fired;

    /** The smallest threshold not yet fired, or {@code Long.MAX_VALUE}: the fast-path test. */
    private long nextThreshold = Long.MAX_VALUE;

    private CostController(
            boolean limited,
            long limit,
            long ceiling,
            int[] percents,
            Consumer<ThresholdCrossing> listener) {
        this.ceiling = ceiling;
        this.limited = limited;
        this.limit = limited ? Math.min(limit, ceiling) : UNLIMITED;
        this.limitView = limited ? Optional.of(Money.ofMicros(this.limit)) : Optional.empty();
        this.percents = percents;
        this.listener = listener;
        this.thresholds = new long[percents.length];
        this.fired = new boolean[percents.length];
        if (limited) {
            recomputeThresholdsLocked();
        }
    }

    /**
     * Creates a ledger with a hard limit and no threshold listener.
     *
     * @param limit the limit; 0 refuses every request, as in the reference
     * @return the ledger, with nothing spent or reserved
     */
    public static CostController withLimit(Money limit) {
        return withLimit(limit, List.of(), crossing -> {});
    }

    /**
     * Creates a ledger with a hard limit that reports the {@linkplain #DEFAULT_THRESHOLD_PERCENTS
     * default thresholds} (80 % and 100 %).
     *
     * @param limit the limit
     * @param listener called once per threshold crossing, outside the ledger's lock
     * @return the ledger, with nothing spent or reserved
     */
    public static CostController withLimit(Money limit, Consumer<ThresholdCrossing> listener) {
        return withLimit(limit, DEFAULT_THRESHOLD_PERCENTS, listener);
    }

    /**
     * Creates a ledger with a hard limit that reports threshold crossings.
     *
     * <p>A threshold of {@code p} percent fires when the money spent (not counting reservations)
     * goes from below {@code ceil(limit × p / 100)} µ$ to at or above it — once; {@link
     * #setLimit(Money)} re-arms it only when the new limit puts the spent amount below it again,
     * and fires it when the new limit puts the spent amount at or above an armed threshold. With a
     * limit of 0 thresholds never fire (every percentage of nothing is already reached before
     * anything is spent, so the alerts would carry no information; the budget refuses everything
     * anyway). Thresholds above 100 % are allowed, for overspend alerts.
     *
     * <p>The listener runs on the thread that made the mutation, after the ledger's lock is
     * released and after the mutation took effect, so it may call back into the ledger. Within one
     * mutation crossings are delivered in ascending percent; crossings from different threads may
     * be delivered in any order. It should not throw: if it does, the exception reaches the caller
     * of the mutating method, whose mutation has already been applied (the other crossings are
     * still delivered).
     *
     * @param limit the limit
     * @param thresholdPercents percentages of the limit, each 1 to 1000, no duplicates; may be
     *     empty
     * @param listener called once per crossing
     * @return the ledger, with nothing spent or reserved
     * @throws IllegalArgumentException if a percentage is out of range or repeated
     */
    public static CostController withLimit(
            Money limit, List<Integer> thresholdPercents, Consumer<ThresholdCrossing> listener) {
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(listener, "listener");
        return new CostController(
                true, limit.micros(), UNLIMITED, validPercents(thresholdPercents), listener);
    }

    /**
     * Creates a ledger whose limit can never exceed a fixed ceiling: {@link #setLimit(Money)}
     * changes the limit, but what is in force is the smaller of it and the ceiling, so a request is
     * granted only when it fits under both. This is how a budget lease (which moves the limit) and
     * a local budget (the ceiling) hold together. Thresholds are percentages of the ceiling, so
     * they stay put while the limit moves.
     *
     * @param limit the initial limit, e.g. 0 until a lease is granted
     * @param ceiling the most that may ever be spent
     * @param thresholdPercents percentages of the ceiling, as in {@link #withLimit(Money, List,
     *     Consumer)}
     * @param listener called once per crossing
     * @return the ledger, with nothing spent or reserved
     * @throws IllegalArgumentException if a percentage is out of range or repeated
     */
    public static CostController withCeiling(
            Money limit,
            Money ceiling,
            List<Integer> thresholdPercents,
            Consumer<ThresholdCrossing> listener) {
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(ceiling, "ceiling");
        Objects.requireNonNull(listener, "listener");
        return new CostController(
                true, limit.micros(), ceiling.micros(), validPercents(thresholdPercents), listener);
    }

    /**
     * Creates a ledger without a limit, for direct mode without a configured budget: every
     * reservation is granted and {@link #check()} always allows, while spent and reserved are still
     * tracked. It has no thresholds. {@link #setLimit(Money)} turns it into a limited ledger.
     *
     * @return the ledger, with nothing spent or reserved
     */
    public static CostController unlimited() {
        return new CostController(false, UNLIMITED, UNLIMITED, new int[0], crossing -> {});
    }

    private static int[] validPercents(List<Integer> thresholdPercents) {
        Objects.requireNonNull(thresholdPercents, "thresholdPercents");
        Set<Integer> seen = new HashSet<>();
        int[] result = new int[thresholdPercents.size()];
        int i = 0;
        for (Integer percent : thresholdPercents) {
            Objects.requireNonNull(percent, "threshold percent");
            if (percent < 1 || percent > MAX_PERCENT) {
                throw new IllegalArgumentException(
                        "a budget threshold must be between 1 and "
                                + MAX_PERCENT
                                + " percent, got "
                                + percent);
            }
            if (!seen.add(percent)) {
                throw new IllegalArgumentException(
                        "budget threshold " + percent + "% is listed twice");
            }
            result[i++] = percent;
        }
        Arrays.sort(result);
        return result;
    }

    /**
     * The quick budget check before a request (reference {@code check_budget}): refuses when {@code
     * spent + reserved >= limit}, so a limit of 0 refuses everything. Not a reservation: a request
     * that passes must still {@link #reserve(Money)}.
     *
     * @return {@link BudgetDecision.Allowed} or {@link BudgetDecision.Exceeded}
     */
    public BudgetDecision check() {
        long s;
        long r;
        long l;
        synchronized (lock) {
            if (!limited || saturatingAdd(spent, reserved) < limit) {
                return BudgetDecision.Allowed.INSTANCE;
            }
            s = spent;
            r = reserved;
            l = limit;
        }
        return new BudgetDecision.Exceeded(Money.ofMicros(s), Money.ofMicros(r), Money.ofMicros(l));
    }

    /**
     * Reserves a request's worst-case cost (reference {@code reserve}). Granted only if {@code
     * spent + reserved + amount <= limit} at that instant; reserving exactly what is available
     * succeeds, and reserving 0 always succeeds. An amount that does not fit — including one too
     * large to add without overflow — is {@link BudgetDecision.Insufficient}.
     *
     * @param amount the worst-case cost
     * @return {@link BudgetDecision.Granted} with a reservation that must be settled, or {@link
     *     BudgetDecision.Insufficient}
     * @throws ArithmeticException only for an unlimited ledger whose reserved total would overflow
     */
    public BudgetDecision reserve(Money amount) {
        Objects.requireNonNull(amount, "amount");
        long a = amount.micros();
        BudgetStatus after;
        synchronized (lock) {
            if (limited) {
                long available = available(limit, spent, reserved);
                if (a > available) {
                    return new BudgetDecision.Insufficient(Money.ofMicros(available), amount);
                }
                reserved += a; // cannot overflow: reserved + a <= limit - spent
            } else {
                reserved = Math.addExact(reserved, a);
            }
            after = mutatedLocked().status;
        }
        return new BudgetDecision.Granted(new Reservation(this, amount), after);
    }

    /**
     * Commits a reservation's real cost: {@code spent += actual} and {@code reserved -= amount}, in
     * that order (the reference's), in one critical section. The actual cost may exceed the
     * reserved amount: the money was spent either way.
     *
     * @param reservation an open reservation of this ledger
     * @param actual the real cost
     * @return the ledger right after the commit
     * @throws IllegalArgumentException if the reservation belongs to another ledger
     * @throws IllegalStateException if the reservation was already committed or cancelled
     * @throws ArithmeticException if the spent total would overflow; nothing changes and the
     *     reservation stays open
     */
    public BudgetStatus commit(Reservation reservation, Money actual) {
        requireOwned(reservation);
        Objects.requireNonNull(actual, "actual");
        Mutation mutation;
        synchronized (lock) {
            requireOpen(reservation, "commit");
            spent = Math.addExact(spent, actual.micros());
            reserved -= reservation.amount().micros();
            reservation.settle(Reservation.COMMITTED);
            mutation = mutatedLocked();
        }
        return publish(mutation);
    }

    /**
     * Releases a reservation without spending anything (reference {@code cancel}).
     *
     * @param reservation an open reservation of this ledger
     * @return the ledger right after the release
     * @throws IllegalArgumentException if the reservation belongs to another ledger
     * @throws IllegalStateException if the reservation was already committed or cancelled
     */
    public BudgetStatus cancel(Reservation reservation) {
        requireOwned(reservation);
        synchronized (lock) {
            requireOpen(reservation, "cancel");
            return releaseLocked(reservation);
        }
    }

    /** {@link Reservation#close()}: cancels if still open, otherwise does nothing. */
    void cancelIfOpen(Reservation reservation) {
        synchronized (lock) {
            if (reservation.state() == Reservation.OPEN) {
                releaseLocked(reservation);
            }
        }
    }

    private BudgetStatus releaseLocked(Reservation reservation) {
        reserved -= reservation.amount().micros();
        reservation.settle(Reservation.CANCELLED);
        return mutatedLocked().status; // spent is unchanged, so no threshold can be crossed
    }

    /**
     * Adds spend that had no reservation (reference {@code add_spend}); no limit check.
     *
     * @param cost the money spent
     * @return the ledger right after
     * @throws ArithmeticException if the spent total would overflow; nothing changes
     */
    public BudgetStatus addSpend(Money cost) {
        Objects.requireNonNull(cost, "cost");
        Mutation mutation;
        synchronized (lock) {
            spent = Math.addExact(spent, cost.micros());
            mutation = mutatedLocked();
        }
        return publish(mutation);
    }

    /**
     * Replaces the limit (reference {@code set_budget}); spent and reserved are untouched, so this
     * can block or unblock requests immediately. Reservations already granted stay valid even if
     * they no longer fit. Thresholds are recomputed for the new limit: one the spent amount is now
     * below is re-armed, an armed one the spent amount is now at or above fires. A ledger {@link
     * #withCeiling with a ceiling} keeps the smaller of the new limit and its ceiling, and its
     * thresholds (of the ceiling) do not move.
     *
     * @param newLimit the new limit
     * @return the ledger right after
     */
    public BudgetStatus setLimit(Money newLimit) {
        Objects.requireNonNull(newLimit, "newLimit");
        Mutation mutation;
        synchronized (lock) {
            limited = true;
            limit = Math.min(newLimit.micros(), ceiling);
            limitView = Optional.of(Money.ofMicros(limit));
            if (ceiling == UNLIMITED) {
                recomputeThresholdsLocked();
            }
            mutation = mutatedLocked();
        }
        return publish(mutation);
    }

    /**
     * Returns a consistent snapshot of the ledger (reference {@code get_full_status}).
     *
     * @return spent, reserved, limit and version, read at one instant
     */
    public BudgetStatus status() {
        synchronized (lock) {
            return status(spent, reserved, limitView, version);
        }
    }

    /**
     * Returns what can still be reserved: {@code limit − spent − reserved}, stopping at zero
     * (reference {@code available}); {@code Long.MAX_VALUE} µ$ when unlimited.
     *
     * @return the available amount
     */
    public Money available() {
        synchronized (lock) {
            return Money.ofMicros(limited ? available(limit, spent, reserved) : UNLIMITED);
        }
    }

    /**
     * Returns the money committed so far (reference {@code total_spent}).
     *
     * @return the spent total
     */
    public Money totalSpent() {
        synchronized (lock) {
            return Money.ofMicros(spent);
        }
    }

    /**
     * Returns the money held by reservations not yet settled (reference {@code total_reserved}).
     *
     * @return the reserved total; 0 when no request is in flight
     */
    public Money reserved() {
        synchronized (lock) {
            return Money.ofMicros(reserved);
        }
    }

    /**
     * Returns the limit (reference {@code budget_limit}).
     *
     * @return the limit, or empty when unlimited
     */
    public Optional<Money> limit() {
        synchronized (lock) {
            return limitView;
        }
    }

    /**
     * Shows spent, reserved and limit in micro-dollars.
     *
     * @return a description for logs
     */
    @Override
    public String toString() {
        BudgetStatus status = status();
        return "CostController[spent="
                + status.spent().micros()
                + " µ$, reserved="
                + status.reserved().micros()
                + " µ$, limit="
                + status.limit().map(m -> m.micros() + " µ$").orElse("unlimited")
                + "]";
    }

    // --- internals -------------------------------------------------------------------------

    /** What a mutation leaves: the ledger right after it, and the thresholds it crossed. */
    private record Mutation(BudgetStatus status, List<ThresholdCrossing> crossings) {}

    /**
     * Ends a mutation under the lock: bumps the version, snapshots the ledger and collects the
     * thresholds the spent amount has now reached (null if none), to deliver outside the lock.
     */
    private Mutation mutatedLocked() {
        BudgetStatus after = status(spent, reserved, limitView, ++version);
        return new Mutation(after, spent >= nextThreshold ? collectCrossingsLocked() : null);
    }

    /** Delivers a mutation's threshold crossings, outside the lock, and returns its status. */
    private BudgetStatus publish(Mutation mutation) {
        deliver(mutation.crossings);
        return mutation.status;
    }

    private static BudgetStatus status(long s, long r, Optional<Money> l, long v) {
        return new BudgetStatus(Money.ofMicros(s), Money.ofMicros(r), l, v);
    }

    /** {@code limit − spent − reserved}, stopping at zero; all inputs non-negative. */
    static long available(long limit, long spent, long reserved) {
        long afterSpent = limit - spent; // no overflow: both >= 0
        if (afterSpent <= 0) {
            return 0;
        }
        long result = afterSpent - reserved;
        return result > 0 ? result : 0;
    }

    /** {@code a + b} stopping at {@code Long.MAX_VALUE}; both non-negative. */
    static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private void requireOwned(Reservation reservation) {
        Objects.requireNonNull(reservation, "reservation");
        if (reservation.owner() != this) {
            throw new IllegalArgumentException(
                    reservation + " belongs to another budget ledger and cannot be settled here");
        }
    }

    private static void requireOpen(Reservation reservation, String operation) {
        int state = reservation.state();
        if (state != Reservation.OPEN) {
            throw new IllegalStateException(
                    "cannot "
                            + operation
                            + " "
                            + reservation
                            + ": it was already "
                            + (state == Reservation.COMMITTED ? "committed" : "cancelled")
                            + ", and a reservation settles exactly once");
        }
    }

    /** Recomputes the threshold amounts for the current limit and re-arms where spent is below. */
    private void recomputeThresholdsLocked() {
        long base = thresholdBase();
        BigInteger bigLimit = BigInteger.valueOf(base);
        BigInteger hundred = BigInteger.valueOf(100);
        for (int i = 0; i < percents.length; i++) {
            long value;
            if (base == 0) {
                value = NEVER;
            } else {
                // ceil(limit * p / 100) = (limit * p + 99) / 100, exact in BigInteger
                BigInteger amount =
                        bigLimit.multiply(BigInteger.valueOf(percents[i]))
                                .add(BigInteger.valueOf(99))
                                .divide(hundred);
                value = amount.bitLength() < Long.SIZE ? amount.longValueExact() : NEVER;
            }
            thresholds[i] = value;
            if (value != NEVER && spent < value) {
                fired[i] = false;
            }
        }
        updateNextThresholdLocked();
    }

    /** What thresholds are percentages of: the ceiling when there is one, else the limit. */
    private long thresholdBase() {
        return ceiling == UNLIMITED ? limit : ceiling;
    }

    private void updateNextThresholdLocked() {
        long next = Long.MAX_VALUE;
        for (int i = 0; i < thresholds.length; i++) {
            if (!fired[i] && thresholds[i] != NEVER && thresholds[i] < next) {
                next = thresholds[i];
            }
        }
        nextThreshold = next;
    }

    private List<ThresholdCrossing> collectCrossingsLocked() {
        List<ThresholdCrossing> crossings = null;
        for (int i = 0; i < thresholds.length; i++) {
            if (!fired[i] && thresholds[i] != NEVER && spent >= thresholds[i]) {
                fired[i] = true;
                if (crossings == null) {
                    crossings = new ArrayList<>(thresholds.length);
                }
                crossings.add(
                        new ThresholdCrossing(
                                percents[i],
                                Money.ofMicros(spent),
                                Money.ofMicros(thresholdBase())));
            }
        }
        updateNextThresholdLocked();
        return crossings;
    }

    /** Calls the listener for each crossing; called without the lock. */
    private void deliver(List<ThresholdCrossing> crossings) {
        if (crossings == null) {
            return;
        }
        RuntimeException failure = null;
        for (ThresholdCrossing crossing : crossings) {
            try {
                listener.accept(crossing);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
