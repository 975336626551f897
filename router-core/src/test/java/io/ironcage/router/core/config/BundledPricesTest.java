package io.ironcage.router.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricedModel;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.domain.pricing.TierPrices;
import io.ironcage.router.core.domain.pricing.TokenPrice;
import io.ironcage.router.core.errors.PricingParseException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The bundled price database (prices.json, generated from genai-prices) and its format. */
class BundledPricesTest {
    private static final LocalDate DAY = LocalDate.of(2026, 12, 7);
    private static final PricingTable BUNDLED = PricingTables.bundled();

    private static ModelPricing bundled(String name, LocalDate day) {
        return BUNDLED.find(name, day).orElseThrow(() -> new AssertionError(name + " not priced"));
    }

    private static ModelPricing bundled(String name) {
        return bundled(name, DAY);
    }

    private static TokenPrice usd(String usdPerMtok) {
        return new TokenPrice(
                new java.math.BigDecimal(usdPerMtok).movePointRight(6).longValueExact());
    }

    @Test
    void isParsedOnceAndHoldsTheOpenAiThenAnthropicEntries() {
        assertSame(BUNDLED, PricingTables.bundled());
        assertEquals(103, BUNDLED.entries().size());
        assertEquals("gpt-4o-2024-05-13", BUNDLED.entries().get(0).id());
        assertEquals("claude-2", BUNDLED.entries().get(82).id());
        // moderation has no token price and is left out; the excluded realtime model and the
        // image models without an output price too
        assertEquals(Optional.empty(), BUNDLED.find("gpt-image-2", DAY));
        assertEquals(Optional.empty(), BUNDLED.find("omni-moderation-latest", DAY));
        assertEquals(Optional.empty(), BUNDLED.find("gpt-realtime-mini", DAY));
        assertEquals(Optional.empty(), BUNDLED.find("nonexistent-model-xyz-123", DAY));
    }

    @Test
    void everyEntryIsFoundByItsOwnId() {
        List<String> unreachable = new ArrayList<>();
        for (PricedModel entry : BUNDLED.entries()) {
            Optional<ModelPricing> found = BUNDLED.find(entry.id(), DAY);
            if (found.isEmpty() || !found.get().id().equals(entry.id())) {
                unreachable.add(entry.id() + " → " + found.map(ModelPricing::id).orElse("none"));
            }
        }
        // genai-prices ids that are not model names: their rules match dated fine-tunes only
        assertEquals(List.of("ft:gpt-4o → none", "ft:gpt-4o-mini → none"), unreachable);
        assertEquals("ft:gpt-4o", bundled("ft:gpt-4o-2024-08-06:my-org::abc123").id());
        assertEquals("ft:gpt-4o-mini", bundled("ft:gpt-4o-mini-2024-07-18:my-org::abc123").id());
    }

    @Test
    void datedSnapshotsAndProviderPrefixesFindTheirEntry() {
        assertEquals("claude-sonnet-4-5", bundled("claude-sonnet-4-5-20250929").id());
        assertEquals("gpt-4o", bundled("gpt-4o-2024-08-06").id());
        assertEquals("gpt-4o", bundled("openai/gpt-4o").id());
        assertEquals("claude-opus-4-1", bundled("anthropic/claude-opus-4-1").id());
        assertEquals("claude-opus-4-1", bundled("anthropic/claude-opus-4-1-20250805").id());
        // genai-prices matches case-insensitively
        assertEquals("claude-sonnet-4-5", bundled("Claude-Sonnet-4-5").id());
        // a snapshot no rule names is priced as its undated alias
        assertEquals("gpt-4.1", bundled("gpt-4.1-2099-01-01").id());
        assertEquals(Optional.of(ProviderType.ANTHROPIC), bundled("claude-sonnet-4-5").provider());
        assertEquals(Optional.of(ProviderType.OPENAI), bundled("gpt-4o").provider());
    }

