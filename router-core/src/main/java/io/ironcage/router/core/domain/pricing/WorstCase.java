package io.ironcage.router.core.domain.pricing;

import io.ironcage.router.core.domain.Money;
import java.util.Objects;
import java.util.Optional;

/**
 * The worst case of one request under one model's prices: the most the provider can bill for it,
 * reserved before it is sent (ARCHITECTURE.md "The request path" step 4). {@link ModelPricing}'s
 * {@code worstCase…} and {@code highest…Price(RequestShape)} methods answer from here.
 *
 * <p>Why it is a bound: every text token is at least one byte of the body (byte-level BPE
 * tokenizers; message framing tokens are outnumbered by the JSON syntax around each message), and
 * where the provider's binding counted the text with the model's own tokenizer ({@link
 * RequestShape#countedInputTokens()}, OpenAI models), that count plus its margin bounds it more
 * tightly, so the smaller of the two is taken ({@link RequestShape#textInputTokensBound()}); the
 * tool-use system prompt is added by the provider and is not in the body; an image is billed by its
 * pixels, not its bytes, and {@link RequestShape#IMAGE_TOKEN_ALLOWANCE} bounds one image. However
 * the provider splits the input into plain, cache-read, cache-write and audio tokens, and the
 * output into text and audio, each is priced at most at the highest price, and the sum of truncated
 * terms is at most the truncated sum.
 *
 * <p>Limits of the bound: a tier price the table does not list for a model is not covered (the
 * bundled table has no 1-hour cache-write price for {@code claude-sonnet-4-5}, for example); a
 * request with {@code service_tier} {@code "auto"} or none is bounded at the standard prices,
 * although a project whose default tier is priority is billed at priority prices for it; an earlier
 * audio answer that a request refers to by id is billed as audio input tokens that the body does
 * not hold, so {@link #inputTokens} does not count them; and server-side tool fees other than web
 * search (code execution, file search) are not priced.
 *
 * @param model the model's prices and limits
 * @param shape the request
 */
record WorstCase(ModelPricing model, RequestShape shape) {

    WorstCase {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(shape, "shape");
    }

    /**
     * {@code textInputTokensBound + (hasTools ? toolUseSystemPromptTokens : 0) + imageCount ×
     * IMAGE_TOKEN_ALLOWANCE}, raised to the context window when the request makes the provider read
     * input its body does not hold; the text bound is the body's bytes, or the counted tokens when
     * fewer.
     */
    long inputTokens() {
        long tokens = shape.textInputTokensBound();
        if (shape.hasTools()) {
            tokens = Math.addExact(tokens, model.toolUseSystemPromptTokens());
        }
        tokens =
                Math.addExact(
                        tokens,
                        Math.multiplyExact(shape.imageCount(), RequestShape.IMAGE_TOKEN_ALLOWANCE));
        return shape.serverSide().inputTokensBound(model, tokens);
    }

    /** The request's output limit capped at the model's, times the number of choices. */
    long outputTokens() {
        return Math.multiplyExact(
                model.cappedOutputTokens(shape.requestedMaxOutputTokens()), (long) shape.choices());
    }

    /** Whether the input bound exceeds the long-context threshold. */
    boolean mayBeLongContext() {
        return inputTokens() > ModelPricing.LONG_CONTEXT_THRESHOLD_TOKENS;
    }

    /** The standard input-side prices and every input tier price the shape triggers. */
    TokenPrice highestInputPrice() {
        ModelPricing.Tiers tiers = model.tiers();
        TokenPrice price = model.highestInputPrice();
        if (shape.oneHourCache()) {
            price = price.max(model.oneHourCacheWritePrice());
        }
        if (shape.priorityTier()) {
            price = max(price, tiers.inputPriority());
            price = max(price, tiers.cacheReadPriority());
        }
        if (mayBeLongContext()) {
            price = max(price, tiers.inputAboveLongContext());
            price = max(price, tiers.cacheReadAboveLongContext());
            price = max(price, tiers.cacheWriteAboveLongContext());
            if (shape.oneHourCache()) {
                price = max(price, longContextOneHourCacheWrite());
            }
        }
        if (shape.audioInput()) {
            price = max(price, tiers.inputAudio());
        }
        return price;
    }

    /** The output price and every output tier price the shape triggers. */
    TokenPrice highestOutputPrice() {
        ModelPricing.Tiers tiers = model.tiers();
        TokenPrice price = model.output();
        if (shape.priorityTier()) {
            price = max(price, tiers.outputPriority());
        }
        if (mayBeLongContext()) {
            price = max(price, tiers.outputAboveLongContext());
        }
        if (shape.audioOutput()) {
            price = max(price, tiers.outputAudio());
        }
        return price;
    }

    /** The input bound at the highest input price, plus the output bound, plus tool fees. */
    Money cost() {
        long inputMicros = highestInputPrice().costMicros(inputTokens());
        long outputMicros = highestOutputPrice().costMicros(outputTokens());
        return Money.ofMicros(
                Math.addExact(
                        Math.addExact(inputMicros, outputMicros),
                        shape.serverSide().worstCaseToolFeeMicros(model)));
    }

    /**
     * The price of a 1-hour cache write in a long-context request, if both prices are listed: on
     * Anthropic the cache multipliers apply on top of the long-context prices, so it is {@code
     * cacheWriteOneHour × inputAboveLongContext / input}, rounded up.
     */
    private Optional<TokenPrice> longContextOneHourCacheWrite() {
        Optional<TokenPrice> aboveLongContext = model.tiers().inputAboveLongContext();
        if (aboveLongContext.isEmpty() || model.input().isFree()) {
            return Optional.empty();
        }
        long product =
                Math.multiplyExact(
                        model.oneHourCacheWritePrice().microsPerMillionTokens(),
                        aboveLongContext.get().microsPerMillionTokens());
        long divisor = model.input().microsPerMillionTokens();
        long quotient = product / divisor;
        return Optional.of(new TokenPrice(product % divisor == 0 ? quotient : quotient + 1));
    }

    private static TokenPrice max(TokenPrice price, Optional<TokenPrice> candidate) {
        return candidate.isPresent() ? price.max(candidate.get()) : price;
    }
}
