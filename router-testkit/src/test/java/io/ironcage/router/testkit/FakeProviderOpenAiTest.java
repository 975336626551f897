package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.testkit.junit.StartStop;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class FakeProviderOpenAiTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String HELLO =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
    private static final String HELLO_STREAM =
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
    private static final String HELLO_STREAM_USAGE =
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";

    @StartStop final FakeProvider openAi = FakeProvider.openAi();

    @Test
    void unscriptedChatEchoesTheModelAndCountsUsageFromThePrompt() {
        HttpResponse<String> response = Http.post(openAi.baseUri(), CHAT, HELLO);
        assertEquals(200, response.statusCode());
        assertEquals(
                "application/json", response.headers().firstValue("content-type").orElseThrow());
        JsonNode body = Http.json(response.body());
        assertEquals("chat.completion", body.path("object").asText());
        assertEquals("gpt-4o-mini", body.path("model").asText());
        JsonNode choice = body.path("choices").get(0);
        assertEquals("assistant", choice.path("message").path("role").asText());
        assertEquals(
                "This is a fake reply to: Hello there",
                choice.path("message").path("content").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        // "Hello there " is 12 bytes → 3 tokens; the reply is 36 bytes → 9 tokens.
        assertEquals(3, body.path("usage").path("prompt_tokens").asLong());
        assertEquals(9, body.path("usage").path("completion_tokens").asLong());
        assertEquals(12, body.path("usage").path("total_tokens").asLong());
    }

    @Test
    void scriptedTextUsageAndCacheTokensAreReportedInOpenAiShape() {
        openAi.enqueue(
                FakeResponse.text("Hi!").usage(100, 7).cacheTokens(40, 0).stopReason("length"));
        JsonNode body = Http.json(Http.post(openAi.baseUri(), CHAT, HELLO).body());
        assertEquals("Hi!", body.at("/choices/0/message/content").asText());
        assertEquals("length", body.at("/choices/0/finish_reason").asText());
        assertEquals(
                140,
                body.at("/usage/prompt_tokens").asLong(),
                "prompt_tokens includes cached tokens");
        assertEquals(40, body.at("/usage/prompt_tokens_details/cached_tokens").asLong());
        assertEquals(7, body.at("/usage/completion_tokens").asLong());
    }

    @Test
    void toolCallsCarryStableIdsAndJsonArguments() {
        openAi.enqueue(
                FakeResponse.toolCalls(
                        List.of(
                                new FakeResponse.ToolCall(
                                        java.util.Optional.of("call_abc"),
                                        "get_weather",
                                        "{\"city\":\"Paris\"}"),
                                FakeResponse.ToolCall.of("get_time", "{\"tz\":\"CET\"}"))));
        JsonNode body = Http.json(Http.post(openAi.baseUri(), CHAT, HELLO).body());
        JsonNode message = body.at("/choices/0/message");
        assertTrue(message.path("content").isNull());
        assertEquals("tool_calls", body.at("/choices/0/finish_reason").asText());
        assertEquals("call_abc", message.at("/tool_calls/0/id").asText());
        assertEquals("function", message.at("/tool_calls/0/type").asText());
        assertEquals("get_weather", message.at("/tool_calls/0/function/name").asText());
        assertEquals(
                "{\"city\":\"Paris\"}", message.at("/tool_calls/0/function/arguments").asText());
        assertTrue(message.at("/tool_calls/1/id").asText().startsWith("call_"));
    }

    @Test
    void streamSendsRoleChunkDeltasFinishChunkAndDoneWithoutUsageUnlessAsked() {
        HttpResponse<String> response = Http.post(openAi.baseUri(), CHAT, HELLO_STREAM);
        assertEquals(
                "text/event-stream", response.headers().firstValue("content-type").orElseThrow());
        List<Http.Event> events = Http.events(response.body());
        assertEquals("[DONE]", events.get(events.size() - 1).data());
        JsonNode first = events.get(0).json();
        assertEquals("chat.completion.chunk", first.path("object").asText());
        assertEquals("assistant", first.at("/choices/0/delta/role").asText());
        StringBuilder text = new StringBuilder();
        for (Http.Event event : events.subList(1, events.size() - 2)) {
            text.append(event.json().at("/choices/0/delta/content").asText());
            assertTrue(event.json().at("/choices/0/finish_reason").isNull());
        }
        assertEquals("This is a fake reply to: Hello there", text.toString());
        JsonNode finish = events.get(events.size() - 2).json();
        assertEquals("stop", finish.at("/choices/0/finish_reason").asText());
        for (Http.Event event : events.subList(0, events.size() - 1)) {
            assertFalse(
                    event.json().has("usage"),
                    "no usage key unless include_usage: " + event.data());
        }
    }

    @Test
    void streamWithIncludeUsageEndsWithAUsageChunkWithNoChoices() {
        openAi.enqueue(FakeResponse.text("a b c").usage(11, 3));
        List<Http.Event> events =
                Http.events(Http.post(openAi.baseUri(), CHAT, HELLO_STREAM_USAGE).body());
        JsonNode usageChunk = events.get(events.size() - 2).json();
        assertEquals(0, usageChunk.path("choices").size());
        assertEquals(11, usageChunk.at("/usage/prompt_tokens").asLong());
        assertEquals(3, usageChunk.at("/usage/completion_tokens").asLong());
        for (Http.Event event : events.subList(0, events.size() - 2)) {
            assertTrue(event.json().path("usage").isNull(), "earlier chunks carry usage: null");
        }
    }

    @Test
    void streamedToolCallArgumentsArriveInFragmentsThatRejoin() {
        openAi.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Paris\",\"unit\":\"C\"}"));
        List<Http.Event> events =
                Http.events(Http.post(openAi.baseUri(), CHAT, HELLO_STREAM).body());
        JsonNode start = events.get(1).json().at("/choices/0/delta/tool_calls/0");
        assertEquals(0, start.path("index").asInt());
        assertTrue(start.path("id").asText().startsWith("call_"));
        assertEquals("get_weather", start.at("/function/name").asText());
        StringBuilder arguments = new StringBuilder();
        int fragments = 0;
        for (Http.Event event : events.subList(2, events.size() - 2)) {
            arguments.append(
                    event.json().at("/choices/0/delta/tool_calls/0/function/arguments").asText());
            fragments++;
        }
        assertTrue(fragments > 1, "arguments are streamed incrementally");
        assertEquals("{\"city\":\"Paris\",\"unit\":\"C\"}", arguments.toString());
        assertEquals(
                "tool_calls",
                events.get(events.size() - 2).json().at("/choices/0/finish_reason").asText());
    }

    @Test
    void embeddingsReportInputTokensOnly() {
        JsonNode body =
                Http.json(
                        Http.post(
                                        openAi.baseUri(),
                                        "/v1/embeddings",
                                        "{\"model\":\"text-embedding-3-small\",\"input\":[\"one two\",\"three\"]}")
                                .body());
        assertEquals("list", body.path("object").asText());
        assertEquals(2, body.path("data").size());
        assertEquals(1, body.at("/data/1/index").asInt());
        assertTrue(body.at("/data/0/embedding").size() > 0);
        assertEquals(4, body.at("/usage/prompt_tokens").asLong());
        assertFalse(body.path("usage").has("completion_tokens"));
    }

    @Test
    void responsesApiAnswersWithOutputText() {
        JsonNode body =
                Http.json(
                        Http.post(
                                        openAi.baseUri(),
                                        "/v1/responses",
                                        "{\"model\":\"gpt-5-mini\",\"input\":\"Say hi\"}")
                                .body());
        assertEquals("response", body.path("object").asText());
        assertEquals("completed", body.path("status").asText());
        assertEquals("output_text", body.at("/output/0/content/0/type").asText());
        assertEquals(
                "This is a fake reply to: Say hi", body.at("/output/0/content/0/text").asText());
        assertTrue(body.at("/usage/input_tokens").asLong() > 0);
    }

    @Test
    void responsesStreamSendsNamedNumberedEventsAndItsUsageOnlyInTheLastOne() {
        openAi.enqueue(
                FakeResponse.text("a b")
                        .usage(1_000, 300)
                        .cacheTokens(200, 0)
                        .reasoningTokens(100));
        HttpResponse<String> response =
                Http.post(
                        openAi.baseUri(),
                        "/v1/responses",
                        "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"stream\":true,"
                                + "\"max_output_tokens\":500}");
        assertEquals(
                "text/event-stream", response.headers().firstValue("content-type").orElseThrow());
        List<Http.Event> events = Http.events(response.body());
        List<String> types = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            JsonNode event = events.get(i).json();
            assertEquals(events.get(i).event(), event.path("type").asText(), "named by its type");
            assertEquals(i, event.path("sequence_number").asInt());
            types.add(event.path("type").asText());
        }
        assertEquals(
                List.of(
                        "response.created",
                        "response.in_progress",
                        "response.output_item.added",
                        "response.content_part.added",
                        "response.output_text.delta",
                        "response.output_text.delta",
                        "response.output_text.done",
                        "response.content_part.done",
                        "response.output_item.done",
                        "response.completed"),
                types);
        assertTrue(events.get(0).json().at("/response/usage").isNull(), "no usage before the end");
        assertEquals("a ", events.get(4).json().path("delta").asText());
        JsonNode completed = events.get(events.size() - 1).json().path("response");
        assertEquals("completed", completed.path("status").asText());
        assertEquals(500, completed.path("max_output_tokens").asInt());
        assertEquals("a b", completed.at("/output/0/content/0/text").asText());
        assertEquals(1_200, completed.at("/usage/input_tokens").asLong());
        assertEquals(200, completed.at("/usage/input_tokens_details/cached_tokens").asLong());
        assertEquals(300, completed.at("/usage/output_tokens").asLong());
        assertEquals(100, completed.at("/usage/output_tokens_details/reasoning_tokens").asLong());
        assertEquals(1_500, completed.at("/usage/total_tokens").asLong());
    }

    @Test
    void responsesWithAStopReasonOrAFailureEndIncompleteOrFailed() {
        openAi.enqueue(FakeResponse.text("cut").usage(7, 3).stopReason("max_output_tokens"));
        openAi.enqueue(FakeResponse.text("oops").usage(7, 1).failed("server_error", "boom"));
        openAi.enqueue(FakeResponse.text("whole").usage(7, 2).failed("server_error", "boom"));
        String stream = "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"stream\":true}";
        List<Http.Event> incomplete =
                Http.events(Http.post(openAi.baseUri(), "/v1/responses", stream).body());
        JsonNode last = incomplete.get(incomplete.size() - 1).json();
        assertEquals("response.incomplete", last.path("type").asText());
        assertEquals("incomplete", last.at("/response/status").asText());
        assertEquals("max_output_tokens", last.at("/response/incomplete_details/reason").asText());
        assertEquals(3, last.at("/response/usage/output_tokens").asLong());
        List<Http.Event> failed =
                Http.events(Http.post(openAi.baseUri(), "/v1/responses", stream).body());
        last = failed.get(failed.size() - 1).json();
        assertEquals("response.failed", last.path("type").asText());
        assertEquals("boom", last.at("/response/error/message").asText());
        assertEquals(1, last.at("/response/usage/output_tokens").asLong());
        JsonNode whole =
                Http.json(
                        Http.post(
                                        openAi.baseUri(),
                                        "/v1/responses",
                                        "{\"model\":\"gpt-4o\",\"input\":\"hi\"}")
                                .body());
        assertEquals("failed", whole.path("status").asText());
        assertEquals("server_error", whole.at("/error/code").asText());
        assertEquals(2, whole.at("/usage/output_tokens").asLong());
    }

    @Test
    void embeddingsCountTokenArraysByTheirLengthAndAnswerBase64WhenAsked() {
        JsonNode tokens =
                Http.json(
                        Http.post(
                                        openAi.baseUri(),
                                        "/v1/embeddings",
                                        "{\"model\":\"text-embedding-3-small\",\"input\":[1,2,3]}")
                                .body());
        assertEquals(1, tokens.path("data").size(), "one token array is one input");
        assertEquals(3, tokens.at("/usage/prompt_tokens").asLong());
        JsonNode arrays =
                Http.json(
                        Http.post(
                                        openAi.baseUri(),
                                        "/v1/embeddings",
                                        "{\"model\":\"text-embedding-3-small\",\"input\":[[1,2],[3]],"
                                                + "\"encoding_format\":\"base64\"}")
                                .body());
        assertEquals(2, arrays.path("data").size());
        assertEquals(3, arrays.at("/usage/prompt_tokens").asLong());
        assertEquals(
                8 * 4,
                Base64.getDecoder().decode(arrays.at("/data/0/embedding").asText()).length,
                "eight float32 values");
    }

    @Test
    void modelsAreListed() {
        JsonNode body = Http.json(Http.get(openAi.baseUri(), "/v1/models").body());
        assertEquals("list", body.path("object").asText());
        assertEquals("model", body.at("/data/0/object").asText());
        assertEquals("gpt-4o", body.at("/data/0/id").asText());
        assertEquals(4, body.path("data").size());
    }

    @Test
    void setModelsAreListedAndRetrievedInOpenAisShape() {
        openAi.models("gpt-x", "o9");
        assertEquals(List.of("gpt-x", "o9"), openAi.models());
        JsonNode list = Http.json(Http.get(openAi.baseUri(), "/v1/models").body());
        assertEquals(2, list.path("data").size());
        JsonNode first = list.at("/data/0");
        assertEquals("gpt-x", first.path("id").asText());
        assertEquals("model", first.path("object").asText());
        assertEquals(
                FakeProvider.OPENAI_MODEL_CREATED.getEpochSecond(), first.path("created").asLong());
        assertEquals("openai", first.path("owned_by").asText());

        HttpResponse<String> one = Http.get(openAi.baseUri(), "/v1/models/o9");
        assertEquals(200, one.statusCode());
        assertEquals("o9", Http.json(one.body()).path("id").asText());

        HttpResponse<String> unknown = Http.get(openAi.baseUri(), "/v1/models/gpt-nope");
        assertEquals(404, unknown.statusCode());
        assertEquals("model_not_found", Http.json(unknown.body()).at("/error/code").asText());
    }

    @Test
    void aQueuedResponseAnswersTheModelListInstead() {
        openAi.enqueue(FakeResponse.raw(200, "application/json", "{not json"));
        assertEquals("{not json", Http.get(openAi.baseUri(), "/v1/models").body());
        assertEquals(200, Http.get(openAi.baseUri(), "/v1/models").statusCode());
    }

    @Test
    void rateLimitErrorHasOpenAiShapeAndRetryHeaders() {
        openAi.enqueue(FakeResponse.error(429, "requests", "Rate limit reached"));
        HttpResponse<String> response = Http.post(openAi.baseUri(), CHAT, HELLO);
        assertEquals(429, response.statusCode());
        assertEquals("1", response.headers().firstValue("retry-after").orElseThrow());
        assertEquals(
                "0", response.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        JsonNode error = Http.json(response.body()).path("error");
        assertEquals("Rate limit reached", error.path("message").asText());
        assertEquals("requests", error.path("type").asText());
        assertTrue(error.path("param").isNull());
        assertEquals("rate_limit_exceeded", error.path("code").asText());
    }

    @Test
    void malformedJsonGetsOpenAisOwn400AndTheScriptStaysQueued() {
        openAi.enqueue(FakeResponse.text("kept"));
        HttpResponse<String> response = Http.post(openAi.baseUri(), CHAT, "{not json");
        assertEquals(400, response.statusCode());
        JsonNode error = Http.json(response.body()).path("error");
        assertTrue(error.path("message").asText().startsWith("We could not parse the JSON body"));
        assertEquals("invalid_request_error", error.path("type").asText());
        assertEquals(
                "kept",
                Http.json(Http.post(openAi.baseUri(), CHAT, HELLO).body())
                        .at("/choices/0/message/content")
                        .asText());
    }

    @Test
    void missingModelAndUnknownPathAreRejectedInOpenAiShape() {
        HttpResponse<String> noModel = Http.post(openAi.baseUri(), CHAT, "{\"messages\":[]}");
        assertEquals(400, noModel.statusCode());
        assertEquals(
                "you must provide a model parameter",
                Http.json(noModel.body()).at("/error/message").asText());
        HttpResponse<String> unknown = Http.post(openAi.baseUri(), "/v1/nope", "{}");
        assertEquals(404, unknown.statusCode());
        assertEquals(
                "Invalid URL (POST /v1/nope)",
                Http.json(unknown.body()).at("/error/message").asText());
    }

    @Test
    void requiredKeyIsCheckedAndTheRequestIsStillRecorded() {
        openAi.requireKey("sk-test-123");
        HttpResponse<String> denied =
                Http.post(openAi.baseUri(), CHAT, HELLO, "authorization", "Bearer wrong");
        assertEquals(401, denied.statusCode());
        assertEquals("invalid_api_key", Http.json(denied.body()).at("/error/code").asText());
        HttpResponse<String> allowed =
                Http.post(openAi.baseUri(), CHAT, HELLO, "authorization", "Bearer sk-test-123");
        assertEquals(200, allowed.statusCode());
        assertEquals(2, openAi.requestCount());
    }

    @Test
    void everyRequestIsRecordedInOrderWithHeadersQueryAndBody() {
        Http.post(openAi.baseUri(), CHAT, HELLO, "OpenAI-Organization", "org-1");
        Http.get(openAi.baseUri(), "/v1/models?limit=5");
        RecordedRequest first = openAi.takeRequest(Duration.ofSeconds(2));
        assertEquals("POST", first.method());
        assertEquals(CHAT, first.path());
        assertEquals("org-1", first.header("openai-organization").orElseThrow());
        assertEquals(HELLO, first.bodyText());
        assertEquals("gpt-4o-mini", first.bodyJson().path("model").asText());
        RecordedRequest second = openAi.takeRequest(Duration.ofSeconds(2));
        assertEquals("GET", second.method());
        assertEquals("limit=5", second.query());
        AssertionError none =
                assertThrows(AssertionError.class, () -> openAi.takeRequest(Duration.ofMillis(50)));
        assertTrue(none.getMessage().contains("no request reached the fake openai"));
    }

    @Test
    void dispatcherAnswersWhatTheQueueDoesNot() {
        openAi.dispatcher(
                request ->
                        FakeResponse.text(
                                "model was " + request.bodyJson().path("model").asText()));
        openAi.enqueue(FakeResponse.text("queued first"));
        assertEquals(
                "queued first",
                Http.json(Http.post(openAi.baseUri(), CHAT, HELLO).body())
                        .at("/choices/0/message/content")
                        .asText());
        assertEquals(
                "model was gpt-4o-mini",
                Http.json(Http.post(openAi.baseUri(), CHAT, HELLO).body())
                        .at("/choices/0/message/content")
                        .asText());
    }

    @Test
    void eventsAreFlushedOneByOne() throws IOException {
        openAi.enqueue(FakeResponse.text("one two three").eventDelay(Duration.ofMillis(150)));
        HttpResponse<InputStream> response =
                Http.postStream(openAi.baseUri(), CHAT, HELLO_STREAM, Duration.ofSeconds(10));
        List<Http.Event> events = Http.events(response.body());
        long spread = events.get(events.size() - 1).readAtNanos() - events.get(0).readAtNanos();
        // 6 events with 150 ms between them: had they been buffered, they would arrive together.
        assertTrue(
                spread >= Duration.ofMillis(500).toNanos(),
                "events arrived within " + spread + " ns");
    }

    @Test
    void disconnectAfterCutsTheStreamWithoutItsEnd() {
        openAi.enqueue(FakeResponse.text("one two three four").disconnectAfter(2));
        HttpResponse<InputStream> response =
                Http.postStream(openAi.baseUri(), CHAT, HELLO_STREAM, Duration.ofSeconds(10));
        assertEquals(200, response.statusCode());
        assertThrows(IOException.class, () -> Http.events(response.body()));
    }

    @Test
    void neverEndingResponseStallsUntilTheClientTimesOut() {
        openAi.enqueue(FakeResponse.text("never").neverEnds());
        assertThrows(
                java.io.UncheckedIOException.class,
                () ->
                        Http.send(
                                java.net.http.HttpRequest.newBuilder(openAi.baseUri().resolve(CHAT))
                                        .timeout(Duration.ofMillis(300))
                                        .POST(
                                                java.net.http.HttpRequest.BodyPublishers.ofString(
                                                        HELLO))
                                        .build()));
    }
}
