package io.ironcage.router.core.config;

import static io.ironcage.router.core.TestData.referenceEstimate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.TestData;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.errors.PricingParseException;
import java.time.LocalDate;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Ports of the reference's {@code iron_cost/tests/pricing_test.rs} (reference Appendix B, values
 * from §6.6). {@code PricingManager::new()} is the seed LiteLLM table ({@link
 * TestData#seedTable()}: the reference's embedded data, kept as a test fixture), {@code
 * load_from_file} is {@link PricingTables#parse(String)}, {@code get} is {@link
 * PricingTable#find(String, LocalDate)}, {@code calculate_cost} is {@link ModelPricing#costMicros}
 * in dollars, {@code calculate_max_cost} is {@link ModelPricing#maxCostMicros} in dollars and
 * {@code estimate_max_cost} is {@link ModelPricing#expected} of the body's shape.
 */
class ReferencePricingTest {
    /** The day the tests price at (a table entry's dated prices depend on it). */
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    private static final String TEST_MODEL_1_2 =
            "{\"test-model\": {\"input_cost_per_token\": 0.001, \"output_cost_per_token\": 0.002}}";

    private static ModelPricing load(String json, String id) {
        return PricingTables.parse(json).find(id, DAY).orElseThrow();
    }

    private static double usd(long micros) {
        return Money.ofMicros(micros).toUsd();
    }

    private static ModelPricing gpt51() {
        return TestData.seedTable().find("gpt-5.1", DAY).orElseThrow();
    }

    @Test
    @DisplayName("new_creates_manager_with_embedded_data")
    void newCreatesManagerWithEmbeddedData() {
        assertTrue(TestData.seedTable().find("gpt-5.1", DAY).isPresent());
    }

    @Test
    @DisplayName("get_returns_existing_model")
    void getReturnsExistingModel() {
        ModelPricing model = gpt51();
        assertEquals(0.00000125, model.input().usdPerToken());
        assertEquals(0.00001, model.output().usdPerToken());
        assertEquals(OptionalLong.of(128_000), model.maxOutputTokens());
    }

    @Test
    @DisplayName("get_returns_none_for_nonexistent_model")
    void getReturnsNoneForNonexistentModel() {
        assertEquals(Optional.empty(), TestData.seedTable().find("nonexistent-model-xyz-123", DAY));
    }

    @Test
    @DisplayName("load_from_file_parses_valid_json")
    void loadFromFileParsesValidJson() {
        ModelPricing model =
                load(
                        "{\"test-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.002, \"max_output_tokens\": 4096}}",
                        "test-model");
        assertEquals(0.001, model.input().usdPerToken());
        assertEquals(0.002, model.output().usdPerToken());
        assertEquals(OptionalLong.of(4096), model.maxOutputTokens());
    }

    @Test
    @DisplayName("load_from_file_returns_error_for_invalid_json")
    void loadFromFileReturnsErrorForInvalidJson() {
        PricingParseException e =
                assertThrows(
                        PricingParseException.class,
                        () -> PricingTables.parse("not valid json {{{"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    @DisplayName("load_from_file_filters_sample_spec")
    void loadFromFileFiltersSampleSpec() {
        PricingTable table =
                PricingTables.parse(
                        "{\"sample_spec\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.002},"
                                + " \"real-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.002}}");
        assertTrue(table.find("sample_spec", DAY).isEmpty());
        assertTrue(table.find("real-model", DAY).isPresent());
    }

    @Test
    @DisplayName("load_from_file_filters_zero_cost_models")
    void loadFromFileFiltersZeroCostModels() {
        PricingTable table =
                PricingTables.parse(
                        "{\"zero-cost-model\": {\"input_cost_per_token\": 0.0,"
                                + " \"output_cost_per_token\": 0.0, \"max_output_tokens\": 4096},"
                                + " \"valid-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.0}}");
        assertTrue(table.find("zero-cost-model", DAY).isEmpty());
        assertTrue(table.find("valid-model", DAY).isPresent());
    }

    @Test
    @DisplayName("load_from_file_sets_name_from_key")
    void loadFromFileSetsNameFromKey() {
        String json =
                "{\"my-model-name\": {\"input_cost_per_token\": 0.001,"
                        + " \"output_cost_per_token\": 0.002}}";
        assertEquals("my-model-name", load(json, "my-model-name").id());
    }

    @Test
    @DisplayName("model_name_returns_correct_value")
    void modelNameReturnsCorrectValue() {
        assertEquals("test-model", load(TEST_MODEL_1_2, "test-model").id());
    }

    @Test
    @DisplayName("model_max_output_tokens_prefers_max_output_tokens_field")
    void modelMaxOutputTokensPrefersMaxOutputTokensField() {
        ModelPricing model =
                load(
                        "{\"test-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.002, \"max_output_tokens\": 8192,"
                                + " \"max_tokens\": 4096}}",
                        "test-model");
        assertEquals(8192, model.effectiveMaxOutputTokens());
    }

    @Test
    @DisplayName("model_max_output_tokens_falls_back_to_max_tokens")
    void modelMaxOutputTokensFallsBackToMaxTokens() {
        ModelPricing model =
                load(
                        "{\"test-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.002, \"max_tokens\": 4096}}",
                        "test-model");
        assertEquals(4096, model.effectiveMaxOutputTokens());
        assertEquals(OptionalLong.empty(), model.maxOutputTokens());
    }

    @Test
    @DisplayName("model_max_tokens_returns_raw_value")
    void modelMaxTokensReturnsRawValue() {
        ModelPricing model =
                load(
                        "{\"test-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.002, \"max_tokens\": 2048}}",
                        "test-model");
        assertEquals(OptionalLong.of(2048), model.maxTokens());
    }

    @Test
    @DisplayName("calculate_cost_with_zero_tokens")
    void calculateCostWithZeroTokens() {
        assertEquals(0.0, usd(load(TEST_MODEL_1_2, "test-model").costMicros(0, 0)));
    }

    @Test
    @DisplayName("calculate_cost_input_only")
    void calculateCostInputOnly() {
        assertEquals(1.0, usd(load(TEST_MODEL_1_2, "test-model").costMicros(1000, 0)));
    }

    @Test
    @DisplayName("calculate_cost_output_only")
    void calculateCostOutputOnly() {
        assertEquals(1.0, usd(load(TEST_MODEL_1_2, "test-model").costMicros(0, 500)));
    }

    @Test
    @DisplayName("calculate_cost_mixed")
    void calculateCostMixed() {
        assertEquals(2.0, usd(load(TEST_MODEL_1_2, "test-model").costMicros(1000, 500)));
    }

    @Test
    @DisplayName("calculate_cost_micros_returns_integer")
    void calculateCostMicrosReturnsInteger() {
        assertEquals(2_000_000, load(TEST_MODEL_1_2, "test-model").costMicros(1000, 500));
    }

    @Test
    @DisplayName("calculate_cost_micros_precision")
    void calculateCostMicrosPrecision() {
        assertEquals(6250, gpt51().costMicros(1000, 500));
    }

    @Test
    @DisplayName("calculate_max_cost_uses_request_max_output")
    void calculateMaxCostUsesRequestMaxOutput() {
        ModelPricing model =
                load(
                        "{\"test-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.002, \"max_output_tokens\": 8192}}",
                        "test-model");
        assertEquals(1.2, usd(model.maxCostMicros(1000, OptionalLong.of(100))));
    }

    @Test
    @DisplayName("calculate_max_cost_uses_model_max_when_no_request_max")
    void calculateMaxCostUsesModelMaxWhenNoRequestMax() {
        ModelPricing model =
                load(
                        "{\"test-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.002, \"max_output_tokens\": 1000}}",
                        "test-model");
        assertEquals(2.5, usd(model.maxCostMicros(500, OptionalLong.empty())));
    }

    @Test
    @DisplayName("calculate_max_cost_caps_at_model_max")
    void calculateMaxCostCapsAtModelMax() {
        ModelPricing model =
                load(
                        "{\"test-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.002, \"max_output_tokens\": 100}}",
                        "test-model");
        assertEquals(0.7, usd(model.maxCostMicros(500, OptionalLong.of(10_000))));
    }

    @Test
    @DisplayName("calculate_max_cost_uses_default_128000_when_no_max")
    void calculateMaxCostUsesDefault128000WhenNoMax() {
        ModelPricing model =
                load(
                        "{\"test-model\": {\"input_cost_per_token\": 0.0001,"
                                + " \"output_cost_per_token\": 0.0001}}",
                        "test-model");
        assertEquals(12.8, usd(model.maxCostMicros(0, OptionalLong.empty())));
    }

    @Test
    @DisplayName("has_valid_pricing_true_for_nonzero_input_cost")
    void hasValidPricingTrueForNonzeroInputCost() {
        String json =
                "{\"test-model\": {\"input_cost_per_token\": 0.001, \"output_cost_per_token\": 0.0}}";
        assertTrue(load(json, "test-model").hasValidPricing());
    }

    @Test
    @DisplayName("has_valid_pricing_true_for_nonzero_output_cost")
    void hasValidPricingTrueForNonzeroOutputCost() {
        String json =
                "{\"test-model\": {\"input_cost_per_token\": 0.0, \"output_cost_per_token\": 0.001}}";
        assertTrue(load(json, "test-model").hasValidPricing());
        assertFalse(ModelPricing.ofUsdPerMillionTokens("free", 0, 0).hasValidPricing());
    }

    @Test
    @DisplayName("real_model_gpt51_exists")
    void realModelGpt51Exists() {
        assertTrue(TestData.seedTable().find("gpt-5.1", DAY).isPresent());
    }

    @Test
    @DisplayName("real_model_gpt51_pricing")
    void realModelGpt51Pricing() {
        ModelPricing model = gpt51();
        assertEquals(0.00000125, model.input().usdPerToken());
        assertEquals(0.00001, model.output().usdPerToken());
        assertEquals(OptionalLong.of(128_000), model.maxOutputTokens());
        assertEquals(OptionalLong.of(128_000), model.maxTokens());
    }

    @Test
    @DisplayName("real_model_gpt51_calculate_cost")
    void realModelGpt51CalculateCost() {
        assertEquals(0.00625, usd(gpt51().costMicros(1000, 500)));
    }

    @Test
    @DisplayName("real_model_gpt51_calculate_max_cost")
    void realModelGpt51CalculateMaxCost() {
        assertEquals(0.01125, usd(gpt51().maxCostMicros(1000, OptionalLong.of(1000))));
        assertEquals(1.28, usd(gpt51().maxCostMicros(0, OptionalLong.empty())));
    }

    @Test
    @DisplayName("converter_usd_to_micros")
    void converterUsdToMicros() {
        assertEquals(1_000_000, Money.fromUsdRounded(1.0).micros());
        assertEquals(500_000, Money.fromUsdRounded(0.5).micros());
        assertEquals(1, Money.fromUsdRounded(0.000001).micros());
    }

    @Test
    @DisplayName("converter_micros_to_usd")
    void converterMicrosToUsd() {
        assertEquals(1.0, Money.ofMicros(1_000_000).toUsd());
        assertEquals(0.5, Money.ofMicros(500_000).toUsd());
        assertEquals(0.000001, Money.ofMicros(1).toUsd());
    }

    @Test
    @DisplayName("estimate_max_cost_returns_none_for_invalid_json")
    void estimateMaxCostReturnsNoneForInvalidJson() {
        assertEquals(Optional.empty(), referenceEstimate(TestData.seedTable(), "not json"));
    }

    @Test
    @DisplayName("estimate_max_cost_returns_none_for_missing_model")
    void estimateMaxCostReturnsNoneForMissingModel() {
        assertEquals(
                Optional.empty(), referenceEstimate(TestData.seedTable(), "{\"messages\": []}"));
    }

    @Test
    @DisplayName("estimate_max_cost_returns_none_for_unknown_model")
    void estimateMaxCostReturnsNoneForUnknownModel() {
        assertEquals(
                Optional.empty(),
                referenceEstimate(
                        TestData.seedTable(),
                        "{\"model\": \"unknown-model-xyz\", \"max_tokens\": 100}"));
    }

    @Test
    @DisplayName("estimate_max_cost_estimates_input_from_messages")
    void estimateMaxCostEstimatesInputFromMessages() {
        String content =
                "This is a test message that is exactly four hundred characters long. We need to"
                        + " make sure we have enough text here to properly test the token"
                        + " estimation logic. The estimation uses approximately four characters per"
                        + " token which is a reasonable approximation for English text. Adding more"
                        + " text here to reach the target length of four hundred characters"
                        + " exactly.";
        String body =
                "{\"model\": \"test-model\", \"max_tokens\": 1000, \"messages\": [{\"role\":"
                        + " \"user\", \"content\": \""
                        + content
                        + "\"}]}";
        // 358 bytes → 89 → 89 + 8 + 100 = 197 input tokens; 197 × 1000 + 1000 × 2000 µ$
        assertEquals(
                Money.ofMicros(2_197_000),
                referenceEstimate(PricingTables.parse(TEST_MODEL_1_2), body).orElseThrow());
    }

    @Test
    @DisplayName("estimate_max_cost_uses_max_completion_tokens")
    void estimateMaxCostUsesMaxCompletionTokens() {
        String body =
                "{\"model\": \"test-model\", \"max_completion_tokens\": 500, \"messages\":"
                        + " [{\"role\": \"user\", \"content\": \"Hello, how are you today?\"}]}";
        // 25 bytes → 6 → 106 input tokens; 106 × 1000 + 500 × 2000 µ$
        assertEquals(
                Money.ofMicros(1_106_000),
                referenceEstimate(PricingTables.parse(TEST_MODEL_1_2), body).orElseThrow());
    }

    @Test
    @DisplayName("estimate_max_cost_uses_model_max_output_tokens_when_no_max_tokens")
    void estimateMaxCostUsesModelMaxOutputTokensWhenNoMaxTokens() {
        PricingTable table =
                PricingTables.parse(
                        "{\"test-model\": {\"input_cost_per_token\": 0.0001,"
                                + " \"output_cost_per_token\": 0.0001, \"max_output_tokens\": 8192}}");
        assertEquals(
                Money.ofMicros(919_200),
                referenceEstimate(table, "{\"model\": \"test-model\"}").orElseThrow());
    }

    @Test
    @DisplayName("estimate_max_cost_uses_128000_fallback_when_no_model_max")
    void estimateMaxCostUses128000FallbackWhenNoModelMax() {
        PricingTable table =
                PricingTables.parse(
                        "{\"test-model\": {\"input_cost_per_token\": 0.000001,"
                                + " \"output_cost_per_token\": 0.000001}}");
        assertEquals(
                Money.ofMicros(129_000),
                referenceEstimate(table, "{\"model\": \"test-model\"}").orElseThrow());
    }

    @Test
    @DisplayName("estimate_max_cost_handles_anthropic_system_prompt")
    void estimateMaxCostHandlesAnthropicSystemPrompt() {
        PricingTable table =
                PricingTables.parse(
                        "{\"test-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.001}}");
        String body =
                "{\"model\": \"test-model\", \"max_tokens\": 100, \"system\": \"You are a helpful"
                        + " assistant that answers questions concisely and accurately for the user.\","
                        + " \"messages\": [{\"role\": \"user\", \"content\": \"What is the capital of"
                        + " France? Please tell me.\"}]}";
        // 89 + 46 = 135 bytes → 33 → 136 input tokens; (136 + 100) × 1000 µ$
        assertEquals(Money.ofMicros(236_000), referenceEstimate(table, body).orElseThrow());
    }

    @Test
    @DisplayName("estimate_max_cost_handles_content_blocks")
    void estimateMaxCostHandlesContentBlocks() {
        PricingTable table =
                PricingTables.parse(
                        "{\"test-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.001}}");
        String body =
                "{\"model\": \"test-model\", \"max_tokens\": 100, \"messages\": [{\"role\":"
                        + " \"user\", \"content\": [{\"type\": \"text\", \"text\": \"What is in"
                        + " this image? Please describe it in detail.\"}]}]}";
        // 52 bytes → 13 → 114 input tokens; (114 + 100) × 1000 µ$
        assertEquals(Money.ofMicros(214_000), referenceEstimate(table, body).orElseThrow());
    }

    @Test
    @DisplayName("estimate_max_cost_minimum_1000_tokens_when_no_content")
    void estimateMaxCostMinimum1000TokensWhenNoContent() {
        PricingTable table =
                PricingTables.parse(
                        "{\"test-model\": {\"input_cost_per_token\": 0.001,"
                                + " \"output_cost_per_token\": 0.001}}");
        assertEquals(
                Money.ofMicros(1_100_000),
                referenceEstimate(
                                table,
                                "{\"model\":\"test-model\",\"max_tokens\":100,\"messages\":[]}")
                        .orElseThrow());
    }
}
