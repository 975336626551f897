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
 * @param provider the provider that serves the model (the price database's provider, LiteLLM's
 *     {@code litellm_provider}), if it is one the router knows
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
 * @param tiers the prices of the tiers a request can trigger that may cost more than the standard
 *     prices ({@link TierPrices#NONE} when the table lists none)
 * @param maxInputTokens the model's context window for input ({@code max_input_tokens}), if known
 *     ({@code >= 0}): the input bound of a request that makes the provider read input its body does
 *     not hold ({@link ServerSideUse#inputField()})
 * @param webSearchMicrosPerCall the fee of one web search in micro-dollars (the largest of {@code
 *     search_context_cost_per_query}), if the table lists one ({@code >= 0})
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
        long toolUseSystemPromptTokens,
        TierPrices tiers,
        OptionalLong maxInputTokens,
        OptionalLong webSearchMicrosPerCall) {

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
        Objects.requireNonNull(tiers, "tiers");
        Objects.requireNonNull(maxInputTokens, "maxInputTokens");
        Objects.requireNonNull(webSearchMicrosPerCall, "webSearchMicrosPerCall");
        if (maxInputTokens.isPresent()) {
            requireNonNegative(maxInputTokens.getAsLong(), "maxInputTokens");
        }
        if (webSearchMicrosPerCall.isPresent()) {
            requireNonNegative(webSearchMicrosPerCall.getAsLong(), "webSearchMicrosPerCall");
        }
    }

    /**
     * Returns a model without a known context window or web-search fee; the parameters are the
     * components of the same names.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code id} is blank or a token count is negative
     */
    public ModelPricing(
            String id,
            Optional<ProviderType> provider,
            TokenPrice input,
            TokenPrice output,
            Optional<TokenPrice> cacheRead,
            Optional<TokenPrice> cacheWrite,
            OptionalLong maxOutputTokens,
            OptionalLong maxTokens,
            long toolUseSystemPromptTokens,
            TierPrices tiers) {
        this(
                id,
                provider,
                input,
                output,
                cacheRead,
                cacheWrite,
                maxOutputTokens,
                maxTokens,
                toolUseSystemPromptTokens,
                tiers,
                OptionalLong.empty(),
                OptionalLong.empty());
    }

    /**
     * Returns a model without tier prices ({@link TierPrices#NONE}), a known context window or a
     * web-search fee; the parameters are the components of the same names.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code id} is blank or a token count is negative
     */
    public ModelPricing(
            String id,
            Optional<ProviderType> provider,
            TokenPrice input,
            TokenPrice output,
            Optional<TokenPrice> cacheRead,
            Optional<TokenPrice> cacheWrite,
            OptionalLong maxOutputTokens,
            OptionalLong maxTokens,
            long toolUseSystemPromptTokens) {
        this(
                id,
                provider,
                input,
                output,
                cacheRead,
                cacheWrite,
                maxOutputTokens,
                maxTokens,
                toolUseSystemPromptTokens,
                TierPrices.NONE);
    }

    /**
     * Returns a model with input and output prices only (no provider, no cache or tier prices, no
     * limits), for {@code pricing.overrides} and tests.
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
     * Returns this model with a context window of at least {@code tokens} (a beta such as
     * Anthropic's {@code context-1m} opens a larger window than the table's).
     *
     * @param tokens the least window, {@code >= 0}
     * @return the model, this one when its window is already as large
     */
    public ModelPricing withContextWindowAtLeast(long tokens) {
        requireNonNegative(tokens, "tokens");
        if (maxInputTokens.isPresent() && maxInputTokens.getAsLong() >= tokens) {
            return this;
        }
        return new ModelPricing(
                id,
                provider,
                input,
                output,
                cacheRead,
                cacheWrite,
                maxOutputTokens,
                maxTokens,
                toolUseSystemPromptTokens,
                tiers,
                OptionalLong.of(tokens),
                webSearchMicrosPerCall);
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
     * Returns the highest price any input token can be billed at the standard tier: the maximum of
     * the input, cache-read and cache-write prices. The provider decides which input tokens become
     * cache writes (on Anthropic a cache write costs 1.25 times plain input).
     *
     * @return the highest standard input-side price
     */
    public TokenPrice highestInputPrice() {
        return input.max(cacheReadPrice()).max(cacheWritePrice());
    }

    /**
     * Returns the price of a cache write with the 1-hour TTL: the table's {@code
     * cache_creation_input_token_cost_above_1hr}, else twice the input price, which is Anthropic's
     * published rule (the bundled table lacks the field for some models, e.g. claude-sonnet-4-5).
     *
     * @return the 1-hour cache-write price
     * @throws ArithmeticException on overflow
     */
    public TokenPrice oneHourCacheWritePrice() {
        return tiers.cacheWriteOneHour()
                .orElseGet(
                        () ->
                                new TokenPrice(
                                        Math.multiplyExact(input.microsPerMillionTokens(), 2L)));
    }

    /**
     * The 1-hour cache-write price, in a long-context request when {@code longContext}: on
     * Anthropic the cache multipliers apply on top of the long-context prices, so it is then {@code
     * oneHour × longContextInput / input}, rounded up (the standard 1-hour price when the model has
     * no long-context input price or a free input).
     */
    TokenPrice oneHourCacheWritePrice(boolean longContext) {
        TokenPrice oneHour = oneHourCacheWritePrice();
        Optional<TokenPrice> lcInput = tiers.longContext().flatMap(lc -> lc.prices().input());
        if (!longContext || lcInput.isEmpty() || input.isFree()) {
            return oneHour;
        }
        long product =
                Math.multiplyExact(
                        oneHour.microsPerMillionTokens(), lcInput.get().microsPerMillionTokens());
        long divisor = input.microsPerMillionTokens();
        long quotient = product / divisor;
        return new TokenPrice(product % divisor == 0 ? quotient : quotient + 1);
    }

    // --- the cost of a usage, and the reference's formulas ---

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
     * Returns what the provider bills for a usage: every token at the price of its class (plain
     * input, audio input, cache read, 5-minute and 1-hour cache write, output, audio output), at
     * the long-context prices when the usage's input is above the model's threshold, and at the
     * prices of the service tier the answer reports; each term truncated on its own (as {@link
     * #costMicros(long, long)}). A price the table does not list falls back to the standard price
     * of the class ({@link #cacheReadPrice()}, {@link #cacheWritePrice()}, {@link
     * #oneHourCacheWritePrice()}). With no details ({@link
     * io.ironcage.router.core.domain.TokenDetails#NONE}) and input below the threshold, this is the
     * four standard classes and nothing else. The rules are on {@link Bill}.
     *
     * <p>Where we differ (reference §6.6): the reference prices only input and output tokens at the
     * standard prices and ignores cache tokens and tiers.
     *
     * @param usage the tokens the provider reported
     * @return the cost
     * @throws ArithmeticException on overflow
     */
    public Money cost(TokenUsage usage) {
        return new Bill(this, usage).cost();
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

    // --- the worst case of a request, reserved before it is sent (computed by WorstCase) ---

    /**
     * Returns the worst-case cost of a request, reserved before it is sent (ARCHITECTURE.md "The
     * request path" step 4): {@link #worstCaseInputTokens} at {@link
     * #highestInputPrice(RequestShape)} plus {@link #worstCaseOutputTokens} at {@link
     * #highestOutputPrice(RequestShape)}, each term truncated, plus {@link
     * #worstCaseToolFeeMicros}: an upper bound of what the provider can bill, at the standard
     * prices ({@link #cost(TokenUsage)}) and at every tier price the shape triggers, but for what
     * the table does not price (an unlisted tier price, server tools other than web search).
     *
     * @param shape the request
     * @return the worst-case cost
     * @throws ArithmeticException on overflow
     */
    public Money worstCase(RequestShape shape) {
        return new WorstCase(this, shape).cost();
    }

    /**
     * Returns the most input tokens a request of this shape can be billed for: {@code bodyUtf8Bytes
     * + (hasTools ? toolUseSystemPromptTokens : 0) + imageCount × IMAGE_TOKEN_ALLOWANCE}, or the
     * model's context window ({@link #maxInputTokens()}) when that is larger and the request makes
     * the provider read input its body does not hold ({@link ServerSideUse#inputField()}).
     *
     * @param shape the request
     * @return the input-token bound
     * @throws ArithmeticException on overflow
     */
    public long worstCaseInputTokens(RequestShape shape) {
        return new WorstCase(this, shape).inputTokens();
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
        return new WorstCase(this, shape).outputTokens();
    }

    /**
     * Returns whether a request of this shape may be billed at the long-context prices: its {@link
     * #worstCaseInputTokens input bound} is above the model's long-context threshold ({@link
     * TierPrices#longContext()}). Since the bound is at least the real input, a request for which
     * this is {@code false} never is.
     *
     * @param shape the request
     * @return {@code true} if the long-context prices may apply
     * @throws ArithmeticException on overflow
     */
    public boolean mayBeLongContext(RequestShape shape) {
        return new WorstCase(this, shape).mayBeLongContext();
    }

    /**
     * Returns the highest price any input token of a request of this shape can be billed at: the
     * {@link #highestInputPrice() standard} ones, and the tier prices the shape triggers — the
     * 1-hour cache-write price for {@link RequestShape#oneHourCache()}, the priority input and
     * cache-read prices for {@link RequestShape#priorityTier()}, the long-context input, cache-read
     * and cache-write prices when {@link #mayBeLongContext}, and the audio input price for {@link
     * RequestShape#audioInput()}; for a 1-hour cache write in a long-context request, {@code
     * cacheWriteOneHour × inputAboveLongContext / input}, rounded up, too.
     *
     * @param shape the request
     * @return the highest input-side price
     * @throws ArithmeticException on overflow
     */
    public TokenPrice highestInputPrice(RequestShape shape) {
        return new WorstCase(this, shape).highestInputPrice();
    }

    /**
     * Returns the highest price any output token of a request of this shape can be billed at: the
     * output price, the priority output price for {@link RequestShape#priorityTier()}, the
     * long-context output price when {@link #mayBeLongContext}, and the audio output price for
     * {@link RequestShape#audioOutput()}.
     *
     * @param shape the request
     * @return the highest output price
     * @throws ArithmeticException on overflow
     */
    public TokenPrice highestOutputPrice(RequestShape shape) {
        return new WorstCase(this, shape).highestOutputPrice();
    }

    // --- what a request makes the provider do beyond its body (computed by ServerSideUse) ---

    /**
     * Returns why the worst case of a request of this shape is not a true bound, if it is not: the
     * request makes the provider read input its body does not hold and the table gives no context
     * window for the model, or it lets the model search the web, the table prices searches, and
     * nothing in the request bounds their number. Under a finite budget such a request is refused
     * with this sentence.
     *
     * @param shape the request
     * @return a sentence naming the field at fault, or empty when the worst case is a true bound
     */
    public Optional<String> unboundedBy(RequestShape shape) {
        Objects.requireNonNull(shape, "shape");
        return shape.serverSide().unboundedBy(this);
    }

    /**
     * Returns the field of a request whose cost this model's prices cannot meter, if it has one:
     * {@link ServerSideUse#unmeteredField()}, its web search when the table lists no per-search fee
     * for the model, or its {@code service_tier} when it asks for priority processing and the table
     * lists no priority prices for the model. Under a finite budget such a request is refused
     * unless unmetered use is allowed; then its tokens are billed and that work is not.
     *
     * @param shape the request
     * @return the field, or empty when every cost of the request is priced
     */
    public Optional<String> unmeteredBy(RequestShape shape) {
        Optional<String> field = shape.serverSide().unmeteredBy(this);
        if (field.isEmpty() && shape.priorityTier() && tiers.priority().isEmpty()) {
            // priority processing costs more, by a factor that differs per model
            return Optional.of("service_tier");
        }
        return field;
    }

    /**
     * Returns the per-call tool fees of an answered request: the searches the provider reported
     * times {@link #webSearchMicrosPerCall()}, or the bound's fees ({@link
     * #worstCaseToolFeeMicros}) when the answer does not say how many searches ran.
     *
     * @param shape the request
     * @param searchesReported the web searches the answer reports, if it reports them
     * @return the fees in micro-dollars
     * @throws ArithmeticException on overflow
     */
    public long toolFeeMicros(RequestShape shape, OptionalLong searchesReported) {
        return shape.serverSide().toolFeeMicros(this, searchesReported);
    }

    /**
     * Returns the most a request of this shape can be billed in per-call tool fees: its web-search
     * bound times {@link #webSearchMicrosPerCall()} when the table lists that fee, else 0.
     *
     * @param shape the request
     * @return the fees in micro-dollars
     * @throws ArithmeticException on overflow
     */
    public long worstCaseToolFeeMicros(RequestShape shape) {
        return shape.serverSide().worstCaseToolFeeMicros(this);
    }

    /** The request's output limit capped at the model's, or the model's when it gives none. */
    long cappedOutputTokens(OptionalLong requestMaxOutput) {
        long max = effectiveMaxOutputTokens();
        return requestMaxOutput.isPresent() ? Math.min(requestMaxOutput.getAsLong(), max) : max;
    }

    private static void requireNonNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
    }
}
