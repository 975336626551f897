package io.ironcage.router.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
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
                .put("reasoning_tokens", response.reasoningTokens)
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

    /** One output item of a Responses answer, with the ids its stream events repeat. */
    private record Item(String id, FakeResponse.ToolCall call, String callId) {
        boolean isMessage() {
            return call == null;
        }
    }

    private List<Item> items(FakeResponse response) {
        List<Item> items = new ArrayList<>();
        if (response.kind == FakeResponse.Kind.TOOL_CALLS) {
            List<String> ids = callIds(response);
            for (int i = 0; i < response.toolCalls.size(); i++) {
                items.add(new Item(nextId("fc_fake_"), response.toolCalls.get(i), ids.get(i)));
            }
        } else {
            items.add(new Item(nextId("msg_fake_"), null, null));
        }
        return items;
    }

    /** An output item, whole ({@code done}) or as it starts in a stream (empty, in progress). */
    private static ObjectNode item(Item item, FakeResponse response, boolean done) {
        ObjectNode node = object();
        String status = done ? "completed" : "in_progress";
        if (item.isMessage()) {
            node.put("type", "message")
                    .put("id", item.id())
                    .put("status", status)
                    .put("role", "assistant");
            ArrayNode content = node.putArray("content");
            if (done) {
                content.add(textPart(response.text));
            }
        } else {
            node.put("type", "function_call")
                    .put("id", item.id())
                    .put("call_id", item.callId())
                    .put("name", item.call().name())
                    .put("arguments", done ? item.call().argumentsJson() : "")
                    .put("status", status);
        }
        return node;
    }

    private static ObjectNode textPart(String text) {
        ObjectNode part = object();
        part.put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    /**
     * The {@code response} object: whole, or as {@code response.created} shows it ({@code items}
     * null: in progress, no output, no usage yet). Every field openai-java requires is present.
     */
    private ObjectNode response(
            String id, long createdAt, JsonNode request, FakeResponse response, List<Item> items) {
        ObjectNode root = object();
        root.put("id", id)
                .put("object", "response")
                .put("created_at", createdAt)
                .put("status", items == null ? "in_progress" : status(response));
        if (items != null && response.failure.isPresent()) {
            root.putObject("error")
                    .put("code", response.failure.get().code())
                    .put("message", response.failure.get().message());
        } else {
            root.putNull("error");
        }
        if (items != null && response.failure.isEmpty() && response.stopReason.isPresent()) {
            root.putObject("incomplete_details").put("reason", response.stopReason.get());
        } else {
            root.putNull("incomplete_details");
        }
        root.putNull("instructions");
        JsonNode maxOutput = request.get("max_output_tokens");
        if (maxOutput != null && maxOutput.isIntegralNumber()) {
            root.set("max_output_tokens", maxOutput);
        } else {
            root.putNull("max_output_tokens");
        }
        root.putObject("metadata");
        root.put("model", request.path("model").asText());
        ArrayNode output = root.putArray("output");
        String counted = "";
        if (items != null) {
            items.forEach(i -> output.add(item(i, response, true)));
            counted =
                    response.kind == FakeResponse.Kind.TOOL_CALLS
                            ? toolText(response)
                            : response.text;
        }
        root.put("parallel_tool_calls", true);
        root.putNull("previous_response_id");
        root.putObject("reasoning").putNull("effort").putNull("summary");
        root.put("service_tier", "default").put("store", true).put("temperature", 1.0);
        root.putObject("text").putObject("format").put("type", "text");
        root.put("tool_choice", "auto");
        root.putArray("tools");
        root.put("top_p", 1.0).put("truncation", "disabled");
        if (items == null) {
            root.putNull("usage");
        } else {
            long input =
                    inputTokens(request, response)
                            + response.cacheReadTokens
                            + response.cacheWriteTokens;
            long out = outputTokens(response, counted);
            ObjectNode usage = root.putObject("usage");
            usage.put("input_tokens", input);
            // openai-java requires cache_write_tokens in the details; input_tokens includes both
            usage.putObject("input_tokens_details")
                    .put("cached_tokens", response.cacheReadTokens)
                    .put("cache_write_tokens", response.cacheWriteTokens);
            usage.put("output_tokens", out);
            usage.putObject("output_tokens_details")
                    .put("reasoning_tokens", response.reasoningTokens);
            usage.put("total_tokens", input + out);
        }
        root.putNull("user");
        return root;
    }

    /** {@code failed}, {@code incomplete} (a stop reason given) or {@code completed}. */
    private static String status(FakeResponse response) {
        if (response.failure.isPresent()) {
            return "failed";
        }
        return response.stopReason.isPresent() ? "incomplete" : "completed";
    }

    private Rendered responses(JsonNode request, FakeResponse response) {
        String id = nextId("resp_fake_");
        List<Item> items = items(response);
        if (!request.path("stream").asBoolean(false)) {
            return body(200, response(id, created(), request, response, items), requestIdHeader());
        }
        long createdAt = created();
        ResponseEvents events = new ResponseEvents();
        ObjectNode started = response(id, createdAt, request, response, null);
        events.add("response.created").set("response", started);
        events.add("response.in_progress").set("response", started);
        for (int index = 0; index < items.size(); index++) {
            Item item = items.get(index);
            events.add("response.output_item.added")
                    .put("output_index", index)
                    .set("item", item(item, response, false));
            if (item.isMessage()) {
                events.add("response.content_part.added")
                        .put("item_id", item.id())
                        .put("output_index", index)
                        .put("content_index", 0)
                        .set("part", textPart(""));
                for (String delta : FakeTokens.deltas(response.text)) {
                    events.add("response.output_text.delta")
                            .put("item_id", item.id())
                            .put("output_index", index)
                            .put("content_index", 0)
                            .put("delta", delta)
                            .putArray("logprobs");
                }
                events.add("response.output_text.done")
                        .put("item_id", item.id())
                        .put("output_index", index)
                        .put("content_index", 0)
                        .put("text", response.text)
                        .putArray("logprobs");
                events.add("response.content_part.done")
                        .put("item_id", item.id())
                        .put("output_index", index)
                        .put("content_index", 0)
                        .set("part", textPart(response.text));
            } else {
                for (String fragment : FakeTokens.fragments(item.call().argumentsJson())) {
                    events.add("response.function_call_arguments.delta")
                            .put("item_id", item.id())
                            .put("output_index", index)
                            .put("delta", fragment);
                }
                events.add("response.function_call_arguments.done")
                        .put("item_id", item.id())
                        .put("output_index", index)
                        .put("name", item.call().name())
                        .put("arguments", item.call().argumentsJson());
            }
            events.add("response.output_item.done")
                    .put("output_index", index)
                    .set("item", item(item, response, true));
        }
        events.add("response." + status(response))
                .set("response", response(id, createdAt, request, response, items));
        return stream(events.events(), requestIdHeader());
    }

    /**
     * The events of a Responses stream, each named by its {@code type} (as OpenAI sends them) and
     * numbered by {@code sequence_number} from 0.
     */
    private static final class ResponseEvents {
        private final List<ObjectNode> nodes = new ArrayList<>();

        /** Adds an event of this type; the caller fills in the rest of it. */
        ObjectNode add(String type) {
            ObjectNode event = object();
            event.put("type", type).put("sequence_number", nodes.size());
            nodes.add(event);
            return event;
        }

        List<SseEvent> events() {
            List<SseEvent> events = new ArrayList<>();
            for (ObjectNode node : nodes) {
                events.add(SseEvent.named(node.get("type").asText(), write(node)));
            }
            return events;
        }
    }

    private Rendered embeddings(JsonNode request, FakeResponse response) {
        ObjectNode root = object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        List<FakeTokens.EmbeddingInput> inputs = FakeTokens.embeddingInputs(request);
        boolean base64 = "base64".equals(request.path("encoding_format").asText());
        long tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding").put("index", i);
            int seed = inputs.get(i).seed();
            float[] vector = new float[8];
            for (int d = 0; d < vector.length; d++) {
                vector[d] = ((seed >>> d) & 0xff) / 255.0f;
            }
            if (base64) {
                // float32 little-endian, base64: what openai-java asks for by default
                ByteBuffer bytes = ByteBuffer.allocate(4 * vector.length);
                bytes.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(vector);
                item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float value : vector) {
                    values.add(value);
                }
            }
            tokens += inputs.get(i).tokens();
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
