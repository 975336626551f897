package io.ironcage.router.testkit;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a {@link FakeProvider} answers, described independently of the wire format: the provider
 * preset renders it as an OpenAI or Anthropic body, or as an SSE stream when the request asked for
 * one. Immutable; every modifier returns a new response.
 *
 * <pre>{@code
 * provider.enqueue(FakeResponse.text("Hello!").usage(10, 8));
 * provider.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Paris\"}"));
 * provider.enqueue(FakeResponse.error(429, "rate_limit_error", "slow down"));
 * }</pre>
 */
public final class FakeResponse {
    enum Kind {
        TEXT,
        TOOL_CALLS,
        ERROR,
        RAW
    }

    /**
     * One tool call of an assistant turn.
     *
     * @param id the call id; empty to let the fake generate a stable one
     * @param name the function name
     * @param argumentsJson the arguments as a JSON object text
     */
    public record ToolCall(Optional<String> id, String name, String argumentsJson) {
        /** Validates the components. */
        public ToolCall {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(argumentsJson, "argumentsJson");
        }

        /**
         * Returns a call whose id the fake generates.
         *
         * @param name the function name
         * @param argumentsJson the arguments as a JSON object text
         * @return the call
         */
        public static ToolCall of(String name, String argumentsJson) {
            return new ToolCall(Optional.empty(), name, argumentsJson);
        }
    }

    /** A Responses answer's {@code error}: why the model failed mid-answer. */
    record Failure(String code, String message) {}

    final Kind kind;
    final String text;
    final List<ToolCall> toolCalls;
    final int status;
    final String errorType;
    final String contentType;
    final OptionalLong inputTokens;
    final OptionalLong outputTokens;
    final long cacheReadTokens;
    final long cacheWriteTokens;
    final long reasoningTokens;
    final Optional<String> stopReason;
    final Optional<Failure> failure;
    final Map<String, String> headers;
    final Duration headersDelay;
    final Duration eventDelay;
    final int disconnectAfterEvents;
    final boolean neverEnds;

    private FakeResponse(
            Kind kind,
            String text,
            List<ToolCall> toolCalls,
            int status,
            String errorType,
            String contentType,
            OptionalLong inputTokens,
            OptionalLong outputTokens,
            long cacheReadTokens,
            long cacheWriteTokens,
            long reasoningTokens,
            Optional<String> stopReason,
            Optional<Failure> failure,
            Map<String, String> headers,
            Duration headersDelay,
            Duration eventDelay,
            int disconnectAfterEvents,
            boolean neverEnds) {
        this.kind = kind;
        this.text = text;
        this.toolCalls = List.copyOf(toolCalls);
        this.status = status;
        this.errorType = errorType;
        this.contentType = contentType;
        this.inputTokens = inputTokens;
        this.outputTokens = outputTokens;
        this.cacheReadTokens = cacheReadTokens;
        this.cacheWriteTokens = cacheWriteTokens;
        this.reasoningTokens = reasoningTokens;
        this.stopReason = stopReason;
        this.failure = failure;
        this.headers = Map.copyOf(headers);
        this.headersDelay = headersDelay;
        this.eventDelay = eventDelay;
        this.disconnectAfterEvents = disconnectAfterEvents;
        this.neverEnds = neverEnds;
    }

    private static FakeResponse of(Kind kind, String text, List<ToolCall> calls, int status) {
        return new FakeResponse(
                kind,
                text,
                calls,
                status,
                "",
                "application/json",
                OptionalLong.empty(),
                OptionalLong.empty(),
                0,
                0,
                0,
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Duration.ZERO,
                Duration.ZERO,
                -1,
                false);
    }

    /**
     * An assistant reply with text: a {@code chat.completion}, an Anthropic {@code message}, a
     * Responses {@code response}, or the matching SSE stream.
     *
     * @param text the reply
     * @return the response
     */
    public static FakeResponse text(String text) {
        return of(Kind.TEXT, Objects.requireNonNull(text, "text"), List.of(), 200);
    }

    /**
     * An assistant turn that calls one tool.
     *
     * @param name the function name
     * @param argumentsJson the arguments as a JSON object text
     * @return the response
     */
    public static FakeResponse toolCall(String name, String argumentsJson) {
        return toolCalls(List.of(ToolCall.of(name, argumentsJson)));
    }

