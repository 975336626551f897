package io.ironcage.router.core.domain.analytics;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How one proxied request went, as ARCHITECTURE.md "The request path" step 9 records it beyond the
 * reference's payloads: request id, latency, time to first byte, streaming, translation and the
 * status the caller got.
 *
 * @param requestId the upstream's request id (e.g. {@code x-request-id}, {@code request-id}), if it
 *     sent one
 * @param latencyMs from receiving the request to sending its last byte, {@code >= 0}
 * @param timeToFirstByteMs from receiving the request to the first response byte, if a response
 *     started; {@code 0 <= ttfb <= latencyMs}
 * @param streamed whether the response was streamed (SSE)
 * @param translated whether the request was translated between the OpenAI and Anthropic formats
 * @param status the HTTP status the caller got, 100–599
 */
public record RequestMeta(
        Optional<String> requestId,
        long latencyMs,
        OptionalLong timeToFirstByteMs,
        boolean streamed,
        boolean translated,
        int status) {
    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if a duration is negative, the time to first byte exceeds
     *     the latency, the status is outside 100–599 or {@code requestId} is blank
     */
    public RequestMeta {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(timeToFirstByteMs, "timeToFirstByteMs");
        if (requestId.isPresent() && requestId.get().isBlank()) {
            throw new IllegalArgumentException("requestId must not be blank when present");
        }
        if (latencyMs < 0) {
            throw new IllegalArgumentException("latencyMs must not be negative, got " + latencyMs);
        }
        if (timeToFirstByteMs.isPresent()) {
            long ttfb = timeToFirstByteMs.getAsLong();
            if (ttfb < 0 || ttfb > latencyMs) {
                throw new IllegalArgumentException(
                        "timeToFirstByteMs must be between 0 and latencyMs ("
                                + latencyMs
                                + "), got "
                                + ttfb);
            }
        }
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException(
                    "status must be an HTTP status (100-599), got " + status);
        }
    }

    /**
     * Returns the meta of a plain request: no request id, not streamed, not translated, no time to
     * first byte.
     *
     * @param status the HTTP status the caller got
     * @param latencyMs the latency in milliseconds
     * @return the meta
     */
    public static RequestMeta of(int status, long latencyMs) {
        return new RequestMeta(
                Optional.empty(), latencyMs, OptionalLong.empty(), false, false, status);
    }
}
