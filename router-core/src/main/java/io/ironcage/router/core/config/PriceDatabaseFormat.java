package io.ironcage.router.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.pricing.ModelMatch;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricedModel;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.domain.pricing.TierPrices;
import io.ironcage.router.core.domain.pricing.TokenPrice;
import io.ironcage.router.core.errors.PricingParseException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.PatternSyntaxException;

/** Reads the router's price-database format; the format is described on {@link PricingTables}. */
final class PriceDatabaseFormat {
    private static final int MAX_SHOWN_VALUE_CHARS = 60;

    private static final Set<String> ROOT_FIELDS = Set.of("source", "providers");
    private static final Set<String> PROVIDER_FIELDS = Set.of("id", "models");
    private static final Set<String> MODEL_FIELDS =
            Set.of(
                    "id",
                    "match",
                    "context_window",
                    "max_output_tokens",
                    "tool_use_system_prompt_tokens",
                    "web_search_usd_per_call",
                    "prices");
    private static final Set<String> VARIANT_FIELDS =
            Set.of("from", "usd_per_mtok", "long_context", "priority", "flex");
    private static final Set<String> STANDARD_PRICES =
            Set.of(
                    "input",
                    "output",
                    "cache_read",
                    "cache_write",
                    "cache_write_1h",
                    "input_audio",
                    "output_audio");
    private static final Set<String> LONG_CONTEXT_FIELDS =
            Set.of("above_input_tokens", "usd_per_mtok");
    private static final Set<String> LONG_CONTEXT_PRICES =
            Set.of("input", "output", "cache_read", "cache_write", "cache_write_1h");
    private static final Set<String> CLASS_PRICES =
            Set.of("input", "output", "cache_read", "cache_write");

    private PriceDatabaseFormat() {}

    static PricingTable parse(JsonNode root) {
        object("the price database", root);
        known("the price database", root, ROOT_FIELDS);
        JsonNode providers = root.get("providers");
        if (providers == null || !providers.isArray()) {
            throw new PricingParseException(
                    "the price database: field 'providers' must be a list, got "
                            + describe(providers));
        }
        List<PricedModel> entries = new ArrayList<>();
        for (JsonNode provider : providers) {
            String where = "price database provider";
            object(where, provider);
            known(where, provider, PROVIDER_FIELDS);
            String id = text(where, provider, "id");
            Optional<ProviderType> type = ProviderType.fromId(id);
            JsonNode models = provider.get("models");
            if (models == null || !models.isArray()) {
                throw field(
                        "price database provider '" + id + "'", "models", "must be a list", models);
            }
            for (JsonNode model : models) {
                entries.add(model(id, type, model));
            }
        }
        return PricingTable.ofDatabase(entries);
    }

    private static PricedModel model(String provider, Optional<ProviderType> type, JsonNode node) {
        object("price database model of '" + provider + "'", node);
        String id = text("price database model of '" + provider + "'", node, "id");
        String where = "price database model '" + provider + "/" + id + "'";
        known(where, node, MODEL_FIELDS);
        ModelMatch match = match(where, "match", required(where, node, "match"));
        OptionalLong window = count(where, node, "context_window");
        OptionalLong maxOutput = count(where, node, "max_output_tokens");
        long toolTokens = count(where, node, "tool_use_system_prompt_tokens").orElse(0);
        OptionalLong webSearch = OptionalLong.empty();
        if (node.has("web_search_usd_per_call")) {
            webSearch =
                    OptionalLong.of(
                            micros(
                                    where,
                                    "web_search_usd_per_call",
                                    node.get("web_search_usd_per_call")));
        }
        JsonNode prices = required(where, node, "prices");
        if (!prices.isArray() || prices.isEmpty()) {
            throw field(where, "prices", "must be a non-empty list", prices);
        }
        List<PricedModel.Variant> variants = new ArrayList<>();
        for (int i = 0; i < prices.size(); i++) {
            String at = "prices[" + i + "]";
            JsonNode variant = prices.get(i);
            if (!variant.isObject()) {
                throw field(where, at, "must be an object", variant);
            }
            knownFields(where, at, variant, VARIANT_FIELDS);
            Optional<LocalDate> from = Optional.empty();
            if (variant.has("from")) {
                JsonNode date = variant.get("from");
                if (!date.isTextual()) {
                    throw field(where, at + ".from", "must be a date YYYY-MM-DD", date);
                }
                try {
                    from = Optional.of(LocalDate.parse(date.textValue()));
                } catch (DateTimeParseException e) {
                    throw field(where, at + ".from", "must be a date YYYY-MM-DD", date);
                }
            }
            ModelPricing pricing =
                    variant(where, at, id, type, variant, window, maxOutput, toolTokens, webSearch);
            variants.add(new PricedModel.Variant(from, pricing));
        }
        try {
            return new PricedModel(id, match, variants);
        } catch (IllegalArgumentException e) {
            throw new PricingParseException(where + ": " + e.getMessage(), e);
        }
    }

