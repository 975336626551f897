package io.ironcage.router.core.domain.analytics;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How one attempt of a proxied request went, as ARCHITECTURE.md "The request path" step 9 records
 * it beyond the reference's payloads: the router's id of the caller's request and the attempt
 * number, the upstream's request id, latency, time to first byte, streaming, translation and the
 * status the caller got.
 *
 * <p>Each attempt of a caller's request (a retry, a fallback to another model) is its own event
 * with its own cost; the events of one request share {@code routerRequestId} and differ in {@code
 * attempt}.
 *
 * @param routerRequestId the router's id of the caller's request, shared by the events of all its
 *     attempts; the router generates {@code req_} followed by 24 lowercase hex digits; not blank
 * @param attempt the 1-based number of this attempt within the caller's request, {@code >= 1}
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
        String routerRequestId,
        int attempt,
        Optional<String> requestId,
        long latencyMs,
        OptionalLong timeToFirstByteMs,
        boolean streamed,
        boolean translated,
        int status) {
    /**
     * The router request id of metas that have none: made by {@link #RequestMeta(Optional, long,
     * OptionalLong, boolean, boolean, int)} or {@link #of(int, long)} (tests, code written before
     * attempts existed), or read from a store row recorded before router request ids existed. A
     * fixed placeholder in the router's format that names no request ({@link #hasRouterRequestId()}
     * is false): stores keep it as "no id", and it is not sent to the control server. The router
     * itself always gives a real id.
     */
    public static final String UNSPECIFIED_ROUTER_REQUEST_ID = "req_000000000000000000000000";

    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code routerRequestId} is blank, {@code attempt} is
     *     below 1, a duration is negative, the time to first byte exceeds the latency, the status
     *     is outside 100–599 or {@code requestId} is blank
     */
    public RequestMeta {
        Objects.requireNonNull(routerRequestId, "routerRequestId");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(timeToFirstByteMs, "timeToFirstByteMs");
        if (routerRequestId.isBlank()) {
            throw new IllegalArgumentException("routerRequestId must not be blank");
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1, got " + attempt);
        }
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
     * Returns the meta of the first attempt of an unidentified request: the router request id is
     * {@link #UNSPECIFIED_ROUTER_REQUEST_ID} (nothing is generated), the attempt 1. Kept for code
     * written before attempts existed; the router itself always gives the real id.
     *
     * @param requestId the upstream's request id, if it sent one
     * @param latencyMs the latency in milliseconds
     * @param timeToFirstByteMs the time to the first response byte, if a response started
     * @param streamed whether the response was streamed
     * @param translated whether the request was translated
     * @param status the HTTP status the caller got
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException as the canonical constructor
     */
    public RequestMeta(
            Optional<String> requestId,
            long latencyMs,
            OptionalLong timeToFirstByteMs,
            boolean streamed,
            boolean translated,
            int status) {
        this(
                UNSPECIFIED_ROUTER_REQUEST_ID,
                1,
                requestId,
                latencyMs,
                timeToFirstByteMs,
                streamed,
                translated,
                status);
    }

    /**
     * Returns the meta of a plain request: no request id, not streamed, not translated, no time to
     * first byte, the first attempt of {@link #UNSPECIFIED_ROUTER_REQUEST_ID}.
     *
     * @param status the HTTP status the caller got
     * @param latencyMs the latency in milliseconds
     * @return the meta
     */
    public static RequestMeta of(int status, long latencyMs) {
        return new RequestMeta(
                Optional.empty(), latencyMs, OptionalLong.empty(), false, false, status);
    }

    /**
     * Returns whether this meta names its caller's request, i.e. its router request id is not
     * {@link #UNSPECIFIED_ROUTER_REQUEST_ID}.
     *
     * @return whether the router request id is a real one
     */
    public boolean hasRouterRequestId() {
        return !UNSPECIFIED_ROUTER_REQUEST_ID.equals(routerRequestId);
    }

    /**
     * Returns this meta for another attempt of another (or the same) caller's request.
     *
     * @param routerRequestId the router's id of the caller's request; not blank
     * @param attempt the 1-based attempt number
     * @return the meta with those two components replaced
     * @throws NullPointerException if {@code routerRequestId} is {@code null}
     * @throws IllegalArgumentException if {@code routerRequestId} is blank or {@code attempt < 1}
     */
    public RequestMeta withAttempt(String routerRequestId, int attempt) {
        return new RequestMeta(
                routerRequestId,
                attempt,
                requestId,
                latencyMs,
                timeToFirstByteMs,
                streamed,
                translated,
                status);
    }
}
