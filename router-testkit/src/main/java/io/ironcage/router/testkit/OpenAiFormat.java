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

/** OpenAI's wire format: Chat Completions, Responses, Embeddings and Models. */
final class OpenAiFormat extends WireFormat {
    private static final String FINGERPRINT = "fp_fake";

    OpenAiFormat(Clock clock) {
        super(clock);
    }

    @Override
    Optional<Endpoint> endpoint(String method, String path) {
        if ("POST".equals(method)) {
            switch (path) {
                case "/v1/chat/completions":
                    return Optional.of(Endpoint.CHAT_COMPLETIONS);
                case "/v1/embeddings":
                    return Optional.of(Endpoint.EMBEDDINGS);
                case "/v1/responses":
                    return Optional.of(Endpoint.RESPONSES);
                default:
                    return Optional.empty();
            }
        }
        return modelsEndpoint(method, path);
    }

    @Override
    boolean authorized(RecordedRequest request, String key) {
        return request.header("authorization").map(("Bearer " + key)::equals).orElse(false);
    }

    @Override
    Rendered error(int status, String type, String message, Map<String, String> headers) {
        ObjectNode error = object();
        error.put("message", message).put("type", type).putNull("param");
        String code =
                status == 429 ? "rate_limit_exceeded" : status == 401 ? "invalid_api_key" : null;
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        Map<String, String> all = new LinkedHashMap<>(requestIdHeader());
        if (status == 429) {
            all.put("retry-after", "1");
            all.put("x-ratelimit-limit-requests", "60");
            all.put("x-ratelimit-remaining-requests", "0");
            all.put("x-ratelimit-reset-requests", "1s");
        }
        all.putAll(headers);
        return body(status, object().set("error", error), all);
    }

    @Override
    Rendered unauthorized() {
        return error(
                401,
                "invalid_request_error",
                "Incorrect API key provided. You can find your API key at"
                        + " https://platform.openai.com/account/api-keys.",
                Map.of());
    }

    @Override
    Rendered notFound(String method, String path) {
        return error(
                404,
                "invalid_request_error",
                "Invalid URL (" + method + " " + path + ")",
                Map.of());
    }

    @Override
    Rendered invalidJson() {
        return error(
                400,
                "invalid_request_error",
                "We could not parse the JSON body of your request. (HINT: This likely means you"
                        + " aren't using your HTTP library correctly. The OpenAI API expects a JSON"
                        + " payload, but what was sent was not valid JSON. If you have trouble"
                        + " figuring out how to fix this, please contact us through our help"
                        + " center at help.openai.com.)",
                Map.of());
    }

    @Override
    Rendered missingModel() {
        return error(400, "invalid_request_error", "you must provide a model parameter", Map.of());
    }

    @Override
    Rendered answer(Endpoint endpoint, JsonNode request, FakeResponse response) {
        switch (endpoint) {
            case EMBEDDINGS:
                return embeddings(request, response);
            case RESPONSES:
                return responses(request, response);
            default:
                return request.path("stream").asBoolean(false)
                        ? chatStream(request, response)
                        : chatCompletion(request, response);
        }
    }

    private Map<String, String> requestIdHeader() {
        return Map.of("x-request-id", nextId("req_fake_"));
    }

    private long created() {
        return clock.instant().getEpochSecond();
    }

