package io.ironcage.router.core.domain;

import java.util.Objects;

/**
 * One model of a provider's model list, in the terms both providers' lists share: OpenAI's {@code
 * {"id","object":"model","created","owned_by"}} and Anthropic's {@code
 * {"type":"model","id","display_name","created_at"}}. Read from one provider's format and written
 * in the caller's (see {@link ModelsPath}).
 *
 * @param id the model id, as the provider names it
 * @param displayName a name for people; the id when the provider gives none (OpenAI)
 * @param createdEpochSeconds when the model was released, in seconds since the epoch (OpenAI's
 *     {@code created}; Anthropic's {@code created_at} truncated to the second)
 * @param ownedBy who owns it (OpenAI's {@code owned_by}); {@code anthropic} for Anthropic's models
 */
public record ModelEntry(String id, String displayName, long createdEpochSeconds, String ownedBy) {
    /** Validates the components. */
    public ModelEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(ownedBy, "ownedBy");
    }
}
