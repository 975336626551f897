package io.ironcage.router.core.domain;

import java.util.Objects;

/**
 * What an answer's usage says beyond the four {@link TokenUsage} classes, where it changes the
 * price: which input and output tokens were audio, which cache writes had the 1-hour TTL, how many
 * output tokens were reasoning, and the tier that served the answer. Each count is a part of one of
 * the four classes, never an addition to them.
 *
 * @param cacheWriteOneHourTokens cache-write tokens written with the 1-hour TTL (part of {@link
 *     TokenUsage#cacheWriteTokens()}; Anthropic's {@code cache_creation.ephemeral_1h_input_tokens})
 * @param inputAudioTokens audio input tokens (part of {@link TokenUsage#inputTokens()})
 * @param outputAudioTokens audio output tokens (part of {@link TokenUsage#outputTokens()})
 * @param reasoningTokens reasoning tokens (part of {@link TokenUsage#outputTokens()}, billed as
 *     output; recorded for reports)
 * @param serviceTier the tier the answer says served it
 */
public record TokenDetails(
        long cacheWriteOneHourTokens,
        long inputAudioTokens,
        long outputAudioTokens,
        long reasoningTokens,
        ServiceTier serviceTier) {

    /** Nothing beyond the four classes: no audio, no 1-hour cache writes, the standard tier. */
    public static final TokenDetails NONE = new TokenDetails(0, 0, 0, 0, ServiceTier.STANDARD);

    /**
     * Validates the counts.
     *
     * @throws IllegalArgumentException if a count is negative
     * @throws NullPointerException if {@code serviceTier} is {@code null}
     */
    public TokenDetails {
        requireNonNegative(cacheWriteOneHourTokens, "cacheWriteOneHourTokens");
        requireNonNegative(inputAudioTokens, "inputAudioTokens");
        requireNonNegative(outputAudioTokens, "outputAudioTokens");
        requireNonNegative(reasoningTokens, "reasoningTokens");
        Objects.requireNonNull(serviceTier, "serviceTier");
    }

    /**
     * Returns these details served at another tier.
     *
     * @param tier the tier
     * @return the details
     */
    public TokenDetails withServiceTier(ServiceTier tier) {
        return new TokenDetails(
                cacheWriteOneHourTokens,
                inputAudioTokens,
                outputAudioTokens,
                reasoningTokens,
                tier);
    }

    /**
     * Adds two details count by count; the tier is the other's when this one is standard.
     *
     * @param other the details to add
     * @return the sum
     * @throws ArithmeticException on overflow
     */
    public TokenDetails plus(TokenDetails other) {
        return new TokenDetails(
                Math.addExact(cacheWriteOneHourTokens, other.cacheWriteOneHourTokens),
                Math.addExact(inputAudioTokens, other.inputAudioTokens),
                Math.addExact(outputAudioTokens, other.outputAudioTokens),
                Math.addExact(reasoningTokens, other.reasoningTokens),
                serviceTier == ServiceTier.STANDARD ? other.serviceTier : serviceTier);
    }

    // not TokenUsage's: TokenUsage.NONE is built from TokenDetails.NONE, so calling into TokenUsage
    // while this class initialises would see TokenDetails.NONE still null
    private static void requireNonNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
    }
}
