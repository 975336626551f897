package io.ironcage.router.core.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ironcage.router.core.agent.RateLimitState;
import io.ironcage.router.core.agent.RateLimited;
import io.ironcage.router.core.domain.ProviderRouting.NoKeyForProvider;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetDecision;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.provider.anthropic.OpenAiToAnthropic;
import io.ironcage.router.core.spi.HeaderMap;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The errors the router produces itself, rendered in the caller's API format (ARCHITECTURE.md, "The
 * request path"; ARCHITECTURE.md "Errors"). Every response has {@code content-type:
 * application/json}.
 *
 * <p>Shapes: OpenAI {@code {"error":{"message":…,"type":…,"param":…,"code":…}}} ({@code param} and
 * {@code code} are JSON {@code null} when there is none); Anthropic {@code
 * {"type":"error","error":{"type":…,"message":…}}}. For the budget errors the Anthropic body keeps
 * the reference's {@code type} and also carries the reference's {@code code} as an extra {@code
 * error.code} field (SDKs ignore unknown fields), so both formats let a client tell the two 402s
 * apart without parsing the message.
 *
 * <table>
 *   <caption>Statuses, types and codes</caption>
 *   <tr><th>factory</th><th>status</th><th>OpenAI type / code</th><th>Anthropic type</th></tr>
 *   <tr><td>{@link #unauthorized}</td><td>401</td><td>invalid_request_error / invalid_api_key</td>
 *       <td>authentication_error</td></tr>
 *   <tr><td>{@link #invalidJson}</td><td>400</td><td>invalid_request_error / invalid_json</td>
 *       <td>invalid_request_error</td></tr>
 *   <tr><td>{@link #badRequest}</td><td>400</td><td>invalid_request_error / null</td>
 *       <td>invalid_request_error</td></tr>
 *   <tr><td>{@link #missingModel}</td><td>400</td><td>invalid_request_error / missing_model</td>
 *       <td>invalid_request_error</td></tr>
 *   <tr><td>{@link #payloadTooLarge}</td><td>413</td><td>invalid_request_error /
 *       request_too_large</td><td>request_too_large</td></tr>
 *   <tr><td>{@link #noKeyForProvider}</td><td>400</td><td>invalid_request_error /
 *       no_provider_key</td><td>invalid_request_error</td></tr>
 *   <tr><td>{@link #unpricedModel}</td><td>400</td><td>invalid_request_error / unpriced_model</td>
 *       <td>invalid_request_error</td></tr>
 *   <tr><td>{@link #budget}</td><td>402</td><td>the refusal's type / code (reference §3.8)</td>
 *       <td>the refusal's type (+ code)</td></tr>
 *   <tr><td>{@link #rateLimited}</td><td>429</td><td>requests or tokens /
 *       rate_limit_exceeded</td><td>rate_limit_error</td></tr>
 *   <tr><td>{@link #upstreamUnreachable}</td><td>502</td><td>server_error /
 *       upstream_unreachable</td><td>api_error</td></tr>
 *   <tr><td>{@link #modelsUnavailable}</td><td>502</td><td>server_error /
 *       models_unavailable</td><td>api_error</td></tr>
 *   <tr><td>{@link #upstreamTimeout}</td><td>504</td><td>server_error / upstream_timeout</td>
 *       <td>timeout_error</td></tr>
 *   <tr><td>{@link #upstreamAuthFailed}</td><td>502</td><td>server_error /
 *       provider_authentication_failed</td><td>api_error</td></tr>
 *   <tr><td>{@link #controlPlane}</td><td>see the method</td><td>iron_cage_control_plane_error /
 *       control_plane_…</td><td>by status</td></tr>
 *   <tr><td>{@link #internal}</td><td>500</td><td>server_error / internal_error</td>
 *       <td>api_error</td></tr>
 * </table>
 *
 * <p>No factory takes a secret, so no body can contain a provider key or an IC token. Values the
 * caller sent (a model name) are echoed shortened to {@value #MAX_ECHOED_CHARS} characters.
 */
public final class ErrorResponses {
    /** The longest caller-supplied value (a model name) echoed in a message, in characters. */
    public static final int MAX_ECHOED_CHARS = 200;

    /** OpenAI's type for client errors. */
    public static final String OPENAI_INVALID_REQUEST = "invalid_request_error";

    /** OpenAI's type for server-side errors. */
    public static final String OPENAI_SERVER_ERROR = "server_error";

    /** The OpenAI-format type of every control-plane error. */
    public static final String CONTROL_PLANE_TYPE = "iron_cage_control_plane_error";

    private static final JsonFactory JSON = new JsonFactory();
    private static final HeaderMap JSON_HEADERS = HeaderMap.of("content-type", "application/json");

    private ErrorResponses() {}

    /**
     * The caller presented no valid IC token (401).
     *
     * @param format the caller's format
     * @return the response
     */
    public static ErrorResponse unauthorized(ProviderType format) {
        return render(
                format,
                401,
                OPENAI_INVALID_REQUEST,
                "invalid_api_key",
                null,
                "Invalid API key. Send your Iron Cage token as 'Authorization: Bearer <token>' or"
                        + " as 'x-api-key: <token>'.");
    }

    /**
     * The request body is not valid JSON (400). The parser's message is not included: it may quote
     * the body.
     *
     * @param format the caller's format
     * @return the response
     */
    public static ErrorResponse invalidJson(ProviderType format) {
        return render(
                format,
                400,
                OPENAI_INVALID_REQUEST,
                "invalid_json",
                null,
                "The request body is not valid JSON.");
    }

    /**
     * A request the router cannot accept, for a reason the caller states (400).
     *
     * @param format the caller's format
     * @param message a complete sentence saying what is wrong; never a secret
     * @param param the request field at fault (OpenAI {@code param}), or {@code null} for none
     * @return the response
     */
    public static ErrorResponse badRequest(ProviderType format, String message, String param) {
        Objects.requireNonNull(message, "message");
        return render(format, 400, OPENAI_INVALID_REQUEST, null, param, message);
    }

    /**
     * The request body has no string {@code model} where one is needed (400).
     *
     * @param format the caller's format
     * @return the response
     */
    public static ErrorResponse missingModel(ProviderType format) {
        return render(
                format,
                400,
                OPENAI_INVALID_REQUEST,
                "missing_model",
                "model",
                "The request body has no 'model'. Add a string field 'model', for example"
                        + " \"model\": \"gpt-4o-mini\".");
    }

    /**
     * 404: the path is not an API path the router serves (everything it forwards is under {@code
     * /v1/}, after an optional {@code /openai} or {@code /anthropic} prefix).
     *
     * @param format the caller's format
     * @param path the path the caller asked for
     * @return the error
     */
    public static ErrorResponse notFound(ProviderType format, String path) {
        return render(
                format,
                404,
                OPENAI_INVALID_REQUEST,
                "not_found",
                null,
                "No API at '"
                        + echo(Objects.requireNonNull(path, "path"))
                        + "'. The router serves the provider APIs under /v1/, e.g."
                        + " /v1/chat/completions or /v1/messages.");
    }

    /**
     * 431: the request's headers are larger than the router accepts.
     *
     * @param format the caller's format
     * @param limitBytes the limit on all header names and values together
     * @return the error
     */
    public static ErrorResponse headersTooLarge(ProviderType format, long limitBytes) {
        return render(
                format,
                431,
                OPENAI_INVALID_REQUEST,
                "headers_too_large",
                null,
                "The request headers are too large: together they may have at most "
                        + limitBytes
                        + " bytes.");
    }

    /**
     * 502: the provider answered, but its answer could not be translated into the caller's format.
     *
     * @param format the caller's format
     * @param provider the provider's id
     * @return the error
     */
    public static ErrorResponse upstreamUntranslatable(ProviderType format, String provider) {
        return render(
                format,
                502,
                "server_error",
                "untranslatable_response",
                null,
                "The " + provider + " answer could not be translated into this API's format.");
    }

    /**
     * The request body is larger than the router accepts (413).
     *
     * @param format the caller's format
     * @param limitBytes the limit, in bytes
     * @return the response
     */
    public static ErrorResponse payloadTooLarge(ProviderType format, long limitBytes) {
        return render(
                format,
                413,
                OPENAI_INVALID_REQUEST,
                "request_too_large",
                null,
                "The request body is larger than the router's limit of " + limitBytes + " bytes.");
    }

    /**
     * The request belongs to a provider the router holds no key for (400); the message is {@link
     * NoKeyForProvider#message()}.
     *
     * @param format the caller's format
     * @param decision the routing decision
     * @return the response
     */
    public static ErrorResponse noKeyForProvider(ProviderType format, NoKeyForProvider decision) {
        Objects.requireNonNull(decision, "decision");
        return render(
                format, 400, OPENAI_INVALID_REQUEST, "no_provider_key", null, decision.message());
    }

    /**
     * The model has no price while a finite budget is in force (400); the message says how to add
     * one under {@code pricing.overrides}.
     *
     * @param format the caller's format
     * @param model the model as the caller sent it
     * @return the response
     */
    public static ErrorResponse unpricedModel(ProviderType format, String model) {
        Objects.requireNonNull(model, "model");
        String shown = echo(model);
        return render(
                format,
                400,
                OPENAI_INVALID_REQUEST,
                "unpriced_model",
                "model",
                "The model '"
                        + shown
                        + "' has no price, so the router cannot keep it within the budget. Add"
                        + " its price under pricing.overrides in router.yaml, for example:"
                        + " pricing: { overrides: { \""
                        + shown
                        + "\": { input-usd-per-mtok: 1.0, output-usd-per-mtok: 2.0 } } }.");
    }

    /**
     * The budget refused the request (402), with the reference's type, code and message exactly
     * (§3.8).
     *
     * @param format the caller's format
     * @param refusal the budget's decision
     * @return the response
     */
    public static ErrorResponse budget(ProviderType format, BudgetDecision.Refusal refusal) {
        Objects.requireNonNull(refusal, "refusal");
        if (format == ProviderType.ANTHROPIC) {
            return anthropic(402, refusal.type(), refusal.code(), refusal.message());
        }
        return openAi(402, refusal.type(), refusal.code(), null, refusal.message());
    }

    /**
     * No configured provider's model list could be fetched for {@code GET /v1/models} (502).
     *
     * @param format the caller's format
     * @param failures each provider and why its list is missing, e.g. {@code openai (timed out),
     *     anthropic (HTTP 401)}; never a key or a provider's body
     * @return the response
     */
    public static ErrorResponse modelsUnavailable(ProviderType format, String failures) {
        Objects.requireNonNull(failures, "failures");
        return render(
                format,
                502,
                OPENAI_SERVER_ERROR,
                "models_unavailable",
                null,
                "No provider's model list could be fetched: " + failures + ".");
    }

    /**
     * The provider could not be reached: connection refused, DNS or TLS failure (502).
     *
     * @param format the caller's format
     * @param host the provider's host, e.g. {@code api.openai.com}
     * @return the response
     */
    public static ErrorResponse upstreamUnreachable(ProviderType format, String host) {
        Objects.requireNonNull(host, "host");
        return render(
                format,
                502,
                OPENAI_SERVER_ERROR,
                "upstream_unreachable",
                null,
                "The router could not connect to the provider at " + echo(host) + ".");
    }

    /**
     * The outbound proxy refused the call to the provider (e.g. 407, 403) or could not be reached
     * (502). Names the proxy's {@code host:port}, never its credentials.
     *
     * @param format the caller's format
     * @param host the provider's host, e.g. {@code api.openai.com}
     * @param proxy the proxy's {@code host:port}
     * @param status the proxy's refusing status, or 0 if it could not be reached
     * @return the response
     */
    public static ErrorResponse proxyFailed(
            ProviderType format, String host, String proxy, int status) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(proxy, "proxy");
        return render(
                format,
                502,
                OPENAI_SERVER_ERROR,
                "upstream_unreachable",
                null,
                status == 0
                        ? "The router could not connect to the proxy at "
                                + echo(proxy)
                                + " to reach the provider at "
                                + echo(host)
                                + "."
                        : "The proxy at "
                                + echo(proxy)
                                + " refused the call to the provider at "
                                + echo(host)
                                + " with status "
                                + status
                                + ".");
    }

    /**
     * The provider did not answer within the upstream timeout (504).
     *
     * @param format the caller's format
     * @param host the provider's host, e.g. {@code api.openai.com}
     * @return the response
     */
    public static ErrorResponse upstreamTimeout(ProviderType format, String host) {
        Objects.requireNonNull(host, "host");
        return render(
                format,
                504,
                OPENAI_SERVER_ERROR,
                "upstream_timeout",
                null,
                "The provider at "
                        + echo(host)
                        + " did not answer within the router's upstream timeout"
                        + " (timeouts.upstream).");
    }

    /**
     * Every model the request may go to is behind an open circuit breaker: it failed so often
     * lately that the router stops calling it for a while. <b>503</b> with a {@code Retry-After} of
     * the breaker's open time, so an SDK backs off.
     *
     * @param format the caller's format
     * @param model the model the caller asked for
     * @param retryAfter how long the breaker stays open at most
     * @return the response
     */
    public static ErrorResponse circuitOpen(
            ProviderType format, String model, Duration retryAfter) {
        ErrorResponse answer =
                render(
                        format,
                        503,
                        OPENAI_SERVER_ERROR,
                        "circuit_open",
                        null,
                        "Model '"
                                + echo(model)
                                + "' (and each of its fallbacks) failed too often lately: the"
                                + " router stops calling it for up to "
                                + retryAfter.toSeconds()
                                + " s (circuit-breaker.open-for). Retry later.");
        return new ErrorResponse(
                503,
                answer.headers().toBuilder()
                        .set("retry-after", String.valueOf(Math.max(1, retryAfter.toSeconds())))
                        .build(),
                answer.body());
    }

    /**
     * The provider rejected the router's provider key with 401 or 403. The provider's body is never
     * passed on, as it may echo parts of the key.
     *
     * <p>Rendered as <b>502</b>, not as the provider's status: the caller's own credentials were
     * accepted by the router, and what failed is the router's configuration, i.e. a bad gateway. A
     * 401 would make the OpenAI and Anthropic SDKs report the caller's token as invalid. The
     * provider's status is named in the message.
     *
     * @param format the caller's format
     * @param upstreamStatus the provider's status, 401 or 403
     * @return the response
     * @throws IllegalArgumentException if {@code upstreamStatus} is not 401 or 403
     */
    public static ErrorResponse upstreamAuthFailed(ProviderType format, int upstreamStatus) {
        if (upstreamStatus != 401 && upstreamStatus != 403) {
            throw new IllegalArgumentException(
                    "an upstream authentication failure is 401 or 403, got " + upstreamStatus);
        }
        return render(
                format,
                502,
                OPENAI_SERVER_ERROR,
                "provider_authentication_failed",
                null,
                "Provider authentication failed: the provider answered "
                        + upstreamStatus
                        + " to the router's provider key. Check the key configured for this"
                        + " provider; the provider's response is not shown because it may"
                        + " contain parts of the key.");
    }

    /**
     * The Iron Cage control server could not be reached or refused what the router asked (for the
     * provider key or a budget lease), so the router fails closed. The message is the exception's,
     * which holds only the server's status, {@code error} and {@code code}, never a secret.
     *
     * <p>Status: <b>503</b> when the server gave no answer ({@link
     * ControlPlaneException#isNoResponse()}); the server's own status when it is one a caller can
     * act on, <b>401</b> (the IC token was rejected), <b>402</b>, <b>403</b> (e.g. no provider
     * assigned) or <b>429</b>; <b>502</b> for every other answer (other 4xx mean the router and the
     * server disagree, 5xx that the server failed). The OpenAI type is {@value #CONTROL_PLANE_TYPE}
     * with code {@code control_plane_unreachable}, {@code control_plane_refused} (4xx) or {@code
     * control_plane_error} (5xx); the Anthropic type follows the status (401 authentication_error,
     * 402 billing_error, 403 permission_error, 429 rate_limit_error, 502/503 api_error).
     *
     * @param format the caller's format
     * @param failure what the control-plane client threw
     * @return the response
     */
    public static ErrorResponse controlPlane(ProviderType format, ControlPlaneException failure) {
        Objects.requireNonNull(failure, "failure");
        int status;
        String code;
        String advice;
        if (failure.isNoResponse()) {
            status = 503;
            code = "control_plane_unreachable";
            advice =
                    " The router fails closed: it sends no request to a provider until the"
                            + " control server answers again.";
        } else if (failure.isClientError()) {
            int server = failure.status();
            status =
                    server == 401 || server == 402 || server == 403 || server == 429 ? server : 502;
            code = "control_plane_refused";
            advice = " The router did not send this request to a provider.";
        } else {
            status = 502;
            code = "control_plane_error";
            advice = " The router did not send this request to a provider.";
        }
        String message = sentence(failure.getMessage()) + advice;
        if (format == ProviderType.ANTHROPIC) {
            return anthropic(status, OpenAiToAnthropic.errorType(status), null, message);
        }
        return openAi(status, CONTROL_PLANE_TYPE, code, null, message);
    }

    /**
     * An unexpected failure inside the router (500). Says nothing about the cause: details go to
     * the log, never to the caller.
     *
     * @param format the caller's format
     * @return the response
     */
    public static ErrorResponse internal(ProviderType format) {
        return render(
                format,
                500,
                OPENAI_SERVER_ERROR,
                "internal_error",
                null,
                "The router failed unexpectedly while handling this request. The details are in"
                        + " the router's log.");
    }

    /**
     * The answer to a request a transport could not read or will not serve (see {@code
     * ProxyHandler#unreadable}): 400 malformed, 408 too slow, 413 body too large, 414 request line
     * too long, 431 headers too large, 503 no room; any other status is answered as 400.
     *
     * @param format the caller's format, from the path if the transport read one
     * @param status the status the transport chose
     * @param maxBodyBytes the body limit, named in a 413
     * @return the error
     */
    public static ErrorResponse unreadable(ProviderType format, int status, long maxBodyBytes) {
        switch (status) {
            case 408:
                return render(
                        format,
                        408,
                        OPENAI_INVALID_REQUEST,
                        "request_timeout",
                        null,
                        "The request's headers or body did not arrive in time; the connection is"
                                + " closed.");
            case 413:
                return payloadTooLarge(format, maxBodyBytes);
            case 414:
                return render(
                        format,
                        414,
                        OPENAI_INVALID_REQUEST,
                        "uri_too_long",
                        null,
                        "The request line is too long.");
            case 431:
                return render(
                        format,
                        431,
                        OPENAI_INVALID_REQUEST,
                        "headers_too_large",
                        null,
                        "The request headers are too large.");
            case 503:
                return render(
                        format,
                        503,
                        OPENAI_SERVER_ERROR,
                        "router_busy",
                        null,
                        "The router cannot take this request now: it is at its limit of requests"
                                + " or request bodies in flight, or shutting down. Retry later.");
            default:
                return render(
                        format,
                        400,
                        OPENAI_INVALID_REQUEST,
                        "malformed_request",
                        null,
                        "The request is not valid HTTP/1.1 (a malformed request line, header or"
                                + " body); the connection is closed.");
        }
    }

    /**
     * 400: the request's path or query cannot be forwarded as it is.
     *
     * @param format the caller's format
     * @param reason a complete sentence saying what is wrong with the path
     * @return the error
     */
    public static ErrorResponse malformedPath(ProviderType format, String reason) {
        return render(format, 400, OPENAI_INVALID_REQUEST, "invalid_path", null, reason);
    }

    /**
     * 400: a paid endpoint the router does not meter, refused while a finite budget is in force.
     *
     * @param format the caller's format
     * @param method the request's method
     * @param path the normalised path
     * @return the error
     */
    public static ErrorResponse unmeteredEndpoint(ProviderType format, String method, String path) {
        return render(
                format,
                400,
                OPENAI_INVALID_REQUEST,
                "unmetered_endpoint",
                null,
                method
                        + " "
                        + echo(path)
                        + " is a paid endpoint the router does not meter, so its cost would"
                        + " escape the budget; it is refused while a budget is in force. Set"
                        + " budget.unmetered-endpoints: allow in router.yaml"
                        + " (LlmRouter.Builder#allowUnmeteredEndpoints) to forward such requests"
                        + " without charging the budget.");
    }

    /**
     * 429: a rate limit of the caller's tenant ({@code rate-limits:}) refused the request, before
     * anything was reserved or sent upstream. OpenAI's shape: type {@code requests} or {@code
     * tokens}, code {@code rate_limit_exceeded}; Anthropic's type {@code rate_limit_error}.
     * Headers: {@code retry-after} (whole seconds, rounded up, at least 1) and OpenAI's {@code
     * x-ratelimit-limit-*}, {@code x-ratelimit-remaining-*} and {@code x-ratelimit-reset-*} for
     * {@code requests} and {@code tokens}, each pair when that limit is set.
     *
     * @param format the caller's format
     * @param refusal why the limiter refused
     * @return the response
     */
    public static ErrorResponse rateLimited(ProviderType format, RateLimited refusal) {
        Objects.requireNonNull(refusal, "refusal");
        RateLimitState state = refusal.state();
        String retry = openAiDuration(refusal.retryAfter());
        String type;
        String message;
        switch (refusal.limit()) {
            case REQUESTS:
                type = "requests";
                message =
                        "Rate limit reached for requests: "
                                + state.requestLimit()
                                + " per minute (rate-limits.requests-per-minute). Try again in "
                                + retry
                                + ".";
                break;
            case CONCURRENCY:
                type = "requests";
                message =
                        "Rate limit reached for requests: as many requests as allowed are in"
                                + " flight at once (rate-limits.max-concurrent). Try again when"
                                + " one has ended.";
                break;
            case TOKENS:
                type = "tokens";
                message =
                        "Rate limit reached for tokens: "
                                + state.tokenLimit()
                                + " per minute (rate-limits.tokens-per-minute), "
                                + state.tokensRemaining()
                                + " left; this request may use up to "
                                + refusal.requestedTokens()
                                + " (its input bound plus its output limit). Try again in "
                                + retry
                                + ", or lower max_tokens.";
                break;
            default:
                type = "tokens";
                message =
                        "Request too large for the tokens-per-minute limit: it may use up to "
                                + refusal.requestedTokens()
                                + " tokens (its input bound plus its output limit), more than the"
                                + " limit of "
                                + state.tokenLimit()
                                + " per minute (rate-limits.tokens-per-minute). Lower max_tokens"
                                + " or the input.";
                break;
        }
        ErrorResponse plain =
                format == ProviderType.ANTHROPIC
                        ? anthropic(429, OpenAiToAnthropic.errorType(429), null, message)
                        : openAi(429, type, "rate_limit_exceeded", null, message);
        HeaderMap.Builder headers =
                plain.headers().toBuilder()
                        .set("retry-after", Long.toString(ceilSeconds(refusal.retryAfter())));
        if (state.requestLimit() > 0) {
            headers.set("x-ratelimit-limit-requests", Integer.toString(state.requestLimit()))
                    .set("x-ratelimit-remaining-requests", Long.toString(state.requestsRemaining()))
                    .set("x-ratelimit-reset-requests", openAiDuration(state.requestsReset()));
        }
        if (state.tokenLimit() > 0) {
            headers.set("x-ratelimit-limit-tokens", Long.toString(state.tokenLimit()))
                    .set("x-ratelimit-remaining-tokens", Long.toString(state.tokensRemaining()))
                    .set("x-ratelimit-reset-tokens", openAiDuration(state.tokensReset()));
        }
        return new ErrorResponse(429, headers.build(), plain.body());
    }

    /** Whole seconds, rounded up, at least 1: a {@code retry-after} value. */
    static long ceilSeconds(Duration duration) {
        long millis = Math.max(0, duration.toMillis());
        return Math.max(1, (millis + 999) / 1000);
    }

    /**
     * A duration as OpenAI's {@code x-ratelimit-reset-*} headers write it (Go's format, to the
     * millisecond): {@code 120ms}, {@code 1s}, {@code 1.5s}, {@code 6m0s}, {@code 1h0m0s}.
     */
    static String openAiDuration(Duration duration) {
        long millis = Math.max(0, duration.toMillis());
        if (millis < 1000) {
            return millis + "ms";
        }
        StringBuilder out = new StringBuilder();
        long hours = millis / 3_600_000;
        long minutes = millis / 60_000 % 60;
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            out.append(minutes).append('m');
        }
        out.append(millis / 1000 % 60);
        long fraction = millis % 1000;
        if (fraction > 0) {
            String digits = String.format(Locale.ROOT, "%03d", fraction);
            out.append('.').append(digits.replaceAll("0+$", ""));
        }
        return out.append('s').toString();
    }

    // --- rendering ---

    private static ErrorResponse render(
            ProviderType format,
            int status,
            String openAiType,
            String openAiCode,
            String param,
            String message) {
        Objects.requireNonNull(format, "format");
        if (format == ProviderType.ANTHROPIC) {
            return anthropic(status, OpenAiToAnthropic.errorType(status), null, message);
        }
        return openAi(status, openAiType, openAiCode, param, message);
    }

    /**
     * Anthropic's error type for a status (Anthropic's documented types; 502 and 503 have none of
     * their own and use {@code api_error}).
     */
    private static ErrorResponse openAi(
            int status, String type, String code, String param, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeObjectFieldStart("error");
            json.writeStringField("message", message);
            json.writeStringField("type", type);
            json.writeStringField("param", param);
            json.writeStringField("code", code);
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return new ErrorResponse(status, JSON_HEADERS, out.toByteArray());
    }

    private static ErrorResponse anthropic(int status, String type, String code, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("type", "error");
            json.writeObjectFieldStart("error");
            json.writeStringField("type", type);
            if (code != null) {
                json.writeStringField("code", code);
            }
            json.writeStringField("message", message);
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return new ErrorResponse(status, JSON_HEADERS, out.toByteArray());
    }

    private static String echo(String value) {
        if (value.length() <= MAX_ECHOED_CHARS) {
            return value;
        }
        return value.substring(0, MAX_ECHOED_CHARS) + "…";
    }

    private static String sentence(String text) {
        String trimmed = text.strip();
        return trimmed.endsWith(".") ? trimmed : trimmed + ".";
    }
}
