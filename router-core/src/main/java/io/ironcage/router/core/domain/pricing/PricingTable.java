package io.ironcage.router.core.domain.pricing;

import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable snapshot of model prices, keyed by model id.
 *
 * <p>Lookup ({@link #find(String)}) tries, in this order, and returns the first hit:
 *
 * <ol>
 *   <li>the id exactly as given (case-sensitive), so table keys that contain a slash (LiteLLM's
 *       {@code openai/container}) and dated snapshots that have their own price win;
 *   <li>the id with a leading {@code provider/} prefix removed (everything up to and including the
 *       first {@code '/'}): {@code openai/gpt-4o} → {@code gpt-4o};
 *   <li>the id with a trailing date removed: {@code -YYYY-MM-DD} ({@code gpt-4.1-2025-04-14} →
 *       {@code gpt-4.1}) or {@code -YYYYMMDD} ({@code claude-sonnet-4-5-20250929} → {@code
 *       claude-sonnet-4-5}), ASCII digits only, and only a plausible date (year 2000–2099, a real
 *       month and day);
 *   <li>the id with both the prefix and the date removed.
 * </ol>
 *
 * <p>Nothing else: no case folding, no "closest" match. A dated snapshot that is not in the table
 * is priced as its undated alias, which is what providers bill for a new snapshot of the same model
 * in practice; a snapshot with a different price must be in the table (or in {@code
 * pricing.overrides}) to get it.
 *
 * <p>Where we differ (reference §6.4): the reference's lookup is exact only, so {@code
 * provider/model} names and unlisted dated snapshots are unpriced there (and therefore free,
 * reference §11 item 5).
 */
public final class PricingTable {
    private static final PricingTable EMPTY = new PricingTable(Map.of());

    private static final int MIN_YEAR = 2000;
    private static final int MAX_YEAR = 2099;

    private final Map<String, ModelPricing> byId;
    private final List<String> sortedIds;

    private PricingTable(Map<String, ModelPricing> byId) {
        this.byId = Map.copyOf(byId);
        List<String> ids = new ArrayList<>(this.byId.keySet());
        Collections.sort(ids);
        this.sortedIds = List.copyOf(ids);
    }

    /**
     * Returns a table of the given models.
     *
     * @param models the models, each id at most once
     * @return the table
     * @throws NullPointerException if {@code models} or an element is {@code null}
     * @throws IllegalArgumentException if two models have the same id
     */
    public static PricingTable of(Collection<ModelPricing> models) {
        Objects.requireNonNull(models, "models");
        if (models.isEmpty()) {
            return EMPTY;
        }
        return new PricingTable(indexUnique(models));
    }

    /**
     * Returns a table without models.
     *
     * @return the empty table
     */
    public static PricingTable empty() {
        return EMPTY;
    }

    /**
     * Returns a new table in which the given models replace the entries with the same id and are
     * added otherwise. This table is unchanged.
     *
     * @param overrides the models to put in, each id at most once
     * @return the new table
     * @throws NullPointerException if {@code overrides} or an element is {@code null}
     * @throws IllegalArgumentException if two overrides have the same id
     */
    public PricingTable withOverrides(Collection<ModelPricing> overrides) {
        Objects.requireNonNull(overrides, "overrides");
        if (overrides.isEmpty()) {
            return this;
        }
        Map<String, ModelPricing> merged = new HashMap<>(byId);
        merged.putAll(indexUnique(overrides));
        return new PricingTable(merged);
    }

    /**
     * Finds the price of a model, in the order described on the class: exact id, without a {@code
     * provider/} prefix, without a date suffix, without both.
     *
     * @param modelId the model name from the request
     * @return the pricing, or empty if the model is not in the table
     */
    public Optional<ModelPricing> find(String modelId) {
        if (modelId == null || modelId.isEmpty()) {
            return Optional.empty();
        }
        ModelPricing exact = byId.get(modelId);
        if (exact != null) {
            return Optional.of(exact);
        }
        Optional<String> unprefixed = withoutProviderPrefix(modelId);
        if (unprefixed.isPresent()) {
            ModelPricing hit = byId.get(unprefixed.get());
            if (hit != null) {
                return Optional.of(hit);
            }
        }
        Optional<String> undated = withoutDateSuffix(modelId);
        if (undated.isPresent()) {
            ModelPricing hit = byId.get(undated.get());
            if (hit != null) {
                return Optional.of(hit);
            }
        }
        return unprefixed.flatMap(PricingTable::withoutDateSuffix).map(byId::get);
    }

    /**
     * Returns the number of models.
     *
     * @return the size
     */
    public int size() {
        return byId.size();
    }

    /**
     * Returns the ids of all models, sorted.
     *
     * @return an unmodifiable sorted list
     */
    public List<String> modelIds() {
        return sortedIds;
    }

    /**
     * Returns all models, sorted by id.
     *
     * @return an unmodifiable list
     */
    public List<ModelPricing> models() {
        List<ModelPricing> models = new ArrayList<>(sortedIds.size());
        for (String id : sortedIds) {
            models.add(byId.get(id));
        }
        return Collections.unmodifiableList(models);
    }

    /**
     * Removes a leading {@code provider/} prefix: everything up to and including the first {@code
     * '/'}, when both sides are non-empty.
     *
     * @param modelId a model id
     * @return the id without the prefix, or empty if it has none
     */
    static Optional<String> withoutProviderPrefix(String modelId) {
        int slash = modelId.indexOf('/');
        if (slash <= 0 || slash == modelId.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(modelId.substring(slash + 1));
    }

    /**
     * Removes a trailing {@code -YYYY-MM-DD} or {@code -YYYYMMDD} date (ASCII digits, a plausible
     * date between 2000 and 2099).
     *
     * @param modelId a model id
     * @return the id without the date, or empty if it has none
     */
    static Optional<String> withoutDateSuffix(String modelId) {
        int n = modelId.length();
        if (n > 11
                && modelId.charAt(n - 11) == '-'
                && modelId.charAt(n - 6) == '-'
                && modelId.charAt(n - 3) == '-'
                && digits(modelId, n - 10, n - 6)
                && digits(modelId, n - 5, n - 3)
                && digits(modelId, n - 2, n)) { // -YYYY-MM-DD
            return plausibleDate(modelId, n - 10, n - 5, n - 2)
                    ? Optional.of(modelId.substring(0, n - 11))
                    : Optional.empty();
        }
        if (n > 9 && modelId.charAt(n - 9) == '-' && digits(modelId, n - 8, n)) { // -YYYYMMDD
            return plausibleDate(modelId, n - 8, n - 4, n - 2)
                    ? Optional.of(modelId.substring(0, n - 9))
                    : Optional.empty();
        }
        return Optional.empty();
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean plausibleDate(String s, int year, int month, int day) {
        int y = Integer.parseInt(s, year, year + 4, 10);
        int m = Integer.parseInt(s, month, month + 2, 10);
        int d = Integer.parseInt(s, day, day + 2, 10);
        return y >= MIN_YEAR
                && y <= MAX_YEAR
                && m >= 1
                && m <= 12
                && d >= 1
                && d <= YearMonth.of(y, m).lengthOfMonth();
    }

    private static Map<String, ModelPricing> indexUnique(Collection<ModelPricing> models) {
        Map<String, ModelPricing> index = new HashMap<>();
        for (ModelPricing model : models) {
            Objects.requireNonNull(model, "model");
            if (index.putIfAbsent(model.id(), model) != null) {
                throw new IllegalArgumentException(
                        "model '" + model.id() + "' is priced more than once");
            }
        }
        return index;
    }

    @Override
    public String toString() {
        return "PricingTable[" + byId.size() + " models]";
    }
}
