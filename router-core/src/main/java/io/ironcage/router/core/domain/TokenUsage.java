package io.ironcage.router.core.domain;

import java.util.Objects;

/**
 * Tokens a request used, by the class each is billed at.
 *
 * <p>The four classes do not overlap: {@code inputTokens} counts only input billed at the normal
 * input price, so a provider's "prompt tokens including cached ones" must be split before it gets
 * here (OpenAI's {@code prompt_tokens} includes {@code cached_tokens}; Anthropic's {@code
 * input_tokens} already excludes cache reads and writes).
 *
 * @param inputTokens input tokens at the normal input price
 * @param outputTokens output tokens (including reasoning tokens)
 * @param cacheReadTokens input tokens read from the provider's prompt cache
 * @param cacheWriteTokens input tokens written to the provider's prompt cache
 * @param details what the usage says beyond the four classes (audio, 1-hour cache writes,
 *     reasoning, the service tier), {@link TokenDetails#NONE} when nothing
 */
public record TokenUsage(
        long inputTokens,
        long outputTokens,
        long cacheReadTokens,
        long cacheWriteTokens,
        TokenDetails details) {
    /** No tokens at all. */
    public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0);

    /**
     * Validates the counts.
     *
     * @throws IllegalArgumentException if a count is negative, or a detail is more than the class
     *     it is part of
     * @throws NullPointerException if {@code details} is {@code null}
     */
    public TokenUsage {
        requireNonNegative(inputTokens, "inputTokens");
        requireNonNegative(outputTokens, "outputTokens");
        requireNonNegative(cacheReadTokens, "cacheReadTokens");
        requireNonNegative(cacheWriteTokens, "cacheWriteTokens");
        Objects.requireNonNull(details, "details");
        requirePart(details.cacheWriteOneHourTokens(), cacheWriteTokens, "cacheWriteOneHourTokens");
        requirePart(details.inputAudioTokens(), inputTokens, "inputAudioTokens");
        requirePart(details.outputAudioTokens(), outputTokens, "outputAudioTokens");
        requirePart(details.reasoningTokens(), outputTokens, "reasoningTokens");
    }

    /**
     * Returns a usage of the four classes without details ({@link TokenDetails#NONE}).
     *
     * @param inputTokens input tokens at the normal input price
     * @param outputTokens output tokens (including reasoning tokens)
     * @param cacheReadTokens input tokens read from the provider's prompt cache
     * @param cacheWriteTokens input tokens written to the provider's prompt cache
     * @throws IllegalArgumentException if a count is negative
     */
    public TokenUsage(
            long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens) {
        this(inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, TokenDetails.NONE);
    }

    /**
     * Returns this usage with other details.
     *
     * @param details the details
     * @return the usage
     * @throws IllegalArgumentException if a detail is more than the class it is part of
     */
    public TokenUsage withDetails(TokenDetails details) {
        return new TokenUsage(
                inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, details);
    }

    /**
     * Returns a usage without cache tokens.
     *
     * @param inputTokens input tokens
     * @param outputTokens output tokens
     * @return the usage
     */
    public static TokenUsage of(long inputTokens, long outputTokens) {
        return new TokenUsage(inputTokens, outputTokens, 0, 0);
    }

    /**
     * Returns all input tokens, whatever their price class.
     *
     * @return input + cache-read + cache-write tokens
     * @throws ArithmeticException on overflow
     */
    public long totalInputTokens() {
        return Math.addExact(Math.addExact(inputTokens, cacheReadTokens), cacheWriteTokens);
    }

    /**
     * Adds two usages class by class.
     *
     * @param other the usage to add
     * @return the sum
     * @throws ArithmeticException on overflow
     */
    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(
                Math.addExact(inputTokens, other.inputTokens),
                Math.addExact(outputTokens, other.outputTokens),
                Math.addExact(cacheReadTokens, other.cacheReadTokens),
                Math.addExact(cacheWriteTokens, other.cacheWriteTokens),
                details.plus(other.details));
    }

    private static void requirePart(long part, long whole, String name) {
        if (part > whole) {
            throw new IllegalArgumentException(
                    name
                            + " ("
                            + part
                            + ") must not be more than the tokens it is part of ("
                            + whole
                            + ")");
        }
    }

    private static void requireNonNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
    }
}
