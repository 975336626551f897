package io.ironcage.router.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** How one provider spells requests, answers, streams and errors on the wire. */
abstract class WireFormat {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The endpoints a fake serves. */
    enum Endpoint {
        CHAT_COMPLETIONS,
        EMBEDDINGS,
        RESPONSES,
        MESSAGES,
        COUNT_TOKENS,
        MODELS,
        MODEL;

        boolean takesBody() {
            return this != MODELS && this != MODEL;
        }
    }

    /** Per-provider counters for ids, so answers are deterministic within a run. */
    final AtomicLong ids = new AtomicLong();

    final Clock clock;

    WireFormat(Clock clock) {
        this.clock = clock;
    }

    String nextId(String prefix) {
        return prefix + ids.incrementAndGet();
    }

    abstract Optional<Endpoint> endpoint(String method, String path);

    abstract boolean authorized(RecordedRequest request, String key);

    abstract Rendered error(int status, String type, String message, Map<String, String> headers);

    abstract Rendered unauthorized();

    abstract Rendered notFound(String method, String path);

    abstract Rendered invalidJson();

    abstract Rendered missingModel();

    abstract Rendered answer(Endpoint endpoint, JsonNode request, FakeResponse response);

    /**
     * The model list: every model at once (OpenAI), or one page of at most {@code pageSize} after
     * the query's cursor (Anthropic).
     */
    abstract Rendered models(List<String> ids, String query, int pageSize);

    /** One model, or the provider's 404 when it has no model of that id. */
    abstract Rendered model(List<String> ids, String id);

    /** The endpoint of a {@code GET} on the models paths, if it is one. */
    static Optional<Endpoint> modelsEndpoint(String method, String path) {
        if (!"GET".equals(method)) {
            return Optional.empty();
        }
        if ("/v1/models".equals(path)) {
            return Optional.of(Endpoint.MODELS);
        }
        return path.startsWith("/v1/models/") && path.length() > "/v1/models/".length()
                ? Optional.of(Endpoint.MODEL)
                : Optional.empty();
    }

    /** A query parameter's first value, decoded; empty when absent. */
    static Optional<String> queryParameter(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return Optional.of(
                        java.net.URLDecoder.decode(
                                eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a fake answer", e);
        }
    }

    static Rendered body(int status, JsonNode node, Map<String, String> headers) {
        return new Rendered(
                status,
                "application/json",
                headers,
                write(node).getBytes(StandardCharsets.UTF_8),
                List.of());
    }

    static Rendered stream(List<SseEvent> events, Map<String, String> headers) {
        return new Rendered(200, "text/event-stream", headers, new byte[0], events);
    }

    static JsonNode parseArguments(String argumentsJson) {
        try {
            return JSON.readTree(argumentsJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "tool-call arguments must be JSON, got: " + argumentsJson, e);
        }
    }

    static long inputTokens(JsonNode request, FakeResponse response) {
        return response.inputTokens.orElseGet(() -> FakeTokens.prompt(request));
    }

    static long outputTokens(FakeResponse response, String reply) {
        return response.outputTokens.orElseGet(() -> Math.max(1, FakeTokens.count(reply)));
    }
}
