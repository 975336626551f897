package io.ironcage.router.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.domain.pricing.TierPrices;
import io.ironcage.router.core.domain.pricing.TokenPrice;
import io.ironcage.router.core.errors.PricingParseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads pricing tables: the bundled LiteLLM-format {@code pricing.json} (reference §6.4, Appendix
 * A) and the {@code pricing.overrides} section of {@code router.yaml}.
 *
 * <p>The LiteLLM format is a JSON object keyed by model id. Per entry, these fields are read and
 * every other one is ignored: {@code input_cost_per_token}, {@code output_cost_per_token} (dollars
 * per token, default 0), {@code cache_read_input_token_cost}, {@code
 * cache_creation_input_token_cost} (dollars per token, optional), {@code max_output_tokens}, {@code
 * max_tokens}, {@code tool_use_system_prompt_tokens} (non-negative integers, optional), {@code
 * litellm_provider} (a string; providers the router does not know are kept as "no provider") and
 * {@code name}/{@code id} (a string, checked but not used: the key is the id), and the tier prices
 * that can cost more than the standard ones ({@link TierPrices}; dollars per token, optional):
 * {@code input_cost_per_token_priority}, {@code output_cost_per_token_priority}, {@code
 * cache_read_input_token_cost_priority}, {@code input_cost_per_token_above_200k_tokens}, {@code
 * output_cost_per_token_above_200k_tokens}, {@code cache_read_input_token_cost_above_200k_tokens},
 * {@code cache_creation_input_token_cost_above_200k_tokens}, {@code
 * cache_creation_input_token_cost_above_1hr}, {@code input_cost_per_audio_token} and {@code
 * output_cost_per_audio_token}. A JSON {@code null} counts as absent. As in the reference, the key
 * {@code sample_spec} is skipped, and so is every entry whose input and output prices both convert
 * to 0 µ$/Mtok.
 *
 * <p>Where we differ (reference §6.4): the reference silently skips an entry that fails to
 * deserialize (a price given as a string, a fractional {@code max_tokens}, a negative value it then
 * clamps to 0), so a typo makes a model unpriced, i.e. free. Here such an entry is an error, a
 * {@link PricingParseException} that names the model and the field. The reference also keeps a
 * non-empty {@code name} as the model's name; here the id is always the key.
 */
public final class PricingTables {
    /** The key LiteLLM uses for its documentation entry, skipped at load (as the reference). */
    public static final String SAMPLE_SPEC_KEY = "sample_spec";

    private static final String BUNDLED_RESOURCE = "pricing.json";
    private static final int MAX_SHOWN_VALUE_CHARS = 60;

    private static final ObjectMapper MAPPER =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private static final String INPUT_USD_PER_MTOK = "input-usd-per-mtok";
    private static final String OUTPUT_USD_PER_MTOK = "output-usd-per-mtok";
    private static final String CACHE_READ_USD_PER_MTOK = "cache-read-usd-per-mtok";
    private static final String CACHE_WRITE_USD_PER_MTOK = "cache-write-usd-per-mtok";
    private static final String MAX_OUTPUT_TOKENS = "max-output-tokens";
    private static final String MAX_INPUT_TOKENS = "max-input-tokens";
    private static final String TOOL_USE_SYSTEM_PROMPT_TOKENS = "tool-use-system-prompt-tokens";
    private static final List<String> OVERRIDE_FIELDS =
            List.of(
                    INPUT_USD_PER_MTOK,
                    OUTPUT_USD_PER_MTOK,
                    CACHE_READ_USD_PER_MTOK,
                    CACHE_WRITE_USD_PER_MTOK,
                    MAX_OUTPUT_TOKENS,
                    MAX_INPUT_TOKENS,
                    TOOL_USE_SYSTEM_PROMPT_TOKENS);

    private PricingTables() {}

    /** Holds the bundled table, parsed on first use. */
    private static final class Bundled {
        static final PricingTable TABLE = parse(readBundled());

        private Bundled() {}
    }