    private static ModelPricing variant(
            String where,
            String at,
            String id,
            Optional<ProviderType> type,
            JsonNode variant,
            OptionalLong window,
            OptionalLong maxOutput,
            long toolTokens,
            OptionalLong webSearch) {
        String std = at + ".usd_per_mtok";
        JsonNode standard = required(where, variant, "usd_per_mtok", at);
        objectField(where, std, standard);
        knownFields(where, std, standard, STANDARD_PRICES);
        TokenPrice input = price(where, std, standard, "input").orElse(null);
        TokenPrice output = price(where, std, standard, "output").orElse(null);
        if (input == null || output == null) {
            throw new PricingParseException(
                    where + ": field '" + std + "' must have an input and an output price");
        }
        Optional<TokenPrice> oneHour = price(where, std, standard, "cache_write_1h");
        Optional<TierPrices.LongContext> longContext = Optional.empty();
        if (variant.has("long_context")) {
            String lcAt = at + ".long_context";
            JsonNode lc = variant.get("long_context");
            objectField(where, lcAt, lc);
            knownFields(where, lcAt, lc, LONG_CONTEXT_FIELDS);
            long above =
                    count(
                            where,
                            lcAt + ".above_input_tokens",
                            required(where, lc, "above_input_tokens", lcAt));
            String lcPricesAt = lcAt + ".usd_per_mtok";
            JsonNode lcPrices = required(where, lc, "usd_per_mtok", lcAt);
            objectField(where, lcPricesAt, lcPrices);
            knownFields(where, lcPricesAt, lcPrices, LONG_CONTEXT_PRICES);
            TierPrices.ClassPrices prices = classPrices(where, lcPricesAt, lcPrices);
            Optional<TokenPrice> lcOneHour = price(where, lcPricesAt, lcPrices, "cache_write_1h");
            if (lcOneHour.isPresent()) {
                checkLongContextOneHour(where, lcPricesAt, input, oneHour, prices, lcOneHour.get());
            }
            longContext = Optional.of(new TierPrices.LongContext(above, prices));
        }
        TierPrices tiers =
                new TierPrices(
                        longContext,
                        serviceTier(where, at, variant, "priority"),
                        serviceTier(where, at, variant, "flex"),
                        oneHour,
                        price(where, std, standard, "input_audio"),
                        price(where, std, standard, "output_audio"));
        return new ModelPricing(
                id,
                type,
                input,
                output,
                price(where, std, standard, "cache_read"),
                price(where, std, standard, "cache_write"),
                maxOutput,
                OptionalLong.empty(),
                toolTokens,
                tiers,
                window,
                webSearch);
    }

    /**
     * The bill prices a long-context 1-hour write as the 1-hour price scaled by the long-context
     * input price ({@code oneHour × lcInput / input}); a table that says otherwise would be billed
     * at a price it does not list.
     */
    private static void checkLongContextOneHour(
            String where,
            String at,
            TokenPrice input,
            Optional<TokenPrice> oneHour,
            TierPrices.ClassPrices lc,
            TokenPrice lcOneHour) {
        boolean consistent =
                oneHour.isPresent()
                        && lc.input().isPresent()
                        && BigInteger.valueOf(lcOneHour.microsPerMillionTokens())
                                .multiply(BigInteger.valueOf(input.microsPerMillionTokens()))
                                .equals(
                                        BigInteger.valueOf(oneHour.get().microsPerMillionTokens())
                                                .multiply(
                                                        BigInteger.valueOf(
                                                                lc.input()
                                                                        .get()
                                                                        .microsPerMillionTokens())));
        if (!consistent) {
            throw new PricingParseException(
                    where
                            + ": field '"
                            + at
                            + ".cache_write_1h' must be the 1-hour price times the long-context"
                            + " input price over the input price");
        }
    }

    private static TierPrices.ClassPrices serviceTier(
            String where, String at, JsonNode variant, String name) {
        if (!variant.has(name)) {
            return TierPrices.ClassPrices.NONE;
        }
        String tierAt = at + "." + name;
        JsonNode tier = variant.get(name);
        objectField(where, tierAt, tier);
        knownFields(where, tierAt, tier, CLASS_PRICES);
        return classPrices(where, tierAt, tier);
    }

    private static TierPrices.ClassPrices classPrices(String where, String at, JsonNode node) {
        return new TierPrices.ClassPrices(
                price(where, at, node, "input"),
                price(where, at, node, "output"),
                price(where, at, node, "cache_read"),
                price(where, at, node, "cache_write"));
    }

