package io.ironcage.router.core.domain.pricing;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * The facts about one request that are needed to price it before it is sent, extracted from the
 * request body elsewhere (for JSON bodies by {@code
 * io.ironcage.router.core.provider.RequestShapes}).
 *
 * <p>Two prices are computed from a shape (see {@link ModelPricing#worstCase(RequestShape)} and
 * {@link ModelPricing#expected(RequestShape)}): the worst case, a true upper bound that is reserved
 * in the budget ledger (ARCHITECTURE.md "The request path" step 4), and the reference's estimate
 * (reference §6.4 {@code estimate_max_cost}), reported as the "expected" cost.
 *
 * @param bodyUtf8Bytes the size of the request body as sent, in bytes ({@code >= 0}); bounds the
 *     text tokens of the request, because a token of a byte-level BPE tokenizer is at least one
 *     byte of input and the body holds every byte the model reads (JSON escapes only make it
 *     longer)
 * @param promptTextUtf8Bytes what the reference's input estimator counts (reference §6.5): the sum
 *     of the UTF-8 byte lengths of the {@code messages[*].content} strings and of the {@code text}
 *     of content blocks, plus a top-level string {@code system} ({@code >= 0})
 * @param requestedMaxOutputTokens the output limit the request asks for ({@code max_tokens}, {@code
 *     max_completion_tokens} or {@code max_output_tokens}), if it gave one; used by the worst case
 * @param referenceMaxTokens the output limit the reference's {@code estimate_max_cost} would use,
 *     reproducing its quirk: the {@code max_tokens} value if that key is present, empty when that
 *     value is not a non-negative integer, else {@code max_completion_tokens}
 * @param hasTools whether the request defines tools (a non-empty {@code tools} array), which makes
 *     the provider add its tool-use system prompt
 * @param imageCount the number of image parts in the request ({@code >= 0}), by URL or inline
 * @param choices the number of completions asked for (OpenAI {@code n}), {@code >= 1}
 * @param priorityTier whether the request asks for OpenAI's priority processing ({@code
 *     service_tier} {@code "priority"}), billed at the {@code *_priority} prices
 * @param oneHourCache whether the request asks for Anthropic's 1-hour prompt cache (a {@code
 *     cache_control} with {@code ttl} {@code "1h"}), whose cache writes are billed at {@code
 *     cache_creation_input_token_cost_above_1hr}
 * @param audioInput whether the request may have audio input tokens (an audio input part, or an
 *     earlier audio answer it refers to), billed at {@code input_cost_per_audio_token}
 * @param audioOutput whether the request asks for audio output ({@code modalities} with {@code
 *     "audio"}, or an {@code audio} parameter), billed at {@code output_cost_per_audio_token}
 * @param serverSide what the request makes the provider read or do beyond its body ({@link
 *     ServerSideUse#NONE} for a request that holds all its input)
 * @param countedInputTokens a tighter bound of the same text tokens {@code bodyUtf8Bytes} bounds,
 *     counted with the model's tokenizer by the provider's binding ({@code
 *     io.ironcage.router.core.provider.ProviderApi#inputTokenBound}), if it could count them: the
 *     text, the message framing and the tool definitions, margin included, images excluded (they
 *     get {@link #IMAGE_TOKEN_ALLOWANCE} each either way); empty for a model without a public
 *     tokenizer or a body it cannot count. The worst case uses the smaller of the two ({@link
 *     #textInputTokensBound()})
 */
public record RequestShape(
        long bodyUtf8Bytes,
        long promptTextUtf8Bytes,
        OptionalLong requestedMaxOutputTokens,
        OptionalLong referenceMaxTokens,
        boolean hasTools,
        int imageCount,
        int choices,
        boolean priorityTier,
        boolean oneHourCache,
        boolean audioInput,
        boolean audioOutput,
        ServerSideUse serverSide,
        OptionalLong countedInputTokens) {

    /**
     * Input tokens allowed for each image part in the worst case: 50,000.
     *
     * <p>Why this bounds one image across the pricing table's models: OpenAI's {@code gpt-4o-mini}
     * bills a high-detail image at 2,833 base tokens plus 5,667 tokens per 512-pixel tile (about 33
     * times {@code gpt-4o}'s 85 + 170); a high-detail image is scaled to fit 2048×2048 and then to
     * 768 pixels on its short side, so it has at most 4×2 = 8 tiles, i.e. at most 2,833 + 8 × 5,667
     * = 48,169 tokens. The other tile-based models bill less per tile (gpt-4o 85 + 170 per tile,
     * the o-series 75 + 150), the patch-based ones (gpt-4.1-mini/nano, o4-mini) cap at 1,536
     * patches times a multiplier of at most 2.46 (≈ 3,800 tokens), and Anthropic bills about
     * width×height/750 for an image of at most about 1.15 megapixels (≈ 1,600 tokens).
     *
     * <p>It is added for every image part, by URL and by data URL alike: a small inline image can
     * cost far more tokens than its base64 bytes, so the body size does not bound it.
     */
    public static final long IMAGE_TOKEN_ALLOWANCE = 50_000L;

    /** The reference's input estimate when the prompt has no text (reference §6.5). */
    public static final long REFERENCE_EMPTY_PROMPT_ESTIMATE = 1_000L;

    /**
     * Validates the shape.
     *
     * @throws IllegalArgumentException if a count is negative or {@code choices} is below 1
     * @throws NullPointerException if an optional component is {@code null}
     */
    public RequestShape {
        requireNonNegative(bodyUtf8Bytes, "bodyUtf8Bytes");
        requireNonNegative(promptTextUtf8Bytes, "promptTextUtf8Bytes");
        Objects.requireNonNull(requestedMaxOutputTokens, "requestedMaxOutputTokens");
        Objects.requireNonNull(referenceMaxTokens, "referenceMaxTokens");
        if (requestedMaxOutputTokens.isPresent()) {
            requireNonNegative(requestedMaxOutputTokens.getAsLong(), "requestedMaxOutputTokens");
        }
        if (referenceMaxTokens.isPresent()) {
            requireNonNegative(referenceMaxTokens.getAsLong(), "referenceMaxTokens");
        }
        requireNonNegative(imageCount, "imageCount");
        if (choices < 1) {
            throw new IllegalArgumentException("choices must be at least 1, got " + choices);
        }
        Objects.requireNonNull(serverSide, "serverSide");
        Objects.requireNonNull(countedInputTokens, "countedInputTokens");
        if (countedInputTokens.isPresent()) {
            requireNonNegative(countedInputTokens.getAsLong(), "countedInputTokens");
        }
    }

    /**
     * Returns a shape without a counted input bound: its text tokens are bounded by its bytes.
     *
     * @param bodyUtf8Bytes the size of the request body, in bytes ({@code >= 0})
     * @param promptTextUtf8Bytes what the reference's input estimator counts ({@code >= 0})
     * @param requestedMaxOutputTokens the output limit the request asks for, if any
     * @param referenceMaxTokens the output limit the reference's estimate would use, if any
     * @param hasTools whether the request defines tools
     * @param imageCount the number of image parts ({@code >= 0})
     * @param choices the number of completions asked for ({@code >= 1})
     * @param priorityTier whether the request asks for the priority tier
     * @param oneHourCache whether the request asks for the 1-hour prompt cache
     * @param audioInput whether the request may have audio input tokens
     * @param audioOutput whether the request asks for audio output
     * @param serverSide what the request makes the provider read or do beyond its body
     * @throws IllegalArgumentException if a count is negative or {@code choices} is below 1
     * @throws NullPointerException if an optional component is {@code null}
     */
    public RequestShape(
            long bodyUtf8Bytes,
            long promptTextUtf8Bytes,
            OptionalLong requestedMaxOutputTokens,
            OptionalLong referenceMaxTokens,
            boolean hasTools,
            int imageCount,
            int choices,
            boolean priorityTier,
            boolean oneHourCache,
            boolean audioInput,
            boolean audioOutput,
            ServerSideUse serverSide) {
        this(
                bodyUtf8Bytes,
                promptTextUtf8Bytes,
                requestedMaxOutputTokens,
                referenceMaxTokens,
                hasTools,
                imageCount,
                choices,
                priorityTier,
                oneHourCache,
                audioInput,
                audioOutput,
                serverSide,
                OptionalLong.empty());
    }

    /**
     * Returns a shape whose body holds all its input ({@link ServerSideUse#NONE}).
     *
     * @param bodyUtf8Bytes the size of the request body, in bytes ({@code >= 0})
     * @param promptTextUtf8Bytes what the reference's input estimator counts ({@code >= 0})
     * @param requestedMaxOutputTokens the output limit the request asks for, if any
     * @param referenceMaxTokens the output limit the reference's estimate would use, if any
     * @param hasTools whether the request defines tools
     * @param imageCount the number of image parts ({@code >= 0})
     * @param choices the number of completions asked for ({@code >= 1})
     * @param priorityTier whether the request asks for the priority tier
     * @param oneHourCache whether the request asks for the 1-hour prompt cache
     * @param audioInput whether the request may have audio input tokens
     * @param audioOutput whether the request asks for audio output
     * @throws IllegalArgumentException if a count is negative or {@code choices} is below 1
     * @throws NullPointerException if an optional component is {@code null}
     */
    public RequestShape(
            long bodyUtf8Bytes,
            long promptTextUtf8Bytes,
            OptionalLong requestedMaxOutputTokens,
            OptionalLong referenceMaxTokens,
            boolean hasTools,
            int imageCount,
            int choices,
            boolean priorityTier,
            boolean oneHourCache,
            boolean audioInput,
            boolean audioOutput) {
        this(
                bodyUtf8Bytes,
                promptTextUtf8Bytes,
                requestedMaxOutputTokens,
                referenceMaxTokens,
                hasTools,
                imageCount,
                choices,
                priorityTier,
                oneHourCache,
                audioInput,
                audioOutput,
                ServerSideUse.NONE);
    }

    /**
     * Returns a shape that triggers no price tier (no priority, 1-hour cache or audio).
     *
     * @param bodyUtf8Bytes the size of the request body, in bytes ({@code >= 0})
     * @param promptTextUtf8Bytes what the reference's input estimator counts ({@code >= 0})
     * @param requestedMaxOutputTokens the output limit the request asks for, if any
     * @param referenceMaxTokens the output limit the reference's estimate would use, if any
     * @param hasTools whether the request defines tools
     * @param imageCount the number of image parts ({@code >= 0})
     * @param choices the number of completions asked for ({@code >= 1})
     * @throws IllegalArgumentException if a count is negative or {@code choices} is below 1
     * @throws NullPointerException if an optional component is {@code null}
     */
    public RequestShape(
            long bodyUtf8Bytes,
            long promptTextUtf8Bytes,
            OptionalLong requestedMaxOutputTokens,
            OptionalLong referenceMaxTokens,
            boolean hasTools,
            int imageCount,
            int choices) {
        this(
                bodyUtf8Bytes,
                promptTextUtf8Bytes,
                requestedMaxOutputTokens,
                referenceMaxTokens,
                hasTools,
                imageCount,
                choices,
                false,
                false,
                false,
                false);
    }

    /**
     * Returns this shape with a counted bound of its text input tokens.
     *
     * @param countedInputTokens the bound, margin included and images excluded, or empty to bound
     *     the text tokens by the body's bytes
     * @return the shape, otherwise unchanged
     * @throws IllegalArgumentException if the bound is negative
     * @throws NullPointerException if {@code countedInputTokens} is {@code null}
     */
    public RequestShape withCountedInputTokens(OptionalLong countedInputTokens) {
        return new RequestShape(
                bodyUtf8Bytes,
                promptTextUtf8Bytes,
                requestedMaxOutputTokens,
                referenceMaxTokens,
                hasTools,
                imageCount,
                choices,
                priorityTier,
                oneHourCache,
                audioInput,
                audioOutput,
                serverSide,
                countedInputTokens);
    }

    /**
     * Returns the bound of the request's text input tokens the worst case starts from: {@link
     * #countedInputTokens()} when present, never more than {@link #bodyUtf8Bytes()} (both are upper
     * bounds, so the smaller one is too).
     *
     * @return the bound, in tokens
     */
    public long textInputTokensBound() {
        return countedInputTokens.isPresent()
                ? Math.min(countedInputTokens.getAsLong(), bodyUtf8Bytes)
                : bodyUtf8Bytes;
    }

    /**
     * Returns the reference's input-token estimate for this request ({@link
     * #referenceInputTokenEstimate(long)} of {@link #promptTextUtf8Bytes()}).
     *
     * @return the estimated input tokens
     */
    public long referenceInputTokenEstimate() {
        return referenceInputTokenEstimate(promptTextUtf8Bytes);
    }

    /**
     * The reference's input-token estimate, exactly as {@code
     * token_estimation::estimate_input_tokens} (reference §6.5): {@code 1000} when there is no
     * prompt text, else {@code t = bytes / 4} and {@code t + t / 10 + 100}, in integer arithmetic.
     *
     * <p>This is an estimate, not a bound: token-dense text (CJK, base64, code) has fewer than four
     * bytes per token and is undershot. The worst case never uses it.
     *
     * @param promptTextUtf8Bytes UTF-8 bytes of the prompt text, {@code >= 0}
     * @return the estimated input tokens
     * @throws IllegalArgumentException if {@code promptTextUtf8Bytes} is negative
     */
    public static long referenceInputTokenEstimate(long promptTextUtf8Bytes) {
        requireNonNegative(promptTextUtf8Bytes, "promptTextUtf8Bytes");
        if (promptTextUtf8Bytes == 0) {
            return REFERENCE_EMPTY_PROMPT_ESTIMATE;
        }
        long t = promptTextUtf8Bytes / 4;
        return t + t / 10 + 100;
    }

    private static void requireNonNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
    }
}
