package io.ironcage.router.core.domain.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelMatchTest {
    private static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    @Test
    void clausesCompareLowercasedBothSides() {
        assertTrue(new ModelMatch.Equals("GPT-4o").matches("gpt-4O"));
        assertFalse(new ModelMatch.Equals("gpt-4o").matches("gpt-4o-mini"));
        assertTrue(
                new ModelMatch.StartsWith("Claude-Sonnet-4-5").matches("claude-sonnet-4-5-2025"));
        assertFalse(new ModelMatch.StartsWith("claude-sonnet-4-5").matches("x-claude-sonnet-4-5"));
        assertTrue(new ModelMatch.EndsWith("-Preview").matches("gpt-4.5-PREVIEW"));
        assertTrue(new ModelMatch.Contains("MODERATION").matches("omni-moderation-latest"));
        // a search, as Python's re.search, on the lowercased name
        assertTrue(ModelMatch.Regex.of("4o-(mini|nano)$").matches("GPT-4O-MINI"));
        assertFalse(ModelMatch.Regex.of("^4o").matches("gpt-4o"));
        ModelMatch or =
                new ModelMatch.Or(
                        List.of(new ModelMatch.Equals("a"), new ModelMatch.StartsWith("b")));
        assertTrue(or.matches("a"));
        assertTrue(or.matches("bz"));
        assertFalse(or.matches("ab"));
        ModelMatch and =
                new ModelMatch.And(
                        List.of(new ModelMatch.StartsWith("gpt"), new ModelMatch.EndsWith("mini")));
        assertTrue(and.matches("gpt-4o-mini"));
        assertFalse(and.matches("gpt-4o"));
        assertThrows(IllegalArgumentException.class, () -> new ModelMatch.Or(List.of()));
    }

    private static ModelPricing priced(String id, double input) {
        return ModelPricing.ofUsdPerMillionTokens(id, input, input * 5);
    }

    @Test
    void theVariantInForceIsTheLastStartedOnOrBeforeTheDayElseTheFirst() {
        PricedModel sonnet5 =
                new PricedModel(
                        "claude-sonnet-5",
                        new ModelMatch.StartsWith("claude-sonnet-5"),
                        List.of(
                                new PricedModel.Variant(
                                        Optional.empty(), priced("claude-sonnet-5", 2)),
                                new PricedModel.Variant(
                                        Optional.of(LocalDate.of(2026, 9, 1)),
                                        priced("claude-sonnet-5", 3))));
        assertEquals(
                2_000_000, sonnet5.on(LocalDate.of(2026, 8, 31)).input().microsPerMillionTokens());
        assertEquals(
                3_000_000, sonnet5.on(LocalDate.of(2026, 9, 1)).input().microsPerMillionTokens());
        assertEquals(
                2_000_000, sonnet5.on(LocalDate.of(2020, 1, 1)).input().microsPerMillionTokens());
    }

    @Test
    void variantsMustStartUndatedAndThenIncrease() {
        ModelMatch m = new ModelMatch.Equals("m");
        PricedModel.Variant undated = new PricedModel.Variant(Optional.empty(), priced("m", 1));
        PricedModel.Variant june =
                new PricedModel.Variant(Optional.of(LocalDate.of(2025, 6, 1)), priced("m", 1));
        assertThrows(IllegalArgumentException.class, () -> new PricedModel("m", m, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new PricedModel("m", m, List.of(june)));
        assertThrows(
                IllegalArgumentException.class,
                () -> new PricedModel("m", m, List.of(undated, undated)));
        assertThrows(
                IllegalArgumentException.class,
                () -> new PricedModel("m", m, List.of(undated, june, june)));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new PricedModel(
                                "m",
                                m,
                                List.of(
                                        new PricedModel.Variant(
                                                Optional.empty(), priced("x", 1)))));
    }

    @Test
    void databaseLookupTriesEachNameFormThenFirstMatchingEntryAndOverridesWin() {
        PricedModel broad =
                new PricedModel(
                        "gpt-4o-family",
                        new ModelMatch.StartsWith("gpt-4o"),
                        List.of(
                                new PricedModel.Variant(
                                        Optional.empty(), priced("gpt-4o-family", 9))));
        PricedModel mini =
                new PricedModel(
                        "gpt-4o-mini",
                        new ModelMatch.Equals("gpt-4o-mini"),
                        List.of(
                                new PricedModel.Variant(
                                        Optional.empty(), priced("gpt-4o-mini", 1))));
        PricedModel sonnet =
                new PricedModel(
                        "claude-sonnet-4-5",
                        new ModelMatch.Equals("claude-sonnet-4-5"),
                        List.of(
                                new PricedModel.Variant(
                                        Optional.empty(), priced("claude-sonnet-4-5", 3))));
        PricingTable table = PricingTable.ofDatabase(List.of(mini, broad, sonnet));
        assertEquals("gpt-4o-mini", table.find("gpt-4o-mini", DAY).orElseThrow().id());
        assertEquals("gpt-4o-family", table.find("GPT-4o-2024-08-06", DAY).orElseThrow().id());
        // only an exact rule: found once the prefix, the date, or both are removed
        assertEquals(
                "claude-sonnet-4-5",
                table.find("anthropic/claude-sonnet-4-5", DAY).orElseThrow().id());
        assertEquals(
                "claude-sonnet-4-5",
                table.find("claude-sonnet-4-5-20250929", DAY).orElseThrow().id());
        assertEquals(
                "claude-sonnet-4-5",
                table.find("anthropic/claude-sonnet-4-5-2025-09-29", DAY).orElseThrow().id());
        assertEquals(Optional.empty(), table.find("claude-sonnet-4-5-20251399", DAY));
        assertEquals(Optional.empty(), table.find("", DAY));
        assertEquals(Optional.empty(), table.find(null, DAY));
        assertEquals(
                List.of("claude-sonnet-4-5", "gpt-4o-family", "gpt-4o-mini"), table.modelIds());
        assertEquals(3, table.size());

        ModelPricing mine = priced("claude-sonnet-4-5", 1);
        PricingTable overridden = table.withOverrides(List.of(mine));
        assertEquals(mine, overridden.find("claude-sonnet-4-5", DAY).orElseThrow());
        assertEquals(
                mine, overridden.find("anthropic/claude-sonnet-4-5-20250929", DAY).orElseThrow());
        // the entry itself is untouched for the names it matches that are not the override's
        assertEquals(
                3_000_000,
                overridden
                        .find("CLAUDE-SONNET-4-5", DAY)
                        .orElseThrow()
                        .input()
                        .microsPerMillionTokens());
        assertEquals(4, overridden.size());
        assertEquals(4, overridden.models().size());
    }
}
