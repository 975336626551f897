package io.ironcage.router.core.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * An amount of US dollars as whole micro-dollars (1 USD = 1,000,000 µ$).
 *
 * <p>Every amount inside the router is a {@code Money} or a {@code long} of micro-dollars; dollars
 * as {@code double} exist only at the edges, converted by the named functions below, which copy the
 * reference's arithmetic (reference §6.1, §11.1). Amounts are never negative, and arithmetic that
 * would overflow a {@code long} throws {@link ArithmeticException} instead of wrapping.
 *
 * @param micros the amount in micro-dollars, {@code >= 0}
 */
public record Money(long micros) implements Comparable<Money> {
    /** Micro-dollars in one dollar. */
    public static final long MICROS_PER_USD = 1_000_000L;

    /** No money. */
    public static final Money ZERO = new Money(0);

    /**
     * The largest dollar amount accepted by the conversions from {@code double}: larger values
     * would not fit a {@code long} of micro-dollars (the reference saturates; we refuse).
     */
    private static final double MAX_USD = Long.MAX_VALUE / (double) MICROS_PER_USD;

    /**
     * Validates the amount.
     *
     * @throws IllegalArgumentException if {@code micros} is negative
     */
    public Money {
        if (micros < 0) {
            throw new IllegalArgumentException("money must not be negative, got " + micros + " µ$");
        }
    }

    /**
     * Returns the amount of the given micro-dollars.
     *
     * @param micros micro-dollars, {@code >= 0}
     * @return the amount
     * @throws IllegalArgumentException if {@code micros} is negative
     */
    public static Money ofMicros(long micros) {
        return micros == 0 ? ZERO : new Money(micros);
    }

    /**
     * Converts a budget in dollars the way the reference's {@code LlmRouter} does: {@code (long)
     * (usd * 1_000_000.0)}, truncating toward zero. So {@code 0.05 → 50_000}, {@code 8.2 →
     * 8_199_999} and {@code 1.005 → 1_004_999}, exactly as reference §6.1.
     *
     * <p>Where we differ (reference §11.1): the reference turns NaN into 0, saturates huge values
     * and lets a negative budget wrap into an unlimited one; here a negative, NaN, infinite or
     * too-large amount is rejected, because each of those is a configuration mistake that would
     * otherwise silently block or unblock all spending.
     *
     * @param usd a finite, non-negative amount of dollars
     * @return the amount, truncated to whole micro-dollars
     * @throws IllegalArgumentException if {@code usd} is negative, NaN, infinite or too large
     */
    public static Money fromUsdTruncating(double usd) {
        return ofMicros((long) (checkedUsd(usd, "dollar amount") * 1_000_000.0));
    }

    /**
     * Converts dollars the way the reference's {@code iron_cost::converter::usd_to_micros} does:
     * {@code round(usd * 1e6)}, halves away from zero.
     *
     * <p>Where we differ (reference §6.1): the reference clamps a negative amount to 0; here it is
     * rejected, like NaN and infinity.
     *
     * @param usd a finite, non-negative amount of dollars
     * @return the amount, rounded to whole micro-dollars
     * @throws IllegalArgumentException if {@code usd} is negative, NaN, infinite or too large
     */
    public static Money fromUsdRounded(double usd) {
        return ofMicros(Math.round(checkedUsd(usd, "dollar amount") * 1_000_000.0));
    }

    /**
     * Checks that a dollar amount from the outside world can become micro-dollars.
     *
     * @param usd the amount
     * @param what what the amount is, for the message ("budget", "price", …)
     * @return {@code usd}
     * @throws IllegalArgumentException if {@code usd} is negative, NaN, infinite or too large
     */
    public static double checkedUsd(double usd, String what) {
        if (Double.isNaN(usd) || Double.isInfinite(usd)) {
            throw new IllegalArgumentException(
                    what + " must be a finite number of dollars, got " + usd);
        }
        if (usd < 0) {
            throw new IllegalArgumentException(what + " must not be negative, got " + usd);
        }
        if (usd >= MAX_USD) {
            throw new IllegalArgumentException(
                    what + " is too large to count in micro-dollars, got " + usd);
        }
        return usd;
    }

    /**
     * Returns this amount in dollars as a {@code double} ({@code micros / 1e6}, reference {@code
     * micros_to_usd}). For display and for API parity only; never compute money with it.
     *
     * @return dollars
     */
    public double toUsd() {
        return micros / 1e6;
    }

    /**
     * Formats this amount in dollars with the given number of decimals, byte-identical to the
     * reference's Rust {@code format!("{:.N}", micros as f64 / 1e6)}: the exact binary value of the
     * {@code double} rounded half-to-even (reference §11.1). So 125,000 µ$ is {@code "0.12"} with
     * two decimals, and 5,000 µ$ is {@code "0.01"}.
     *
     * @param decimals digits after the point, {@code >= 0}
     * @return the amount, without a currency sign
     */
    public String toUsdString(int decimals) {
        return new BigDecimal(toUsd()).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
    }

    /**
     * Adds two amounts.
     *
     * @param other the amount to add
     * @return the sum
     * @throws ArithmeticException if the sum overflows a {@code long}
     */
    public Money plus(Money other) {
        return ofMicros(Math.addExact(micros, other.micros));
    }

    /**
     * Subtracts an amount.
     *
     * @param other the amount to subtract, not larger than this one
     * @return the difference
     * @throws IllegalArgumentException if {@code other} is larger than this amount
     */
    public Money minus(Money other) {
        return ofMicros(micros - other.micros);
    }

    /**
     * Subtracts an amount, stopping at zero (the reference's {@code saturating_sub}).
     *
     * @param other the amount to subtract
     * @return the difference, or zero if {@code other} is larger
     */
    public Money minusOrZero(Money other) {
        return micros > other.micros ? ofMicros(micros - other.micros) : ZERO;
    }

    /**
     * Returns whether this amount is zero.
     *
     * @return {@code true} for zero
     */
    public boolean isZero() {
        return micros == 0;
    }

    /**
     * Returns the larger of two amounts.
     *
     * @param other the other amount
     * @return the larger one
     */
    public Money max(Money other) {
        return micros >= other.micros ? this : other;
    }

    @Override
    public int compareTo(Money other) {
        return Long.compare(micros, other.micros);
    }
}
