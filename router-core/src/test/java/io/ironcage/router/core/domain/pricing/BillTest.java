package io.ironcage.router.core.domain.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ServiceTier;
import io.ironcage.router.core.domain.TokenDetails;
import io.ironcage.router.core.domain.TokenUsage;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Each billing rule of {@link Bill} with a hand-computed figure. The prices are those of the
 * bundled price database's entries named in each test ({@code prices.json}, generated from
 * genai-prices; priority and flex prices from the supplement the generator merges in).
 */
class BillTest {

    private static Optional<TokenPrice> usd(double usdPerMtok) {
        return Optional.of(TokenPrice.fromUsdPerMillionTokens(usdPerMtok));
    }

    private static ModelPricing model(
            String id,
            double input,
            double output,
            Optional<TokenPrice> cacheRead,
            Optional<TokenPrice> cacheWrite,
            TierPrices tiers) {
        return new ModelPricing(
                id,
                Optional.empty(),
                TokenPrice.fromUsdPerMillionTokens(input),
                TokenPrice.fromUsdPerMillionTokens(output),
                cacheRead,
                cacheWrite,
                OptionalLong.of(64_000),
                OptionalLong.empty(),
                0,
                tiers);
    }

    private static TierPrices longContext(long above, TierPrices.ClassPrices prices) {
        return TierPrices.NONE.withLongContext(
                Optional.of(new TierPrices.LongContext(above, prices)));
    }

    // claude-sonnet-4-5: input_mtok {base 3, tiers [{start 200000, price 6}]}, cache_write_mtok
    // {3.75 → 7.5}, cache_read_mtok {0.3 → 0.6}, output_mtok {15 → 22.5}; 1-hour writes 2 × input
    private static final ModelPricing SONNET_45 =
            model(
                    "claude-sonnet-4-5",
                    3,
                    15,
                    usd(0.3),
                    usd(3.75),
                    longContext(
                            200_000,
                            new TierPrices.ClassPrices(usd(6), usd(22.5), usd(0.6), usd(7.5))));

    // gpt-4o: input_mtok 2.5, cache_read_mtok 1.25, output_mtok 10; priority 4.25 / 17 / 2.125
    private static final ModelPricing GPT_4O =
            model(
                    "gpt-4o",
                    2.5,
                    10,
                    usd(1.25),
                    Optional.empty(),
                    new TierPrices(
                            Optional.empty(),
                            new TierPrices.ClassPrices(
                                    usd(4.25), usd(17), usd(2.125), Optional.empty()),
                            new TierPrices.ClassPrices(
                                    usd(1.25), usd(5), usd(0.625), Optional.empty()),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty()));

    private static TokenUsage usage(
            long input, long output, long read, long write, TokenDetails details) {
        return new TokenUsage(input, output, read, write, details);
    }

    @Test
    void fourStandardClassesAreTheReferenceArithmetic() {
        // 800 × 2.5 + 200 × 1.25 + 300 × 10 = 2,000 + 250 + 3,000
        TokenUsage u = new TokenUsage(800, 300, 200, 0);
        assertEquals(Money.ofMicros(5_250), GPT_4O.cost(u));
        assertEquals(GPT_4O.costMicros(800, 300) + 250, GPT_4O.cost(u).micros());
    }

    @Test
    void reasoningTokensAreBilledAsOutput() {
        TokenDetails reasoning = new TokenDetails(0, 0, 0, 200, ServiceTier.STANDARD);
        assertEquals(
                GPT_4O.cost(new TokenUsage(800, 300, 200, 0)),
                GPT_4O.cost(usage(800, 300, 200, 0, reasoning)));
    }

    @Test
    void oneHourCacheWritesAreBilledAtTwiceTheInputPrice() {
        // 100 × 3 + 2,000 × 0.3 + 500 × 3.75 (5-minute) + 1,000 × 6 (1-hour) + 400 × 15
        // = 300 + 600 + 1,875 + 6,000 + 6,000
        TokenDetails oneHour = new TokenDetails(1_000, 0, 0, 0, ServiceTier.STANDARD);
        assertEquals(
                Money.ofMicros(14_775), SONNET_45.cost(usage(100, 400, 2_000, 1_500, oneHour)));
        // all at the 5-minute price without the detail: 1,500 × 3.75 = 5,625 instead of 7,875
        assertEquals(
                Money.ofMicros(14_775 - 1_875 - 6_000 + 5_625),
                SONNET_45.cost(new TokenUsage(100, 400, 2_000, 1_500)));
    }

