package io.ironcage.router.core.controlplane.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One analytics event posted to the Iron Cage control server ({@code POST
 * /api/v1/analytics/events}, one event per call in the server's format, reference §8.6): the
 * event's JSON and the reading of the answer. Beyond the reference, an LLM request event carries
 * {@code router_request_id} (the router's id of the caller's request) and {@code attempt}
 * (1-based), which link the events of one request's attempts. What to do with an answer is {@code
 * AnalyticsSync}'s business. The IC token never appears in a message. Thread-safe.
 */
public final class AnalyticsEventClient {
    /** The endpoint, reference §8.6. */
    public static final String PATH = "/api/v1/analytics/events";

    private final ControlPlaneHttp http;

    /**
     * The server's answer to one event.
     *
     * @param status the HTTP status
     * @param refusal for an answer that is not a 2xx, the server's {@code error} (or {@code
     *     message}) and {@code code}, without the token
     */
    public record Answer(int status, Optional<ControlPlaneException> refusal) {
        /**
         * Checks the parts.
         *
         * @throws NullPointerException if {@code refusal} is null
         */
        public Answer {
            Objects.requireNonNull(refusal, "refusal");
        }

        /**
         * Returns whether the server took the event (any 2xx).
         *
         * @return whether the status is a 2xx
         */
        public boolean isSuccess() {
            return status >= 200 && status <= 299;
        }
    }

    private AnalyticsEventClient(URI url, HttpTransport transport, Duration timeout) {
        this.http = new ControlPlaneHttp(url, transport, timeout);
    }

    /**
     * Returns a client.
     *
     * @param url the control server's base URL
     * @param transport the HTTP client; not closed by this client
     * @param timeout the longest a call takes, positive
     * @return the client
     */
    public static AnalyticsEventClient create(URI url, HttpTransport transport, Duration timeout) {
        return new AnalyticsEventClient(url, transport, timeout);
    }

    /**
     * Returns the control server's base URL.
     *
     * @return the URL
     */
    public URI baseUrl() {
        return http.baseUrl();
    }

    /**
     * Returns the longest a call takes.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return http.timeout();
    }

    /**
     * Posts one event and reads the answer, whatever its status.
     *
     * @param event an {@code llm_request_completed} or {@code llm_request_failed} event
     * @param icToken the IC token of the event's agent
     * @param callTimeout the call's timeout; a longer one than {@link #timeout()} (or zero) is cut
     *     to it
     * @return the answer
     * @throws ControlPlaneException when no answer arrived
     */
    public Answer post(AnalyticsEvent event, String icToken, Duration callTimeout) {
        ControlPlaneHttp.Answer answer =
                http.post(
                        PATH,
                        toWire(event, icToken),
                        HeaderMap.empty(),
                        callTimeout,
                        "the analytics event",
                        icToken);
        return new Answer(
                answer.status(),
                answer.isSuccess()
                        ? Optional.empty()
                        : Optional.of(ControlPlaneHttp.refusal(answer, icToken)));
    }

    /** The server's wire format (reference §8.6). */
    static ObjectNode toWire(AnalyticsEvent event, String icToken) {
        ObjectNode out =
                ControlPlaneHttp.JSON
                        .createObjectNode()
                        .put("ic_token", icToken)
                        .put("event_id", event.eventId())
                        .put("timestamp_ms", event.timestampMs())
                        .put("event_type", event.eventType());
        if (event.payload() instanceof LlmRequestCompleted) {
            LlmRequestCompleted done = (LlmRequestCompleted) event.payload();
            out.put("model", done.model()).put("provider", done.provider());
            out.put("input_tokens", done.usage().inputTokens())
                    .put("output_tokens", done.usage().outputTokens())
                    .put("cost_micros", done.cost().micros());
            done.providerId().ifPresent(id -> out.put("provider_id", id));
            attempt(out, done.request());
        } else {
            LlmRequestFailed failed = (LlmRequestFailed) event.payload();
            out.put("model", failed.model()).put("provider", failed.provider());
            failed.providerId().ifPresent(id -> out.put("provider_id", id));
            failed.errorCode().ifPresent(code -> out.put("error_code", code));
            failed.errorMessage().ifPresent(message -> out.put("error_message", message));
            attempt(out, failed.request());
            if (!failed.cost().isZero()) {
                // a stream that broke after the provider started billing was charged: the server
                // must see that spend, as the ledger and the lease did
                out.put("input_tokens", failed.usage().inputTokens())
                        .put("output_tokens", failed.usage().outputTokens())
                        .put("cost_micros", failed.cost().micros());
            }
        }
        return out;
    }

    /**
     * Adds which caller's request the event belongs to and which attempt of it it is, so the server
     * can link the events (each with its own cost) of one request's retries and fallbacks. An event
     * without a router request id (recorded before they existed) sends none rather than the
     * placeholder, which would link it to every other such event.
     */
    private static void attempt(ObjectNode out, RequestMeta request) {
        if (request.hasRouterRequestId()) {
            out.put("router_request_id", request.routerRequestId());
        }
        out.put("attempt", request.attempt());
    }

    /** Shows the server only. */
    @Override
    public String toString() {
        return "AnalyticsEventClient[" + http.baseUrl() + "]";
    }
}
