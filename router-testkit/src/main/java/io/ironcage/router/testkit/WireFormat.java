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
        MODELS;

        boolean takesBody() {
            return this != MODELS;
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
