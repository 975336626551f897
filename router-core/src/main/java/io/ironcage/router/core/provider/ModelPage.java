package io.ironcage.router.core.provider;

import io.ironcage.router.core.domain.ModelEntry;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a provider's model list.
 *
 * @param models the models on the page, in the provider's order
 * @param nextAfterId the cursor of the next page when the provider says there is one (Anthropic's
 *     {@code last_id} with {@code has_more: true}); empty on the last page
 */
public record ModelPage(List<ModelEntry> models, Optional<String> nextAfterId) {
    /** Validates and copies the components. */
    public ModelPage {
        models = List.copyOf(models);
        Objects.requireNonNull(nextAfterId, "nextAfterId");
    }
}
