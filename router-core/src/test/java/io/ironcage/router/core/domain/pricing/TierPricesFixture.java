package io.ironcage.router.core.domain.pricing;

import java.util.Optional;

/**
 * Builds {@link TierPrices} (an interface: the domain's classes must be records) from the ten
 * prices tests name, long context above 200,000 tokens.
 */
public interface TierPricesFixture {
    /** The tiers; a long-context part only when one of its four prices is given. */
    static TierPrices of(
            Optional<TokenPrice> inputPriority,
            Optional<TokenPrice> outputPriority,
            Optional<TokenPrice> cacheReadPriority,
            Optional<TokenPrice> inputAboveLongContext,
            Optional<TokenPrice> outputAboveLongContext,
            Optional<TokenPrice> cacheReadAboveLongContext,
            Optional<TokenPrice> cacheWriteAboveLongContext,
            Optional<TokenPrice> cacheWriteOneHour,
            Optional<TokenPrice> inputAudio,
            Optional<TokenPrice> outputAudio) {
        TierPrices.ClassPrices longContext =
                new TierPrices.ClassPrices(
                        inputAboveLongContext,
                        outputAboveLongContext,
                        cacheReadAboveLongContext,
                        cacheWriteAboveLongContext);
        return new TierPrices(
                longContext.isEmpty()
                        ? Optional.empty()
                        : Optional.of(new TierPrices.LongContext(200_000, longContext)),
                new TierPrices.ClassPrices(
                        inputPriority, outputPriority, cacheReadPriority, Optional.empty()),
                TierPrices.ClassPrices.NONE,
                cacheWriteOneHour,
                inputAudio,
                outputAudio);
    }
}
