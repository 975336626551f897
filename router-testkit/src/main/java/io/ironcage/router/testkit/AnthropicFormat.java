package io.ironcage.router.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Anthropic's wire format: Messages, token counting and Models. */
final class AnthropicFormat extends WireFormat {
    AnthropicFormat(Clock clock) {
        super(clock);
    }

    @Override
    Optional<Endpoint> endpoint(String method, String path) {
        if ("POST".equals(method) && "/v1/messages".equals(path)) {
            return Optional.of(Endpoint.MESSAGES);
        }
        if ("POST".equals(method) && "/v1/messages/count_tokens".equals(path)) {
            return Optional.of(Endpoint.COUNT_TOKENS);
        }
        return modelsEndpoint(method, path);
    }

    /**
     * Anthropic takes the key in {@code x-api-key}, or as {@code Authorization: Bearer} (which
     * anthropic-java 3.x sends).
     */
    @Override
    boolean authorized(RecordedRequest request, String key) {
        return request.header("x-api-key").map(key::equals).orElse(false)
                || request.header("authorization").map(("Bearer " + key)::equals).orElse(false);
    }

    @Override
    Rendered error(int status, String type, String message, Map<String, String> headers) {
        String requestId = nextId("req_fake_");
        ObjectNode root = object();
        root.put("type", "error");
        root.putObject("error").put("type", type).put("message", message);
        root.put("request_id", requestId);
        Map<String, String> all = new LinkedHashMap<>();
        all.put("request-id", requestId);
        if (status == 429) {
            all.put("retry-after", "1");
            all.put("anthropic-ratelimit-requests-limit", "50");
            all.put("anthropic-ratelimit-requests-remaining", "0");
            all.put(
                    "anthropic-ratelimit-requests-reset",
                    clock.instant().plusSeconds(1).toString());
        }
        all.putAll(headers);
        return body(status, root, all);
    }

    @Override
    Rendered unauthorized() {
        return error(401, "authentication_error", "invalid x-api-key", Map.of());
    }

    @Override
    Rendered notFound(String method, String path) {
        return error(404, "not_found_error", "Not Found", Map.of());
    }

    @Override
    Rendered invalidJson() {
        return error(
                400,
                "invalid_request_error",
                "There was an issue with your request body: the body is not valid JSON.",
                Map.of());
    }

    @Override
    Rendered missingModel() {
        return error(400, "invalid_request_error", "model: Field required", Map.of());
    }

    @Override
    Rendered answer(Endpoint endpoint, JsonNode request, FakeResponse response) {
        if (endpoint == Endpoint.COUNT_TOKENS) {
            // Anthropic's answer is the count alone: {"input_tokens": N}
            ObjectNode count = object().put("input_tokens", inputTokens(request, response));
            return body(200, count, requestIdHeader());
        }
        return request.path("stream").asBoolean(false)
                ? messageStream(request, response)
                : message(request, response);
    }

    private Map<String, String> requestIdHeader() {
        return Map.of("request-id", nextId("req_fake_"));
    }

    private static String stopReason(FakeResponse response) {
        return response.stopReason.orElse(
                response.kind == FakeResponse.Kind.TOOL_CALLS ? "tool_use" : "end_turn");
    }

    private List<String> toolIds(FakeResponse response) {
        List<String> ids = new ArrayList<>();
        for (FakeResponse.ToolCall call : response.toolCalls) {
            ids.add(call.id().orElseGet(() -> nextId("toolu_fake_")));
        }
        return ids;
    }

    private static String counted(FakeResponse response) {
        if (response.kind != FakeResponse.Kind.TOOL_CALLS) {
            return response.text;
        }
        StringBuilder all = new StringBuilder();
        response.toolCalls.forEach(c -> all.append(c.name()).append(c.argumentsJson()));
        return all.toString();
    }

    private static ObjectNode usage(long input, long output, FakeResponse response) {
        ObjectNode usage = object();
        usage.put("input_tokens", input)
                .put("cache_creation_input_tokens", response.cacheWriteTokens)
                .put("cache_read_input_tokens", response.cacheReadTokens)
                .put("output_tokens", output);
        return usage;
    }

    private ObjectNode messageHead(String id, JsonNode request) {
        ObjectNode message = object();
        message.put("id", id)
                .put("type", "message")
                .put("role", "assistant")
                .put("model", request.path("model").asText());
        return message;
    }

    private Rendered message(JsonNode request, FakeResponse response) {
        ObjectNode message = messageHead(nextId("msg_fake_"), request);
        ArrayNode content = message.putArray("content");
        if (response.kind == FakeResponse.Kind.TOOL_CALLS) {
            List<String> ids = toolIds(response);
            for (int i = 0; i < response.toolCalls.size(); i++) {
                FakeResponse.ToolCall call = response.toolCalls.get(i);
                content.addObject()
                        .put("type", "tool_use")
                        .put("id", ids.get(i))
                        .put("name", call.name())
                        .set("input", parseArguments(call.argumentsJson()));
            }
        } else {
            content.addObject().put("type", "text").put("text", response.text);
        }
        message.put("stop_reason", stopReason(response)).putNull("stop_sequence");
        message.set(
                "usage",
                usage(
                        inputTokens(request, response),
                        outputTokens(response, counted(response)),
                        response));
        return body(200, message, requestIdHeader());
    }

