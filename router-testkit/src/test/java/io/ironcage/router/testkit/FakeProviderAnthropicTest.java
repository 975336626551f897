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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class FakeProviderAnthropicTest {
    private static final String MESSAGES = "/v1/messages";
    private static final String HELLO =
            "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
    private static final String HELLO_STREAM =
            "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hello there\"}]}]}";

    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    @Test
    void unscriptedMessageEchoesTheModelAndCountsUsage() {
        HttpResponse<String> response = Http.post(anthropic.baseUri(), MESSAGES, HELLO);
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("request-id").isPresent());
        JsonNode body = Http.json(response.body());
        assertEquals("message", body.path("type").asText());
        assertEquals("assistant", body.path("role").asText());
        assertEquals("claude-sonnet-4-5", body.path("model").asText());
        assertEquals("text", body.at("/content/0/type").asText());
        assertEquals("This is a fake reply to: Hello there", body.at("/content/0/text").asText());
        assertEquals("end_turn", body.path("stop_reason").asText());
        assertTrue(body.path("stop_sequence").isNull());
        assertEquals(3, body.at("/usage/input_tokens").asLong());
        assertEquals(9, body.at("/usage/output_tokens").asLong());
        assertEquals(0, body.at("/usage/cache_read_input_tokens").asLong());
    }

    @Test
    void cacheTokensAreReportedSeparatelyFromInputTokens() {
        anthropic.enqueue(FakeResponse.text("ok").usage(20, 5).cacheTokens(1000, 300));
        JsonNode usage =
                Http.json(Http.post(anthropic.baseUri(), MESSAGES, HELLO).body()).path("usage");
        assertEquals(20, usage.path("input_tokens").asLong());
        assertEquals(1000, usage.path("cache_read_input_tokens").asLong());
        assertEquals(300, usage.path("cache_creation_input_tokens").asLong());
        assertEquals(5, usage.path("output_tokens").asLong());
    }

    @Test
    void toolUseBlocksCarryParsedInput() {
        anthropic.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Paris\"}"));
        JsonNode body = Http.json(Http.post(anthropic.baseUri(), MESSAGES, HELLO).body());
        assertEquals("tool_use", body.path("stop_reason").asText());
        JsonNode block = body.at("/content/0");
        assertEquals("tool_use", block.path("type").asText());
        assertTrue(block.path("id").asText().startsWith("toolu_"));
        assertEquals("get_weather", block.path("name").asText());
        assertEquals("Paris", block.at("/input/city").asText());
    }

    @Test
    void streamFollowsTheEventOrderStrictClientsRequire() {
        anthropic.enqueue(FakeResponse.text("Hi there friend").usage(12, 4).cacheTokens(7, 0));
        HttpResponse<String> response = Http.post(anthropic.baseUri(), MESSAGES, HELLO_STREAM);
        assertEquals(
                "text/event-stream", response.headers().firstValue("content-type").orElseThrow());
        List<Http.Event> events = Http.events(response.body());
        List<String> names = new ArrayList<>();
        for (Http.Event event : events) {
            names.add(event.event());
            assertEquals(
                    event.event(),
                    event.json().path("type").asText(),
                    "event name matches data.type");
        }
        assertEquals(
                List.of(
                        "message_start",
                        "content_block_start",
                        "ping",
                        "content_block_delta",
                        "content_block_delta",
                        "content_block_delta",
                        "content_block_stop",
                        "message_delta",
                        "message_stop"),
                names);
        JsonNode start = events.get(0).json().path("message");
        assertEquals(12, start.at("/usage/input_tokens").asLong());
        assertEquals(7, start.at("/usage/cache_read_input_tokens").asLong());
        assertEquals(0, start.path("content").size());
        StringBuilder text = new StringBuilder();
        for (Http.Event event : events.subList(3, 6)) {
            assertEquals("text_delta", event.json().at("/delta/type").asText());
            text.append(event.json().at("/delta/text").asText());
        }
        assertEquals("Hi there friend", text.toString());
        JsonNode delta = events.get(7).json();
        assertEquals("end_turn", delta.at("/delta/stop_reason").asText());
        assertEquals(4, delta.at("/usage/output_tokens").asLong());
    }

    @Test
    void streamedToolUseSendsInputJsonDeltasThatRejoin() {
        anthropic.enqueue(
                FakeResponse.toolCalls(
                        List.of(
                                FakeResponse.ToolCall.of("a", "{\"x\":1,\"y\":2}"),
                                FakeResponse.ToolCall.of("b", "{\"z\":3}"))));
        List<Http.Event> events =
                Http.events(Http.post(anthropic.baseUri(), MESSAGES, HELLO_STREAM).body());
        StringBuilder[] inputs = {new StringBuilder(), new StringBuilder()};
        int starts = 0;
        for (Http.Event event : events) {
            JsonNode data = event.json();
            if ("content_block_start".equals(event.event())) {
                assertEquals("tool_use", data.at("/content_block/type").asText());
                assertEquals(0, data.at("/content_block/input").size());
                starts++;
            }
            if ("content_block_delta".equals(event.event())) {
                assertEquals("input_json_delta", data.at("/delta/type").asText());
                inputs[data.path("index").asInt()].append(data.at("/delta/partial_json").asText());
            }
        }
        assertEquals(2, starts);
        assertEquals("{\"x\":1,\"y\":2}", inputs[0].toString());
        assertEquals("{\"z\":3}", inputs[1].toString());
        assertEquals(
                "tool_use", events.get(events.size() - 2).json().at("/delta/stop_reason").asText());
    }

    @Test
    void overloadedAndRateLimitErrorsUseAnthropicsShape() {
        anthropic.enqueue(FakeResponse.error(529, "overloaded_error", "Overloaded"));
        anthropic.enqueue(FakeResponse.error(429, "rate_limit_error", "slow down"));
        HttpResponse<String> overloaded = Http.post(anthropic.baseUri(), MESSAGES, HELLO);
        assertEquals(529, overloaded.statusCode());
        JsonNode body = Http.json(overloaded.body());
        assertEquals("error", body.path("type").asText());
        assertEquals("overloaded_error", body.at("/error/type").asText());
        assertEquals("Overloaded", body.at("/error/message").asText());
        HttpResponse<String> limited = Http.post(anthropic.baseUri(), MESSAGES, HELLO);
        assertEquals(429, limited.statusCode());
        assertEquals("1", limited.headers().firstValue("retry-after").orElseThrow());
        assertEquals(
                "0",
                limited.headers()
                        .firstValue("anthropic-ratelimit-requests-remaining")
                        .orElseThrow());
    }

    @Test
    void badRequestsGetAnthropicsOwnErrors() {
        HttpResponse<String> malformed = Http.post(anthropic.baseUri(), MESSAGES, "[1,2");
        assertEquals(400, malformed.statusCode());
        assertEquals(
                "invalid_request_error", Http.json(malformed.body()).at("/error/type").asText());
        HttpResponse<String> noModel =
                Http.post(anthropic.baseUri(), MESSAGES, "{\"messages\":[]}");
        assertEquals(
                "model: Field required", Http.json(noModel.body()).at("/error/message").asText());
        HttpResponse<String> chat = Http.post(anthropic.baseUri(), "/v1/chat/completions", HELLO);
        assertEquals(404, chat.statusCode());
        assertEquals("not_found_error", Http.json(chat.body()).at("/error/type").asText());
    }

    @Test
    void requiredKeyIsReadFromXApiKeyOrABearerHeader() {
        anthropic.requireKey("sk-ant-test");
        HttpResponse<String> wrong =
                Http.post(anthropic.baseUri(), MESSAGES, HELLO, "x-api-key", "sk-ant-other");
        assertEquals(401, wrong.statusCode());
        assertEquals("authentication_error", Http.json(wrong.body()).at("/error/type").asText());
        assertEquals(401, Http.post(anthropic.baseUri(), MESSAGES, HELLO).statusCode());
        assertEquals(
                200,
                Http.post(anthropic.baseUri(), MESSAGES, HELLO, "x-api-key", "sk-ant-test")
                        .statusCode());
        assertEquals(
                200,
                Http.post(
                                anthropic.baseUri(),
                                MESSAGES,
                                HELLO,
                                "authorization",
                                "Bearer sk-ant-test")
                        .statusCode());
    }

    @Test
    void modelsAreListedInAnthropicsShape() {
        JsonNode body = Http.json(Http.get(anthropic.baseUri(), "/v1/models").body());
        assertEquals("model", body.at("/data/0/type").asText());
        assertFalse(body.path("has_more").asBoolean(true));
        assertEquals("claude-sonnet-4-5-20250929", body.path("first_id").asText());
        assertEquals(
                FakeProvider.ANTHROPIC_MODEL_CREATED.toString(),
                body.at("/data/0/created_at").asText());
        assertEquals(body.at("/data/0/id").asText(), body.at("/data/0/display_name").asText());
    }

    @Test
    void theModelListIsPagedWithLimitAndAfterId() {
        anthropic.models("claude-a", "claude-b", "claude-c");
        JsonNode first = Http.json(Http.get(anthropic.baseUri(), "/v1/models?limit=2").body());
        assertEquals(2, first.path("data").size());
        assertTrue(first.path("has_more").asBoolean());
        assertEquals("claude-a", first.path("first_id").asText());
        assertEquals("claude-b", first.path("last_id").asText());
        JsonNode second =
                Http.json(
                        Http.get(anthropic.baseUri(), "/v1/models?limit=2&after_id=claude-b")
                                .body());
        assertEquals(1, second.path("data").size());
        assertEquals("claude-c", second.at("/data/0/id").asText());
        assertFalse(second.path("has_more").asBoolean(true));
        assertEquals(400, Http.get(anthropic.baseUri(), "/v1/models?limit=0").statusCode());
    }

    @Test
    void thePageSizeCapsWhatLimitAsksFor() {
        anthropic.models("claude-a", "claude-b", "claude-c").modelsPageSize(1);
        JsonNode page = Http.json(Http.get(anthropic.baseUri(), "/v1/models?limit=1000").body());
        assertEquals(1, page.path("data").size());
        assertTrue(page.path("has_more").asBoolean());
        assertThrows(IllegalArgumentException.class, () -> anthropic.modelsPageSize(0));
    }

    @Test
    void oneModelIsRetrievedAndAnUnknownOneIsAnthropics404() {
        HttpResponse<String> one =
                Http.get(anthropic.baseUri(), "/v1/models/claude-haiku-4-5-20251001");
        assertEquals(200, one.statusCode());
        JsonNode model = Http.json(one.body());
        assertEquals("model", model.path("type").asText());
        assertEquals("claude-haiku-4-5-20251001", model.path("id").asText());
        HttpResponse<String> unknown = Http.get(anthropic.baseUri(), "/v1/models/claude-nope");
        assertEquals(404, unknown.statusCode());
        JsonNode error = Http.json(unknown.body());
        assertEquals("error", error.path("type").asText());
        assertEquals("not_found_error", error.at("/error/type").asText());
    }

    @Test
    void neverEndingStreamSendsItsFirstEventThenStalls() throws Exception {
        anthropic.enqueue(FakeResponse.text("a b c").neverEnds());
        HttpResponse<InputStream> response =
                Http.postStream(
                        anthropic.baseUri(), MESSAGES, HELLO_STREAM, Duration.ofSeconds(10));
        assertEquals(200, response.statusCode());
        InputStream in = response.body();
        CompletableFuture<List<Http.Event>> rest =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return Http.events(in);
                            } catch (IOException e) {
                                return List.of();
                            }
                        });
        assertThrows(TimeoutException.class, () -> rest.get(300, TimeUnit.MILLISECONDS));
        anthropic.close(); // ends the stall; the reader then finishes
        rest.get(5, TimeUnit.SECONDS);
    }
}
