package io.ironcage.router.core.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.provider.ModelCatalog;
import io.ironcage.router.core.provider.OpenAiStreams;
import io.ironcage.router.core.provider.ProviderApi;
import io.ironcage.router.core.provider.StreamTranslator;
import io.ironcage.router.core.provider.Translation;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Anthropic's Messages API: a Chat Completions caller reaches it through translation, and the
 * {@code context-1m} beta lets a model read up to a million input tokens.
 */
public final class AnthropicApi implements ProviderApi {
    /** The Anthropic beta that opens a million-token context window ({@code context-1m-…}). */
    private static final String MILLION_CONTEXT_BETA = "context-1m";

    private static final long MILLION_TOKENS = 1_000_000L;

    private static final Translation FROM_CHAT_COMPLETIONS = new FromChatCompletions();

    private static final ModelCatalog MODELS = new AnthropicModels();

    /** Creates the binding. */
    public AnthropicApi() {}

    @Override
    public ProviderType provider() {
        return ProviderType.ANTHROPIC;
    }

    @Override
    public ModelPricing priceFor(ModelPricing price, Function<String, List<String>> headers) {
        if (headers.apply("anthropic-beta").stream()
                .anyMatch(beta -> beta.contains(MILLION_CONTEXT_BETA))) {
            return price.withContextWindowAtLeast(MILLION_TOKENS);
        }
        return price;
    }

    @Override
    public ModelCatalog models() {
        return MODELS;
    }

    @Override
    public Optional<Translation> translationFrom(ApiKind callerKind) {
        return callerKind == ApiKind.CHAT_COMPLETIONS
                ? Optional.of(FROM_CHAT_COMPLETIONS)
                : Optional.empty();
    }

    /** A Chat Completions caller of an Anthropic model. */
    private static final class FromChatCompletions implements Translation {
        @Override
        public String upstreamPath() {
            return "/v1/messages";
        }

        @Override
        public ApiKind upstreamKind() {
            return ApiKind.MESSAGES;
        }

        @Override
        public ObjectNode request(ObjectNode body, ToLongFunction<String> maxOutputTokensOf) {
            return OpenAiToAnthropic.request(body, maxOutputTokensOf);
        }

        @Override
        public ObjectNode response(ObjectNode answer, Clock clock) {
            return AnthropicToOpenAi.response(
                    answer, "chatcmpl-" + UUID.randomUUID(), clock.instant().getEpochSecond());
        }

        @Override
        public ObjectNode error(JsonNode body, int status) {
            return AnthropicToOpenAi.error(body, status);
        }

        @Override
        public StreamTranslator stream(String model, ObjectNode callerBody, Clock clock) {
            return new AnthropicToOpenAiStream(
                    "chatcmpl-" + UUID.randomUUID(),
                    clock.instant().getEpochSecond(),
                    model,
                    OpenAiStreams.callerAskedForUsage(callerBody));
        }
    }
}
