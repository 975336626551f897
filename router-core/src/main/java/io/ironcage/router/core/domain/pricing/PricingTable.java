package io.ironcage.router.core.domain.pricing;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * An immutable snapshot of model prices: models priced by exact id ({@link #of(Collection)}, {@code
 * pricing.overrides}) and the entries of a price database, each with a {@link ModelMatch} rule and
 * prices over time ({@link #ofDatabase(List)}).
 *
 * <p>Lookup ({@link #find(String, LocalDate)}) tries the names below, in this order, first against
 * the exact ids (case-sensitive), then against the database entries (first entry in table order
 * whose rule matches, case-insensitive), and returns the first hit, priced as on the given day:
 *
 * <ol>
 *   <li>the id exactly as given, so ids that contain a slash and dated snapshots that have their
 *       own price win;
 *   <li>the id with a leading {@code provider/} prefix removed (everything up to and including the
 *       first {@code '/'}): {@code openai/gpt-4o} → {@code gpt-4o};
 *   <li>the id with a trailing date removed: {@code -YYYY-MM-DD} ({@code gpt-4.1-2025-04-14} →
 *       {@code gpt-4.1}) or {@code -YYYYMMDD} ({@code claude-sonnet-4-5-20250929} → {@code
 *       claude-sonnet-4-5}), ASCII digits only, and only a plausible date (year 2000–2099, a real
 *       month and day);
 *   <li>the id with both the prefix and the date removed.
 * </ol>
 *
 * <p>An exact id therefore always wins over the database, for every form of the name: an override
 * of {@code gpt-4o} also prices {@code openai/gpt-4o-2099-01-01}. A dated snapshot that no rule
 * names is priced as its undated alias, which is what providers bill for a new snapshot of the same
 * model in practice.
 *
 * <p>Where we differ (reference §6.4): the reference's lookup is exact only, so {@code
 * provider/model} names and unlisted dated snapshots are unpriced there (and therefore free,
 * reference §11 item 5).
 */
public final class PricingTable {
    private static final PricingTable EMPTY = new PricingTable(Map.of(), List.of());

    private static final int MIN_YEAR = 2000;
    private static final int MAX_YEAR = 2099;

    private final Map<String, ModelPricing> byId;
    private final List<PricedModel> entries;
    private final List<String> sortedIds;

    private PricingTable(Map<String, ModelPricing> byId, List<PricedModel> entries) {
        this.byId = Map.copyOf(byId);
        this.entries = List.copyOf(entries);
        Set<String> ids = new TreeSet<>(this.byId.keySet());
        for (PricedModel entry : this.entries) {
            ids.add(entry.id());
        }
        this.sortedIds = List.copyOf(ids);
    }

    /**
     * Returns a table of the given models, each priced by its exact id.
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
        return new PricingTable(indexUnique(models), List.of());
    }

    /**
     * Returns a table of price-database entries, looked up by their rules in the order given.
     *
     * @param entries the entries, in lookup order
     * @return the table
     * @throws NullPointerException if {@code entries} or an element is {@code null}
     */
    public static PricingTable ofDatabase(List<PricedModel> entries) {
        Objects.requireNonNull(entries, "entries");
        return new PricingTable(Map.of(), entries);
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
     * Returns a new table in which the given models are priced by their exact ids, replacing
     * exact-id models with the same id; since exact ids are tried before the database entries, an
     * override also replaces whatever entry's rule matches that id. This table is unchanged.
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
        return new PricingTable(merged, entries);
    }

    /**
     * Finds the price of a model on a day, in the order described on the class.
     *
     * @param modelId the model name from the request
     * @param day the day the request is billed (UTC), which picks a database entry's prices
     * @return the pricing, or empty if the model is not in the table
     * @throws NullPointerException if {@code day} is {@code null}
     */
    public Optional<ModelPricing> find(String modelId, LocalDate day) {
        Objects.requireNonNull(day, "day");
        if (modelId == null || modelId.isEmpty()) {
            return Optional.empty();
        }
        List<String> names = candidates(modelId);
        for (String name : names) {
            ModelPricing exact = byId.get(name);
            if (exact != null) {
                return Optional.of(exact);
            }
        }
        for (String name : names) {
            Optional<PricedModel> entry = matchingEntry(name);
            if (entry.isPresent()) {
                return Optional.of(entry.get().on(day));
            }
        }
        return Optional.empty();
    }

    /**
     * Finds the database entry whose rule matches a name exactly as given (no prefix or date
     * removed): the first in table order.
     *
     * @param modelName the name
     * @return the entry, or empty if no rule matches
     */
    public Optional<PricedModel> matchingEntry(String modelName) {
        String lowercased = modelName.toLowerCase(Locale.ROOT);
        for (PricedModel entry : entries) {
            if (entry.match().matchesLowercased(lowercased)) {
                return Optional.of(entry);
            }
        }
        return Optional.empty();
    }

    /** The names tried, in order: as given, without the prefix, without the date, without both. */
    private static List<String> candidates(String modelId) {
        List<String> names = new ArrayList<>(4);
        names.add(modelId);
        Optional<String> unprefixed = withoutProviderPrefix(modelId);
        unprefixed.ifPresent(names::add);
        withoutDateSuffix(modelId).ifPresent(names::add);
        unprefixed.flatMap(PricingTable::withoutDateSuffix).ifPresent(names::add);
        return names;
    }

    /**
     * Returns the number of exact-id models and database entries.
     *
     * @return the size
     */
    public int size() {
        return byId.size() + entries.size();
    }

    /**
     * Returns the ids of the exact-id models and of the database entries, sorted, each once.
     *
     * @return an unmodifiable sorted list
     */
    public List<String> modelIds() {
        return sortedIds;
    }

    /**
     * Returns the database entries, in lookup order.
     *
     * @return an unmodifiable list
     */
    public List<PricedModel> entries() {
        return entries;
    }

    /**
     * Returns every price the table holds: the exact-id models sorted by id, then every variant of
     * every database entry, in lookup order.
     *
     * @return an unmodifiable list
     */
    public List<ModelPricing> models() {
        List<ModelPricing> models = new ArrayList<>(byId.size() + entries.size());
        List<String> ids = new ArrayList<>(byId.keySet());
        Collections.sort(ids);
        for (String id : ids) {
            models.add(byId.get(id));
        }
        for (PricedModel entry : entries) {
            for (PricedModel.Variant variant : entry.variants()) {
                models.add(variant.pricing());
            }
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
        return "PricingTable[" + byId.size() + " models, " + entries.size() + " entries]";
    }
}
