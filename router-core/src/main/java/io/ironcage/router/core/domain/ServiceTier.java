package io.ironcage.router.core.domain;

import java.util.Locale;

/**
 * The processing tier an answer says it was served at, which decides the prices it is billed at.
 */
public enum ServiceTier {
    /**
     * The standard prices: OpenAI's {@code "default"} (and {@code "auto"}, {@code "scale"}), and
     * every Anthropic tier ({@code "standard"}, {@code "priority"}: Anthropic's priority tier is a
     * capacity commitment billed at the standard token prices), or no tier reported.
     */
    STANDARD,
    /** OpenAI's priority processing ({@code "priority"}), billed at the priority prices. */
    PRIORITY,
    /** OpenAI's flex processing ({@code "flex"}), billed at the flex prices. */
    FLEX;

    /**
     * Reads the {@code service_tier} an answer reports.
     *
     * @param reported the reported value, {@code null} when absent
     * @return the tier; {@link #STANDARD} for an absent or unknown value
     */
    public static ServiceTier ofReported(String reported) {
        if (reported == null) {
            return STANDARD;
        }
        switch (reported.toLowerCase(Locale.ROOT)) {
            case "priority":
                return PRIORITY;
            case "flex":
                return FLEX;
            default:
                return STANDARD;
        }
    }
}
