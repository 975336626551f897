package io.ironcage.router.core.domain.pricing;

import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of the price database: the rule that says which model names it prices, and its prices
 * over time.
 *
 * @param id the entry's id (e.g. {@code claude-sonnet-4-5}); the id of every {@link ModelPricing}
 *     it returns
 * @param match the names it prices
 * @param variants its prices, the first without a start date and the others in increasing order of
 *     start date
 */
public record PricedModel(String id, ModelMatch match, List<Variant> variants) {

    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if there is no variant, the first has a start date, a later
     *     one has none, the start dates do not increase, or a variant's id is not {@code id}
     */
    public PricedModel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(match, "match");
        variants = List.copyOf(variants);
        if (variants.isEmpty()) {
            throw new IllegalArgumentException("model '" + id + "' has no prices");
        }
        LocalDate previous = null;
        for (int i = 0; i < variants.size(); i++) {
            Variant v = variants.get(i);
            if (!v.pricing().id().equals(id)) {
                throw new IllegalArgumentException(
                        "model '" + id + "' has prices for '" + v.pricing().id() + "'");
            }
            if (i == 0) {
                if (v.from().isPresent()) {
                    throw new IllegalArgumentException(
                            "model '" + id + "': the first prices must have no start date");
                }
                continue;
            }
            LocalDate from =
                    v.from()
                            .orElseThrow(
                                    () ->
                                            new IllegalArgumentException(
                                                    "model '"
                                                            + id
                                                            + "': only the first prices may have"
                                                            + " no start date"));
            if (previous != null && !from.isAfter(previous)) {
                throw new IllegalArgumentException(
                        "model '" + id + "': start dates must increase, got " + from);
            }
            previous = from;
        }
    }

    /**
     * Returns the prices in force on a day: the last variant whose start date is on or before it,
     * else the first (genai-prices' rule).
     *
     * @param day the day of the request (UTC)
     * @return the prices
     */
    public ModelPricing on(LocalDate day) {
        Objects.requireNonNull(day, "day");
        ModelPricing pricing = variants.get(0).pricing();
        for (Variant v : variants) {
            if (v.from().isPresent() && !v.from().get().isAfter(day)) {
                pricing = v.pricing();
            }
        }
        return pricing;
    }

    /**
     * Prices in force from a day on.
     *
     * @param from the first day, or empty for the first variant
     * @param pricing the prices
     */
    public record Variant(Optional<LocalDate> from, ModelPricing pricing) {
        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         */
        public Variant {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(pricing, "pricing");
        }
    }
}
