package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.resilience.RetryOptions;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.RecordedRequest;
import io.ironcage.router.testkit.junit.StartStop;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Streamed translation end to end on each transport (issue 5; one subclass per transport): the
 * official SDKs of one provider calling the other provider's models through the router,
 * FakeProvider as upstream. Every chunk and event is validated by the SDK and accumulated with its
 * own accumulator; every call is billed from the upstream's usage, exactly, and recorded as
 * translated.
 */
abstract class TranslatedStreamingEndToEndTest {
    /** The day the tests price at (a table entry's dated prices depend on it). */
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    private static final String OPENAI_KEY = "sk-proj-TESTKEY-openai-123";
    private static final String ANTHROPIC_KEY = "sk-ant-TESTKEY-anthropic-456";
    private static final String TOKEN = "ic-token-TESTTOKEN-789";
    private static final String CLAUDE = "claude-sonnet-4-5";
    private static final String GPT = "gpt-4o-mini";

    /** The transport under test. */
    abstract TransportProvider transport();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @StartStop final FakeProvider openAi = FakeProvider.openAi();
    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    private final InMemoryUsageEventSink events = InMemoryUsageEventSink.create();
    private final List<Runnable> toClose = new ArrayList<>();
    private LlmRouter router;

    @BeforeEach
    void startRouter() {
        openAi.requireKey(OPENAI_KEY);
        anthropic.requireKey(ANTHROPIC_KEY);
        router =
                LlmRouter.builder()
                        .transport(transport())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                                        ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri())))
                        .budget(Money.fromUsdTruncating(5.00))
                        .token(TOKEN)
                        .usageSink(events)
                        .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(3))
                        .retries(RetryOptions.NONE) // upstream errors reach the SDK as they are
                        .start();
    }

    @AfterEach
    void stopRouter() {
        toClose.forEach(Runnable::run);
        router.close();
    }

    private OpenAIClient openAiClient() {
        OpenAIClient client =
                OpenAIOkHttpClient.builder()
                        .apiKey(TOKEN)
                        .baseUrl(router.baseUrl())
                        .maxRetries(0)
                        .timeout(Duration.ofSeconds(10))
                        .build();
        toClose.add(client::close);
        return client;
    }

    private AnthropicClient anthropicClient() {
        AnthropicClient client =
                AnthropicOkHttpClient.builder()
                        .apiKey(TOKEN)
                        .baseUrl(router.baseUri().toString())
                        .maxRetries(0)
                        .timeout(Duration.ofSeconds(10))
                        .build();
        toClose.add(client::close);
        return client;
    }

    private static long cost(String model, TokenUsage usage) {
        return PricingTables.bundled().find(model, DAY).orElseThrow().cost(usage).micros();
    }

    /**
     * The ledger holds exactly the costs of the completed events, nothing is reserved, and every
     * event is a translated one.
     */
    private void assertBilledExactly(long expectedMicros, int completedEvents) {
        Await.until(
                Duration.ofSeconds(10),
                "no reservation is left",
                () -> router.budgetStatus().reserved().isZero());
        // a stream the caller left is settled, then recorded, on the router's thread
        Await.until(
                Duration.ofSeconds(10),
                completedEvents + " completed events are recorded",
                () -> events.eventsOfType(LlmRequestCompleted.class).size() >= completedEvents);
        List<LlmRequestCompleted> completed = events.eventsOfType(LlmRequestCompleted.class);
        assertEquals(completedEvents, completed.size(), "completed events: " + events.events());
        long sum = completed.stream().mapToLong(e -> e.cost().micros()).sum();
        assertEquals(expectedMicros, sum, "the events' costs");
        assertEquals(Money.ofMicros(sum), router.totalSpent(), "the ledger = the events' costs");
        assertTrue(
                completed.stream().allMatch(e -> e.request().translated()),
                "every event is marked translated");
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // --- an OpenAI SDK on a Claude model ---

    private static final FunctionDefinition GET_WEATHER =
            FunctionDefinition.builder()
                    .name("get_weather")
                    .description("Current weather in a city")
                    .parameters(
                            FunctionParameters.builder()
                                    .putAdditionalProperty(
                                            "type", com.openai.core.JsonValue.from("object"))
                                    .putAdditionalProperty(
                                            "properties",
                                            com.openai.core.JsonValue.from(
                                                    Map.of("city", Map.of("type", "string"))))
                                    .build())
                    .build();

    private static ChatCompletion accumulate(StreamResponse<ChatCompletionChunk> stream) {
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (stream) {
            stream.stream().forEach(chunk -> accumulator.accumulate(chunk.validate()));
        }
        return accumulator.chatCompletion().validate();
    }

    @Test
    void openAiSdkStreamsTextFromAClaudeModelWithAndWithoutTheUsageChunk() {
        anthropic.enqueue(
                FakeResponse.text("Bonjour from a Claude stream, token by token")
                        .usage(12, 9)
                        .cacheTokens(100, 20));
        anthropic.enqueue(FakeResponse.text("Second stream").usage(7, 3));
        OpenAIClient client = openAiClient();
        ChatCompletionCreateParams.Builder params =
                ChatCompletionCreateParams.builder().model(CLAUDE).addUserMessage("Say hi");

        ChatCompletion withUsage =
                accumulate(
                        client.chat()
                                .completions()
                                .createStreaming(
                                        params.streamOptions(
                                                        ChatCompletionStreamOptions.builder()
                                                                .includeUsage(true)
                                                                .build())
                                                .build()));
        ChatCompletion.Choice choice = withUsage.choices().get(0);
        assertEquals(
                "Bonjour from a Claude stream, token by token",
                choice.message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, choice.finishReason());
        assertTrue(withUsage.model().startsWith(CLAUDE), withUsage.model());
        assertTrue(withUsage.id().startsWith("chatcmpl-"), withUsage.id());
        assertEquals(132, withUsage.usage().orElseThrow().promptTokens(), "12 + 100 + 20");
        assertEquals(9, withUsage.usage().orElseThrow().completionTokens());
        assertEquals(
                100,
                withUsage
                        .usage()
                        .orElseThrow()
                        .promptTokensDetails()
                        .orElseThrow()
                        .cachedTokens()
                        .orElseThrow());

        RecordedRequest sent = anthropic.takeRequest(Duration.ofSeconds(2));
        assertEquals("/v1/messages", sent.path());
        assertEquals(ANTHROPIC_KEY, sent.header("x-api-key").orElseThrow());
        assertTrue(sent.bodyJson().path("stream").asBoolean(), "the upstream request streams");
        assertTrue(
                sent.bodyJson().path("stream_options").isMissingNode(), sent.bodyJson().toString());

        ChatCompletion withoutUsage =
                accumulate(
                        client.chat()
                                .completions()
                                .createStreaming(
                                        ChatCompletionCreateParams.builder()
                                                .model(CLAUDE)
                                                .addUserMessage("Again")
                                                .build()));
        assertEquals("Second stream", withoutUsage.choices().get(0).message().content().get());
        assertTrue(withoutUsage.usage().isEmpty(), "no usage chunk unless asked for");

        assertBilledExactly(
                cost(CLAUDE, new TokenUsage(12, 9, 100, 20)) + cost(CLAUDE, TokenUsage.of(7, 3)),
                2);
        assertTrue(
                events.eventsOfType(LlmRequestCompleted.class).stream()
                        .allMatch(e -> e.request().streamed()));
    }

    /** Asks for the weather, answers the tool call, and gets the final text; plain or streamed. */
    private void openAiToolRoundTrip(boolean streamed) {
        anthropic.enqueue(
                FakeResponse.toolCall("get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}")
                        .usage(30, 14));
        anthropic.enqueue(FakeResponse.text("It is sunny in Paris.").usage(60, 7));
        OpenAIClient client = openAiClient();
        ChatCompletionCreateParams first =
                ChatCompletionCreateParams.builder()
                        .model(CLAUDE)
                        .addUserMessage("Weather in Paris?")
                        .addFunctionTool(GET_WEATHER)
                        .build();
        ChatCompletion call =
                streamed
                        ? accumulate(client.chat().completions().createStreaming(first))
                        : client.chat().completions().create(first).validate();
        assertEquals(
                ChatCompletion.Choice.FinishReason.TOOL_CALLS,
                call.choices().get(0).finishReason());
        ChatCompletionMessage assistant = call.choices().get(0).message();
        ChatCompletionMessageFunctionToolCall toolCall =
                assistant.toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("get_weather", toolCall.function().name());
        assertEquals("Paris", parse(toolCall.function().arguments()).path("city").asText());
        assertEquals("celsius", parse(toolCall.function().arguments()).path("unit").asText());
        assertTrue(
                toolCall.id().startsWith("toolu_"), "Anthropic's id, unchanged: " + toolCall.id());

        ChatCompletionCreateParams second =
                first.toBuilder()
                        .addMessage(assistant)
                        .addMessage(
                                ChatCompletionToolMessageParam.builder()
                                        .toolCallId(toolCall.id())
                                        .content("{\"sky\":\"sunny\",\"celsius\":24}")
                                        .build())
                        .build();
        ChatCompletion answer =
                streamed
                        ? accumulate(client.chat().completions().createStreaming(second))
                        : client.chat().completions().create(second).validate();
        assertEquals("It is sunny in Paris.", answer.choices().get(0).message().content().get());

        anthropic.takeRequest(Duration.ofSeconds(2));
        JsonNode followUp = anthropic.takeRequest(Duration.ofSeconds(2)).bodyJson();
        assertEquals(streamed, followUp.path("stream").asBoolean(false));
        JsonNode turns = followUp.path("messages");
        assertEquals(3, turns.size(), followUp.toString());
        assertEquals("tool_use", turns.at("/1/content/0/type").asText(), followUp.toString());
        assertEquals(toolCall.id(), turns.at("/1/content/0/id").asText());
        assertEquals("Paris", turns.at("/1/content/0/input/city").asText());
        assertEquals("user", turns.at("/2/role").asText());
        assertEquals("tool_result", turns.at("/2/content/0/type").asText());
        assertEquals(toolCall.id(), turns.at("/2/content/0/tool_use_id").asText());

        assertBilledExactly(
                cost(CLAUDE, TokenUsage.of(30, 14)) + cost(CLAUDE, TokenUsage.of(60, 7)), 2);
    }

    @Test
    void openAiSdkToolCallRoundTripWithAClaudeModel() {
        openAiToolRoundTrip(false);
    }

    @Test
    void openAiSdkStreamedToolCallRoundTripWithAClaudeModel() {
        openAiToolRoundTrip(true);
    }

    @Test
    void openAiSdkStreamsParallelToolCallsFromAClaudeModel() {
        anthropic.enqueue(
                FakeResponse.toolCalls(
                                List.of(
                                        FakeResponse.ToolCall.of(
                                                "get_weather", "{\"city\":\"Paris\"}"),
                                        FakeResponse.ToolCall.of(
                                                "get_weather", "{\"city\":\"Rome\"}")))
                        .usage(40, 20));
        ChatCompletion call =
                accumulate(
                        openAiClient()
                                .chat()
                                .completions()
                                .createStreaming(
                                        ChatCompletionCreateParams.builder()
                                                .model(CLAUDE)
                                                .addUserMessage("Paris and Rome?")
                                                .addFunctionTool(GET_WEATHER)
                                                .build()));
        var calls = call.choices().get(0).message().toolCalls().orElseThrow();
        assertEquals(2, calls.size());
        assertEquals(
                "Paris",
                parse(calls.get(0).asFunction().function().arguments()).path("city").asText());
        assertEquals(
                "Rome",
                parse(calls.get(1).asFunction().function().arguments()).path("city").asText());
        assertFalse(calls.get(0).asFunction().id().equals(calls.get(1).asFunction().id()));
        assertBilledExactly(cost(CLAUDE, TokenUsage.of(40, 20)), 1);
    }

    @Test
    void anUpstreamErrorOnATranslatedStreamIsTheSdksOwnExceptionAndCostsNothing() {
        anthropic.enqueue(FakeResponse.error(429, "rate_limit_error", "slow down"));
        openAi.enqueue(FakeResponse.error(429, "requests", "Rate limit reached"));
        OpenAIClient openAiSdk = openAiClient();
        RateLimitException limited =
                assertThrows(
                        RateLimitException.class,
                        () ->
                                accumulate(
                                        openAiSdk
                                                .chat()
                                                .completions()
                                                .createStreaming(
                                                        ChatCompletionCreateParams.builder()
                                                                .model(CLAUDE)
                                                                .addUserMessage("hi")
                                                                .build())));
        assertTrue(limited.getMessage().contains("slow down"), limited.getMessage());
        AnthropicClient anthropicSdk = anthropicClient();
        com.anthropic.errors.RateLimitException refused =
                assertThrows(
                        com.anthropic.errors.RateLimitException.class,
                        () -> {
                            try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent>
                                    stream =
                                            anthropicSdk
                                                    .messages()
                                                    .createStreaming(
                                                            MessageCreateParams.builder()
                                                                    .model(GPT)
                                                                    .maxTokens(50)
                                                                    .addUserMessage("hi")
                                                                    .build())) {
                                stream.stream().forEach(RawMessageStreamEvent::validate);
                            }
                        });
        assertTrue(refused.getMessage().contains("rate_limit_error"), refused.getMessage());
        assertEquals(Money.ZERO, router.totalSpent());
        assertBilledExactly(0, 0);
        assertEquals(2, events.eventsOfType(LlmRequestFailed.class).size());
    }

    // --- an Anthropic SDK on a GPT model ---

    private static final Tool WEATHER_TOOL =
            Tool.builder()
                    .name("get_weather")
                    .description("Current weather in a city")
                    .inputSchema(
                            Tool.InputSchema.builder()
                                    .properties(
                                            Tool.InputSchema.Properties.builder()
                                                    .putAdditionalProperty(
                                                            "city",
                                                            JsonValue.from(
                                                                    Map.of("type", "string")))
                                                    .build())
                                    .build())
                    .build();

    private static Message accumulate(
            com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> stream) {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (stream) {
            stream.stream().forEach(event -> accumulator.accumulate(event.validate()));
        }
        return accumulator.message().validate();
    }

    @Test
    void anthropicSdkStreamsTextFromAGptModel() {
        openAi.enqueue(
                FakeResponse.text("Hello from a GPT stream, word by word")
                        .usage(15, 8)
                        .cacheTokens(64, 0));
        Message reply =
                accumulate(
                        anthropicClient()
                                .messages()
                                .createStreaming(
                                        MessageCreateParams.builder()
                                                .model(GPT)
                                                .maxTokens(100)
                                                .system("Be brief.")
                                                .addUserMessage("Say hi")
                                                .build()));
        assertEquals(
                "Hello from a GPT stream, word by word",
                reply.content().get(0).text().orElseThrow().text());
        assertEquals(StopReason.END_TURN, reply.stopReason().orElseThrow());
        assertTrue(reply.id().startsWith("msg_"), reply.id());
        assertTrue(reply.model().asString().startsWith(GPT), reply.model().asString());
        assertEquals(15, reply.usage().inputTokens(), "prompt 79 - cached 64");
        assertEquals(64, reply.usage().cacheReadInputTokens().orElseThrow());
        assertEquals(8, reply.usage().outputTokens());

        RecordedRequest sent = openAi.takeRequest(Duration.ofSeconds(2));
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("Bearer " + OPENAI_KEY, sent.header("authorization").orElseThrow());
        assertTrue(sent.bodyJson().path("stream").asBoolean());
        assertTrue(
                sent.bodyJson().at("/stream_options/include_usage").asBoolean(),
                "the upstream is asked for its usage, so billing is exact");
        assertEquals("system", sent.bodyJson().at("/messages/0/role").asText());

        assertBilledExactly(cost(GPT, new TokenUsage(15, 8, 64, 0)), 1);
    }

    private void anthropicToolRoundTrip(boolean streamed) {
        openAi.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Rome\"}").usage(25, 11));
        openAi.enqueue(FakeResponse.text("Rome is warm today.").usage(50, 6));
        AnthropicClient client = anthropicClient();
        MessageCreateParams first =
                MessageCreateParams.builder()
                        .model(GPT)
                        .maxTokens(200)
                        .addUserMessage("Weather in Rome?")
                        .addTool(WEATHER_TOOL)
                        .build();
        Message call =
                streamed
                        ? accumulate(client.messages().createStreaming(first))
                        : client.messages().create(first).validate();
        assertEquals(StopReason.TOOL_USE, call.stopReason().orElseThrow());
        ToolUseBlock toolUse =
                call.content().stream()
                        .filter(b -> b.isToolUse())
                        .findFirst()
                        .orElseThrow()
                        .asToolUse();
        assertEquals("get_weather", toolUse.name());
        assertEquals("Rome", toolUse._input().convert(JsonNode.class).path("city").asText());
        assertTrue(toolUse.id().startsWith("call_"), "OpenAI's id, unchanged: " + toolUse.id());

        MessageCreateParams second =
                first.toBuilder()
                        .addMessage(call)
                        .addUserMessageOfContentBlockParams(
                                List.of(
                                        ContentBlockParam.ofToolResult(
                                                ToolResultBlockParam.builder()
                                                        .toolUseId(toolUse.id())
                                                        .content("{\"celsius\":27}")
                                                        .build())))
                        .build();
        Message answer =
                streamed
                        ? accumulate(client.messages().createStreaming(second))
                        : client.messages().create(second).validate();
        assertEquals("Rome is warm today.", answer.content().get(0).text().orElseThrow().text());

        openAi.takeRequest(Duration.ofSeconds(2));
        JsonNode followUp = openAi.takeRequest(Duration.ofSeconds(2)).bodyJson();
        JsonNode messages = followUp.path("messages");
        assertEquals(3, messages.size(), followUp.toString());
        assertEquals("assistant", messages.at("/1/role").asText());
        assertEquals(toolUse.id(), messages.at("/1/tool_calls/0/id").asText());
        assertEquals(
                "Rome",
                parse(messages.at("/1/tool_calls/0/function/arguments").asText())
                        .path("city")
                        .asText());
        assertEquals("tool", messages.at("/2/role").asText());
        assertEquals(toolUse.id(), messages.at("/2/tool_call_id").asText());
        assertEquals("{\"celsius\":27}", messages.at("/2/content").asText());

        assertBilledExactly(cost(GPT, TokenUsage.of(25, 11)) + cost(GPT, TokenUsage.of(50, 6)), 2);
    }

    @Test
    void anthropicSdkToolUseRoundTripWithAGptModel() {
        anthropicToolRoundTrip(false);
    }

    @Test
    void anthropicSdkStreamedToolUseRoundTripWithAGptModel() {
        anthropicToolRoundTrip(true);
    }

    // --- broken streams and callers that leave ---

    private HttpResponse<String> post(String path, String body) throws Exception {
        HttpRequest request =
                HttpRequest.newBuilder(router.baseUri().resolve(path))
                        .timeout(Duration.ofSeconds(10))
                        .header("content-type", "application/json")
                        .header("authorization", "Bearer " + TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTranslatedStreamThatBreaksEndsWithAnErrorEventInTheCallersFormatAndIsBilled()
            throws Exception {
        anthropic.enqueue(
                FakeResponse.text("one two three four five").usage(20, 10).disconnectAfter(4));
        HttpResponse<String> toOpenAi =
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"claude-sonnet-4-5\",\"stream\":true,\"max_tokens\":50,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, toOpenAi.statusCode());
        String[] openAiEvents = toOpenAi.body().trim().split("\n\n");
        assertTrue(openAiEvents[0].contains("\"role\":\"assistant\""), openAiEvents[0]);
        String last = openAiEvents[openAiEvents.length - 1];
        assertTrue(last.startsWith("data: {\"error\":"), "an OpenAI error chunk: " + last);
        assertFalse(toOpenAi.body().contains("[DONE]"));

        openAi.enqueue(
                FakeResponse.text("one two three four five").usage(20, 10).disconnectAfter(3));
        HttpResponse<String> toAnthropic =
                post(
                        "/v1/messages",
                        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"max_tokens\":50,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, toAnthropic.statusCode());
        String[] anthropicEvents = toAnthropic.body().trim().split("\n\n");
        assertTrue(anthropicEvents[0].startsWith("event: message_start"), anthropicEvents[0]);
        String end = anthropicEvents[anthropicEvents.length - 1];
        assertTrue(end.startsWith("event: error\n"), "an Anthropic error event: " + end);
        assertFalse(toAnthropic.body().contains("message_stop"));

        Await.until(
                Duration.ofSeconds(10),
                "no reservation is left",
                () -> router.budgetStatus().reserved().isZero());
        assertFalse(router.totalSpent().isZero(), "what was seen is billed");
        List<LlmRequestFailed> failed = events.eventsOfType(LlmRequestFailed.class);
        assertEquals(2, failed.size(), events.events().toString());
        assertTrue(failed.stream().allMatch(e -> e.request().translated()));
        assertTrue(failed.stream().allMatch(e -> e.request().status() == 502));
    }

    @Test
    void aCallerThatLeavesATranslatedStreamIsStillBilledFromTheUpstreamUsage() throws Exception {
        anthropic.enqueue(
                FakeResponse.text("one two three four five six seven")
                        .usage(40, 12)
                        .eventDelay(Duration.ofMillis(50)));
        HttpRequest request =
                HttpRequest.newBuilder(router.baseUri().resolve("/v1/chat/completions"))
                        .header("authorization", "Bearer " + TOKEN)
                        .header("content-type", "application/json")
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        "{\"model\":\"claude-sonnet-4-5\",\"stream\":true,"
                                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                        .build();
        HttpResponse<InputStream> response =
                HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String first = reader.readLine();
            assertTrue(
                    first.startsWith("data: ") && first.contains("chat.completion.chunk"), first);
        } // the caller leaves here
        Await.until(
                Duration.ofSeconds(10),
                "the abandoned stream is billed",
                () -> !router.totalSpent().isZero());
        assertBilledExactly(cost(CLAUDE, TokenUsage.of(40, 12)), 1);
    }
}
