package io.ironcage.router.core.domain.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PricingTableTest {
    /** The day the tests price at (a table entry's dated prices depend on it). */
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    private static final ModelPricing GPT_4O =
            ModelPricing.ofUsdPerMillionTokens("gpt-4o", 2.5, 10);
    private static final ModelPricing GPT_41 = ModelPricing.ofUsdPerMillionTokens("gpt-4.1", 2, 8);
    private static final ModelPricing GPT_41_DATED =
            ModelPricing.ofUsdPerMillionTokens("gpt-4.1-2025-04-14", 2, 8);
    private static final ModelPricing SONNET_45 =
            ModelPricing.ofUsdPerMillionTokens("claude-sonnet-4-5", 3, 15);
    private static final ModelPricing SONNET_4_DATED =
            ModelPricing.ofUsdPerMillionTokens("claude-sonnet-4-20250514", 3, 15);
    private static final ModelPricing CONTAINER =
            ModelPricing.ofUsdPerMillionTokens("openai/container", 1, 1);
    private static final ModelPricing TURBO =
            ModelPricing.ofUsdPerMillionTokens("gpt-3.5-turbo", 0.5, 1.5);

    private static final PricingTable TABLE =
            PricingTable.of(
                    List.of(
                            GPT_4O,
                            GPT_41,
                            GPT_41_DATED,
                            SONNET_45,
                            SONNET_4_DATED,
                            CONTAINER,
                            TURBO));

    @Test
    void findsExactIdsFirst() {
        assertEquals(Optional.of(GPT_4O), TABLE.find("gpt-4o", DAY));
        assertEquals(Optional.of(GPT_41_DATED), TABLE.find("gpt-4.1-2025-04-14", DAY));
        assertEquals(Optional.of(CONTAINER), TABLE.find("openai/container", DAY));
    }

    @Test
    void stripsALeadingProviderPrefix() {
        assertEquals(Optional.of(GPT_4O), TABLE.find("openai/gpt-4o", DAY));
        assertEquals(
                Optional.of(SONNET_4_DATED), TABLE.find("anthropic/claude-sonnet-4-20250514", DAY));
        assertEquals(Optional.of(GPT_4O), TABLE.find("azure/gpt-4o", DAY));
        assertEquals(Optional.empty(), TABLE.find("/gpt-4o", DAY));
        assertEquals(Optional.empty(), TABLE.find("openai/", DAY));
    }

    @Test
    void stripsAPlausibleTrailingDate() {
        assertEquals(Optional.of(GPT_41), TABLE.find("gpt-4.1-2099-01-01", DAY));
        assertEquals(Optional.of(SONNET_45), TABLE.find("claude-sonnet-4-5-20991231", DAY));
        assertEquals(Optional.of(SONNET_45), TABLE.find("claude-sonnet-4-5-20240229", DAY));
    }

    @Test
    void stripsPrefixAndDateTogether() {
        assertEquals(
                Optional.of(SONNET_45), TABLE.find("anthropic/claude-sonnet-4-5-20250929", DAY));
        assertEquals(Optional.of(GPT_41), TABLE.find("openai/gpt-4.1-2031-12-31", DAY));
    }

    @Test
    void neverGuessesAnythingElse() {
        assertEquals(Optional.empty(), TABLE.find("gpt-5", DAY));
        assertEquals(Optional.empty(), TABLE.find("GPT-4o", DAY));
        assertEquals(Optional.empty(), TABLE.find("openai/GPT-4o", DAY));
        assertEquals(Optional.empty(), TABLE.find("gpt-4o-mini", DAY));
        assertEquals(Optional.empty(), TABLE.find("gpt-4", DAY));
        assertEquals(Optional.empty(), TABLE.find("", DAY));
        assertEquals(Optional.empty(), TABLE.find(null, DAY));
        // not a plausible date, or not only ASCII digits
        assertEquals(Optional.empty(), TABLE.find("gpt-4.1-2025-13-01", DAY));
        assertEquals(Optional.empty(), TABLE.find("gpt-4.1-20250230", DAY));
        assertEquals(Optional.empty(), TABLE.find("gpt-4.1-1999-01-01", DAY));
        assertEquals(Optional.empty(), TABLE.find("gpt-4.1-2025-1-01", DAY));
        assertEquals(Optional.empty(), TABLE.find("gpt-4.1-２０２５０１０１", DAY));
        assertEquals(Optional.empty(), TABLE.find("gpt-3.5-turbo-0125", DAY));
        assertEquals(Optional.empty(), TABLE.find("gpt-4.1_20250101", DAY));
    }

    @Test
    void overridesReplaceAndAddWithoutChangingTheOriginal() {
        ModelPricing cheaper = ModelPricing.ofUsdPerMillionTokens("gpt-4o", 1, 1);
        ModelPricing mine = ModelPricing.ofUsdPerMillionTokens("my-model", 1, 2);
        PricingTable overridden = TABLE.withOverrides(List.of(cheaper, mine));
        assertEquals(Optional.of(cheaper), overridden.find("gpt-4o", DAY));
        assertEquals(Optional.of(cheaper), overridden.find("openai/gpt-4o-2099-01-01", DAY));
        assertEquals(Optional.of(mine), overridden.find("my-model", DAY));
        assertEquals(TABLE.size() + 1, overridden.size());
        assertEquals(Optional.of(GPT_4O), TABLE.find("gpt-4o", DAY));
        assertSame(TABLE, TABLE.withOverrides(List.of()));
    }

    @Test
    void listsSortedIdsAndModels() {
        assertEquals(7, TABLE.size());
        assertEquals(
                List.of(
                        "claude-sonnet-4-20250514",
                        "claude-sonnet-4-5",
                        "gpt-3.5-turbo",
                        "gpt-4.1",
                        "gpt-4.1-2025-04-14",
                        "gpt-4o",
                        "openai/container"),
                TABLE.modelIds());
        assertEquals(SONNET_4_DATED, TABLE.models().get(0));
        assertThrows(UnsupportedOperationException.class, () -> TABLE.modelIds().add("x"));
    }

    @Test
    void emptyTableFindsNothingAndDuplicatesAreRejected() {
        assertEquals(0, PricingTable.empty().size());
        assertTrue(PricingTable.empty().find("gpt-4o", DAY).isEmpty());
        assertSame(PricingTable.empty(), PricingTable.of(List.of()));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> PricingTable.of(List.of(GPT_4O, GPT_4O)));
        assertTrue(e.getMessage().contains("gpt-4o"), e.getMessage());
    }
}
