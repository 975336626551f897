package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.ToolUseBlock;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.InternalServerException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseUsage;
import io.ironcage.router.testkit.junit.StartStop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI and Anthropic Java SDKs call the fakes directly and decode every answer with
 * strict validation: if the SDKs accept the fakes' wire format, our users' SDKs will.
 */
class OfficialSdkTest {
    @Nested
    class OpenAiJava {
        @StartStop final FakeProvider fake = FakeProvider.openAi();
        private OpenAIClient client;

        @BeforeEach
        void connect() {
            fake.requireKey("sk-test-openai");
            client =
                    OpenAIOkHttpClient.builder()
                            .apiKey("sk-test-openai")
                            .baseUrl(fake.baseUri() + "/v1")
                            .maxRetries(0)
                            .timeout(Duration.ofSeconds(10))
                            .build();
        }

        @AfterEach
        void disconnect() {
            client.close();
        }

        private ChatCompletionCreateParams.Builder hello() {
            return ChatCompletionCreateParams.builder()
                    .model("gpt-4o-mini")
                    .addUserMessage("Say hi");
        }

        @Test
        void plainCompletionDecodesAndValidates() {
            fake.enqueue(FakeResponse.text("Hi!").usage(9, 2).cacheTokens(4, 0));
            ChatCompletion completion = client.chat().completions().create(hello().build());
            completion.validate();
            assertEquals("Hi!", completion.choices().get(0).message().content().orElseThrow());
            assertEquals(
                    ChatCompletion.Choice.FinishReason.STOP,
                    completion.choices().get(0).finishReason());
            assertEquals(13, completion.usage().orElseThrow().promptTokens());
            assertEquals(
                    4,
                    completion
                            .usage()
                            .orElseThrow()
                            .promptTokensDetails()
                            .orElseThrow()
                            .cachedTokens()
                            .orElseThrow());
            assertEquals(
                    "Bearer sk-test-openai",
                    fake.takeRequest(Duration.ofSeconds(2)).header("authorization").orElseThrow());
        }

        @Test
        void streamedCompletionAccumulatesWithUsage() {
            fake.enqueue(FakeResponse.text("Hello from the stream").usage(5, 4));
            ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
            ChatCompletionCreateParams params =
                    hello().streamOptions(
                                    ChatCompletionStreamOptions.builder()
                                            .includeUsage(true)
                                            .build())
                            .build();
            try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream =
                    client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(chunk -> accumulator.accumulate(chunk.validate()));
            }
            ChatCompletion completion = accumulator.chatCompletion();
            assertEquals(
                    "Hello from the stream",
                    completion.choices().get(0).message().content().orElseThrow());
            assertEquals(4, completion.usage().orElseThrow().completionTokens());
        }