    // --- match rules ---

    private static ModelMatch match(String where, String at, JsonNode node) {
        if (!node.isObject() || node.size() != 1) {
            throw field(where, at, "must be an object with one rule", node);
        }
        Map.Entry<String, JsonNode> rule = node.properties().iterator().next();
        String kind = rule.getKey();
        JsonNode operand = rule.getValue();
        String path = at + "." + kind;
        if (kind.equals("or") || kind.equals("and")) {
            if (!operand.isArray() || operand.isEmpty()) {
                throw field(where, path, "must be a non-empty list of rules", operand);
            }
            List<ModelMatch> clauses = new ArrayList<>();
            for (int i = 0; i < operand.size(); i++) {
                clauses.add(match(where, path + "[" + i + "]", operand.get(i)));
            }
            return kind.equals("or") ? new ModelMatch.Or(clauses) : new ModelMatch.And(clauses);
        }
        if (!operand.isTextual()) {
            throw field(where, path, "must be a string", operand);
        }
        String value = operand.textValue();
        switch (kind) {
            case "equals":
                return new ModelMatch.Equals(value);
            case "starts_with":
                return new ModelMatch.StartsWith(value);
            case "ends_with":
                return new ModelMatch.EndsWith(value);
            case "contains":
                return new ModelMatch.Contains(value);
            case "regex":
                try {
                    return ModelMatch.Regex.of(value);
                } catch (PatternSyntaxException e) {
                    throw field(where, path, "must be a valid regular expression", operand);
                }
            default:
                throw new PricingParseException(
                        where
                                + ": field '"
                                + at
                                + "' has an unknown rule '"
                                + kind
                                + "'; known rules are equals, starts_with, ends_with, contains,"
                                + " regex, or, and");
        }
    }

    // --- values ---

    private static Optional<TokenPrice> price(String where, String at, JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null) {
            return Optional.empty();
        }
        return Optional.of(new TokenPrice(micros(where, at + "." + key, value)));
    }

    /** Dollars to whole micro-dollars, exactly: anything finer than 1 µ$ is an error. */
    private static long micros(String where, String at, JsonNode value) {
        if (!value.isNumber()) {
            throw field(where, at, "must be a non-negative number", value);
        }
        BigDecimal dollars = value.decimalValue();
        if (dollars.signum() < 0) {
            throw field(where, at, "must be a non-negative number", value);
        }
        try {
            return dollars.movePointRight(6).stripTrailingZeros().longValueExact();
        } catch (ArithmeticException e) {
            throw field(where, at, "must have at most six decimals", value);
        }
    }

    private static OptionalLong count(String where, JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value == null ? OptionalLong.empty() : OptionalLong.of(count(where, key, value));
    }

    private static long count(String where, String at, JsonNode value) {
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
            throw field(where, at, "must be a non-negative integer", value);
        }
        return value.longValue();
    }

    private static String text(String where, JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual() || value.textValue().isBlank()) {
            throw field(where, key, "must be a non-blank string", value);
        }
        return value.textValue();
    }

    private static JsonNode required(String where, JsonNode node, String key) {
        return required(where, node, key, null);
    }

    private static JsonNode required(String where, JsonNode node, String key, String at) {
        JsonNode value = node.get(key);
        if (value == null) {
            String path = at == null ? key : at + "." + key;
            throw new PricingParseException(where + ": field '" + path + "' is required");
        }
        return value;
    }

    private static void object(String where, JsonNode node) {
        if (!node.isObject()) {
            throw new PricingParseException(
                    where + " must be a JSON object, got " + describe(node));
        }
    }

    private static void objectField(String where, String at, JsonNode node) {
        if (!node.isObject()) {
            throw field(where, at, "must be an object", node);
        }
    }

    private static void known(String where, JsonNode node, Set<String> fields) {
        knownFields(where, null, node, fields);
    }

    private static void knownFields(String where, String at, JsonNode node, Set<String> fields) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!fields.contains(field.getKey())) {
                String path = at == null ? field.getKey() : at + "." + field.getKey();
                throw new PricingParseException(
                        where
                                + ": unknown field '"
                                + path
                                + "'; known fields there are "
                                + String.join(", ", new java.util.TreeSet<>(fields)));
            }
        }
    }

    private static PricingParseException field(
            String where, String at, String rule, JsonNode value) {
        return new PricingParseException(
                where + ": field '" + at + "' " + rule + ", got " + describe(value));
    }

    private static String describe(JsonNode value) {
        if (value == null) {
            return "nothing";
        }
        String text = value.toString();
        if (text.length() > MAX_SHOWN_VALUE_CHARS) {
            return text.substring(0, MAX_SHOWN_VALUE_CHARS) + "…";
        }
        return text;
    }
}
