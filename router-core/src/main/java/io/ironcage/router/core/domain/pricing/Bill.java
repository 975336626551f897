package io.ironcage.router.core.domain.pricing;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ServiceTier;
import io.ironcage.router.core.domain.TokenDetails;
import io.ironcage.router.core.domain.TokenUsage;
import java.util.Objects;
import java.util.Optional;

/**
 * What the provider bills for one usage under one model's prices. {@link
 * ModelPricing#cost(TokenUsage)} answers from here.
 *
 * <p>The rules, each one a term truncated to whole micro-dollars on its own:
 *
 * <ul>
 *   <li>plain input ({@code inputTokens − inputAudioTokens}) at the input price, audio input at the
 *       audio input price (else the input price);
 *   <li>cache reads at the cache-read price (else the input price);
 *   <li>cache writes with the 5-minute TTL ({@code cacheWriteTokens − cacheWriteOneHourTokens}) at
 *       the cache-write price (else the input price), with the 1-hour TTL at the 1-hour price (else
 *       twice the input price, Anthropic's rule);
 *   <li>output ({@code outputTokens − outputAudioTokens}, reasoning included) at the output price,
 *       audio output at the audio output price (else the output price);
 *   <li>when the usage's input (plain, cache-read and cache-write together) is above the model's
 *       long-context threshold, every class at its long-context price where the table lists one
 *       (the 1-hour write then at {@code oneHour × longContextInput / input}, rounded up: the cache
 *       multiplier applies on top of the long-context price);
 *   <li>when the answer reports the priority or flex tier, every class at that tier's price where
 *       the table lists one; when both a tier and the long context apply, the higher of the two
 *       prices, since the table does not list their combination.
 * </ul>
 *
 * @param model the model's prices
 * @param usage the usage the provider reported
 */
record Bill(ModelPricing model, TokenUsage usage) {

    Bill {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(usage, "usage");
    }

    Money cost() {
        TokenDetails details = usage.details();
        TierPrices tiers = model.tiers();
        boolean longContext = longContext();
        TierPrices.ClassPrices lc =
                longContext
                        ? tiers.longContext().orElseThrow().prices()
                        : TierPrices.ClassPrices.NONE;
        TierPrices.ClassPrices tier = servedTier(tiers, details.serviceTier());

        TokenPrice input = pick(model.input(), lc.input(), tier.input());
        TokenPrice cacheRead = pick(model.cacheReadPrice(), lc.cacheRead(), tier.cacheRead());
        TokenPrice cacheWrite = pick(model.cacheWritePrice(), lc.cacheWrite(), tier.cacheWrite());
        TokenPrice output = pick(model.output(), lc.output(), tier.output());
        TokenPrice inputAudio = tiers.inputAudio().orElse(input);
        TokenPrice outputAudio = tiers.outputAudio().orElse(output);
        TokenPrice oneHourWrite = model.oneHourCacheWritePrice(longContext);

        long micros = input.costMicros(usage.inputTokens() - details.inputAudioTokens());
        micros = Math.addExact(micros, inputAudio.costMicros(details.inputAudioTokens()));
        micros = Math.addExact(micros, cacheRead.costMicros(usage.cacheReadTokens()));
        micros =
                Math.addExact(
                        micros,
                        cacheWrite.costMicros(
                                usage.cacheWriteTokens() - details.cacheWriteOneHourTokens()));
        micros = Math.addExact(micros, oneHourWrite.costMicros(details.cacheWriteOneHourTokens()));
        micros =
                Math.addExact(
                        micros,
                        output.costMicros(usage.outputTokens() - details.outputAudioTokens()));
        micros = Math.addExact(micros, outputAudio.costMicros(details.outputAudioTokens()));
        return Money.ofMicros(micros);
    }

    /** Whether the usage's input is above the model's long-context threshold. */
    boolean longContext() {
        Optional<TierPrices.LongContext> lc = model.tiers().longContext();
        return lc.isPresent() && lc.get().appliesTo(usage.totalInputTokens());
    }

    private static TierPrices.ClassPrices servedTier(TierPrices tiers, ServiceTier served) {
        // no switch on the enum: it would compile to a synthetic class in the domain
        if (served == ServiceTier.PRIORITY) {
            return tiers.priority();
        }
        return served == ServiceTier.FLEX ? tiers.flex() : TierPrices.ClassPrices.NONE;
    }

    /** The standard price, replaced by the tiers that apply; the higher when both do. */
    private static TokenPrice pick(
            TokenPrice standard, Optional<TokenPrice> longContext, Optional<TokenPrice> tier) {
        if (longContext.isPresent() && tier.isPresent()) {
            return longContext.get().max(tier.get());
        }
        return longContext.or(() -> tier).orElse(standard);
    }
}
