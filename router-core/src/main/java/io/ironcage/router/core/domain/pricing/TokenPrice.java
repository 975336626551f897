package io.ironcage.router.core.domain.pricing;

import io.ironcage.router.core.domain.Money;

/**
 * A price per token, stored as whole micro-dollars per million tokens (µ$/Mtok), as the reference
 * does (reference §6.1, §6.4). One µ$/Mtok is $0.000000000001 per token, so every price in the
 * LiteLLM table is represented exactly after rounding.
 *
 * @param microsPerMillionTokens micro-dollars per million tokens, {@code >= 0}
 */
public record TokenPrice(long microsPerMillionTokens) {
    /** A price of zero. */
    public static final TokenPrice FREE = new TokenPrice(0);

    private static final long TOKENS_PER_MILLION = 1_000_000L;

    /**
     * Validates the price.
     *
     * @throws IllegalArgumentException if the price is negative
     */
    public TokenPrice {
        if (microsPerMillionTokens < 0) {
            throw new IllegalArgumentException(
                    "a token price must not be negative, got "
                            + microsPerMillionTokens
                            + " µ$/Mtok");
        }
    }

    /**
     * Converts a LiteLLM price in dollars per token exactly as the reference's {@code
     * usd_per_token_to_micros_per_mtok}: {@code round(x * 1_000_000.0 * 1_000_000.0)}, multiplied
     * in that order.
     *
     * <p>Where we differ (reference §6.1): a negative price is rejected instead of clamped to 0.
     *
     * @param usdPerToken dollars per token, finite and {@code >= 0}
     * @return the price
     * @throws IllegalArgumentException if the price is negative, NaN, infinite or too large
     */
    public static TokenPrice fromUsdPerToken(double usdPerToken) {
        double checked = checked(usdPerToken * 1_000_000.0 * 1_000_000.0, usdPerToken);
        return new TokenPrice(Math.round(checked));
    }

    /**
     * Converts a price in dollars per million tokens (how providers publish prices, and how {@code
     * pricing.overrides} is written): {@code round(x * 1_000_000.0)}.
     *
     * @param usdPerMillionTokens dollars per million tokens, finite and {@code >= 0}
     * @return the price
     * @throws IllegalArgumentException if the price is negative, NaN, infinite or too large
     */
    public static TokenPrice fromUsdPerMillionTokens(double usdPerMillionTokens) {
        double checked = checked(usdPerMillionTokens * 1_000_000.0, usdPerMillionTokens);
        return new TokenPrice(Math.round(checked));
    }

    private static double checked(double microsPerMtok, double original) {
        Money.checkedUsd(original, "a token price");
        if (microsPerMtok >= Long.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "a token price is too large to count in micro-dollars, got " + original);
        }
        return microsPerMtok;
    }

    /**
     * Returns the cost of a number of tokens in micro-dollars, truncated: {@code tokens * price /
     * 1_000_000} (one term of the reference's {@code calculate_cost_micros}).
     *
     * @param tokens a token count, {@code >= 0}
     * @return the cost in micro-dollars, truncated toward zero
     * @throws ArithmeticException if {@code tokens * price} overflows a {@code long}
     * @throws IllegalArgumentException if {@code tokens} is negative
     */
    public long costMicros(long tokens) {
        if (tokens < 0) {
            throw new IllegalArgumentException("token count must not be negative, got " + tokens);
        }
        return Math.multiplyExact(tokens, microsPerMillionTokens) / TOKENS_PER_MILLION;
    }

    /**
     * Returns the price in dollars per token ({@code micros / 1e6 / 1e6}, reference {@code
     * micros_per_mtok_to_usd_per_token}). For display and parity only.
     *
     * @return dollars per token
     */
    public double usdPerToken() {
        return microsPerMillionTokens / 1e6 / 1e6;
    }

    /**
     * Returns whether this price is zero.
     *
     * @return {@code true} for a free price
     */
    public boolean isFree() {
        return microsPerMillionTokens == 0;
    }

    /**
     * Returns the higher of two prices.
     *
     * @param other the other price
     * @return the higher one
     */
    public TokenPrice max(TokenPrice other) {
        return microsPerMillionTokens >= other.microsPerMillionTokens ? this : other;
    }
}
