package io.ironcage.router.core.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.provider.ModelCatalog;
import io.ironcage.router.core.provider.OpenAiStreams;
import io.ironcage.router.core.provider.ProviderApi;
import io.ironcage.router.core.provider.SseEvent;
import io.ironcage.router.core.provider.StreamTranslator;
import io.ironcage.router.core.provider.Translation;
import io.ironcage.router.core.provider.anthropic.AnthropicToOpenAi;
import io.ironcage.router.core.provider.anthropic.OpenAiToAnthropic;
import io.ironcage.router.core.provider.anthropic.OpenAiToAnthropicStream;
import java.time.Clock;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.ToLongFunction;

/**
 * OpenAI's APIs: a Messages caller reaches Chat Completions through translation, and a streamed
 * Chat Completions call is asked to report its usage (OpenAI streams report none unless asked).
 */
public final class OpenAiApi implements ProviderApi {
    private static final Translation FROM_MESSAGES = new FromMessages();

    private static final ModelCatalog MODELS = new OpenAiModels();

    /** Creates the binding. */
    public OpenAiApi() {}

    @Override
    public ProviderType provider() {
        return ProviderType.OPENAI;
    }

    /**
     * {@inheritDoc}
     *
     * <p>OpenAI's encodings are public: {@code o200k_base} and {@code cl100k_base} by model, the
     * cookbook's message and function overheads, and a margin of 5% plus 16 tokens; a model without
     * a known encoding, or a body with audio, files or reasoning items, has none.
     */
    @Override
    public OptionalLong inputTokenBound(ApiKind kind, String model, JsonNode body) {
        return OpenAiTokenCounter.inputTokenBound(kind, model, body);
    }

    @Override
    public ModelCatalog models() {
        return MODELS;
    }

    @Override
    public Optional<Translation> translationFrom(ApiKind callerKind) {
        return callerKind == ApiKind.MESSAGES ? Optional.of(FROM_MESSAGES) : Optional.empty();
    }

    @Override
    public Optional<ObjectNode> withStreamUsage(ApiKind kind, ObjectNode body) {
        if (kind != ApiKind.CHAT_COMPLETIONS || OpenAiStreams.callerAskedForUsage(body)) {
            return Optional.empty();
        }
        return Optional.of(OpenAiStreams.withUsageRequested(body));
    }

    @Override
    public boolean isUsageOnlyEvent(SseEvent event) {
        return OpenAiStreams.isUsageOnlyChunk(event);
    }

    /** A Messages caller of an OpenAI model. */
    private static final class FromMessages implements Translation {
        @Override
        public String upstreamPath() {
            return "/v1/chat/completions";
        }

        @Override
        public ApiKind upstreamKind() {
            return ApiKind.CHAT_COMPLETIONS;
        }

        @Override
        public ObjectNode request(ObjectNode body, ToLongFunction<String> maxOutputTokensOf) {
            return AnthropicToOpenAi.request(body);
        }

        @Override
        public ObjectNode response(ObjectNode answer, Clock clock) {
            return OpenAiToAnthropic.response(answer, "msg_" + UUID.randomUUID());
        }

        @Override
        public ObjectNode error(JsonNode body, int status) {
            return OpenAiToAnthropic.error(body, status);
        }

        @Override
        public StreamTranslator stream(String model, ObjectNode callerBody, Clock clock) {
            return new OpenAiToAnthropicStream("msg_" + UUID.randomUUID(), model);
        }
    }
}