    @Test
    void longContextBillsEveryTokenAtTheTierOnceInputIsAboveItsStart() {
        // 150,000 + 50,001 = 200,001 input tokens > 200,000: every class at the tier's price
        // 150,000 × 6 + 50,001 × 0.6 (30,000.6 → 30,000) + 1,000 × 22.5 = 900,000 + 30,000 + 22,500
        assertEquals(
                Money.ofMicros(952_500), SONNET_45.cost(new TokenUsage(150_000, 1_000, 50_001, 0)));
        // exactly 200,000 is not above the start: 150,000 × 3 + 50,000 × 0.3 + 1,000 × 15
        assertEquals(
                Money.ofMicros(480_000), SONNET_45.cost(new TokenUsage(150_000, 1_000, 50_000, 0)));
    }

    @Test
    void oneHourWriteInALongContextRequestScalesWithTheTier() {
        // 1-hour price 6 × (6 / 3) = 12 $/Mtok: 200,000 × 6 + 1,000 × 12 = 1,200,000 + 12,000
        TokenDetails oneHour = new TokenDetails(1_000, 0, 0, 0, ServiceTier.STANDARD);
        assertEquals(
                Money.ofMicros(1_212_000), SONNET_45.cost(usage(200_000, 0, 0, 1_000, oneHour)));
    }

    @Test
    void longContextStartIsPerModel() {
        // gpt-5.4: input_mtok {base 2.5, tiers [{start 272000, price 5}]}, output_mtok {15 → 22.5}
        ModelPricing gpt54 =
                model(
                        "gpt-5.4",
                        2.5,
                        15,
                        usd(0.25),
                        Optional.empty(),
                        longContext(
                                272_000,
                                new TierPrices.ClassPrices(
                                        usd(5), usd(22.5), usd(0.5), Optional.empty())));
        // 272,001 × 5 + 100 × 22.5 = 1,360,005 + 2,250
        assertEquals(Money.ofMicros(1_362_255), gpt54.cost(TokenUsage.of(272_001, 100)));
        // 272,000 × 2.5 + 100 × 15 = 680,000 + 1,500
        assertEquals(Money.ofMicros(681_500), gpt54.cost(TokenUsage.of(272_000, 100)));
    }

    @Test
    void theServiceTierTheAnswerReportsPicksItsPrices() {
        TokenDetails priority = new TokenDetails(0, 0, 0, 0, ServiceTier.PRIORITY);
        // 800 × 4.25 + 200 × 2.125 + 300 × 17 = 3,400 + 425 + 5,100
        assertEquals(Money.ofMicros(8_925), GPT_4O.cost(usage(800, 300, 200, 0, priority)));
        TokenDetails flex = new TokenDetails(0, 0, 0, 0, ServiceTier.FLEX);
        // 800 × 1.25 + 200 × 0.625 + 300 × 5 = 1,000 + 125 + 1,500
        assertEquals(Money.ofMicros(2_625), GPT_4O.cost(usage(800, 300, 200, 0, flex)));
        // a tier the table has no prices for is billed at the standard prices
        assertEquals(
                Money.ofMicros(480_000),
                SONNET_45.cost(
                        usage(
                                150_000,
                                1_000,
                                50_000,
                                0,
                                priority.withServiceTier(ServiceTier.PRIORITY))));
    }

    @Test
    void aTierAndTheLongContextTogetherTakeTheHigherPrice() {
        ModelPricing both =
                model(
                        "both",
                        1,
                        10,
                        Optional.empty(),
                        Optional.empty(),
                        new TierPrices(
                                Optional.of(
                                        new TierPrices.LongContext(
                                                1_000,
                                                new TierPrices.ClassPrices(
                                                        usd(2),
                                                        usd(15),
                                                        Optional.empty(),
                                                        Optional.empty()))),
                                new TierPrices.ClassPrices(
                                        usd(3), usd(12), Optional.empty(), Optional.empty()),
                                TierPrices.ClassPrices.NONE,
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty()));
        TokenDetails priority = new TokenDetails(0, 0, 0, 0, ServiceTier.PRIORITY);
        // input max(2, 3) = 3, output max(15, 12) = 15: 2,000 × 3 + 100 × 15 = 6,000 + 1,500
        assertEquals(Money.ofMicros(7_500), both.cost(usage(2_000, 100, 0, 0, priority)));
    }

