package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.anthropic.AnthropicStreamingChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LangChain4j (ARCHITECTURE.md "How it is tested") through the router on each transport, with
 * FakeProvider upstream: its OpenAI and Anthropic chat models, plain and streamed, an OpenAI-format
 * model talking to Claude through translation, and a budget refusal surfacing as an error. Every
 * answer is billed from the upstream's usage, and LangChain4j reads the usage back.
 */
class LangChain4jEndToEndTest {
    private static final String OPENAI_KEY = "sk-proj-TESTKEY-lc4j-openai";
    private static final String ANTHROPIC_KEY = "sk-ant-TESTKEY-lc4j-anthropic";
    private static final String TOKEN = "ic-token-TESTTOKEN-lc4j";

    @StartStop final FakeProvider openAi = FakeProvider.openAi();
    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    static Stream<TransportProvider> transports() {
        return Stream.of(new NettyTransportProvider(), new JdkHttpTransportProvider());
    }

    private LlmRouter router(TransportProvider transport, InMemoryUsageEventSink events, Money b) {
        openAi.requireKey(OPENAI_KEY);
        anthropic.requireKey(ANTHROPIC_KEY);
        return LlmRouter.builder()
                .transport(transport)
                .providerKeys(
                        ProviderKeySource.fixed(
                                ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                                ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri())))
                .token(TOKEN)
                .budget(b)
                .usageSink(events)
                .start();
    }

    private static ChatModel openAiModel(LlmRouter router, String model) {
        return OpenAiChatModel.builder()
                .baseUrl(router.baseUrl())
                .apiKey(TOKEN)
                .modelName(model)
                .maxTokens(200)
                .maxRetries(0)
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    private static ChatModel anthropicModel(LlmRouter router) {
        return AnthropicChatModel.builder()
                .baseUrl(router.baseUri() + "/v1/")
                .apiKey(TOKEN)
                .modelName("claude-haiku-4-5")
                .maxTokens(200)
                .maxRetries(0)
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void openAiAndAnthropicChatModelsPlainAndTranslated(TransportProvider transport) {
        openAi.dispatcher(r -> FakeResponse.text("Hello from GPT.").usage(21, 4));
        anthropic.dispatcher(r -> FakeResponse.text("Hello from Claude.").usage(23, 5));
        InMemoryUsageEventSink events = InMemoryUsageEventSink.create();
        try (LlmRouter router = router(transport, events, Money.fromUsdTruncating(5))) {
            ChatResponse gpt = openAiModel(router, "gpt-4o-mini").chat(UserMessage.from("Hi"));
            assertEquals("Hello from GPT.", gpt.aiMessage().text());
            assertEquals(21, gpt.tokenUsage().inputTokenCount());
            assertEquals(4, gpt.tokenUsage().outputTokenCount());

            ChatResponse claude = anthropicModel(router).chat(UserMessage.from("Hi"));
            assertEquals("Hello from Claude.", claude.aiMessage().text());
            assertEquals(23, claude.tokenUsage().inputTokenCount());

            // an OpenAI-format client asking for a Claude model: translated both ways
            ChatResponse translated =
                    openAiModel(router, "claude-haiku-4-5").chat(UserMessage.from("Hi"));
            assertEquals("Hello from Claude.", translated.aiMessage().text());
            assertEquals(5, translated.tokenUsage().outputTokenCount());

            List<LlmRequestCompleted> done = events.eventsOfType(LlmRequestCompleted.class);
            assertEquals(3, done.size());
            assertTrue(done.get(2).request().translated());
            assertEquals(
                    router.totalSpent().micros(),
                    done.stream().mapToLong(d -> d.cost().micros()).sum());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void streamingChatModelsBothProviders(TransportProvider transport) throws Exception {
        openAi.dispatcher(r -> FakeResponse.text("Streamed words from GPT.").usage(30, 6));
        anthropic.dispatcher(r -> FakeResponse.text("Streamed words from Claude.").usage(31, 7));
        InMemoryUsageEventSink events = InMemoryUsageEventSink.create();
        try (LlmRouter router = router(transport, events, Money.fromUsdTruncating(5))) {
            StreamingChatModel gpt =
                    OpenAiStreamingChatModel.builder()
                            .baseUrl(router.baseUrl())
                            .apiKey(TOKEN)
                            .modelName("gpt-4o-mini")
                            .maxTokens(200)
                            .timeout(Duration.ofSeconds(10))
                            .build();
            Streamed fromGpt = stream(gpt);
            assertEquals("Streamed words from GPT.", fromGpt.text.toString());
            assertEquals("Streamed words from GPT.", fromGpt.response.aiMessage().text());
            assertTrue(fromGpt.parts > 1, "answered in several parts: " + fromGpt.parts);

            StreamingChatModel claude =
                    AnthropicStreamingChatModel.builder()
                            .baseUrl(router.baseUri() + "/v1/")
                            .apiKey(TOKEN)
                            .modelName("claude-haiku-4-5")
                            .maxTokens(200)
                            .timeout(Duration.ofSeconds(10))
                            .build();
            Streamed fromClaude = stream(claude);
            assertEquals("Streamed words from Claude.", fromClaude.text.toString());
            assertEquals(7, fromClaude.response.tokenUsage().outputTokenCount());

            // the caller sees the stream's end as the router writes it; the router settles and
            // records right after, on its own thread
            Await.until(
                    Duration.ofSeconds(10),
                    "both completions are recorded",
                    () -> events.eventsOfType(LlmRequestCompleted.class).size() >= 2);

            List<LlmRequestCompleted> done = events.eventsOfType(LlmRequestCompleted.class);
            assertEquals(2, done.size());
            assertEquals(6, done.get(0).usage().outputTokens(), "billed from the upstream usage");
            assertEquals(7, done.get(1).usage().outputTokens());
            assertEquals(
                    router.totalSpent().micros(),
                    done.stream().mapToLong(d -> d.cost().micros()).sum());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void aBudgetRefusalIsAnErrorNotAnAnswer(TransportProvider transport) {
        InMemoryUsageEventSink events = InMemoryUsageEventSink.create();
        try (LlmRouter router = router(transport, events, Money.ofMicros(1))) {
            RuntimeException refused =
                    assertThrows(
                            RuntimeException.class,
                            () -> openAiModel(router, "gpt-4o-mini").chat(UserMessage.from("Hi")));
            assertTrue(
                    refused.getMessage().contains("budget"),
                    "LangChain4j shows the router's 402 message: " + refused.getMessage());
            assertFalse(refused.getMessage().contains(OPENAI_KEY));
            assertEquals(0, openAi.requestCount(), "nothing reached the upstream");
            assertEquals(0, router.totalSpent().micros());
        }
    }

    private static Streamed stream(StreamingChatModel model) throws Exception {
        Streamed s = new Streamed();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(
                "Hi",
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partial) {
                        s.text.append(partial);
                        s.parts++;
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        s.response = done.get(20, TimeUnit.SECONDS);
        return s;
    }

    private static final class Streamed {
        final StringBuilder text = new StringBuilder();
        int parts;
        ChatResponse response;
    }
}