    /**
     * Returns the pricing table shipped with the router (LiteLLM's table as embedded in the
     * reference, Appendix A), parsed once and cached.
     *
     * @return the bundled table
     */
    public static PricingTable bundled() {
        return Bundled.TABLE;
    }

    /**
     * Parses a LiteLLM-format pricing table, with the rules described on the class.
     *
     * @param json the table
     * @return the table
     * @throws PricingParseException if the JSON is invalid, the top level is not an object, or an
     *     entry has a field of the wrong type or value
     */
    public static PricingTable parse(String json) {
        Objects.requireNonNull(json, "json");
        JsonNode root = readJson(json, "pricing table");
        if (!root.isObject()) {
            throw new PricingParseException(
                    "a pricing table must be a JSON object keyed by model id, got "
                            + describe(root));
        }
        List<ModelPricing> models = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            if (SAMPLE_SPEC_KEY.equals(entry.getKey())) {
                continue;
            }
            ModelPricing model = parseEntry(entry.getKey(), entry.getValue());
            if (model.hasValidPricing()) {
                models.add(model);
            }
        }
        return PricingTable.of(models);
    }

    /**
     * Parses {@code pricing.overrides} given as JSON (see {@link #parseOverrides(JsonNode)}).
     *
     * @param json the {@code overrides} object
     * @return the models, in the order given
     * @throws PricingParseException if the JSON is invalid or an override is malformed
     */
    public static List<ModelPricing> parseOverrides(String json) {
        Objects.requireNonNull(json, "json");
        return parseOverrides(readJson(json, "pricing.overrides"));
    }

    /**
     * Parses the {@code overrides} object of {@code router.yaml}'s {@code pricing} section:
     *
     * <pre>{@code
     * my-model: { input-usd-per-mtok: 1.0, output-usd-per-mtok: 2.0 }
     * }</pre>
     *
     * <p>Fields, prices in dollars per million tokens: {@code input-usd-per-mtok} and {@code
     * output-usd-per-mtok} (required), {@code cache-read-usd-per-mtok}, {@code
     * cache-write-usd-per-mtok}, {@code max-output-tokens}, {@code tool-use-system-prompt-tokens}
     * (optional). An unknown field, a wrong type (including {@code null}), a negative or non-finite
     * number or a missing required field is an error naming the model and the field. Unlike table
     * entries, an override with both prices 0 is kept: it explicitly declares a free model. An
     * override has no tier prices ({@link TierPrices#NONE}): it replaces a bundled entry with its
     * tier prices, so a tiered request for it is bounded at the override's prices.
     *
     * @param overrides the {@code overrides} object
     * @return the models, in the order given
     * @throws PricingParseException if {@code overrides} is not an object or an override is
     *     malformed
     */
    public static List<ModelPricing> parseOverrides(JsonNode overrides) {
        Objects.requireNonNull(overrides, "overrides");
        if (!overrides.isObject()) {
            throw new PricingParseException(
                    "pricing.overrides must be an object keyed by model id, got "
                            + describe(overrides));
        }
        List<ModelPricing> models = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : overrides.properties()) {
            models.add(parseOverride(entry.getKey(), entry.getValue()));
        }
        return List.copyOf(models);
    }

    private static ModelPricing parseEntry(String id, JsonNode entry) {
        String where = "pricing entry '" + id + "'";
        if (id.isBlank()) {
            throw new PricingParseException(where + ": a model id must not be blank");
        }
        if (!entry.isObject()) {
            throw new PricingParseException(
                    where + " must be a JSON object, got " + describe(entry));
        }
        optionalString(where, entry, "name");
        optionalString(where, entry, "id");
        Optional<ProviderType> provider =
                optionalString(where, entry, "litellm_provider").flatMap(ProviderType::fromId);
        TokenPrice input =
                usdPerToken(where, entry, "input_cost_per_token").orElse(TokenPrice.FREE);
        TokenPrice output =
                usdPerToken(where, entry, "output_cost_per_token").orElse(TokenPrice.FREE);
        return new ModelPricing(
                id,
                provider,
                input,
                output,
                usdPerToken(where, entry, "cache_read_input_token_cost"),
                usdPerToken(where, entry, "cache_creation_input_token_cost"),
                tokenCount(where, entry, "max_output_tokens"),
                tokenCount(where, entry, "max_tokens"),
                tokenCount(where, entry, "tool_use_system_prompt_tokens").orElse(0),
                tiers(where, entry),
                tokenCount(where, entry, "max_input_tokens"),
                perQueryMicros(where, entry, "search_context_cost_per_query"));
    }

    /**
     * The largest of a per-call fee's dollar prices (one per search context size), in µ$, rounded
     * half up from the number's decimal text (0.0275 is 27,500 µ$, not 27,499.99…).
     */
    private static OptionalLong perQueryMicros(String where, JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        if (value == null || value.isNull()) {
            return OptionalLong.empty();
        }
        if (!value.isObject()) {
            throw fieldError(where, field, "must be an object of dollar prices", value);
        }
        long largest = 0;
        for (Map.Entry<String, JsonNode> size : value.properties()) {
            nonNegativeNumber(where, field + "." + size.getKey(), size.getValue());
            long micros =
                    size.getValue()
                            .decimalValue()
                            .movePointRight(6)
                            .setScale(0, java.math.RoundingMode.HALF_UP)
                            .longValueExact();
            largest = Math.max(largest, micros);
        }
        return OptionalLong.of(largest);
    }

    /**
     * LiteLLM's {@code *_above_200k_tokens} prices: a request whose input is above 200,000 tokens
     * is billed at them for all its tokens.
     */
    static final long LITELLM_LONG_CONTEXT_ABOVE_TOKENS = 200_000L;

    private static TierPrices tiers(String where, JsonNode entry) {
        TierPrices.ClassPrices longContext =
                new TierPrices.ClassPrices(
                        usdPerToken(where, entry, "input_cost_per_token_above_200k_tokens"),
                        usdPerToken(where, entry, "output_cost_per_token_above_200k_tokens"),
                        usdPerToken(where, entry, "cache_read_input_token_cost_above_200k_tokens"),
                        usdPerToken(
                                where, entry, "cache_creation_input_token_cost_above_200k_tokens"));
        return new TierPrices(
                longContext.isEmpty()
                        ? Optional.empty()
                        : Optional.of(
                                new TierPrices.LongContext(
                                        LITELLM_LONG_CONTEXT_ABOVE_TOKENS, longContext)),
                new TierPrices.ClassPrices(
                        usdPerToken(where, entry, "input_cost_per_token_priority"),
                        usdPerToken(where, entry, "output_cost_per_token_priority"),
                        usdPerToken(where, entry, "cache_read_input_token_cost_priority"),
                        Optional.empty()),
                new TierPrices.ClassPrices(
                        usdPerToken(where, entry, "input_cost_per_token_flex"),
                        usdPerToken(where, entry, "output_cost_per_token_flex"),
                        usdPerToken(where, entry, "cache_read_input_token_cost_flex"),
                        Optional.empty()),
                usdPerToken(where, entry, "cache_creation_input_token_cost_above_1hr"),
                usdPerToken(where, entry, "input_cost_per_audio_token"),
                usdPerToken(where, entry, "output_cost_per_audio_token"));
    }

    private static ModelPricing parseOverride(String id, JsonNode entry) {
        String where = "pricing override '" + id + "'";
        if (id.isBlank()) {
            throw new PricingParseException(where + ": a model id must not be blank");
        }
        if (!entry.isObject()) {
            throw new PricingParseException(where + " must be an object, got " + describe(entry));
        }
        for (Map.Entry<String, JsonNode> field : entry.properties()) {
            String name = field.getKey();
            if (!OVERRIDE_FIELDS.contains(name)) {
                throw new PricingParseException(
                        where
                                + ": unknown field '"
                                + name
                                + "'; known fields are "
                                + String.join(", ", OVERRIDE_FIELDS));
            }
        }
        TokenPrice input = requiredUsdPerMtok(where, entry, INPUT_USD_PER_MTOK);
        TokenPrice output = requiredUsdPerMtok(where, entry, OUTPUT_USD_PER_MTOK);
        return new ModelPricing(
                id,
                Optional.empty(),
                input,
                output,
                usdPerMtok(where, entry, CACHE_READ_USD_PER_MTOK),
                usdPerMtok(where, entry, CACHE_WRITE_USD_PER_MTOK),
                strictTokenCount(where, entry, MAX_OUTPUT_TOKENS),
                OptionalLong.empty(),
                strictTokenCount(where, entry, TOOL_USE_SYSTEM_PROMPT_TOKENS).orElse(0),
                TierPrices.NONE,
                strictTokenCount(where, entry, MAX_INPUT_TOKENS),
                OptionalLong.empty());
    }

    // --- LiteLLM fields: absent or null = not given ---

    private static Optional<String> optionalString(String where, JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw fieldError(where, field, "must be a string", value);
        }
        return Optional.of(value.textValue());
    }

    private static Optional<TokenPrice> usdPerToken(String where, JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        double usdPerToken = nonNegativeNumber(where, field, value);
        try {
            return Optional.of(TokenPrice.fromUsdPerToken(usdPerToken));
        } catch (IllegalArgumentException e) {
            throw fieldError(where, field, "must be a usable price in dollars per token", value);
        }
    }

    private static OptionalLong tokenCount(String where, JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        if (value == null || value.isNull()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(nonNegativeInteger(where, field, value));
    }

    // --- override fields: absent = not given, null = wrong type ---

    private static TokenPrice requiredUsdPerMtok(String where, JsonNode entry, String field) {
        if (!entry.has(field)) {
            throw new PricingParseException(
                    where + ": field '" + field + "' is required (dollars per million tokens)");
        }
        return usdPerMtok(where, entry, field).orElseThrow();
    }

    private static Optional<TokenPrice> usdPerMtok(String where, JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        if (value == null) {
            return Optional.empty();
        }
        double usdPerMtok = nonNegativeNumber(where, field, value);
        try {
            return Optional.of(TokenPrice.fromUsdPerMillionTokens(usdPerMtok));
        } catch (IllegalArgumentException e) {
            throw fieldError(
                    where, field, "must be a usable price in dollars per million tokens", value);
        }
    }

    private static OptionalLong strictTokenCount(String where, JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        if (value == null) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(nonNegativeInteger(where, field, value));
    }

    // --- shared checks ---

    private static double nonNegativeNumber(String where, String field, JsonNode value) {
        if (!value.isNumber()) {
            throw fieldError(where, field, "must be a non-negative number", value);
        }
        double number = value.doubleValue();
        if (Double.isNaN(number) || Double.isInfinite(number) || number < 0) {
            throw fieldError(where, field, "must be a non-negative number", value);
        }
        return number;
    }

    private static long nonNegativeInteger(String where, String field, JsonNode value) {
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
            throw fieldError(where, field, "must be a non-negative integer", value);
        }
        return value.longValue();
    }

    private static PricingParseException fieldError(
            String where, String field, String rule, JsonNode value) {
        return new PricingParseException(
                where + ": field '" + field + "' " + rule + ", got " + describe(value));
    }

    private static String describe(JsonNode value) {
        String text = value.toString();
        if (text.length() > MAX_SHOWN_VALUE_CHARS) {
            return text.substring(0, MAX_SHOWN_VALUE_CHARS) + "…";
        }
        return text;
    }

    private static JsonNode readJson(String json, String what) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new PricingParseException(
                    "the " + what + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new PricingParseException("the " + what + " is empty; expected a JSON object");
        }
        return root;
    }

    private static String readBundled() {
        try (InputStream in = PricingTables.class.getResourceAsStream(BUNDLED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        "the bundled pricing table " + BUNDLED_RESOURCE + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("the bundled pricing table could not be read", e);
        }
    }
}
