package io.ironcage.router.core.domain.pricing;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The prices and limits of one model, and the cost formulas of reference §6.4 on top of them.
 *
 * <p>All arithmetic is on {@code long} micro-dollars and micro-dollars per million tokens; every
 * cost is a sum of separately truncated terms ({@code tokens * price / 1_000_000} each), as the
 * reference's {@code calculate_cost_micros}. Arithmetic that would overflow a {@code long} throws
 * {@link ArithmeticException}; it never wraps.
 *
 * @param id the model id, as looked up in the pricing table (not blank)
 * @param provider the provider that serves the model (LiteLLM's {@code litellm_provider}), if it is
 *     one the router knows
 * @param input the price of an input token
 * @param output the price of an output token (reasoning tokens included)
 * @param cacheRead the price of an input token read from the prompt cache ({@code
 *     cache_read_input_token_cost}), if the table has one
 * @param cacheWrite the price of an input token written to the prompt cache ({@code
 *     cache_creation_input_token_cost}), if the table has one
 * @param maxOutputTokens the model's {@code max_output_tokens}, if known ({@code >= 0})
 * @param maxTokens the model's raw {@code max_tokens}, if known ({@code >= 0})
 * @param toolUseSystemPromptTokens tokens the provider adds to the input when the request has tools
 *     ({@code tool_use_system_prompt_tokens}; 0 when unknown, {@code >= 0})
 */
public record ModelPricing(
        String id,
        Optional<ProviderType> provider,
        TokenPrice input,
        TokenPrice output,
        Optional<TokenPrice> cacheRead,
        Optional<TokenPrice> cacheWrite,
        OptionalLong maxOutputTokens,
        OptionalLong maxTokens,
        long toolUseSystemPromptTokens) {

    /**
     * The output limit assumed for a model whose table entry gives none (reference {@code
     * MAX_OUTPUT_TOKENS}).
     */
    public static final long DEFAULT_MAX_OUTPUT_TOKENS = 128_000L;

    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code id} is blank or a token count is negative
     */
    public ModelPricing {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("a model id must not be blank");
        }
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(cacheRead, "cacheRead");
        Objects.requireNonNull(cacheWrite, "cacheWrite");
        Objects.requireNonNull(maxOutputTokens, "maxOutputTokens");
        Objects.requireNonNull(maxTokens, "maxTokens");
        if (maxOutputTokens.isPresent()) {
            requireNonNegative(maxOutputTokens.getAsLong(), "maxOutputTokens");
        }
        if (maxTokens.isPresent()) {
            requireNonNegative(maxTokens.getAsLong(), "maxTokens");
        }
        requireNonNegative(toolUseSystemPromptTokens, "toolUseSystemPromptTokens");
    }

    /**
     * Returns a model with input and output prices only (no provider, no cache prices, no limits),
     * for {@code pricing.overrides} and tests.
     *
     * @param id the model id, not blank
     * @param inputUsdPerMillionTokens dollars per million input tokens, finite and {@code >= 0}
     * @param outputUsdPerMillionTokens dollars per million output tokens, finite and {@code >= 0}
     * @return the pricing
     * @throws IllegalArgumentException if the id is blank or a price is negative, NaN or infinite
     */
    public static ModelPricing ofUsdPerMillionTokens(
            String id, double inputUsdPerMillionTokens, double outputUsdPerMillionTokens) {
        return new ModelPricing(
                id,
                Optional.empty(),
                TokenPrice.fromUsdPerMillionTokens(inputUsdPerMillionTokens),
                TokenPrice.fromUsdPerMillionTokens(outputUsdPerMillionTokens),
                Optional.empty(),
                Optional.empty(),
                OptionalLong.empty(),
                OptionalLong.empty(),
                0);
    }

    /**
     * Returns the output limit used when a request gives none, and the cap on a request's limit:
     * {@code max_output_tokens}, else {@code max_tokens}, else {@link #DEFAULT_MAX_OUTPUT_TOKENS}
     * (reference {@code max_output_tokens().unwrap_or(128000)}).
     *
     * @return the effective maximum output tokens
     */
    public long effectiveMaxOutputTokens() {
        if (maxOutputTokens.isPresent()) {
            return maxOutputTokens.getAsLong();
        }
        return maxTokens.isPresent() ? maxTokens.getAsLong() : DEFAULT_MAX_OUTPUT_TOKENS;
    }

    /**
     * Returns whether the model has a price (reference {@code has_valid_pricing}): the input or the
     * output price is not zero. Entries without one are dropped when a table is loaded.
     *
     * @return {@code true} if the input or output price is non-zero
     */
    public boolean hasValidPricing() {
        return !input.isFree() || !output.isFree();
    }

    /**
     * Returns the price of a cache-read token: {@link #cacheRead()}, or the input price when the
     * table has none (a provider that reports cache reads for a model without a listed price is
     * then billed at the full input price, which never undercharges).
     *
     * @return the cache-read price
     */
    public TokenPrice cacheReadPrice() {
        return cacheRead.orElse(input);
    }

    /**
     * Returns the price of a cache-write token: {@link #cacheWrite()}, or the input price when the
     * table has none (OpenAI charges nothing extra for writing its cache, so such tokens are plain
     * input).
     *
     * @return the cache-write price
     */
    public TokenPrice cacheWritePrice() {
        return cacheWrite.orElse(input);
    }

    /**
     * Returns the highest price any input token can be billed at: the maximum of the input,
     * cache-read and cache-write prices. Used by the worst case, because the provider decides which
     * input tokens become cache writes (on Anthropic a cache write costs 1.25 times plain input).
     *
     * @return the highest input-side price
     */
    public TokenPrice highestInputPrice() {
        return input.max(cacheReadPrice()).max(cacheWritePrice());
    }

    /**
     * The reference's {@code calculate_cost_micros}: {@code in * inRate / 1_000_000 + out * outRate
     * / 1_000_000}, each term truncated on its own.
     *
     * @param inputTokens input tokens, {@code >= 0}
     * @param outputTokens output tokens, {@code >= 0}
     * @return the cost in micro-dollars
     * @throws IllegalArgumentException if a count is negative
     * @throws ArithmeticException on overflow
     */
    public long costMicros(long inputTokens, long outputTokens) {
        return Math.addExact(input.costMicros(inputTokens), output.costMicros(outputTokens));
    }

    /**
     * Returns the real cost of a usage: input, output, cache-read and cache-write tokens each at
     * its own price, each term truncated on its own (as {@link #costMicros(long, long)}). A missing
     * cache price falls back to the input price ({@link #cacheReadPrice()}, {@link
     * #cacheWritePrice()}).
     *
     * <p>Where we differ (reference §6.6): the reference prices only input and output tokens and
     * ignores cache tokens.
     *
     * @param usage the tokens the provider reported
     * @return the cost
     * @throws ArithmeticException on overflow
     */
    public Money cost(TokenUsage usage) {
        Objects.requireNonNull(usage, "usage");
        long micros = input.costMicros(usage.inputTokens());
        micros = Math.addExact(micros, output.costMicros(usage.outputTokens()));
        micros = Math.addExact(micros, cacheReadPrice().costMicros(usage.cacheReadTokens()));
        micros = Math.addExact(micros, cacheWritePrice().costMicros(usage.cacheWriteTokens()));
        return Money.ofMicros(micros);
    }

    /**
     * The reference's {@code calculate_max_cost_micros}: the output limit is the request's limit
     * capped at {@link #effectiveMaxOutputTokens()}, or that maximum when the request gives none.
     *
     * @param inputTokens input tokens, {@code >= 0}
     * @param requestMaxOutput the request's output limit, if any ({@code >= 0})
     * @return the cost in micro-dollars
     * @throws IllegalArgumentException if a count is negative
     * @throws ArithmeticException on overflow
     */
    public long maxCostMicros(long inputTokens, OptionalLong requestMaxOutput) {
        Objects.requireNonNull(requestMaxOutput, "requestMaxOutput");
        return costMicros(inputTokens, cappedOutputTokens(requestMaxOutput));
    }

    /**
     * Returns the most input tokens a request of this shape can be billed for: {@code bodyUtf8Bytes
     * + (hasTools ? toolUseSystemPromptTokens : 0) + imageCount × IMAGE_TOKEN_ALLOWANCE}.
     *
     * <p>Each term is an upper bound: every text token is at least one byte of the body (byte-level
     * BPE tokenizers; message framing tokens are outnumbered by the JSON syntax around each
     * message); the tool-use system prompt is added by the provider and is not in the body; an
     * image is billed by its pixels, not its bytes, and {@link RequestShape#IMAGE_TOKEN_ALLOWANCE}
     * bounds one image.
     *
     * @param shape the request
     * @return the input-token bound
     * @throws ArithmeticException on overflow
     */
    public long worstCaseInputTokens(RequestShape shape) {
        long tokens = shape.bodyUtf8Bytes();
        if (shape.hasTools()) {
            tokens = Math.addExact(tokens, toolUseSystemPromptTokens);
        }
        return Math.addExact(
                tokens, Math.multiplyExact(shape.imageCount(), RequestShape.IMAGE_TOKEN_ALLOWANCE));
    }

    /**
     * Returns the most output tokens a request of this shape can be billed for: the request's limit
     * capped at {@link #effectiveMaxOutputTokens()} (the provider cannot produce more than the
     * model's maximum), or that maximum when the request gives none, times the number of choices
     * (each of OpenAI's {@code n} completions is billed).
     *
     * @param shape the request
     * @return the output-token bound
     * @throws ArithmeticException on overflow
     */
    public long worstCaseOutputTokens(RequestShape shape) {
        return Math.multiplyExact(
                cappedOutputTokens(shape.requestedMaxOutputTokens()), (long) shape.choices());
    }

    /**
     * Returns the worst-case cost of a request, reserved before it is sent (PRODUCT.md "The request
     * path" step 4): {@link #worstCaseInputTokens} at {@link #highestInputPrice()} plus {@link
     * #worstCaseOutputTokens} at the output price, each term truncated.
     *
     * <p>It is an upper bound of {@link #cost(TokenUsage)} for every usage within those bounds:
     * however the provider splits the input into plain, cache-read and cache-write tokens, each is
     * priced at most at the highest input price, and the sum of truncated terms is at most the
     * truncated sum. Limits of the bound: prices the table does not carry (long-context surcharges,
     * 1-hour cache writes, priority tiers, server-side tools) are not covered.
     *
     * @param shape the request
     * @return the worst-case cost
     * @throws ArithmeticException on overflow
     */
    public Money worstCase(RequestShape shape) {
        Objects.requireNonNull(shape, "shape");
        long inputMicros = highestInputPrice().costMicros(worstCaseInputTokens(shape));
        long outputMicros = output.costMicros(worstCaseOutputTokens(shape));
        return Money.ofMicros(Math.addExact(inputMicros, outputMicros));
    }

    /**
     * Returns the reference's reservation estimate, reported as the "expected" cost: the
     * reference's {@code estimate_max_cost} (reference §6.4), i.e. {@link #costMicros(long, long)}
     * of {@link RequestShape#referenceInputTokenEstimate()} and of {@link
     * RequestShape#referenceMaxTokens()}, else {@link #effectiveMaxOutputTokens()} — not capped at
     * the model's maximum, as in the reference.
     *
     * <p>It is not an upper bound: token-dense text undershoots the reference's bytes/4 estimate,
     * and it ignores tools, images and {@code n}. Never reserve it.
     *
     * @param shape the request
     * @return the expected cost
     * @throws ArithmeticException on overflow
     */
    public Money expected(RequestShape shape) {
        Objects.requireNonNull(shape, "shape");
        long outputTokens = shape.referenceMaxTokens().orElse(effectiveMaxOutputTokens());
        return Money.ofMicros(costMicros(shape.referenceInputTokenEstimate(), outputTokens));
    }

    private long cappedOutputTokens(OptionalLong requestMaxOutput) {
        long max = effectiveMaxOutputTokens();
        return requestMaxOutput.isPresent() ? Math.min(requestMaxOutput.getAsLong(), max) : max;
    }

    private static void requireNonNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
    }
}
