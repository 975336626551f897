package io.ironcage.router.core.domain.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.ServiceTier;
import io.ironcage.router.core.domain.TokenDetails;
import io.ironcage.router.core.domain.TokenUsage;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class UsageCostTest {
    /** $3 / $15 per Mtok, cache read $0.30, cache write $3.75. */
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

    /** 2,000 body bytes, max_tokens 100. */
    private static final RequestShape SHAPE =
            new RequestShape(2_000, 0, OptionalLong.of(100), OptionalLong.of(100), false, 0, 1);

    @Test
    void theProvidersUsageIsBilledAtEachClassPrice() {
        UsageCost bill =
                UsageCost.of(
                        SONNET,
                        SHAPE,
                        Optional.of(new TokenUsage(1_000, 50, 200, 40)),
                        Optional.empty(),
                        9_999,
                        OptionalLong.empty());
        // 1000 × 3 + 50 × 15 + 200 × 0.3 + 40 × 3.75 = 3000 + 750 + 60 + 150
        assertEquals(Money.ofMicros(3_960), bill.cost());
        assertEquals(new TokenUsage(1_000, 50, 200, 40), bill.billed());
        assertTrue(bill.reported());
    }

    @Test
    void withoutUsageTheInputSeenAndTheOutputBytesAreBilled() {
        UsageCost bill =
                UsageCost.of(
                        SONNET,
                        SHAPE,
                        Optional.empty(),
                        Optional.of(TokenUsage.of(700, 0)),
                        60,
                        OptionalLong.empty());
        // 700 × 3 + 60 × 15 = 2100 + 900
        assertEquals(new TokenUsage(700, 60, 0, 0), bill.billed());
        assertEquals(Money.ofMicros(3_000), bill.cost());
        assertFalse(bill.reported());
    }

    @Test
    void withoutAnythingSeenTheWorstCaseBoundsTheBill() {
        UsageCost bill =
                UsageCost.of(
                        SONNET,
                        SHAPE,
                        Optional.empty(),
                        Optional.empty(),
                        5_000,
                        OptionalLong.empty());
        // input: the 2000-byte body; output: 5000 bytes seen, capped at max_tokens 100; nothing
        // says how the input was billed, so at the highest input price (cache write), as reserved:
        // 2000 × 3.75 + 100 × 15 = 7,500 + 1,500
        assertEquals(new TokenUsage(2_000, 100, 0, 0), bill.billed());
        assertEquals(Money.ofMicros(9_000), bill.cost());
        assertEquals(Money.ofMicros(9_000), SONNET.worstCase(SHAPE));
        assertFalse(bill.exceeds(SONNET.worstCase(SHAPE)));
    }

    @Test
    void aBillOverTheReservationIsSeen() {
        UsageCost bill =
                UsageCost.of(
                        SONNET,
                        SHAPE,
                        Optional.of(TokenUsage.of(10_000, 0)),
                        Optional.empty(),
                        0,
                        OptionalLong.empty());
        assertEquals(Money.ofMicros(30_000), bill.cost());
        assertTrue(bill.exceeds(Money.ofMicros(29_999)));
        assertFalse(bill.exceeds(Money.ofMicros(30_000)));
    }

    @Test
    void aCutStreamKeepsTheOneHourWritesItSaw() {
        TokenDetails oneHour = new TokenDetails(400, 0, 0, 0, ServiceTier.STANDARD);
        UsageCost bill =
                UsageCost.of(
                        SONNET,
                        SHAPE,
                        Optional.empty(),
                        Optional.of(new TokenUsage(100, 0, 0, 500, oneHour)),
                        20,
                        OptionalLong.empty());
        // 100 × 3 + 100 × 3.75 + 400 × 6 (1-hour: twice the input) + 20 × 15
        // = 300 + 375 + 2,400 + 300
        assertEquals(Money.ofMicros(3_375), bill.cost());
        assertEquals(oneHour, bill.billed().details());
    }

    @Test
    void aCutStreamThatAskedForPriorityIsBilledAtPriority() {
        ModelPricing gpt4o =
                new ModelPricing(
                        "gpt-4o",
                        Optional.of(ProviderType.OPENAI),
                        TokenPrice.fromUsdPerMillionTokens(2.5),
                        TokenPrice.fromUsdPerMillionTokens(10),
                        Optional.of(TokenPrice.fromUsdPerMillionTokens(1.25)),
                        Optional.empty(),
                        OptionalLong.of(16_384),
                        OptionalLong.empty(),
                        0,
                        new TierPrices(
                                Optional.empty(),
                                new TierPrices.ClassPrices(
                                        Optional.of(TokenPrice.fromUsdPerMillionTokens(4.25)),
                                        Optional.of(TokenPrice.fromUsdPerMillionTokens(17)),
                                        Optional.empty(),
                                        Optional.empty()),
                                TierPrices.ClassPrices.NONE,
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty()));
        RequestShape priority =
                new RequestShape(
                        2_000,
                        0,
                        OptionalLong.of(100),
                        OptionalLong.of(100),
                        false,
                        0,
                        1,
                        true,
                        false,
                        false,
                        false);
        UsageCost bill =
                UsageCost.of(
                        gpt4o,
                        priority,
                        Optional.empty(),
                        Optional.empty(),
                        40,
                        OptionalLong.empty());
        // nothing said which tier served it: 2,000 × 4.25 + 40 × 17 = 8,500 + 680
        assertEquals(Money.ofMicros(9_180), bill.cost());
        assertEquals(ServiceTier.PRIORITY, bill.billed().details().serviceTier());
        assertFalse(bill.exceeds(gpt4o.worstCase(priority)));
    }
}