    private Rendered messageStream(JsonNode request, FakeResponse response) {
        List<SseEvent> events = new ArrayList<>();
        ObjectNode message = messageHead(nextId("msg_fake_"), request);
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        message.set("usage", usage(inputTokens(request, response), 1, response));
        ObjectNode start = object().put("type", "message_start");
        start.set("message", message);
        events.add(SseEvent.named("message_start", write(start)));

        if (response.kind == FakeResponse.Kind.TOOL_CALLS) {
            List<String> ids = toolIds(response);
            for (int i = 0; i < response.toolCalls.size(); i++) {
                FakeResponse.ToolCall call = response.toolCalls.get(i);
                ObjectNode block = object().put("type", "content_block_start").put("index", i);
                block.putObject("content_block")
                        .put("type", "tool_use")
                        .put("id", ids.get(i))
                        .put("name", call.name())
                        .putObject("input");
                events.add(SseEvent.named("content_block_start", write(block)));
                if (i == 0) {
                    events.add(SseEvent.named("ping", "{\"type\":\"ping\"}"));
                }
                for (String fragment : FakeTokens.fragments(call.argumentsJson())) {
                    ObjectNode delta = object().put("type", "content_block_delta").put("index", i);
                    delta.putObject("delta")
                            .put("type", "input_json_delta")
                            .put("partial_json", fragment);
                    events.add(SseEvent.named("content_block_delta", write(delta)));
                }
                events.add(blockStop(i));
            }
        } else {
            ObjectNode block = object().put("type", "content_block_start").put("index", 0);
            block.putObject("content_block").put("type", "text").put("text", "");
            events.add(SseEvent.named("content_block_start", write(block)));
            events.add(SseEvent.named("ping", "{\"type\":\"ping\"}"));
            for (String text : FakeTokens.deltas(response.text)) {
                ObjectNode delta = object().put("type", "content_block_delta").put("index", 0);
                delta.putObject("delta").put("type", "text_delta").put("text", text);
                events.add(SseEvent.named("content_block_delta", write(delta)));
            }
            events.add(blockStop(0));
        }
        ObjectNode messageDelta = object().put("type", "message_delta");
        messageDelta
                .putObject("delta")
                .put("stop_reason", stopReason(response))
                .putNull("stop_sequence");
        messageDelta
                .putObject("usage")
                .put("output_tokens", outputTokens(response, counted(response)));
        events.add(SseEvent.named("message_delta", write(messageDelta)));
        events.add(SseEvent.named("message_stop", "{\"type\":\"message_stop\"}"));
        return stream(events, requestIdHeader());
    }

    private static SseEvent blockStop(int index) {
        return SseEvent.named(
                "content_block_stop",
                write(object().put("type", "content_block_stop").put("index", index)));
    }

    /** Anthropic's default page size when {@code limit} is not given. */
    private static final int DEFAULT_LIMIT = 20;

    @Override
    Rendered models(List<String> ids, String query, int pageSize) {
        int limit = DEFAULT_LIMIT;
        Optional<String> asked = queryParameter(query, "limit");
        if (asked.isPresent()) {
            try {
                limit = Integer.parseInt(asked.get());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 1000) {
                return error(
                        400,
                        "invalid_request_error",
                        "limit: Input should be between 1 and 1000",
                        Map.of());
            }
        }
        limit = Math.min(limit, pageSize);
        int from = 0;
        Optional<String> after = queryParameter(query, "after_id");
        if (after.isPresent()) {
            from = ids.indexOf(after.get()) + 1;
            if (from == 0) {
                return error(400, "invalid_request_error", "after_id: no such model", Map.of());
            }
        }
        List<String> page = ids.subList(from, Math.min(ids.size(), from + limit));
        ObjectNode root = object();
        ArrayNode data = root.putArray("data");
        page.forEach(id -> data.add(model(id)));
        root.put("has_more", from + page.size() < ids.size());
        if (page.isEmpty()) {
            root.putNull("first_id").putNull("last_id");
        } else {
            root.put("first_id", page.get(0)).put("last_id", page.get(page.size() - 1));
        }
        return body(200, root, requestIdHeader());
    }

    @Override
    Rendered model(List<String> ids, String id) {
        if (!ids.contains(id)) {
            return error(404, "not_found_error", "model: " + id, Map.of());
        }
        return body(200, model(id), requestIdHeader());
    }

    private static ObjectNode model(String id) {
        return object().put("type", "model")
                .put("id", id)
                .put("display_name", id)
                .put("created_at", FakeProvider.ANTHROPIC_MODEL_CREATED.toString());
    }
}
