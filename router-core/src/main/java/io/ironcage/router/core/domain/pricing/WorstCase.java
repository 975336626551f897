package io.ironcage.router.core.domain.pricing;

import io.ironcage.router.core.domain.Money;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

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

    /**
     * The request's output limit capped at the model's (uncapped when the table gives the model
     * none), or the model's when the request gives none, times the number of choices.
     */
    long outputTokens() {
        OptionalLong requested = shape.requestedMaxOutputTokens();
        // a table entry without an output limit does not know the model's: the request's own
        // limit is the bound then, not a default that may be below the model's
        boolean unknownLimit = model.maxOutputTokens().isEmpty() && model.maxTokens().isEmpty();
        long perChoice =
                unknownLimit && requested.isPresent()
                        ? requested.getAsLong()
                        : model.cappedOutputTokens(requested);
        return Math.multiplyExact(perChoice, (long) shape.choices());
    }

    /** Whether the input bound is above the model's long-context threshold. */
    boolean mayBeLongContext() {
        Optional<TierPrices.LongContext> lc = model.tiers().longContext();
        return lc.isPresent() && lc.get().appliesTo(inputTokens());
    }

    /** The standard input-side prices and every input tier price the shape triggers. */
    TokenPrice highestInputPrice() {
        TierPrices tiers = model.tiers();
        TokenPrice price = model.highestInputPrice();
        if (shape.oneHourCache()) {
            price = price.max(model.oneHourCacheWritePrice());
        }
        if (shape.priorityTier()) {
            price = max(price, tiers.priority().input());
            price = max(price, tiers.priority().cacheRead());
            price = max(price, tiers.priority().cacheWrite());
        }
        if (mayBeLongContext()) {
            TierPrices.ClassPrices lc = tiers.longContext().orElseThrow().prices();
            price = max(price, lc.input());
            price = max(price, lc.cacheRead());
            price = max(price, lc.cacheWrite());
            if (shape.oneHourCache()) {
                price = price.max(model.oneHourCacheWritePrice(true));
            }
        }
        if (shape.audioInput()) {
            price = max(price, tiers.inputAudio());
        }
        return price;
    }

    /** The output price and every output tier price the shape triggers. */
    TokenPrice highestOutputPrice() {
        TierPrices tiers = model.tiers();
        TokenPrice price = model.output();
        if (shape.priorityTier()) {
            price = max(price, tiers.priority().output());
        }
        if (mayBeLongContext()) {
            price = max(price, tiers.longContext().orElseThrow().prices().output());
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

    private static TokenPrice max(TokenPrice price, Optional<TokenPrice> candidate) {
        return candidate.isPresent() ? price.max(candidate.get()) : price;
    }
}