    /**
     * An assistant turn that calls several tools in parallel.
     *
     * @param calls the calls, in order
     * @return the response
     */
    public static FakeResponse toolCalls(List<ToolCall> calls) {
        if (calls.isEmpty()) {
            throw new IllegalArgumentException("a tool-call response needs at least one call");
        }
        return of(Kind.TOOL_CALLS, "", calls, 200);
    }

    /**
     * An error in the provider's own error shape: OpenAI's {@code
     * {"error":{"message","type","param","code"}}} or Anthropic's {@code
     * {"type":"error","error":{"type","message"}}}. A 429 carries {@code retry-after} and the
     * provider's rate-limit headers.
     *
     * @param status the HTTP status, 400–599
     * @param type the error type, e.g. {@code rate_limit_error} or {@code overloaded_error}
     * @param message the error message
     * @return the response
     */
    public static FakeResponse error(int status, String type, String message) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status is 400-599, got " + status);
        }
        FakeResponse base =
                of(Kind.ERROR, Objects.requireNonNull(message, "message"), List.of(), status);
        return base.copy(b -> b.errorType = Objects.requireNonNull(type, "type"));
    }

    /**
     * A raw body sent exactly as given, whatever the request asked for.
     *
     * @param status the HTTP status
     * @param contentType the content type
     * @param body the body
     * @return the response
     */
    public static FakeResponse raw(int status, String contentType, String body) {
        FakeResponse base = of(Kind.RAW, Objects.requireNonNull(body, "body"), List.of(), status);
        return base.copy(b -> b.contentType = Objects.requireNonNull(contentType, "contentType"));
    }

    /**
     * Sets the token usage reported (instead of counting it from the request and the reply).
     *
     * @param inputTokens input tokens, not counting cache reads and writes
     * @param outputTokens output tokens
     * @return a new response
     */
    public FakeResponse usage(long inputTokens, long outputTokens) {
        requireNonNegative(inputTokens, "inputTokens");
        requireNonNegative(outputTokens, "outputTokens");
        return copy(
                b -> {
                    b.inputTokens = OptionalLong.of(inputTokens);
                    b.outputTokens = OptionalLong.of(outputTokens);
                });
    }

    /**
     * Sets the prompt-cache tokens reported: Anthropic's {@code cache_read_input_tokens} and {@code
     * cache_creation_input_tokens}; OpenAI's {@code prompt_tokens_details.cached_tokens} (OpenAI
     * reports no cache writes, and its {@code prompt_tokens} includes the cached ones).
     *
     * @param readTokens tokens read from the cache
     * @param writeTokens tokens written to the cache
     * @return a new response
     */
    public FakeResponse cacheTokens(long readTokens, long writeTokens) {
        requireNonNegative(readTokens, "readTokens");
        requireNonNegative(writeTokens, "writeTokens");
        return copy(
                b -> {
                    b.cacheReadTokens = readTokens;
                    b.cacheWriteTokens = writeTokens;
                });
    }

    /**
     * Sets the reasoning tokens reported in OpenAI's {@code output_tokens_details.reasoning_tokens}
     * (Responses) and {@code completion_tokens_details.reasoning_tokens} (Chat Completions). They
     * are part of the output count, as OpenAI reports them: {@code usage(1000, 300)} with 100
     * reasoning tokens is 300 output tokens, 100 of them reasoning. Anthropic reports none.
     *
     * @param tokens the reasoning tokens, at most the output tokens the answer reports
     * @return a new response
     */
    public FakeResponse reasoningTokens(long tokens) {
        requireNonNegative(tokens, "tokens");
        return copy(b -> b.reasoningTokens = tokens);
    }

    /**
     * Makes a Responses API answer fail after its text: {@code "status": "failed"} with an {@code
     * error} of this code and message, the usage still reported; streamed, the stream ends with a
     * {@code response.failed} event instead of {@code response.completed}. Only the Responses API
     * has this shape; the other endpoints answer as without it.
     *
     * @param code the error code, e.g. {@code server_error}
     * @param message the error message
     * @return a new response
     */
    public FakeResponse failed(String code, String message) {
        Failure failure =
                new Failure(
                        Objects.requireNonNull(code, "code"),
                        Objects.requireNonNull(message, "message"));
        return copy(b -> b.failure = Optional.of(failure));
    }

    /**
     * Sets the stop reason in the provider's own vocabulary ({@code finish_reason} such as {@code
     * length}, or {@code stop_reason} such as {@code max_tokens}, {@code stop_sequence}, {@code
     * refusal}). On the Responses API it is the {@code incomplete_details.reason} (such as {@code
     * max_output_tokens} or {@code content_filter}) of an answer with {@code "status":
     * "incomplete"}, whose stream ends with {@code response.incomplete}.
     *
     * @param reason the stop reason
     * @return a new response
     */
    public FakeResponse stopReason(String reason) {
        return copy(b -> b.stopReason = Optional.of(reason));
    }

    /**
     * Adds a response header.
     *
     * @param name the header name
     * @param value the value
     * @return a new response
     */
    public FakeResponse header(String name, String value) {
        return copy(
                b -> {
                    Map<String, String> headers = new LinkedHashMap<>(b.headers);
                    headers.put(name, value);
                    b.headers = headers;
                });
    }

    /**
     * Waits before sending the status line and headers.
     *
     * @param delay how long
     * @return a new response
     */
    public FakeResponse headersDelay(Duration delay) {
        return copy(b -> b.headersDelay = requireNonNegative(delay));
    }

    /**
     * Waits between the events of a stream.
     *
     * @param delay how long
     * @return a new response
     */
    public FakeResponse eventDelay(Duration delay) {
        return copy(b -> b.eventDelay = requireNonNegative(delay));
    }

    /**
     * Drops the connection after this many SSE events, without ending the stream.
     *
     * @param events events sent before the connection is cut, {@code >= 0}
     * @return a new response
     */
    public FakeResponse disconnectAfter(int events) {
        if (events < 0) {
            throw new IllegalArgumentException("events must not be negative, got " + events);
        }
        return copy(b -> b.disconnectAfterEvents = events);
    }

    /**
     * Never finishes, for timeout tests: a plain answer stalls before its headers (as a provider
     * computing a whole answer does); a stream sends its headers and first event, then stalls.
     * Either way the fake waits until it is closed.
     *
     * @return a new response
     */
    public FakeResponse neverEnds() {
        return copy(b -> b.neverEnds = true);
    }

    @Override
    public String toString() {
        return "FakeResponse[" + kind + ", status=" + status + "]";
    }

    private static void requireNonNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
    }

    private static Duration requireNonNegative(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("a delay must not be negative, got " + delay);
        }
        return delay;
    }

    private FakeResponse copy(java.util.function.Consumer<Mutable> change) {
        Mutable m = new Mutable(this);
        change.accept(m);
        return new FakeResponse(
                m.kind,
                m.text,
                m.toolCalls,
                m.status,
                m.errorType,
                m.contentType,
                m.inputTokens,
                m.outputTokens,
                m.cacheReadTokens,
                m.cacheWriteTokens,
                m.reasoningTokens,
                m.stopReason,
                m.failure,
                m.headers,
                m.headersDelay,
                m.eventDelay,
                m.disconnectAfterEvents,
                m.neverEnds);
    }

    /** The fields of a response while a modifier changes them. */
    private static final class Mutable {
        Kind kind;
        String text;
        List<ToolCall> toolCalls;
        int status;
        String errorType;
        String contentType;
        OptionalLong inputTokens;
        OptionalLong outputTokens;
        long cacheReadTokens;
        long cacheWriteTokens;
        long reasoningTokens;
        Optional<String> stopReason;
        Optional<Failure> failure;
        Map<String, String> headers;
        Duration headersDelay;
        Duration eventDelay;
        int disconnectAfterEvents;
        boolean neverEnds;

        Mutable(FakeResponse r) {
            kind = r.kind;
            text = r.text;
            toolCalls = r.toolCalls;
            status = r.status;
            errorType = r.errorType;
            contentType = r.contentType;
            inputTokens = r.inputTokens;
            outputTokens = r.outputTokens;
            cacheReadTokens = r.cacheReadTokens;
            cacheWriteTokens = r.cacheWriteTokens;
            reasoningTokens = r.reasoningTokens;
            stopReason = r.stopReason;
            failure = r.failure;
            headers = r.headers;
            headersDelay = r.headersDelay;
            eventDelay = r.eventDelay;
            disconnectAfterEvents = r.disconnectAfterEvents;
            neverEnds = r.neverEnds;
        }
    }
}
