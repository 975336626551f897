package io.ironcage.router.core.config;

import io.ironcage.router.core.config.RouterConfig.Budget;
import io.ironcage.router.core.config.RouterConfig.UnmeteredEndpoints;
import io.ironcage.router.core.config.RouterConfig.UnpricedModels;
import io.ironcage.router.core.domain.Money;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code budget}: the limit and what happens to what the router cannot price or meter. */
final class BudgetSection {
    private final ConfigKeys keys;

    BudgetSection(ConfigKeys keys) {
        this.keys = keys;
    }

    Budget budget(ConfigNode node) {
        Map<String, ConfigNode> fields =
                keys.section(node, List.of("limit-usd", "unpriced-models", "unmetered-endpoints"));
        Optional<Money> limit = keys.get(fields, "limit-usd", Optional.empty(), this::limit);
        UnpricedModels unpriced =
                keys.get(
                        fields,
                        "unpriced-models",
                        UnpricedModels.REJECT,
                        n ->
                                keys.allow(n, "unpriced-models")
                                        ? UnpricedModels.ALLOW
                                        : UnpricedModels.REJECT);
        UnmeteredEndpoints unmetered =
                keys.get(
                        fields,
                        "unmetered-endpoints",
                        UnmeteredEndpoints.REJECT,
                        n ->
                                keys.allow(n, "unmetered-endpoints")
                                        ? UnmeteredEndpoints.ALLOW
                                        : UnmeteredEndpoints.REJECT);
        return new Budget(limit, unpriced, unmetered);
    }

    private Optional<Money> limit(ConfigNode node) {
        double usd = keys.number(node);
        try {
            return Optional.of(Money.fromUsdTruncating(usd));
        } catch (IllegalArgumentException e) {
            throw keys.error(
                    node,
                    "the budget must be a finite, non-negative number of dollars, got "
                            + usd
                            + ".");
        }
    }
}
