package io.ironcage.router.core.config;

import static io.ironcage.router.core.TestData.json;
import static io.ironcage.router.core.TestData.referenceEstimate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.TestData;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.domain.pricing.TierPrices;
import io.ironcage.router.core.domain.pricing.TokenPrice;
import io.ironcage.router.core.errors.PricingParseException;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class PricingTablesTest {
    /** The day the tests price at (a table entry's dated prices depend on it). */
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    /** The LiteLLM table the router shipped before the price database: the parser's fixture. */
    private static final PricingTable SEED = TestData.seedTable();

    private static ModelPricing seed(String id) {
        return SEED.find(id, DAY).orElseThrow(() -> new AssertionError(id + " is not in the seed"));
    }

    private static String error(Executable parse) {
        return assertThrows(PricingParseException.class, parse).getMessage();
    }

    @Test
    void seedTableHas126UsableEntriesAndDropsTheZeroPricedContainer() {
        assertEquals(126, SEED.size());
        assertTrue(SEED.find("openai/container", DAY).isEmpty());
        assertTrue(SEED.find("sample_spec", DAY).isEmpty());
    }

    @Test
    void seedTableReadsCachePricesProviderAndToolPromptTokens() {
        ModelPricing sonnet = seed("claude-sonnet-4-5");
        assertEquals(Optional.of(TokenPrice.fromUsdPerMillionTokens(0.3)), sonnet.cacheRead());
        assertEquals(Optional.of(TokenPrice.fromUsdPerMillionTokens(3.75)), sonnet.cacheWrite());
        assertEquals(346, sonnet.toolUseSystemPromptTokens());
        assertEquals(Optional.of(ProviderType.ANTHROPIC), sonnet.provider());
        assertEquals(OptionalLong.of(64_000), sonnet.maxOutputTokens());

        ModelPricing mini = seed("gpt-4o-mini");
        assertEquals(Optional.of(TokenPrice.fromUsdPerMillionTokens(0.075)), mini.cacheRead());
        assertEquals(Optional.empty(), mini.cacheWrite());
        assertEquals(0, mini.toolUseSystemPromptTokens());
        assertEquals(Optional.of(ProviderType.OPENAI), mini.provider());
    }

    @Test
    void seedTableReadsTierPrices() {
        ModelPricing gpt4o = seed("gpt-4o");
        TierPrices tiers = gpt4o.tiers();
        assertEquals(Optional.of(TokenPrice.fromUsdPerToken(4.25e-06)), tiers.priority().input());
        assertEquals(Optional.of(TokenPrice.fromUsdPerToken(1.7e-05)), tiers.priority().output());
        assertEquals(
                Optional.of(TokenPrice.fromUsdPerToken(2.125e-06)), tiers.priority().cacheRead());
        assertEquals(Optional.empty(), tiers.longContext().flatMap(l -> l.prices().input()));
        assertEquals(Optional.empty(), tiers.inputAudio());

        TierPrices nano = seed("gpt-5-nano").tiers();
        assertEquals(Optional.of(TokenPrice.fromUsdPerToken(2.5e-06)), nano.priority().input());
        assertEquals(Optional.empty(), nano.priority().output());

        TierPrices sonnet = seed("claude-sonnet-4-5").tiers();
        assertEquals(
                Optional.of(TokenPrice.fromUsdPerMillionTokens(6)),
                sonnet.longContext().flatMap(l -> l.prices().input()));
        assertEquals(
                Optional.of(TokenPrice.fromUsdPerMillionTokens(22.5)),
                sonnet.longContext().flatMap(l -> l.prices().output()));
        assertEquals(
                Optional.of(TokenPrice.fromUsdPerMillionTokens(0.6)),
                sonnet.longContext().flatMap(l -> l.prices().cacheRead()));
        assertEquals(
                Optional.of(TokenPrice.fromUsdPerMillionTokens(7.5)),
                sonnet.longContext().flatMap(l -> l.prices().cacheWrite()));
        assertEquals(Optional.empty(), sonnet.cacheWriteOneHour());
        assertEquals(Optional.empty(), sonnet.priority().input());
        assertEquals(
                Optional.of(TokenPrice.fromUsdPerMillionTokens(6)),
                seed("claude-sonnet-4-20250514").tiers().cacheWriteOneHour());

        TierPrices audio = seed("gpt-4o-audio-preview").tiers();
        assertEquals(Optional.of(TokenPrice.fromUsdPerMillionTokens(100)), audio.inputAudio());
        assertEquals(Optional.of(TokenPrice.fromUsdPerMillionTokens(200)), audio.outputAudio());

        assertEquals(TierPrices.NONE, seed("gpt-3.5-turbo").tiers());
    }

    @Test
    void malformedTierPriceIsAnErrorNamingTheModelAndTheField() {
        assertEquals(
                "pricing entry 'gpt-x': field 'input_cost_per_token_priority' must be a"
                        + " non-negative number, got \"4.25e-06\"",
                error(
                        () ->
                                PricingTables.parse(
                                        "{\"gpt-x\": {\"input_cost_per_token\": 2.5e-06,"
                                                + " \"input_cost_per_token_priority\":"
                                                + " \"4.25e-06\"}}")));
        String[] fields = {
            "input_cost_per_token_priority",
            "output_cost_per_token_priority",
            "cache_read_input_token_cost_priority",
            "input_cost_per_token_above_200k_tokens",
            "output_cost_per_token_above_200k_tokens",
            "cache_read_input_token_cost_above_200k_tokens",
            "cache_creation_input_token_cost_above_200k_tokens",
            "cache_creation_input_token_cost_above_1hr",
            "input_cost_per_audio_token",
            "output_cost_per_audio_token"
        };
        String[] badValues = {"-1e-06", "true", "[1]", "1e300"};
        for (String field : fields) {
            for (String bad : badValues) {
                String message =
                        error(
                                () ->
                                        PricingTables.parse(
                                                "{\"m\": {\"input_cost_per_token\": 1e-06, \""
                                                        + field
                                                        + "\": "
                                                        + bad
                                                        + "}}"));
                assertTrue(message.startsWith("pricing entry 'm': field '" + field + "'"), message);
            }
            // null is absent, as for the other fields
            ModelPricing m =
                    PricingTables.parse(
                                    "{\"m\": {\"input_cost_per_token\": 1e-06, \""
                                            + field
                                            + "\": null}}")
                            .find("m", DAY)
                            .orElseThrow();
            assertEquals(TierPrices.NONE, m.tiers(), field);
        }
    }

    @Test
    void seedTableReproducesTheReferenceCostVectors() {
        assertEquals(450, seed("gpt-4o-mini").costMicros(1000, 500));
        assertEquals(6250, seed("gpt-5.1").costMicros(1000, 500));
        assertEquals(1, seed("gpt-4o-mini").costMicros(11, 1));
        assertEquals(150, seed("claude-sonnet-4-20250514").costMicros(10, 8));
    }

    @Test
    void seedTableReproducesTheReferenceReservationEstimates() {
        assertEquals(
                Optional.of(Money.ofMicros(9_845)),
                referenceEstimate(
                        SEED,
                        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}"));
        assertEquals(
                Optional.of(Money.ofMicros(75)),
                referenceEstimate(
                        SEED,
                        "{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}"));
    }

    @Test
    void seedTableFindsPrefixedAndDatedNames() {
        assertEquals("gpt-4o", seed("openai/gpt-4o").id());
        assertEquals("claude-sonnet-4-20250514", seed("anthropic/claude-sonnet-4-20250514").id());
        assertEquals("gpt-4.1", seed("gpt-4.1-2099-01-01").id());
        assertEquals("gpt-4.1-2025-04-14", seed("gpt-4.1-2025-04-14").id());
        assertEquals("claude-sonnet-4-5", seed("claude-sonnet-4-5-20991231").id());
        assertEquals("claude-sonnet-4-5", seed("anthropic/claude-sonnet-4-5-20991231").id());
        assertTrue(SEED.find("Claude-Sonnet-4-5", DAY).isEmpty());
    }

    @Test
    void malformedEntryIsAnErrorWhereTheReferenceSkippedItSilently() {
        assertEquals(
                "pricing entry 'gpt-x': field 'input_cost_per_token' must be a non-negative number,"
                        + " got \"abc\"",
                error(
                        () ->
                                PricingTables.parse(
                                        "{\"gpt-x\": {\"input_cost_per_token\": \"abc\"}}")));
        String negative =
                error(
                        () ->
                                PricingTables.parse(
                                        "{\"m\": {\"input_cost_per_token\": 0.001,"
                                                + " \"output_cost_per_token\": -0.002}}"));
        assertTrue(
                negative.contains("'m'") && negative.contains("'output_cost_per_token'"), negative);
        String fractional =
                error(
                        () ->
                                PricingTables.parse(
                                        "{\"m\": {\"input_cost_per_token\": 0.001,"
                                                + " \"max_tokens\": 4096.5}}"));
        assertEquals(
                "pricing entry 'm': field 'max_tokens' must be a non-negative integer, got 4096.5",
                fractional);
        String cache =
                error(
                        () ->
                                PricingTables.parse(
                                        "{\"m\": {\"input_cost_per_token\": 0.001,"
                                                + " \"cache_read_input_token_cost\": true}}"));
        assertTrue(cache.contains("'cache_read_input_token_cost'"), cache);
        String tools =
                error(
                        () ->
                                PricingTables.parse(
                                        "{\"m\": {\"input_cost_per_token\": 0.001,"
                                                + " \"tool_use_system_prompt_tokens\": -5}}"));
        assertTrue(tools.contains("'tool_use_system_prompt_tokens'"), tools);
        String provider =
                error(
                        () ->
                                PricingTables.parse(
                                        "{\"m\": {\"input_cost_per_token\": 0.001,"
                                                + " \"litellm_provider\": 7}}"));
        assertTrue(provider.contains("'litellm_provider'"), provider);
        String huge =
                error(() -> PricingTables.parse("{\"m\": {\"input_cost_per_token\": 1e300}}"));
        assertTrue(huge.contains("'input_cost_per_token'"), huge);
    }

    @Test
    void nonObjectEntriesTopLevelsAndInvalidJsonAreErrors() {
        assertEquals(
                "pricing entry 'gpt-x' must be a JSON object, got [1,2]",
                error(() -> PricingTables.parse("{\"gpt-x\": [1, 2]}")));
        assertTrue(error(() -> PricingTables.parse("[]")).contains("must be a JSON object"));
        assertTrue(error(() -> PricingTables.parse("{\"a\": ")).contains("not valid JSON"));
        assertTrue(error(() -> PricingTables.parse("")).contains("empty"));
        assertTrue(
                error(() -> PricingTables.parse("{\"m\": {}, \"m\": {}}"))
                        .contains("not valid JSON"));
        assertTrue(
                error(() -> PricingTables.parse("{\"\": {\"input_cost_per_token\": 1}}"))
                        .contains("blank"));
    }

    @Test
    void unusedFieldsNullsAndUnknownProvidersAreAccepted() {
        PricingTable table =
                PricingTables.parse(
                        "{\"m\": {\"input_cost_per_token\": 1e-06, \"output_cost_per_token\": null,"
                                + " \"max_tokens\": null, \"litellm_provider\": \"azure\","
                                + " \"mode\": \"chat\", \"name\": \"other-name\","
                                + " \"search_context_cost_per_query\": {\"x\": 1}}}");
        ModelPricing m = table.find("m", DAY).orElseThrow();
        assertEquals("m", m.id());
        assertEquals(Optional.empty(), m.provider());
        assertEquals(TokenPrice.FREE, m.output());
        assertEquals(OptionalLong.empty(), m.maxTokens());
    }

    @Test
    void overridesParseEveryField() {
        List<ModelPricing> models =
                PricingTables.parseOverrides(
                        "{\"my-model\": {\"input-usd-per-mtok\": 1.0, \"output-usd-per-mtok\": 2},"
                                + " \"local\": {\"input-usd-per-mtok\": 0, \"output-usd-per-mtok\": 0,"
                                + " \"cache-read-usd-per-mtok\": 0.1,"
                                + " \"cache-write-usd-per-mtok\": 1.25, \"max-output-tokens\": 4096,"
                                + " \"tool-use-system-prompt-tokens\": 300}}");
        assertEquals(ModelPricing.ofUsdPerMillionTokens("my-model", 1.0, 2.0), models.get(0));
        ModelPricing local = models.get(1);
        assertEquals("local", local.id());
        assertEquals(TokenPrice.FREE, local.input());
        assertEquals(Optional.of(new TokenPrice(100_000)), local.cacheRead());
        assertEquals(Optional.of(new TokenPrice(1_250_000)), local.cacheWrite());
        assertEquals(4096, local.effectiveMaxOutputTokens());
        assertEquals(300, local.toolUseSystemPromptTokens());
        PricingTable table = SEED.withOverrides(models);
        assertEquals(SEED.size() + 2, table.size());
        assertEquals(models.get(0), table.find("my-model", DAY).orElseThrow());
    }

    @Test
    void overridesParseTierCacheAudioAndWebSearchFields() {
        ModelPricing m =
                PricingTables.parseOverrides(
                                "{\"m\": {\"input-usd-per-mtok\": 3, \"output-usd-per-mtok\": 15,"
                                        + " \"cache-write-1h-usd-per-mtok\": 6,"
                                        + " \"input-audio-usd-per-mtok\": 40,"
                                        + " \"output-audio-usd-per-mtok\": 80,"
                                        + " \"web-search-usd-per-call\": 0.01,"
                                        + " \"long-context\": {\"above-input-tokens\": 200000,"
                                        + " \"input-usd-per-mtok\": 6, \"output-usd-per-mtok\": 22.5,"
                                        + " \"cache-read-usd-per-mtok\": 0.6,"
                                        + " \"cache-write-usd-per-mtok\": 7.5},"
                                        + " \"priority\": {\"input-usd-per-mtok\": 5,"
                                        + " \"cache-read-usd-per-mtok\": 0.5},"
                                        + " \"flex\": {\"output-usd-per-mtok\": 7.5,"
                                        + " \"cache-write-usd-per-mtok\": 1}}}")
                        .get(0);
        TierPrices tiers = m.tiers();
        assertEquals(Optional.of(new TokenPrice(6_000_000)), tiers.cacheWriteOneHour());
        assertEquals(Optional.of(new TokenPrice(40_000_000)), tiers.inputAudio());
        assertEquals(Optional.of(new TokenPrice(80_000_000)), tiers.outputAudio());
        assertEquals(OptionalLong.of(10_000), m.webSearchMicrosPerCall());
        assertEquals(
                Optional.of(
                        new TierPrices.LongContext(
                                200_000,
                                new TierPrices.ClassPrices(
                                        Optional.of(new TokenPrice(6_000_000)),
                                        Optional.of(new TokenPrice(22_500_000)),
                                        Optional.of(new TokenPrice(600_000)),
                                        Optional.of(new TokenPrice(7_500_000))))),
                tiers.longContext());
        assertEquals(
                new TierPrices.ClassPrices(
                        Optional.of(new TokenPrice(5_000_000)),
                        Optional.empty(),
                        Optional.of(new TokenPrice(500_000)),
                        Optional.empty()),
                tiers.priority());
        assertEquals(
                new TierPrices.ClassPrices(
                        Optional.empty(),
                        Optional.of(new TokenPrice(7_500_000)),
                        Optional.empty(),
                        Optional.of(new TokenPrice(1_000_000))),
                tiers.flex());
        // 200,001 input tokens: all at the long-context $6, 1,000 output at $22.50
        assertEquals(1_200_006 + 22_500, m.cost(TokenUsage.of(200_001, 1_000)).micros());
        // without the tier fields an override has no tier prices
        assertEquals(
                TierPrices.NONE,
                PricingTables.parseOverrides(
                                "{\"m\": {\"input-usd-per-mtok\": 3, \"output-usd-per-mtok\": 15}}")
                        .get(0)
                        .tiers());
    }

    @Test
    void malformedTierOverridesNameTheFieldPath() {
        String head = "{\"m\": {\"input-usd-per-mtok\": 1, \"output-usd-per-mtok\": 2, ";
        assertEquals(
                "pricing override 'm': unknown field 'long-context.input'; known fields in"
                        + " long-context are above-input-tokens, input-usd-per-mtok,"
                        + " output-usd-per-mtok, cache-read-usd-per-mtok, cache-write-usd-per-mtok",
                error(
                        () ->
                                PricingTables.parseOverrides(
                                        head
                                                + "\"long-context\": {\"above-input-tokens\": 1,"
                                                + " \"input\": 2}}}")));
        assertEquals(
                "pricing override 'm': field 'long-context.above-input-tokens' is required (the"
                        + " input tokens above which these prices apply)",
                error(
                        () ->
                                PricingTables.parseOverrides(
                                        head + "\"long-context\": {\"input-usd-per-mtok\": 2}}}")));
        assertEquals(
                "pricing override 'm': field 'long-context.above-input-tokens' must be a"
                        + " non-negative integer, got 1.5",
                error(
                        () ->
                                PricingTables.parseOverrides(
                                        head
                                                + "\"long-context\": {\"above-input-tokens\": 1.5}}}")));
        assertEquals(
                "pricing override 'm': field 'priority.output-usd-per-mtok' must be a non-negative"
                        + " number, got -1",
                error(
                        () ->
                                PricingTables.parseOverrides(
                                        head + "\"priority\": {\"output-usd-per-mtok\": -1}}}")));
        assertEquals(
                "pricing override 'm': unknown field 'flex.above-input-tokens'; known fields in"
                        + " flex are input-usd-per-mtok, output-usd-per-mtok,"
                        + " cache-read-usd-per-mtok, cache-write-usd-per-mtok",
                error(
                        () ->
                                PricingTables.parseOverrides(
                                        head + "\"flex\": {\"above-input-tokens\": 1}}}")));
        assertEquals(
                "pricing override 'm': field 'priority' must be an object, got 2",
                error(() -> PricingTables.parseOverrides(head + "\"priority\": 2}}")));
        assertEquals(
                "pricing override 'm': field 'web-search-usd-per-call' must be dollars with at most"
                        + " six decimals (whole µ$), got 1.0E-7",
                error(
                        () ->
                                PricingTables.parseOverrides(
                                        head + "\"web-search-usd-per-call\": 0.0000001}}")));
        assertEquals(
                "pricing override 'm': field 'cache-write-1h-usd-per-mtok' must be a non-negative"
                        + " number, got null",
                error(
                        () ->
                                PricingTables.parseOverrides(
                                        head + "\"cache-write-1h-usd-per-mtok\": null}}")));
    }

    @Test
    void anOverrideReplacesTheDatabaseEntryForItsIdInEveryFormOfTheName() {
        PricingTable bundled = PricingTables.bundled();
        ModelPricing mine = ModelPricing.ofUsdPerMillionTokens("claude-sonnet-4-5", 1, 2);
        PricingTable table = bundled.withOverrides(List.of(mine));
        assertEquals(mine, table.find("claude-sonnet-4-5", DAY).orElseThrow());
        assertEquals(mine, table.find("anthropic/claude-sonnet-4-5-20250929", DAY).orElseThrow());
        // the entry still prices the names the override's id does not reach
        assertEquals(
                new TokenPrice(3_000_000),
                table.find("claude-sonnet-4-5-latest", DAY).orElseThrow().input());
        assertEquals(bundled.size() + 1, table.size());
    }

    @Test
    void malformedOverridesNameTheModelAndTheField() {
        assertEquals(
                "pricing override 'm': unknown field 'input-usd-per-token'; known fields are"
                        + " input-usd-per-mtok, output-usd-per-mtok, cache-read-usd-per-mtok,"
                        + " cache-write-usd-per-mtok, max-output-tokens, max-input-tokens,"
                        + " tool-use-system-prompt-tokens, cache-write-1h-usd-per-mtok,"
                        + " input-audio-usd-per-mtok, output-audio-usd-per-mtok,"
                        + " web-search-usd-per-call, long-context, priority, flex",
                error(
                        () ->
                                PricingTables.parseOverrides(
                                        "{\"m\": {\"input-usd-per-token\": 1,"
                                                + " \"output-usd-per-mtok\": 2}}")));
        assertEquals(
                "pricing override 'm': field 'output-usd-per-mtok' is required (dollars per"
                        + " million tokens)",
                error(() -> PricingTables.parseOverrides("{\"m\": {\"input-usd-per-mtok\": 1}}")));
        assertEquals(
                "pricing override 'm': field 'input-usd-per-mtok' must be a non-negative number,"
                        + " got \"1.0\"",
                error(
                        () ->
                                PricingTables.parseOverrides(
                                        "{\"m\": {\"input-usd-per-mtok\": \"1.0\","
                                                + " \"output-usd-per-mtok\": 2}}")));
        assertTrue(
                error(
                                () ->
                                        PricingTables.parseOverrides(
                                                "{\"m\": {\"input-usd-per-mtok\": -1,"
                                                        + " \"output-usd-per-mtok\": 2}}"))
                        .contains("'input-usd-per-mtok' must be a non-negative number, got -1"));
        assertTrue(
                error(
                                () ->
                                        PricingTables.parseOverrides(
                                                "{\"m\": {\"input-usd-per-mtok\": 1,"
                                                        + " \"output-usd-per-mtok\": null}}"))
                        .contains("'output-usd-per-mtok' must be a non-negative number, got null"));
        assertTrue(
                error(
                                () ->
                                        PricingTables.parseOverrides(
                                                "{\"m\": {\"input-usd-per-mtok\": 1,"
                                                        + " \"output-usd-per-mtok\": 2,"
                                                        + " \"max-output-tokens\": 1.5}}"))
                        .contains("'max-output-tokens' must be a non-negative integer, got 1.5"));
        assertEquals(
                "pricing override 'm' must be an object, got 3",
                error(() -> PricingTables.parseOverrides("{\"m\": 3}")));
        assertTrue(
                error(() -> PricingTables.parseOverrides("[]"))
                        .startsWith("pricing.overrides must be an object"));
        assertTrue(error(() -> PricingTables.parseOverrides("{oops")).contains("not valid JSON"));
    }

    @Test
    void overridesRejectNanGivenAsATreeNode() {
        JsonNode node = json("{\"m\": {\"input-usd-per-mtok\": 1, \"output-usd-per-mtok\": 2}}");
        ((ObjectNode) node.get("m")).put("input-usd-per-mtok", Double.NaN);
        assertTrue(
                error(() -> PricingTables.parseOverrides(node))
                        .contains("'input-usd-per-mtok' must be a non-negative number, got "));
        assertEquals(List.of(), PricingTables.parseOverrides(json("{}")));
    }
}
