package io.ironcage.router.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.ironcage.router.core.domain.ProviderType;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake OpenAI or Anthropic API on {@code 127.0.0.1}, for testing agents and the router without
 * network, keys or cost. Shaped like okhttp's MockWebServer: script, exercise, verify.
 *
 * <pre>{@code
 * try (FakeProvider anthropic = FakeProvider.anthropic().start()) {
 *     anthropic.enqueue(FakeResponse.text("Hello!").usage(10, 8));
 *     // ... point a client at anthropic.baseUri() ...
 *     RecordedRequest sent = anthropic.takeRequest(Duration.ofSeconds(2));
 * }
 * }</pre>
 *
 * <p>Each request gets, in order: a 401 if {@link #requireKey(String)} was set and the request
 * lacks the key (in the provider's header); a 404 for an endpoint the provider does not have; a 400
 * with the provider's own body for a malformed JSON body or a missing {@code model}; otherwise the
 * next {@linkplain #enqueue(FakeResponse) enqueued} response, else the {@linkplain
 * #dispatcher(FakeDispatcher) dispatcher}'s, else a deterministic default computed from the request
 * (the model echoed, a reply quoting the last user turn, usage counted from the prompt at one token
 * per started 4 bytes). A request with {@code "stream": true} gets the answer as the provider's SSE
 * stream. Every request is recorded, whatever the answer.
 *
 * <p>Served endpoints. OpenAI: {@code POST /v1/chat/completions}, {@code /v1/responses} (whole, or
 * streamed as {@code response.created} … {@code response.output_text.delta} … {@code
 * response.completed}, each event with its {@code type} and {@code sequence_number}, the last one
 * carrying the whole response with its usage), {@code /v1/embeddings} (a string, strings, a token
 * array or token arrays as {@code input}, vectors as floats or {@code base64}; {@code
 * prompt_tokens} counted per input, a token array by its length, unless {@link
 * FakeResponse#usage(long, long)} sets it), {@code GET /v1/models}, {@code GET /v1/models/{id}}.
 * Anthropic: {@code POST /v1/messages}, {@code /v1/messages/count_tokens} ({@code input_tokens}
 * counted from the prompt, or the input that {@link FakeResponse#usage(long, long)} sets), {@code
 * GET /v1/models}, {@code GET /v1/models/{id}}. A provider is not reusable after {@link #close()}.
 *
 * <p>Models. The fake lists {@linkplain #models(String...) its models} in the provider's real shape
 * unless a response is queued or dispatched: OpenAI {@code
 * {"object":"list","data":[{"id","object":"model","created","owned_by":"openai"}]}}, every model at
 * once, each {@code created} {@link #OPENAI_MODEL_CREATED}; Anthropic {@code
 * {"data":[{"type":"model","id","display_name","created_at"}],"has_more","first_id","last_id"}}, in
 * pages of {@code limit} (1–1000, default 20, at most {@linkplain #modelsPageSize(int) the page
 * size}) after {@code after_id}, {@code display_name} the id, each {@code created_at} {@link
 * #ANTHROPIC_MODEL_CREATED}. {@code GET /v1/models/{id}} answers the model, or the provider's 404
 * for an id it does not list (OpenAI {@code model_not_found}, Anthropic {@code not_found_error}).
 */
public final class FakeProvider implements AutoCloseable {
    /** The {@code created} of every model the OpenAI fake lists: 2023-11-14T22:13:20Z. */
    public static final Instant OPENAI_MODEL_CREATED = Instant.ofEpochSecond(1_700_000_000L);

    /** The {@code created_at} of every model the Anthropic fake lists. */
    public static final Instant ANTHROPIC_MODEL_CREATED = Instant.parse("2025-01-01T00:00:00Z");

    private static final List<String> OPENAI_MODELS =
            List.of("gpt-4o", "gpt-4o-mini", "gpt-5-mini", "o3-mini");
    private static final List<String> ANTHROPIC_MODELS =
            List.of(
                    "claude-sonnet-4-5-20250929",
                    "claude-haiku-4-5-20251001",
                    "claude-opus-4-1-20250805");

    private final ProviderType type;
    private final WireFormat format;
    private final ConcurrentLinkedQueue<FakeResponse> script = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<RecordedRequest> requests = new LinkedBlockingQueue<>();
    private final AtomicInteger requestCount = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile FakeDispatcher dispatcher;
    private volatile String requiredKey;
    private volatile List<String> models;
    private volatile int modelsPageSize = 1000;
    private LoopbackServer server;

    private FakeProvider(ProviderType type, Clock clock) {
        this.type = type;
        this.models = type == ProviderType.OPENAI ? OPENAI_MODELS : ANTHROPIC_MODELS;
        this.format =
                type == ProviderType.OPENAI ? new OpenAiFormat(clock) : new AnthropicFormat(clock);
    }

    /**
     * Returns an unstarted fake of the OpenAI API.
     *
     * @return the fake
     */
    public static FakeProvider openAi() {
        return new FakeProvider(ProviderType.OPENAI, Clock.systemUTC());
    }

    /**
     * Returns an unstarted fake of the Anthropic API.
     *
     * @return the fake
     */
    public static FakeProvider anthropic() {
        return new FakeProvider(ProviderType.ANTHROPIC, Clock.systemUTC());
    }

    /**
     * Returns an unstarted fake whose {@code created} timestamps come from the given clock.
     *
     * @param type the provider to imitate
     * @param clock the clock for timestamps in answers
     * @return the fake
     */
    public static FakeProvider of(ProviderType type, Clock clock) {
        return new FakeProvider(
                Objects.requireNonNull(type, "type"), Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Binds {@code 127.0.0.1} on a free port and starts serving.
     *
     * @return this fake
     * @throws IllegalStateException if already started or closed
     * @throws java.io.UncheckedIOException if the port cannot be bound
     */
    public synchronized FakeProvider start() {
        if (server != null || closed.getCount() == 0) {
            throw new IllegalStateException("a FakeProvider starts once and is not reusable");
        }
        server = LoopbackServer.start("fake-" + type.id(), this::handle);
        return this;
    }

    /**
     * Returns which provider this fake imitates.
     *
     * @return the provider
     */
    public ProviderType type() {
        return type;
    }

    /**
     * Returns the base URL to give a client, e.g. {@code http://127.0.0.1:54321}.
     *
     * @return the base URI, without a trailing slash or {@code /v1}
     * @throws IllegalStateException if not started
     */
    public URI baseUri() {
        LoopbackServer s = server;
        if (s == null) {
            throw new IllegalStateException("start() the FakeProvider first");
        }
        return s.baseUri();
    }

    /**
     * Queues a response for the next request that passes validation. Queued responses are used in
     * order, before the dispatcher.
     *
     * @param response the response
     * @return this fake
     */
    public FakeProvider enqueue(FakeResponse response) {
        script.add(Objects.requireNonNull(response, "response"));
        return this;
    }

    /**
     * Answers every request that has no queued response.
     *
     * @param dispatcher decides the answer from the request
     * @return this fake
     */
    public FakeProvider dispatcher(FakeDispatcher dispatcher) {
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        return this;
    }

    /**
     * Requires this key (OpenAI: {@code Authorization: Bearer <key>}; Anthropic: {@code x-api-key},
     * or {@code Authorization: Bearer <key>} as anthropic-java 3.x sends it) and answers 401 in the
     * provider's shape otherwise.
     *
     * @param key the expected key
     * @return this fake
     */
    public FakeProvider requireKey(String key) {
        this.requiredKey = Objects.requireNonNull(key, "key");
        return this;
    }

    /**
     * Sets the models {@code GET /v1/models} lists and {@code GET /v1/models/{id}} knows, in this
     * order. By default OpenAI's fake lists {@code gpt-4o}, {@code gpt-4o-mini}, {@code gpt-5-mini}
     * and {@code o3-mini}; Anthropic's {@code claude-sonnet-4-5-20250929}, {@code
     * claude-haiku-4-5-20251001} and {@code claude-opus-4-1-20250805}.
     *
     * @param ids the model ids; none for an empty list
     * @return this fake
     */
    public FakeProvider models(String... ids) {
        this.models = List.of(ids);
        return this;
    }

    /**
     * Returns the models the fake lists.
     *
     * @return the model ids, in order
     */
    public List<String> models() {
        return models;
    }

    /**
     * Caps the pages of Anthropic's model list at this many models whatever {@code limit} asks (the
     * real API's cap is 1000), so a client's paging can be tested with a few models. OpenAI's list
     * has no pages.
     *
     * @param size the most models on one page, at least 1
     * @return this fake
     * @throws IllegalArgumentException if {@code size} is less than 1
     */
    public FakeProvider modelsPageSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a page holds at least one model, got " + size);
        }
        this.modelsPageSize = size;
        return this;
    }

    /**
     * Takes the oldest recorded request, waiting for one to arrive.
     *
     * @param timeout how long to wait
     * @return the request
     * @throws AssertionError if none arrives in time (a test failure, with a clear message)
     */
    public RecordedRequest takeRequest(Duration timeout) {
        try {
            RecordedRequest request = requests.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (request == null) {
                throw new AssertionError(
                        "no request reached the fake " + type.id() + " within " + timeout);
            }
            return request;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a request", e);
        }
    }

    /**
     * Returns how many requests arrived so far, whatever their answer.
     *
     * @return the count
     */
    public int requestCount() {
        return requestCount.get();
    }

    /** Stops serving, ends stalled responses and frees the port. Idempotent. */
    @Override
    public synchronized void close() {
        closed.countDown();
        if (server != null) {
            server.close();
        }
    }

    @Override
    public String toString() {
        return "FakeProvider["
                + type.id()
                + (server == null ? ", not started" : ", " + baseUri())
                + "]";
    }

    private void handle(HttpExchange exchange) throws IOException {
        // Not try-with-resources: closing the exchange would end a chunked stream cleanly, and a
        // cut stream must not end cleanly (see StreamCutException).
        try {
            RecordedRequest request = LoopbackServer.read(exchange);
            requestCount.incrementAndGet();
            requests.add(request);
            Respond respond = decide(request);
            write(exchange, respond.rendered, respond.response);
        } catch (StreamCutException e) {
            throw e; // the server drops the connection without the final chunk
        } catch (IOException | RuntimeException e) {
            exchange.close();
            throw e;
        }
        exchange.close();
    }

    /** The rendered answer and the script entry that produced it (for delays and faults). */
    private record Respond(Rendered rendered, FakeResponse response) {}

    private Respond decide(RecordedRequest request) {
        FakeResponse plain = FakeResponse.text("");
        String key = requiredKey;
        if (key != null && !format.authorized(request, key)) {
            return new Respond(format.unauthorized(), plain);
        }
        Optional<WireFormat.Endpoint> endpoint = format.endpoint(request.method(), request.path());
        if (endpoint.isEmpty()) {
            return new Respond(format.notFound(request.method(), request.path()), plain);
        }
        JsonNode json = WireFormat.object();
        if (endpoint.get().takesBody()) {
            try {
                json = WireFormat.JSON.readTree(request.body());
            } catch (IOException e) {
                json = null;
            }
            if (json == null || !json.isObject()) {
                return new Respond(format.invalidJson(), plain);
            }
            if (!json.path("model").isTextual() || json.path("model").asText().isEmpty()) {
                return new Respond(format.missingModel(), plain);
            }
        }
        FakeResponse response = script.poll();
        if (response == null) {
            FakeDispatcher d = dispatcher;
            response = d != null ? d.dispatch(request) : defaultAnswer(json);
        }
        return new Respond(render(endpoint.get(), request, json, response), response);
    }

    private static FakeResponse defaultAnswer(JsonNode request) {
        String user = FakeTokens.lastUserText(request).strip();
        if (user.length() > 80) {
            user = user.substring(0, 80);
        }
        return FakeResponse.text(
                user.isEmpty() ? "This is a fake reply." : "This is a fake reply to: " + user);
    }

    private Rendered render(
            WireFormat.Endpoint endpoint,
            RecordedRequest recorded,
            JsonNode request,
            FakeResponse response) {
        switch (response.kind) {
            case ERROR:
                return format.error(
                        response.status, response.errorType, response.text, response.headers);
            case RAW:
                return new Rendered(
                        response.status,
                        response.contentType,
                        response.headers,
                        response.text.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        java.util.List.of());
            default:
                Rendered rendered;
                if (endpoint == WireFormat.Endpoint.MODELS) {
                    rendered = format.models(models, recorded.query(), modelsPageSize);
                } else if (endpoint == WireFormat.Endpoint.MODEL) {
                    rendered =
                            format.model(models, recorded.path().substring("/v1/models/".length()));
                } else {
                    rendered = format.answer(endpoint, request, response);
                }
                if (response.headers.isEmpty()) {
                    return rendered;
                }
                Map<String, String> headers = new java.util.LinkedHashMap<>(rendered.headers());
                headers.putAll(response.headers);
                return new Rendered(
                        rendered.status(),
                        rendered.contentType(),
                        headers,
                        rendered.body(),
                        rendered.events());
        }
    }

    private void write(HttpExchange exchange, Rendered rendered, FakeResponse response)
            throws IOException {
        LoopbackServer.pause(response.headersDelay);
        if (!rendered.isStream()) {
            if (response.neverEnds) {
                // A provider computes a whole (non-streamed) answer before its headers: stall here.
                LoopbackServer.await(closed);
                return;
            }
            LoopbackServer.send(
                    exchange,
                    rendered.status(),
                    rendered.contentType(),
                    rendered.headers(),
                    rendered.body());
            return;
        }
        exchange.getResponseHeaders().set("content-type", rendered.contentType());
        rendered.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.getResponseHeaders().set("cache-control", "no-cache");
        exchange.sendResponseHeaders(rendered.status(), 0);
        OutputStream out = exchange.getResponseBody();
        int sent = 0;
        for (SseEvent event : rendered.events()) {
            if (sent == response.disconnectAfterEvents) {
                throw new StreamCutException();
            }
            if (sent > 0) {
                LoopbackServer.pause(response.eventDelay);
            }
            out.write(event.toBytes());
            out.flush();
            sent++;
            if (response.neverEnds) {
                LoopbackServer.await(closed);
                return;
            }
        }
        out.close();
    }

    /**
     * Thrown inside a handler to drop the connection mid-stream: the JDK server closes the
     * connection without writing the final chunk, so the client sees a truncated stream.
     */
    private static final class StreamCutException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StreamCutException() {
            super("stream cut on purpose by FakeResponse.disconnectAfter", null, false, false);
        }
    }
}