    @Test
    void claudeSonnet5CostsMoreFromSeptember2026() {
        ModelPricing before = bundled("claude-sonnet-5", LocalDate.of(2026, 8, 31));
        ModelPricing after = bundled("claude-sonnet-5", LocalDate.of(2026, 9, 1));
        assertEquals(usd("2"), before.input());
        assertEquals(usd("10"), before.output());
        assertEquals(usd("3"), after.input());
        assertEquals(usd("15"), after.output());
        // 1,000 in + 1,000 out: 2,000 + 10,000 µ$ before, 3,000 + 15,000 µ$ after
        assertEquals(12_000, before.cost(TokenUsage.of(1_000, 1_000)).micros());
        assertEquals(18_000, after.cost(TokenUsage.of(1_000, 1_000)).micros());
    }

    @Test
    void o3CostsLessFromJune10th2025() {
        ModelPricing before = bundled("o3-2025-04-16", LocalDate.of(2025, 6, 9));
        ModelPricing after = bundled("o3", LocalDate.of(2025, 6, 10));
        assertEquals(usd("10"), before.input());
        assertEquals(usd("40"), before.output());
        assertEquals(usd("2"), after.input());
        assertEquals(usd("8"), after.output());
        assertEquals(usd("0.5"), after.cacheReadPrice());
        // the supplement's service-tier prices are today's: the older prices have none, so a
        // priority answer dated before June is billed at the standard $10, not at $3.50
        assertEquals(TierPrices.ClassPrices.NONE, before.tiers().priority());
        assertEquals(Optional.of(usd("3.5")), after.tiers().priority().input());
        assertEquals(Optional.of(usd("1")), after.tiers().flex().input());
    }

    @Test
    void claudeSonnet45HasLongContextOneHourWritesAndWebSearchFromTheSupplement() {
        ModelPricing sonnet = bundled("claude-sonnet-4-5");
        assertEquals(usd("3"), sonnet.input());
        assertEquals(usd("15"), sonnet.output());
        assertEquals(Optional.of(usd("0.3")), sonnet.cacheRead());
        assertEquals(Optional.of(usd("3.75")), sonnet.cacheWrite());
        // Anthropic's rule, 2 × input
        assertEquals(Optional.of(usd("6")), sonnet.tiers().cacheWriteOneHour());
        TierPrices.LongContext lc = sonnet.tiers().longContext().orElseThrow();
        assertEquals(200_000, lc.aboveInputTokens());
        assertEquals(
                new TierPrices.ClassPrices(
                        Optional.of(usd("6")),
                        Optional.of(usd("22.5")),
                        Optional.of(usd("0.6")),
                        Optional.of(usd("7.5"))),
                lc.prices());
        assertEquals(OptionalLong.of(10_000), sonnet.webSearchMicrosPerCall());
        assertEquals(OptionalLong.of(64_000), sonnet.maxOutputTokens());
        assertEquals(OptionalLong.of(200_000), sonnet.maxInputTokens());
        assertEquals(346, sonnet.toolUseSystemPromptTokens());
        // 200,001 input tokens: every token at the long-context prices, 200,001 × 6 + 1,000 × 22.5
        assertEquals(1_200_006 + 22_500, sonnet.cost(TokenUsage.of(200_001, 1_000)).micros());
        assertEquals(600_000 + 15_000, sonnet.cost(TokenUsage.of(200_000, 1_000)).micros());
    }

    @Test
    void gpt54HasItsLongContextAbove272kAndGpt5ItsServiceTiers() {
        TierPrices.LongContext lc = bundled("gpt-5.4").tiers().longContext().orElseThrow();
        assertEquals(272_000, lc.aboveInputTokens());
        assertEquals(Optional.of(usd("5")), lc.prices().input());
        assertEquals(Optional.empty(), lc.prices().cacheWrite());
        TierPrices gpt5 = bundled("gpt-5").tiers();
        assertEquals(Optional.of(usd("2.5")), gpt5.priority().input());
        assertEquals(Optional.of(usd("20")), gpt5.priority().output());
        assertEquals(Optional.of(usd("0.625")), gpt5.flex().input());
        assertEquals(Optional.of(usd("0.0625")), gpt5.flex().cacheRead());
        assertEquals(OptionalLong.of(128_000), bundled("gpt-5").maxOutputTokens());
    }

