package io.ironcage.router.core.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The request pipeline's settings.
 *
 * @param token what callers must present ({@code Authorization: Bearer} or {@code x-api-key})
 * @param upstreamTimeout the whole upstream exchange for a plain request; for a stream, the wait
 *     for the headers and then between chunks
 * @param rejectUnpriced whether a model without a price is refused while a finite budget is in
 *     force
 */
public record PipelineSettings(String token, Duration upstreamTimeout, boolean rejectUnpriced) {
    /** The {@code anthropic-version} sent when the caller sent none. */
    public static final String DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

    /** Validates the components. */
    public PipelineSettings {
        Objects.requireNonNull(token, "token");
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the caller token must not be empty");
        }
        Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "PipelineSettings[token=<redacted>, upstreamTimeout="
                + upstreamTimeout
                + ", rejectUnpriced="
                + rejectUnpriced
                + "]";
    }
}
