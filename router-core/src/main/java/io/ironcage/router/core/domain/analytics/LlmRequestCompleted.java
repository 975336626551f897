package io.ironcage.router.core.domain.analytics;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.TokenUsage;
import java.util.Objects;

/**
 * An LLM request finished with a 2xx answer and was billed (reference §8.1 {@code
 * LlmRequestCompleted(LlmUsageData)}, plus ARCHITECTURE.md step 9's cache tokens and request
 * facts).
 *
 * @param meta the provider and model
 * @param usage the tokens used, by price class (input, output, cache read, cache write)
 * @param cost what the request cost, from the pricing table
 * @param priced {@code false} when the model had no price and the request was allowed under an
 *     unlimited budget; then {@code cost} is zero
 * @param request how the request went; its status is 2xx
 */
public record LlmRequestCompleted(
        LlmModelMeta meta, TokenUsage usage, Money cost, boolean priced, RequestMeta request)
        implements EventPayload, LlmRequestPayload {
    /** This payload's {@linkplain #eventType() event type}. */
    public static final String EVENT_TYPE = "llm_request_completed";

    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if the status is not 2xx, or an unpriced request has a cost
     */
    public LlmRequestCompleted {
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(request, "request");
        if (request.status() < 200 || request.status() > 299) {
            throw new IllegalArgumentException(
                    "a completed request has a 2xx status, got "
                            + request.status()
                            + " (record LlmRequestFailed instead)");
        }
        if (!priced && !cost.isZero()) {
            throw new IllegalArgumentException(
                    "an unpriced request has no cost, got " + cost.micros() + " µ$");
        }
    }

    /**
     * Returns the payload of a priced request.
     *
     * @param meta the provider and model
     * @param usage the tokens used
     * @param cost what it cost
     * @param request how the request went
     * @return the payload
     */
    public static LlmRequestCompleted priced(
            LlmModelMeta meta, TokenUsage usage, Money cost, RequestMeta request) {
        return new LlmRequestCompleted(meta, usage, cost, true, request);
    }

    /**
     * Returns the payload of a request whose model had no price, allowed under an unlimited budget
     * (ARCHITECTURE.md step 4); its cost is zero.
     *
     * @param meta the provider and model
     * @param usage the tokens used
     * @param request how the request went
     * @return the payload
     */
    public static LlmRequestCompleted unpriced(
            LlmModelMeta meta, TokenUsage usage, RequestMeta request) {
        return new LlmRequestCompleted(meta, usage, Money.ZERO, false, request);
    }

    @Override
    public String eventType() {
        return EVENT_TYPE;
    }
}