        @Test
        void toolCallDecodesPlainAndStreamed() {
            fake.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Paris\"}"));
            fake.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Rome\"}"));
            ChatCompletionMessageFunctionToolCall plain =
                    client.chat()
                            .completions()
                            .create(hello().build())
                            .validate()
                            .choices()
                            .get(0)
                            .message()
                            .toolCalls()
                            .orElseThrow()
                            .get(0)
                            .asFunction();
            assertEquals("get_weather", plain.function().name());
            assertEquals("{\"city\":\"Paris\"}", plain.function().arguments());

            ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
            try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream =
                    client.chat().completions().createStreaming(hello().build())) {
                stream.stream().forEach(chunk -> accumulator.accumulate(chunk.validate()));
            }
            ChatCompletionMessageFunctionToolCall streamed =
                    accumulator
                            .chatCompletion()
                            .choices()
                            .get(0)
                            .message()
                            .toolCalls()
                            .orElseThrow()
                            .get(0)
                            .asFunction();
            assertEquals("{\"city\":\"Rome\"}", streamed.function().arguments());
            assertTrue(streamed.id().startsWith("call_"));
        }

        @Test
        void serverErrorsBecomeTheSdksExceptionTypes() {
            fake.enqueue(FakeResponse.error(500, "server_error", "The server had an error"));
            InternalServerException e =
                    assertThrows(
                            InternalServerException.class,
                            () -> client.chat().completions().create(hello().build()));
            assertEquals(500, e.statusCode());
        }

        private ResponseCreateParams.Builder ask() {
            return ResponseCreateParams.builder().model("gpt-4o").input("Say hi");
        }

        @Test
        void responsesPlainDecodesAndValidatesWithCachedAndReasoningTokens() {
            fake.enqueue(
                    FakeResponse.text("Hi!")
                            .usage(1_000, 300)
                            .cacheTokens(200, 0)
                            .reasoningTokens(100));
            Response response = client.responses().create(ask().build()).validate();
            assertEquals(ResponseStatus.COMPLETED, response.status().orElseThrow());
            assertEquals(
                    "Hi!",
                    response.output()
                            .get(0)
                            .message()
                            .orElseThrow()
                            .content()
                            .get(0)
                            .outputText()
                            .orElseThrow()
                            .text());
            ResponseUsage usage = response.usage().orElseThrow();
            assertEquals(1_200, usage.inputTokens(), "input_tokens includes the cached ones");
            assertEquals(200, usage.inputTokensDetails().cachedTokens());
            assertEquals(300, usage.outputTokens(), "output_tokens includes the reasoning ones");
            assertEquals(100, usage.outputTokensDetails().reasoningTokens());
            assertEquals(1_500, usage.totalTokens());
        }

        @Test
        void responsesStreamValidatesEveryEventAndAccumulatesWithUsage() {
            fake.enqueue(FakeResponse.text("Hello from the stream").usage(40, 6));
            ResponseAccumulator accumulator = ResponseAccumulator.create();
            StringBuilder deltas = new StringBuilder();
            try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream =
                    client.responses().createStreaming(ask().build())) {
                stream.stream()
                        .forEach(
                                event -> {
                                    accumulator.accumulate(event.validate());
                                    event.outputTextDelta()
                                            .ifPresent(d -> deltas.append(d.delta()));
                                });
            }
            assertEquals("Hello from the stream", deltas.toString());
            Response response = accumulator.response().validate();
            assertEquals(ResponseStatus.COMPLETED, response.status().orElseThrow());
            assertEquals(40, response.usage().orElseThrow().inputTokens());
            assertEquals(6, response.usage().orElseThrow().outputTokens());
        }

        @Test
        void responsesStreamEndsIncompleteOrFailedWithUsage() {
            fake.enqueue(
                    FakeResponse.text("cut short").usage(10, 2).stopReason("max_output_tokens"));
            fake.enqueue(FakeResponse.text("oops").usage(10, 1).failed("server_error", "boom"));
            List<ResponseStreamEvent> incomplete = new ArrayList<>();
            try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream =
                    client.responses().createStreaming(ask().build())) {
                stream.stream().forEach(event -> incomplete.add(event.validate()));
            }
            Response cut =
                    incomplete.get(incomplete.size() - 1).incomplete().orElseThrow().response();
            assertEquals(ResponseStatus.INCOMPLETE, cut.status().orElseThrow());
            assertEquals(
                    Response.IncompleteDetails.Reason.MAX_OUTPUT_TOKENS,
                    cut.incompleteDetails().orElseThrow().reason().orElseThrow());
            assertEquals(2, cut.usage().orElseThrow().outputTokens());
            List<ResponseStreamEvent> failed = new ArrayList<>();
            try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream =
                    client.responses().createStreaming(ask().build())) {
                stream.stream().forEach(event -> failed.add(event.validate()));
            }
            Response broke = failed.get(failed.size() - 1).failed().orElseThrow().response();
            assertEquals(ResponseStatus.FAILED, broke.status().orElseThrow());
            assertEquals("boom", broke.error().orElseThrow().message());
            assertEquals(1, broke.usage().orElseThrow().outputTokens());
        }

        @Test
        void responsesToolCallDecodesPlainAndStreamed() {
            fake.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Paris\"}"));
            fake.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Rome\"}"));
            ResponseFunctionToolCall plain =
                    client.responses()
                            .create(ask().build())
                            .validate()
                            .output()
                            .get(0)
                            .functionCall()
                            .orElseThrow();
            assertEquals("{\"city\":\"Paris\"}", plain.arguments());
            ResponseAccumulator accumulator = ResponseAccumulator.create();
            try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream =
                    client.responses().createStreaming(ask().build())) {
                stream.stream().forEach(event -> accumulator.accumulate(event.validate()));
            }
            ResponseFunctionToolCall streamed =
                    accumulator.response().output().get(0).functionCall().orElseThrow();
            assertEquals("get_weather", streamed.name());
            assertEquals("{\"city\":\"Rome\"}", streamed.arguments());
        }

        @Test
        void embeddingsOfEveryInputShapeDecodeWithTheirTokenCounts() {
            EmbeddingCreateParams.Builder small =
                    EmbeddingCreateParams.builder().model("text-embedding-3-small");
            CreateEmbeddingResponse one =
                    client.embeddings().create(small.input("twelve bytes").build()).validate();
            assertEquals(1, one.data().size());
            assertEquals(8, one.data().get(0).embedding().size(), "base64, as the SDK asks");
            assertEquals(3, one.usage().promptTokens(), "12 bytes at 4 bytes a token");
            CreateEmbeddingResponse strings =
                    client.embeddings()
                            .create(
                                    small.inputOfArrayOfStrings(List.of("a", "bb", "ccccc"))
                                            .build())
                            .validate();
            assertEquals(3, strings.data().size());
            assertEquals(2, strings.data().get(2).index());
            assertEquals(1 + 1 + 2, strings.usage().promptTokens());
            CreateEmbeddingResponse tokens =
                    client.embeddings()
                            .create(small.inputOfArrayOfTokens(List.of(1L, 2L, 3L, 4L, 5L)).build())
                            .validate();
            assertEquals(1, tokens.data().size(), "one token array is one input");
            assertEquals(5, tokens.usage().promptTokens());
            CreateEmbeddingResponse arrays =
                    client.embeddings()
                            .create(
                                    small.inputOfArrayOfTokenArrays(
                                                    List.of(
                                                            List.of(1L, 2L),
                                                            List.of(3L, 4L, 5L, 6L)))
                                            .build())
                            .validate();
            assertEquals(2, arrays.data().size());
            assertEquals(6, arrays.usage().promptTokens());
            fake.enqueue(FakeResponse.text("").usage(123_456, 0));
            assertEquals(
                    123_456,
                    client.embeddings().create(small.input("x").build()).usage().promptTokens(),
                    "usage(input, output) sets prompt_tokens");
        }
    }

    @Nested
    class AnthropicJava {
        @StartStop final FakeProvider fake = FakeProvider.anthropic();
        private AnthropicClient client;

        @BeforeEach
        void connect() {
            fake.requireKey("sk-ant-test");
            client =
                    AnthropicOkHttpClient.builder()
                            .apiKey("sk-ant-test")
                            .baseUrl(fake.baseUri().toString())
                            .maxRetries(0)
                            .timeout(Duration.ofSeconds(10))
                            .build();
        }

        @AfterEach
        void disconnect() {
            client.close();
        }

        private MessageCreateParams hello() {
            return MessageCreateParams.builder()
                    .model("claude-sonnet-4-5")
                    .maxTokens(100)
                    .addUserMessage("Say hi")
                    .build();
        }

        @Test
        void plainMessageDecodesAndValidates() {
            fake.enqueue(FakeResponse.text("Hi!").usage(9, 2).cacheTokens(30, 5));
            Message message = client.messages().create(hello()).validate();
            assertEquals("Hi!", message.content().get(0).text().orElseThrow().text());
            assertEquals(9, message.usage().inputTokens());
            assertEquals(30, message.usage().cacheReadInputTokens().orElseThrow());
            assertEquals(5, message.usage().cacheCreationInputTokens().orElseThrow());
            assertTrue(
                    fake.takeRequest(Duration.ofSeconds(2))
                            .header("anthropic-version")
                            .isPresent());
        }

        @Test
        void countTokensDecodesWithTheCountOfThePromptOrTheScriptedInput() {
            MessageCountTokensParams params =
                    MessageCountTokensParams.builder()
                            .model("claude-sonnet-4-5")
                            .addUserMessage("twelve bytes")
                            .build();
            long counted = client.messages().countTokens(params).validate().inputTokens();
            assertEquals(
                    "/v1/messages/count_tokens", fake.takeRequest(Duration.ofSeconds(2)).path());
            Message sent =
                    client.messages()
                            .create(
                                    MessageCreateParams.builder()
                                            .model("claude-sonnet-4-5")
                                            .maxTokens(100)
                                            .addUserMessage("twelve bytes")
                                            .build());
            assertEquals(sent.usage().inputTokens(), counted, "as the message's own count");
            fake.enqueue(FakeResponse.text("").usage(1_234, 0));
            assertEquals(1_234, client.messages().countTokens(params).inputTokens());
        }

        @Test
        void streamedMessageAccumulates() {
            fake.enqueue(FakeResponse.text("Hello from the stream").usage(5, 4));
            MessageAccumulator accumulator = MessageAccumulator.create();
            try (StreamResponse<RawMessageStreamEvent> stream =
                    client.messages().createStreaming(hello())) {
                stream.stream().forEach(event -> accumulator.accumulate(event.validate()));
            }
            Message message = accumulator.message();
            assertEquals(
                    "Hello from the stream", message.content().get(0).text().orElseThrow().text());
            assertEquals(4, message.usage().outputTokens());
        }

        @Test
        void toolUseDecodesPlainAndStreamed() {
            fake.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Paris\"}"));
            fake.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Rome\"}"));
            ToolUseBlock plain =
                    client.messages()
                            .create(hello())
                            .validate()
                            .content()
                            .get(0)
                            .toolUse()
                            .orElseThrow();
            assertEquals("get_weather", plain.name());
            assertEquals(Map.of("city", "Paris"), plain._input().convert(Map.class));

            MessageAccumulator accumulator = MessageAccumulator.create();
            try (StreamResponse<RawMessageStreamEvent> stream =
                    client.messages().createStreaming(hello())) {
                stream.stream().forEach(event -> accumulator.accumulate(event.validate()));
            }
            ToolUseBlock streamed = accumulator.message().content().get(0).toolUse().orElseThrow();
            assertEquals(Map.of("city", "Rome"), streamed._input().convert(Map.class));
        }

        @Test
        void rateLimitsBecomeTheSdksExceptionType() {
            fake.enqueue(FakeResponse.error(429, "rate_limit_error", "slow down"));
            RateLimitException e =
                    assertThrows(RateLimitException.class, () -> client.messages().create(hello()));
            assertEquals(429, e.statusCode());
        }
    }
}
