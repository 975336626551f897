package io.ironcage.router.core.domain.pricing;

import static io.ironcage.router.core.TestData.shapeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.config.PricingTables;
import java.time.LocalDate;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * A request that makes the provider read input its body does not hold is reserved at the model's
 * context window, and web searches at their per-call fee; figures hand-computed from the bundled
 * table (gpt-4o: $2.50 / $10 per Mtok, 128,000 input tokens; claude-sonnet-4-5: $3 / $15, cache
 * writes $3.75, 200,000 input tokens, 346 tool-use prompt tokens, $0.01 per search).
 */
class ServerSideWorstCaseTest {
    /** The day the tests price at (a table entry's dated prices depend on it). */
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    private static ModelPricing model(String id) {
        return PricingTables.bundled().find(id, DAY).orElseThrow();
    }

    @Test
    void theBundledTableGivesContextWindowsAndSearchFees() {
        assertEquals(OptionalLong.of(128_000), model("gpt-4o").maxInputTokens());
        assertEquals(OptionalLong.of(200_000), model("claude-sonnet-4-5").maxInputTokens());
        assertEquals(OptionalLong.of(10_000), model("claude-sonnet-4-5").webSearchMicrosPerCall());
        // gpt-4o-search-preview lists 0.03, 0.035 and 0.05 per query: the largest, in µ$
        assertEquals(
                OptionalLong.of(50_000), model("gpt-4o-search-preview").webSearchMicrosPerCall());
        assertEquals(OptionalLong.empty(), model("gpt-4o").webSearchMicrosPerCall());
    }

    @Test
    void storedContextIsReservedAtTheWholeContextWindow() {
        RequestShape shape =
                shapeOf(
                        "{\"model\":\"gpt-4o\",\"previous_response_id\":\"resp_1\","
                                + "\"input\":\"go on\",\"max_output_tokens\":1000}");
        ModelPricing gpt4o = model("gpt-4o");
        assertEquals(128_000, gpt4o.worstCaseInputTokens(shape));
        // 128,000 × 2.5 µ$ + 1,000 × 10 µ$
        assertEquals(330_000, gpt4o.worstCase(shape).micros());
        assertTrue(gpt4o.unboundedBy(shape).isEmpty());
        RequestShape plain =
                shapeOf("{\"model\":\"gpt-4o\",\"input\":\"go on\",\"max_output_tokens\":1000}");
        assertEquals(plain.bodyUtf8Bytes(), gpt4o.worstCaseInputTokens(plain));
    }

    @Test
    void aMillionTokenWindowIsReservedAtTheLongContextPrices() {
        RequestShape shape =
                shapeOf(
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,\"messages\":[],"
                                + "\"tools\":[{\"type\":\"web_fetch_20250910\",\"name\":\"f\"}]}");
        ModelPricing sonnet = model("claude-sonnet-4-5");
        ModelPricing million = sonnet.withContextWindowAtLeast(1_000_000);
        assertEquals(1_000_000, million.worstCaseInputTokens(shape));
        // above 200,000 input tokens: cache writes at $7.50/Mtok, output at $22.50/Mtok
        assertEquals(7_500_000 + 22_500, million.worstCase(shape).micros());
        assertEquals(sonnet, sonnet.withContextWindowAtLeast(100_000), "already as large");
    }

    @Test
    void webSearchesAreReservedAtTheirFeeAndBilledAsReported() {
        RequestShape shape =
                shapeOf(
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,\"messages\":[{\"role\":"
                                + "\"user\",\"content\":\"news?\"}],\"tools\":[{\"type\":"
                                + "\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":5}]}");
        ModelPricing sonnet = model("claude-sonnet-4-5");
        assertEquals(200_000, sonnet.worstCaseInputTokens(shape));
        // 200,000 × 3.75 µ$ (a cache write is the dearest input) + 1,000 × 15 µ$ + 5 × 10,000 µ$
        assertEquals(750_000 + 15_000 + 50_000, sonnet.worstCase(shape).micros());
        assertEquals(20_000, sonnet.toolFeeMicros(shape, OptionalLong.of(2)));
        assertEquals(
                90_000,
                sonnet.toolFeeMicros(shape, OptionalLong.of(9)),
                "as reported, as for tokens");
        assertEquals(50_000, sonnet.toolFeeMicros(shape, OptionalLong.empty()), "unreported");
    }

    @Test
    void aWorstCaseThatCannotBeBoundedSaysWhichFieldToChange() {
        RequestShape unboundedSearch =
                shapeOf(
                        "{\"model\":\"claude-sonnet-4-5\",\"messages\":[],"
                                + "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"s\"}]}");
        String search = model("claude-sonnet-4-5").unboundedBy(unboundedSearch).orElseThrow();
        assertTrue(search.contains("tools[0].max_uses"), search);
        // no fee listed for gpt-4o's searches: the context window bounds what they read
        assertTrue(
                model("gpt-4o")
                        .unboundedBy(shapeOf("{\"tools\":[{\"type\":\"web_search\"}]}"))
                        .isEmpty());
        ModelPricing noWindow = ModelPricing.ofUsdPerMillionTokens("my-model", 1.0, 2.0);
        String window =
                noWindow.unboundedBy(shapeOf("{\"previous_response_id\":\"resp_1\"}"))
                        .orElseThrow();
        assertTrue(window.contains("'previous_response_id'"), window);
        assertTrue(window.contains("max-input-tokens"), window);
    }
}