    @Test
    void audioTokensAreBilledAtTheAudioPrices() {
        // gpt-audio: input_mtok 2.5, output_mtok 10, input_audio_mtok 32, output_audio_mtok 64
        ModelPricing audio =
                model(
                        "gpt-audio",
                        2.5,
                        10,
                        Optional.empty(),
                        Optional.empty(),
                        new TierPrices(
                                Optional.empty(),
                                TierPrices.ClassPrices.NONE,
                                TierPrices.ClassPrices.NONE,
                                Optional.empty(),
                                usd(32),
                                usd(64)));
        TokenDetails details = new TokenDetails(0, 600, 400, 0, ServiceTier.STANDARD);
        // 400 × 2.5 + 600 × 32 + 100 × 10 + 400 × 64 = 1,000 + 19,200 + 1,000 + 25,600
        assertEquals(Money.ofMicros(46_800), audio.cost(usage(1_000, 500, 0, 0, details)));
    }

    @Test
    void priorityWithoutPriorityPricesIsUnmeteredAndAnUnknownLimitIsTheRequests() {
        RequestShape priority =
                new RequestShape(
                        1_000,
                        0,
                        OptionalLong.of(300_000),
                        OptionalLong.empty(),
                        false,
                        0,
                        1,
                        true,
                        false,
                        false,
                        false);
        // the table has no priority prices for this model: its cost cannot be bounded
        assertEquals(Optional.of("service_tier"), SONNET_45.unmeteredBy(priority));
        assertEquals(Optional.empty(), GPT_4O.unmeteredBy(priority));
        // no output limit in the table: the request's 300,000, not a 128,000 default
        ModelPricing unknown =
                new ModelPricing(
                        "new-model",
                        Optional.empty(),
                        TokenPrice.fromUsdPerMillionTokens(1),
                        TokenPrice.fromUsdPerMillionTokens(10),
                        Optional.empty(),
                        Optional.empty(),
                        OptionalLong.empty(),
                        OptionalLong.empty(),
                        0);
        assertEquals(300_000, unknown.worstCaseOutputTokens(priority));
        // a known limit still caps it
        assertEquals(64_000, GPT_4O.worstCaseOutputTokens(priority));
    }

    /**
     * The reservation stays an upper bound for every tier a request can trigger: random usages
     * within the worst case's token bounds, with only the tiers the shape allows, never cost more
     * than the worst case.
     */
    @Test
    void theWorstCaseBoundsEveryBillTheShapeAllows() {
        ModelPricing[] models = {SONNET_45, GPT_4O};
        Random random = new Random(20261207L);
        for (int i = 0; i < 20_000; i++) {
            ModelPricing model = models[random.nextInt(models.length)];
            boolean priority = random.nextBoolean();
            boolean oneHour = random.nextBoolean();
            long body = 1 + random.nextInt(random.nextBoolean() ? 1_000 : 400_000);
            RequestShape shape =
                    new RequestShape(
                            body,
                            0,
                            OptionalLong.of(1 + random.nextInt(64_000)),
                            OptionalLong.empty(),
                            false,
                            0,
                            1,
                            priority,
                            oneHour,
                            false,
                            false);
            long inputBound = model.worstCaseInputTokens(shape);
            long outputBound = model.worstCaseOutputTokens(shape);
            long input = (long) (random.nextDouble() * inputBound);
            long read = (long) (random.nextDouble() * (inputBound - input));
            long write = (long) (random.nextDouble() * (inputBound - input - read));
            long oneHourWrites = oneHour ? (long) (random.nextDouble() * write) : 0;
            ServiceTier tier =
                    priority && random.nextBoolean()
                            ? ServiceTier.PRIORITY
                            : random.nextBoolean() ? ServiceTier.FLEX : ServiceTier.STANDARD;
            TokenUsage used =
                    usage(
                            input,
                            (long) (random.nextDouble() * outputBound),
                            read,
                            write,
                            new TokenDetails(oneHourWrites, 0, 0, 0, tier));
            Money bill = model.cost(used);
            Money reserved = model.worstCase(shape);
            assertTrue(
                    bill.micros() <= reserved.micros(),
                    () -> model.id() + " " + shape + " " + used + ": " + bill + " > " + reserved);
        }
    }
}
