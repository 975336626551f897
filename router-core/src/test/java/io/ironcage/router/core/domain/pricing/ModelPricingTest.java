package io.ironcage.router.core.domain.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ModelPricingTest {
    /** gpt-4o-mini as in the bundled table: $0.15 / $0.60 per Mtok, cache read $0.075. */
    private static final ModelPricing GPT_4O_MINI =
            new ModelPricing(
                    "gpt-4o-mini",
                    Optional.of(ProviderType.OPENAI),
                    TokenPrice.fromUsdPerToken(1.5e-07),
                    TokenPrice.fromUsdPerToken(6e-07),
                    Optional.of(TokenPrice.fromUsdPerToken(7.5e-08)),
                    Optional.empty(),
                    OptionalLong.of(16_384),
                    OptionalLong.of(16_384),
                    0);

    /** claude-sonnet-4-5 as in the bundled table: $3 / $15, cache read $0.30, write $3.75. */
    private static final ModelPricing SONNET =
            new ModelPricing(
                    "claude-sonnet-4-5",
                    Optional.of(ProviderType.ANTHROPIC),
                    TokenPrice.fromUsdPerToken(3e-06),
                    TokenPrice.fromUsdPerToken(1.5e-05),
                    Optional.of(TokenPrice.fromUsdPerToken(3e-07)),
                    Optional.of(TokenPrice.fromUsdPerToken(3.75e-06)),
                    OptionalLong.of(64_000),
                    OptionalLong.of(64_000),
                    346);

    private static RequestShape shape(
            long bodyBytes, OptionalLong requested, boolean tools, int images, int choices) {
        return new RequestShape(bodyBytes, 0, requested, requested, tools, images, choices);
    }

    @Test
    void costMicrosTruncatesEachTermSeparately() {
        assertEquals(450, GPT_4O_MINI.costMicros(1000, 500));
        // 1.65 µ$ → 1 and 0.6 µ$ → 0: one micro-dollar, not two
        assertEquals(1, GPT_4O_MINI.costMicros(11, 1));
        ModelPricing sonnet4 =
                ModelPricing.ofUsdPerMillionTokens("claude-sonnet-4-20250514", 3.0, 15.0);
        assertEquals(150, sonnet4.costMicros(10, 8));
    }

    @Test
    void costPricesEachTokenClassAtItsOwnPrice() {
        TokenUsage usage = new TokenUsage(1_000, 500, 10_000, 2_000);
        // 1000 × 3 + 500 × 15 + 10000 × 0.3 + 2000 × 3.75 (µ$ per token ×1e-6 … per Mtok)
        assertEquals(Money.ofMicros(3_000 + 7_500 + 3_000 + 7_500), SONNET.cost(usage));
        assertEquals(Money.ofMicros(450), GPT_4O_MINI.cost(TokenUsage.of(1000, 500)));
    }

    @Test
    void costTruncatesEachTokenClassSeparately() {
        // gpt-4o-mini: 1 input = 0.15 µ$, 1 output = 0.6 µ$, 1 cache read = 0.075 µ$: each → 0
        assertEquals(Money.ZERO, GPT_4O_MINI.cost(new TokenUsage(1, 1, 1, 1)));
        assertEquals(Money.ofMicros(1 + 0 + 0), GPT_4O_MINI.cost(new TokenUsage(7, 1, 13, 0)));
    }

    @Test
    void missingCachePricesFallBackToTheInputPrice() {
        // gpt-4o-mini has no cache-write price: cache writes cost plain input (0.15 $/Mtok)
        assertEquals(Money.ofMicros(150), GPT_4O_MINI.cost(new TokenUsage(0, 0, 0, 1_000)));
        ModelPricing plain = ModelPricing.ofUsdPerMillionTokens("plain", 2.0, 8.0);
        assertEquals(Money.ofMicros(2_000), plain.cost(new TokenUsage(0, 0, 1_000, 0)));
        assertEquals(plain.input(), plain.cacheReadPrice());
        assertEquals(plain.input(), plain.cacheWritePrice());
    }

    @Test
    void effectiveMaxOutputPrefersMaxOutputTokensThenMaxTokensThenTheDefault() {
        TokenPrice p = new TokenPrice(1);
        Optional<TokenPrice> none = Optional.empty();
        Optional<ProviderType> noProvider = Optional.empty();
        assertEquals(
                8192,
                new ModelPricing(
                                "m",
                                noProvider,
                                p,
                                p,
                                none,
                                none,
                                OptionalLong.of(8192),
                                OptionalLong.of(4096),
                                0)
                        .effectiveMaxOutputTokens());
        assertEquals(
                4096,
                new ModelPricing(
                                "m",
                                noProvider,
                                p,
                                p,
                                none,
                                none,
                                OptionalLong.empty(),
                                OptionalLong.of(4096),
                                0)
                        .effectiveMaxOutputTokens());
        assertEquals(
                ModelPricing.DEFAULT_MAX_OUTPUT_TOKENS,
                ModelPricing.ofUsdPerMillionTokens("m", 1, 1).effectiveMaxOutputTokens());
    }

    @Test
    void worstCaseInputCountsBodyBytesToolPromptAndImageAllowance() {
        assertEquals(
                10_000,
                SONNET.worstCaseInputTokens(shape(10_000, OptionalLong.empty(), false, 0, 1)));
        assertEquals(
                10_346,
                SONNET.worstCaseInputTokens(shape(10_000, OptionalLong.empty(), true, 0, 1)));
        assertEquals(
                10_346 + 2 * RequestShape.IMAGE_TOKEN_ALLOWANCE,
                SONNET.worstCaseInputTokens(shape(10_000, OptionalLong.empty(), true, 2, 1)));
    }

    @Test
    void worstCaseOutputIsTheRequestCappedAtTheModelMaxTimesChoices() {
        assertEquals(
                100,
                GPT_4O_MINI.worstCaseOutputTokens(shape(1, OptionalLong.of(100), false, 0, 1)));
        assertEquals(
                16_384,
                GPT_4O_MINI.worstCaseOutputTokens(
                        shape(1, OptionalLong.of(1_000_000), false, 0, 1)));
        assertEquals(
                16_384,
                GPT_4O_MINI.worstCaseOutputTokens(shape(1, OptionalLong.empty(), false, 0, 1)));
        assertEquals(
                300,
                GPT_4O_MINI.worstCaseOutputTokens(shape(1, OptionalLong.of(100), false, 0, 3)));
    }

    @Test
    void worstCasePricesInputAtTheHighestInputSidePrice() {
        assertEquals(SONNET.cacheWrite().orElseThrow(), SONNET.highestInputPrice());
        assertEquals(GPT_4O_MINI.input(), GPT_4O_MINI.highestInputPrice());
        // 10,000 input tokens at $3.75/Mtok + 100 output tokens at $15/Mtok
        assertEquals(
                Money.ofMicros(37_500 + 1_500),
                SONNET.worstCase(shape(10_000, OptionalLong.of(100), false, 0, 1)));
    }

    @Test
    void expectedIsTheReferenceEstimateAndIsNotCapped() {
        // "Hello!" = 6 bytes → 101 input tokens; no max_tokens → the model max 16,384
        RequestShape hello =
                new RequestShape(70, 6, OptionalLong.empty(), OptionalLong.empty(), false, 0, 1);
        assertEquals(Money.ofMicros(9_845), GPT_4O_MINI.expected(hello));
        RequestShape hundred =
                new RequestShape(70, 6, OptionalLong.of(100), OptionalLong.of(100), false, 0, 1);
        assertEquals(Money.ofMicros(75), GPT_4O_MINI.expected(hundred));
        RequestShape huge =
                new RequestShape(
                        70, 6, OptionalLong.of(1_000_000), OptionalLong.of(1_000_000), false, 0, 1);
        assertEquals(Money.ofMicros(15 + 600_000), GPT_4O_MINI.expected(huge));
        assertEquals(
                Money.ofMicros(GPT_4O_MINI.maxCostMicros(70, OptionalLong.of(1_000_000))),
                GPT_4O_MINI.worstCase(huge));
    }

    @Test
    void overflowThrowsInsteadOfWrapping() {
        ModelPricing pricey = ModelPricing.ofUsdPerMillionTokens("pricey", 1_000_000, 1_000_000);
        assertThrows(ArithmeticException.class, () -> pricey.costMicros(Long.MAX_VALUE / 2, 0));
        assertThrows(
                ArithmeticException.class,
                () ->
                        pricey.worstCase(
                                shape(Long.MAX_VALUE - 1, OptionalLong.empty(), true, 0, 1)));
        assertThrows(
                ArithmeticException.class,
                () -> pricey.cost(new TokenUsage(0, Long.MAX_VALUE, 0, 0)));
    }

    @Test
    void componentsAreValidated() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelPricing.ofUsdPerMillionTokens(" ", 1, 1));
        assertThrows(
                NullPointerException.class, () -> ModelPricing.ofUsdPerMillionTokens(null, 1, 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelPricing.ofUsdPerMillionTokens("m", -1, 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelPricing.ofUsdPerMillionTokens("m", Double.NaN, 1));
        TokenPrice p = new TokenPrice(1);
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new ModelPricing(
                                "m",
                                Optional.empty(),
                                p,
                                p,
                                Optional.empty(),
                                Optional.empty(),
                                OptionalLong.of(-1),
                                OptionalLong.empty(),
                                0));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new ModelPricing(
                                "m",
                                Optional.empty(),
                                p,
                                p,
                                Optional.empty(),
                                Optional.empty(),
                                OptionalLong.empty(),
                                OptionalLong.empty(),
                                -1));
        assertThrows(
                NullPointerException.class,
                () ->
                        new ModelPricing(
                                "m",
                                Optional.empty(),
                                p,
                                null,
                                Optional.empty(),
                                Optional.empty(),
                                OptionalLong.empty(),
                                OptionalLong.empty(),
                                0));
        assertThrows(IllegalArgumentException.class, () -> p.costMicros(-1));
    }

    private static ModelPricing withTiers(long inputMicrosPerMtok, TierPrices tiers) {
        return new ModelPricing(
                "tiered",
                Optional.empty(),
                new TokenPrice(inputMicrosPerMtok),
                new TokenPrice(10_000_000),
                Optional.empty(),
                Optional.empty(),
                OptionalLong.of(1_000),
                OptionalLong.empty(),
                0,
                tiers);
    }

    private static Optional<TokenPrice> price(long microsPerMtok) {
        return Optional.of(new TokenPrice(microsPerMtok));
    }

    private static RequestShape triggered(
            long bodyBytes, boolean priority, boolean oneHour, boolean audioIn, boolean audioOut) {
        OptionalLong none = OptionalLong.empty();
        return new RequestShape(
                bodyBytes, 0, none, none, false, 0, 1, priority, oneHour, audioIn, audioOut);
    }

    @Test
    void tiersDefaultToNoneAndAreValidated() {
        assertEquals(TierPrices.NONE, GPT_4O_MINI.tiers());
        assertEquals(TierPrices.NONE, ModelPricing.ofUsdPerMillionTokens("m", 1, 2).tiers());
        Optional<TokenPrice> none = Optional.empty();
        assertThrows(
                NullPointerException.class,
                () ->
                        TierPricesFixture.of(
                                none, none, none, none, none, none, none, none, none, null));
        assertThrows(
                NullPointerException.class,
                () ->
                        new ModelPricing(
                                "m",
                                Optional.empty(),
                                TokenPrice.FREE,
                                TokenPrice.FREE,
                                none,
                                none,
                                OptionalLong.empty(),
                                OptionalLong.empty(),
                                0,
                                null));
    }

    @Test
    void eachTierPriceCountsOnlyWhenItsTriggerIsSet() {
        // input $1, output $10; every tier price distinct so each one is identifiable
        ModelPricing model =
                withTiers(
                        1_000_000,
                        TierPricesFixture.of(
                                price(2_000_000),
                                price(20_000_000),
                                price(3_000_000),
                                price(4_000_000),
                                price(40_000_000),
                                price(5_000_000),
                                price(6_000_000),
                                price(7_000_000),
                                price(8_000_000),
                                price(80_000_000)));
        RequestShape plain = triggered(1_000, false, false, false, false);
        assertEquals(new TokenPrice(1_000_000), model.highestInputPrice(plain));
        assertEquals(new TokenPrice(10_000_000), model.highestOutputPrice(plain));
        // standard tier: the same figure as before tiers existed
        assertEquals(
                Money.ofMicros(model.maxCostMicros(1_000, OptionalLong.empty())),
                model.worstCase(plain));
        // priority: the cache-read priority price is the highest input-side one
        RequestShape priority = triggered(1_000, true, false, false, false);
        assertEquals(new TokenPrice(3_000_000), model.highestInputPrice(priority));
        assertEquals(new TokenPrice(20_000_000), model.highestOutputPrice(priority));
        assertEquals(
                new TokenPrice(7_000_000),
                model.highestInputPrice(triggered(1_000, false, true, false, false)));
        assertEquals(
                new TokenPrice(8_000_000),
                model.highestInputPrice(triggered(1_000, false, false, true, false)));
        assertEquals(
                new TokenPrice(80_000_000),
                model.highestOutputPrice(triggered(1_000, false, false, false, true)));
        RequestShape longContext = triggered(200_001, false, false, false, false);
        assertEquals(new TokenPrice(6_000_000), model.highestInputPrice(longContext));
        assertEquals(new TokenPrice(40_000_000), model.highestOutputPrice(longContext));
        // audio output does not raise the input price, nor audio input the output price
        RequestShape audioIn = triggered(1_000, false, false, true, false);
        assertEquals(new TokenPrice(10_000_000), model.highestOutputPrice(audioIn));
        RequestShape audioOut = triggered(1_000, false, false, false, true);
        assertEquals(new TokenPrice(1_000_000), model.highestInputPrice(audioOut));
    }

    @Test
    void longContextOneHourCacheWriteIsTheOneHourPriceScaledAndRoundedUp() {
        TierPrices tiers =
                TierPricesFixture.of(
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        price(7_000_000),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        price(5_000_000),
                        Optional.empty(),
                        Optional.empty());
        // $5 × $7 / $3 = $11.666666…/Mtok → 11,666,667 µ$/Mtok
        assertEquals(
                new TokenPrice(11_666_667),
                withTiers(3_000_000, tiers)
                        .highestInputPrice(triggered(300_000, false, true, false, false)));
        // not long context: the listed 1-hour price
        assertEquals(
                new TokenPrice(5_000_000),
                withTiers(3_000_000, tiers)
                        .highestInputPrice(triggered(200_000, false, true, false, false)));
        // a free input price gives no ratio: the listed prices only
        assertEquals(
                new TokenPrice(7_000_000),
                withTiers(0, tiers)
                        .highestInputPrice(triggered(300_000, false, true, false, false)));
    }

    @Test
    void ofUsdPerMillionTokensConvertsDollarsPerMillion() {
        ModelPricing model = ModelPricing.ofUsdPerMillionTokens("my-model", 1.0, 2.0);
        assertEquals(1_000_000, model.input().microsPerMillionTokens());
        assertEquals(2_000_000, model.output().microsPerMillionTokens());
        assertEquals(Optional.empty(), model.provider());
        assertEquals(0, model.toolUseSystemPromptTokens());
    }
}
