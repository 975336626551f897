package io.ironcage.router.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.provider.anthropic.AnthropicApi;
import io.ironcage.router.core.provider.openai.OpenAiApi;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** What each provider binding says about its API. */
class ProviderApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ProviderApi openAi = new OpenAiApi();
    private final ProviderApi anthropic = new AnthropicApi();

    @Test
    void eachApiIsReachedOnlyFromItsCounterpart() {
        assertEquals(ProviderType.OPENAI, openAi.provider());
        assertEquals(ProviderType.ANTHROPIC, anthropic.provider());
        Translation toOpenAi = openAi.translationFrom(ApiKind.MESSAGES).orElseThrow();
        assertEquals("/v1/chat/completions", toOpenAi.upstreamPath());
        assertEquals(ApiKind.CHAT_COMPLETIONS, toOpenAi.upstreamKind());
        Translation toAnthropic = anthropic.translationFrom(ApiKind.CHAT_COMPLETIONS).orElseThrow();
        assertEquals("/v1/messages", toAnthropic.upstreamPath());
        assertEquals(ApiKind.MESSAGES, toAnthropic.upstreamKind());
        for (ApiKind kind :
                List.of(ApiKind.RESPONSES, ApiKind.EMBEDDINGS, ApiKind.MESSAGES, ApiKind.OTHER)) {
            assertTrue(anthropic.translationFrom(kind).isEmpty(), kind.name());
        }
        for (ApiKind kind : List.of(ApiKind.CHAT_COMPLETIONS, ApiKind.RESPONSES, ApiKind.OTHER)) {
            assertTrue(openAi.translationFrom(kind).isEmpty(), kind.name());
        }
    }

    @Test
    void theMillionContextBetaWidensAnAnthropicModelsWindow() {
        ModelPricing sonnet = ModelPricing.ofUsdPerMillionTokens("claude-sonnet-4-5", 3.0, 15.0);
        ModelPricing widened = anthropic.priceFor(sonnet, name -> List.of("context-1m-2025-08-07"));
        assertEquals(OptionalLong.of(1_000_000L), widened.maxInputTokens());
        assertEquals(sonnet, anthropic.priceFor(sonnet, name -> List.of()));
        assertEquals(sonnet, openAi.priceFor(sonnet, name -> List.of("context-1m-2025-08-07")));
    }

    @Test
    void aStreamedChatCompletionIsAskedForItsUsageUnlessTheCallerDid() throws Exception {
        ObjectNode plain =
                (ObjectNode)
                        JSON.readTree("{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}");
        ObjectNode asked = openAi.withStreamUsage(ApiKind.CHAT_COMPLETIONS, plain).orElseThrow();
        assertTrue(asked.path("stream_options").path("include_usage").asBoolean());
        assertFalse(plain.has("stream_options"), "the caller's body is not changed");
        assertTrue(openAi.withStreamUsage(ApiKind.CHAT_COMPLETIONS, asked).isEmpty());
        assertTrue(openAi.withStreamUsage(ApiKind.RESPONSES, plain).isEmpty());
        assertTrue(anthropic.withStreamUsage(ApiKind.MESSAGES, plain).isEmpty());
    }

    @Test
    void eachApiReadsTheUsageOfItsOwnAnswers() throws Exception {
        byte[] chat =
                "{\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5}}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] message =
                "{\"usage\":{\"input_tokens\":7,\"output_tokens\":3}}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(
                java.util.Optional.of(io.ironcage.router.core.domain.TokenUsage.of(12, 5)),
                openAi.usage(ApiKind.CHAT_COMPLETIONS, chat));
        assertEquals(
                java.util.Optional.of(io.ironcage.router.core.domain.TokenUsage.of(7, 3)),
                anthropic.usage(ApiKind.MESSAGES, message));
        assertEquals(
                anthropic.usage(ApiKind.MESSAGES, message),
                anthropic.usage(ApiKind.MESSAGES, JSON.readTree(message)));
        assertTrue(openAi.usage(ApiKind.CHAT_COMPLETIONS, "{}".getBytes()).isEmpty());
    }
}