    @Test
    void theSupplementAddsPriorityPricesOfCurrentModelsAndOpus46sWindow() {
        // OpenAI's priority processing page: gpt-5.4 $5 / $0.50 cached / $30 per million tokens
        TierPrices gpt54 = bundled("gpt-5.4").tiers();
        assertEquals(Optional.of(usd("5")), gpt54.priority().input());
        assertEquals(Optional.of(usd("0.5")), gpt54.priority().cacheRead());
        assertEquals(Optional.of(usd("30")), gpt54.priority().output());
        assertEquals(Optional.of(usd("28")), bundled("gpt-5.2").tiers().priority().output());
        assertEquals(Optional.of(usd("9")), bundled("gpt-5.4-mini").tiers().priority().output());
        // 1M context without a beta header since 2026-03-13
        assertEquals(OptionalLong.of(1_000_000), bundled("claude-opus-4-6").maxInputTokens());
    }

    @Test
    void databaseFormatErrorsNameTheModelAndTheField() {
        String model =
                "{\"providers\": [{\"id\": \"openai\", \"models\": [{\"id\": \"m\", \"match\":"
                        + " {\"equals\": \"m\"}, \"prices\": [%s]}]}]}";
        String ok = "{\"usd_per_mtok\": {\"input\": 1, \"output\": 2}}";
        assertEquals(
                1_000_000,
                PricingTables.parseDatabase(String.format(model, ok))
                        .find("m", DAY)
                        .orElseThrow()
                        .input()
                        .microsPerMillionTokens());
        assertEquals(
                "price database model 'openai/m': field 'prices[0].usd_per_mtok.input' must have"
                        + " at most six decimals, got 1E-7",
                error(model, "{\"usd_per_mtok\": {\"input\": 0.0000001, \"output\": 2}}"));
        assertEquals(
                "price database model 'openai/m': field 'prices[0].usd_per_mtok' must have an"
                        + " input and an output price",
                error(model, "{\"usd_per_mtok\": {\"input\": 1}}"));
        assertTrue(
                error(model, "{\"usd_per_mtok\": {\"input\": 1, \"output\": 2, \"batch\": 1}}")
                        .startsWith(
                                "price database model 'openai/m': unknown field"
                                        + " 'prices[0].usd_per_mtok.batch'"));
        assertEquals(
                "price database model 'openai/m': field 'prices[0].usd_per_mtok.output' must be a"
                        + " non-negative number, got -2",
                error(model, "{\"usd_per_mtok\": {\"input\": 1, \"output\": -2}}"));
        assertEquals(
                "price database model 'openai/m': model 'm': the first prices must have no start"
                        + " date",
                error(
                        model,
                        "{\"from\": \"2025-01-01\", \"usd_per_mtok\": {\"input\": 1, \"output\": 2}}"));
        assertEquals(
                "price database model 'openai/m': field 'prices[0].long_context.usd_per_mtok"
                        + ".cache_write_1h' must be the 1-hour price times the long-context input"
                        + " price over the input price",
                error(
                        model,
                        "{\"usd_per_mtok\": {\"input\": 1, \"output\": 2, \"cache_write_1h\": 2},"
                                + " \"long_context\": {\"above_input_tokens\": 10, \"usd_per_mtok\":"
                                + " {\"input\": 2, \"output\": 4, \"cache_write_1h\": 3}}}"));
        String regex =
                "{\"providers\": [{\"id\": \"openai\", \"models\": [{\"id\": \"m\", \"match\":"
                        + " {\"or\": [{\"regex\": \"(\"}]}, \"prices\": ["
                        + ok
                        + "]}]}]}";
        assertEquals(
                "price database model 'openai/m': field 'match.or[0].regex' must be a valid regular"
                        + " expression, got \"(\"",
                assertThrows(PricingParseException.class, () -> PricingTables.parseDatabase(regex))
                        .getMessage());
    }

    private static String error(String model, String variant) {
        return assertThrows(
                        PricingParseException.class,
                        () -> PricingTables.parseDatabase(String.format(model, variant)))
                .getMessage();
    }
}
