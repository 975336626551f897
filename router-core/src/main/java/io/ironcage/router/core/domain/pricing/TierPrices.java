package io.ironcage.router.core.domain.pricing;

import java.util.Objects;
import java.util.Optional;

/**
 * The prices a model bills instead of its standard ones in some conditions: a long context, a
 * service tier the answer reports, a 1-hour prompt-cache write, audio tokens. Each price is absent
 * when the table does not list it; the standard price is then billed.
 *
 * @param longContext the prices of a request whose input is above a threshold, if the model has
 *     them
 * @param priority the prices of OpenAI's priority processing ({@code service_tier} {@code
 *     "priority"} in the answer)
 * @param flex the prices of OpenAI's flex processing ({@code service_tier} {@code "flex"}); cheaper
 *     than the standard prices, so they never raise a worst case
 * @param cacheWriteOneHour the price of a prompt-cache write with Anthropic's 1-hour TTL ({@code
 *     cache_creation.ephemeral_1h_input_tokens}), if listed
 * @param inputAudio the price of an audio input token, if listed
 * @param outputAudio the price of an audio output token, if listed
 */
public record TierPrices(
        Optional<LongContext> longContext,
        ClassPrices priority,
        ClassPrices flex,
        Optional<TokenPrice> cacheWriteOneHour,
        Optional<TokenPrice> inputAudio,
        Optional<TokenPrice> outputAudio) {

    /** No tier prices: every request is billed at the standard prices. */
    public static final TierPrices NONE =
            new TierPrices(
                    Optional.empty(),
                    ClassPrices.NONE,
                    ClassPrices.NONE,
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty());

    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     */
    public TierPrices {
        Objects.requireNonNull(longContext, "longContext");
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(flex, "flex");
        Objects.requireNonNull(cacheWriteOneHour, "cacheWriteOneHour");
        Objects.requireNonNull(inputAudio, "inputAudio");
        Objects.requireNonNull(outputAudio, "outputAudio");
    }

    /**
     * Returns these tiers with other long-context prices.
     *
     * @param longContext the long-context prices, if any
     * @return the tiers
     */
    public TierPrices withLongContext(Optional<LongContext> longContext) {
        return new TierPrices(
                longContext, priority, flex, cacheWriteOneHour, inputAudio, outputAudio);
    }

    /**
     * Per-class prices that replace the standard ones; a class without a price here is billed at
     * its standard price.
     *
     * @param input plain input tokens
     * @param output output tokens (reasoning included)
     * @param cacheRead input tokens read from the prompt cache
     * @param cacheWrite input tokens written to the prompt cache (5-minute TTL)
     */
    public record ClassPrices(
            Optional<TokenPrice> input,
            Optional<TokenPrice> output,
            Optional<TokenPrice> cacheRead,
            Optional<TokenPrice> cacheWrite) {

        /** No prices: every class at its standard price. */
        public static final ClassPrices NONE =
                new ClassPrices(
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         */
        public ClassPrices {
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(output, "output");
            Objects.requireNonNull(cacheRead, "cacheRead");
            Objects.requireNonNull(cacheWrite, "cacheWrite");
        }

        /**
         * Returns whether no class has a price here.
         *
         * @return {@code true} when every class is billed at its standard price
         */
        public boolean isEmpty() {
            return input.isEmpty()
                    && output.isEmpty()
                    && cacheRead.isEmpty()
                    && cacheWrite.isEmpty();
        }
    }

    /**
     * The prices of a long-context request: once the request's input (plain, cache-read and
     * cache-write tokens together) is above {@code aboveInputTokens}, every token of the request is
     * billed at these prices, as Anthropic and OpenAI bill their long-context tiers.
     *
     * @param aboveInputTokens the threshold, {@code >= 0}: a request with more input tokens than
     *     this is long-context
     * @param prices the prices then
     */
    public record LongContext(long aboveInputTokens, ClassPrices prices) {
        /**
         * Validates the components.
         *
         * @throws NullPointerException if {@code prices} is {@code null}
         * @throws IllegalArgumentException if the threshold is negative
         */
        public LongContext {
            if (aboveInputTokens < 0) {
                throw new IllegalArgumentException(
                        "aboveInputTokens must not be negative, got " + aboveInputTokens);
            }
            Objects.requireNonNull(prices, "prices");
        }

        /**
         * Returns whether a request with this many input tokens is billed at these prices.
         *
         * @param totalInputTokens plain, cache-read and cache-write input tokens together
         * @return {@code totalInputTokens > aboveInputTokens}
         */
        public boolean appliesTo(long totalInputTokens) {
            return totalInputTokens > aboveInputTokens;
        }
    }
}