    private ObjectNode usage(JsonNode request, FakeResponse response, String reply) {
        long input = inputTokens(request, response);
        long cached = response.cacheReadTokens;
        long prompt = input + cached + response.cacheWriteTokens;
        long output = outputTokens(response, reply);
        ObjectNode usage = object();
        usage.put("prompt_tokens", prompt)
                .put("completion_tokens", output)
                .put("total_tokens", prompt + output);
        usage.putObject("prompt_tokens_details")
                .put("cached_tokens", cached)
                .put("audio_tokens", 0);
        usage.putObject("completion_tokens_details")
                .put("reasoning_tokens", 0)
                .put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0)
                .put("rejected_prediction_tokens", 0);
        return usage;
    }

    private static String finishReason(FakeResponse response) {
        return response.stopReason.orElse(
                response.kind == FakeResponse.Kind.TOOL_CALLS ? "tool_calls" : "stop");
    }

    private List<String> callIds(FakeResponse response) {
        List<String> ids = new ArrayList<>();
        for (FakeResponse.ToolCall call : response.toolCalls) {
            ids.add(call.id().orElseGet(() -> nextId("call_fake_")));
        }
        return ids;
    }

    private static String toolText(FakeResponse response) {
        StringBuilder all = new StringBuilder();
        response.toolCalls.forEach(c -> all.append(c.name()).append(c.argumentsJson()));
        return all.toString();
    }

    private Rendered chatCompletion(JsonNode request, FakeResponse response) {
        ObjectNode root = object();
        root.put("id", nextId("chatcmpl-fake-"))
                .put("object", "chat.completion")
                .put("created", created())
                .put("model", request.path("model").asText());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        String counted;
        if (response.kind == FakeResponse.Kind.TOOL_CALLS) {
            message.putNull("content");
            ArrayNode calls = message.putArray("tool_calls");
            List<String> ids = callIds(response);
            for (int i = 0; i < response.toolCalls.size(); i++) {
                FakeResponse.ToolCall call = response.toolCalls.get(i);
                ObjectNode c = calls.addObject();
                c.put("id", ids.get(i)).put("type", "function");
                c.putObject("function")
                        .put("name", call.name())
                        .put("arguments", call.argumentsJson());
            }
            counted = toolText(response);
        } else {
            message.put("content", response.text);
            counted = response.text;
        }
        message.putNull("refusal");
        message.putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(response));
        root.set("usage", usage(request, response, counted));
        root.put("service_tier", "default").put("system_fingerprint", FINGERPRINT);
        return body(200, root, requestIdHeader());
    }

    private Rendered chatStream(JsonNode request, FakeResponse response) {
        boolean includeUsage =
                request.path("stream_options").path("include_usage").asBoolean(false);
        String id = nextId("chatcmpl-fake-");
        long created = created();
        String model = request.path("model").asText();
        List<SseEvent> events = new ArrayList<>();

        ObjectNode first = chunk(id, created, model, includeUsage);
        ObjectNode firstDelta = firstChoice(first).putObject("delta");
        firstDelta.put("role", "assistant");
        String counted;
        if (response.kind == FakeResponse.Kind.TOOL_CALLS) {
            firstDelta.putNull("content");
            events.add(SseEvent.data(write(first)));
            List<String> ids = callIds(response);
            for (int i = 0; i < response.toolCalls.size(); i++) {
                FakeResponse.ToolCall call = response.toolCalls.get(i);
                ObjectNode start = chunk(id, created, model, includeUsage);
                ObjectNode tc =
                        firstChoice(start).putObject("delta").putArray("tool_calls").addObject();
                tc.put("index", i).put("id", ids.get(i)).put("type", "function");
                tc.putObject("function").put("name", call.name()).put("arguments", "");
                events.add(SseEvent.data(write(start)));
                for (String fragment : FakeTokens.fragments(call.argumentsJson())) {
                    ObjectNode part = chunk(id, created, model, includeUsage);
                    ObjectNode ptc =
                            firstChoice(part).putObject("delta").putArray("tool_calls").addObject();
                    ptc.put("index", i);
                    ptc.putObject("function").put("arguments", fragment);
                    events.add(SseEvent.data(write(part)));
                }
            }
            counted = toolText(response);
        } else {
            firstDelta.put("content", "").putNull("refusal");
            events.add(SseEvent.data(write(first)));
            for (String delta : FakeTokens.deltas(response.text)) {
                ObjectNode part = chunk(id, created, model, includeUsage);
                firstChoice(part).putObject("delta").put("content", delta);
                events.add(SseEvent.data(write(part)));
            }
            counted = response.text;
        }
        ObjectNode finish = chunk(id, created, model, includeUsage);
        firstChoice(finish).putObject("delta");
        firstChoice(finish).put("finish_reason", finishReason(response));
        events.add(SseEvent.data(write(finish)));
        if (includeUsage) {
            ObjectNode usageChunk = object();
            usageChunk
                    .put("id", id)
                    .put("object", "chat.completion.chunk")
                    .put("created", created)
                    .put("model", model)
                    .put("service_tier", "default")
                    .put("system_fingerprint", FINGERPRINT);
            usageChunk.putArray("choices");
            usageChunk.set("usage", usage(request, response, counted));
            events.add(SseEvent.data(write(usageChunk)));
        }
        events.add(SseEvent.data("[DONE]"));
        return stream(events, requestIdHeader());
    }

    private static ObjectNode chunk(String id, long created, String model, boolean includeUsage) {
        ObjectNode chunk = object();
        chunk.put("id", id)
                .put("object", "chat.completion.chunk")
                .put("created", created)
                .put("model", model)
                .put("service_tier", "default")
                .put("system_fingerprint", FINGERPRINT);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    private static ObjectNode firstChoice(ObjectNode chunk) {
        return (ObjectNode) chunk.get("choices").get(0);
    }

    private Rendered responses(JsonNode request, FakeResponse response) {
        ObjectNode root = object();
        root.put("id", nextId("resp_fake_"))
                .put("object", "response")
                .put("created_at", created())
                .put("status", "completed")
                .put("model", request.path("model").asText());
        ArrayNode output = root.putArray("output");
        String counted;
        if (response.kind == FakeResponse.Kind.TOOL_CALLS) {
            List<String> ids = callIds(response);
            for (int i = 0; i < response.toolCalls.size(); i++) {
                FakeResponse.ToolCall call = response.toolCalls.get(i);
                output.addObject()
                        .put("type", "function_call")
                        .put("id", nextId("fc_fake_"))
                        .put("call_id", ids.get(i))
                        .put("name", call.name())
                        .put("arguments", call.argumentsJson())
                        .put("status", "completed");
            }
            counted = toolText(response);
        } else {
            ObjectNode message = output.addObject();
            message.put("type", "message")
                    .put("id", nextId("msg_fake_"))
                    .put("status", "completed")
                    .put("role", "assistant");
            message.putArray("content")
                    .addObject()
                    .put("type", "output_text")
                    .put("text", response.text)
                    .putArray("annotations");
            counted = response.text;
        }
        long input =
                inputTokens(request, response)
                        + response.cacheReadTokens
                        + response.cacheWriteTokens;
        long out = outputTokens(response, counted);
        ObjectNode usage = root.putObject("usage");
        usage.put("input_tokens", input);
        usage.putObject("input_tokens_details").put("cached_tokens", response.cacheReadTokens);
        usage.put("output_tokens", out);
        usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
        usage.put("total_tokens", input + out);
        return body(200, root, requestIdHeader());
    }

    private Rendered embeddings(JsonNode request, FakeResponse response) {
        ObjectNode root = object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        List<String> inputs = FakeTokens.embeddingInputs(request);
        long tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding").put("index", i);
            ArrayNode vector = item.putArray("embedding");
            int seed = inputs.get(i).hashCode();
            for (int d = 0; d < 8; d++) {
                vector.add(((seed >>> d) & 0xff) / 255.0);
            }
            tokens += Math.max(1, FakeTokens.count(inputs.get(i)));
        }
        root.put("model", request.path("model").asText());
        long prompt = response.inputTokens.orElse(tokens);
        root.putObject("usage").put("prompt_tokens", prompt).put("total_tokens", prompt);
        return body(200, root, requestIdHeader());
    }

    @Override
    Rendered models(List<String> ids, String query, int pageSize) {
        ObjectNode root = object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String id : ids) {
            data.add(model(id));
        }
        return body(200, root, requestIdHeader());
    }

    @Override
    Rendered model(List<String> ids, String id) {
        if (!ids.contains(id)) {
            ObjectNode error = object();
            error.put("message", "The model '" + id + "' does not exist")
                    .put("type", "invalid_request_error")
                    .put("param", "model")
                    .put("code", "model_not_found");
            return body(404, object().set("error", error), requestIdHeader());
        }
        return body(200, model(id), requestIdHeader());
    }

    private static ObjectNode model(String id) {
        return object().put("id", id)
                .put("object", "model")
                .put("created", FakeProvider.OPENAI_MODEL_CREATED.getEpochSecond())
                .put("owned_by", "openai");
    }
}
