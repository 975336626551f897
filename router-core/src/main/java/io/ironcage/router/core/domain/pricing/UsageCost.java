package io.ironcage.router.core.domain.pricing;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ServiceTier;
import io.ironcage.router.core.domain.TokenDetails;
import io.ironcage.router.core.domain.TokenUsage;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The bill of one answer: the tokens billed and what they cost, web searches included.
 *
 * <p>The tokens are the provider's usage when it reported one. Without it (a stream cut short, a
 * caller gone, a body without usage) they are taken from what was seen: the input the stream
 * reported, else the request's worst-case input; output as the UTF-8 bytes of the text seen (at
 * least one byte per token), but never more than the worst-case output the reservation was made
 * with. Both output counts are upper bounds of the tokens produced, so the smaller one is too; the
 * byte count alone is not bounded by {@code max_tokens} (a token is often several bytes), so a
 * stream cut short of short tokens would otherwise be billed more than its reservation. What was
 * seen keeps its details (a stream that reported its 1-hour cache writes before it was cut is
 * billed for them); a request that asked for the priority tier and got no answer saying otherwise
 * is billed at the priority prices, which its reservation covers.
 *
 * @param billed the tokens billed
 * @param cost what they cost, with the web-search fees
 * @param reported whether the tokens are the provider's own usage
 */
public record UsageCost(TokenUsage billed, Money cost, boolean reported) {
    /** Validates the components. */
    public UsageCost {
        Objects.requireNonNull(billed, "billed");
        Objects.requireNonNull(cost, "cost");
    }

    /**
     * Computes the bill of an answer.
     *
     * @param price the model's price
     * @param shape the request's shape (its worst case bounds what was seen)
     * @param usage the provider's usage, if it reported one
     * @param inputSeen the input a stream reported before it ended, if any
     * @param outputBytesSeen the UTF-8 bytes of the output text seen
     * @param searchesReported the web searches the provider reported, if it did
     * @return the bill
     */
    public static UsageCost of(
            ModelPricing price,
            RequestShape shape,
            Optional<TokenUsage> usage,
            Optional<TokenUsage> inputSeen,
            long outputBytesSeen,
            OptionalLong searchesReported) {
        TokenUsage billed =
                usage.orElseGet(
                        () -> {
                            TokenUsage input =
                                    inputSeen.orElseGet(
                                            () ->
                                                    TokenUsage.of(
                                                            price.worstCaseInputTokens(shape), 0));
                            TokenDetails details = input.details();
                            if (shape.priorityTier()
                                    && details.serviceTier() == ServiceTier.STANDARD) {
                                // no answer said which tier served it: the one asked for
                                details = details.withServiceTier(ServiceTier.PRIORITY);
                            }
                            return new TokenUsage(
                                    input.inputTokens(),
                                    Math.min(outputBytesSeen, price.worstCaseOutputTokens(shape)),
                                    input.cacheReadTokens(),
                                    input.cacheWriteTokens(),
                                    details);
                        });
        Money tokens;
        if (usage.isEmpty() && inputSeen.isEmpty()) {
            // nothing says how the input was billed (cache writes, a long context, a tier): the
            // highest prices the request can trigger, as its reservation has them
            tokens =
                    Money.ofMicros(
                            Math.addExact(
                                    price.highestInputPrice(shape).costMicros(billed.inputTokens()),
                                    price.highestOutputPrice(shape)
                                            .costMicros(billed.outputTokens())));
        } else {
            tokens = price.cost(billed);
        }
        Money cost = tokens.plus(Money.ofMicros(price.toolFeeMicros(shape, searchesReported)));
        return new UsageCost(billed, cost, usage.isPresent());
    }

    /**
     * Returns whether the bill is over what was reserved: the provider reported more than the worst
     * case allows. The money was spent, so it is charged, but the budget may be overspent.
     *
     * @param reserved the reservation's amount
     * @return whether {@code cost > reserved}
     */
    public boolean exceeds(Money reserved) {
        return cost.micros() > reserved.micros();
    }
}
