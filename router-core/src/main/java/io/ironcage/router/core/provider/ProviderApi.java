package io.ironcage.router.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * One provider's API as the request path uses it: what its requests may cost and how a caller of
 * another provider's API is translated to it. One implementation per provider, in its own package
 * ({@code provider.openai}, {@code provider.anthropic}); adding a provider API means adding one.
 * The usage defaults read the answers of the APIs the router knows ({@link UsageExtraction}, {@link
 * StreamUsage}); a provider with other answers overrides them. Implementations are stateless and
 * thread-safe.
 */
public interface ProviderApi {
    /**
     * Returns the provider.
     *
     * @return the provider whose API this is
     */
    ProviderType provider();

    /**
     * Returns the model's price as a request with these headers may use it; the table's price
     * unless a header changes what the model can bill (a larger context window, for example).
     *
     * @param price the table's price
     * @param headers the values of a request header, by its lower-case name
     * @return the price to reserve and bill with
     */
    default ModelPricing priceFor(ModelPricing price, Function<String, List<String>> headers) {
        return price;
    }

    /**
     * Returns a bound of the text input tokens a request to this API is billed for, counted with
     * the model's own tokenizer: the text, the message framing and the tool definitions, margin
     * included, images excluded (the worst case adds an allowance per image). The worst case uses
     * it instead of the body's bytes when it is smaller ({@link
     * io.ironcage.router.core.domain.pricing.RequestShape#textInputTokensBound()}). By default
     * there is none: a provider without a public tokenizer is bounded by the bytes.
     *
     * @param kind the API called, as the provider receives it (no translation)
     * @param model the model the request goes to
     * @param body the parsed request body
     * @return the bound, or empty when it cannot be counted
     */
    default OptionalLong inputTokenBound(ApiKind kind, String model, JsonNode body) {
        return OptionalLong.empty();
    }

    /**
     * Returns the usage a whole answer of this API reports.
     *
     * @param kind the API called
     * @param answer the answer's bytes, as the provider sent them
     * @return the usage, or empty when the answer reports none
     */
    default Optional<TokenUsage> usage(ApiKind kind, byte[] answer) {
        return UsageExtraction.fromResponseBytes(kind, answer);
    }

    /**
     * Returns the usage a whole answer of this API reports, from the answer already parsed.
     *
     * @param kind the API called
     * @param answer the parsed answer
     * @return the usage, or empty when the answer reports none
     */
    default Optional<TokenUsage> usage(ApiKind kind, JsonNode answer) {
        return UsageExtraction.fromResponse(kind, answer);
    }

    /**
     * Returns a meter for one streamed answer of this API, fed its events in order.
     *
     * @param kind the API called
     * @return a new meter
     */
    default StreamUsage streamUsage(ApiKind kind) {
        return StreamUsage.forKind(kind);
    }

    /**
     * Returns how a caller of another provider's API reaches this one, if it can.
     *
     * @param callerKind the API the caller speaks
     * @return the translation, or empty when this API has no counterpart
     */
    Optional<Translation> translationFrom(ApiKind callerKind);

    /**
     * Returns how this provider lists its models, and how a caller of this provider's API is shown
     * a model list ({@code GET /v1/models}).
     *
     * @return the catalog
     */
    ModelCatalog models();

    /**
     * Returns the request a streamed pass-through call sends so the provider reports its usage in
     * the stream, when the caller did not ask for it; the router then drops the usage-only event
     * the caller did not ask for ({@link #isUsageOnlyEvent}).
     *
     * @param kind the API called
     * @param body the caller's request
     * @return the request to send instead, or empty when the stream reports usage anyway
     */
    default Optional<ObjectNode> withStreamUsage(ApiKind kind, ObjectNode body) {
        return Optional.empty();
    }

    /**
     * Returns whether an event is the usage-only event {@link #withStreamUsage} asked for.
     *
     * @param event a streamed event
     * @return whether the caller should not see it
     */
    default boolean isUsageOnlyEvent(SseEvent event) {
        return false;
    }
}
