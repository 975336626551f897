package io.ironcage.router.core.controlplane.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One JSON call to the control server: POST, read the answer, turn every failure into a {@link
 * ControlPlaneException} that carries only the server's status, {@code error} and {@code code}
 * (never the raw body, never a secret: the IC token is cut out of anything the server sends back).
 */
final class ControlPlaneHttp {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The longest server message kept, in characters. */
    static final int MAX_MESSAGE_CHARS = 300;

    private static final String REDACTED = "<redacted>";

    private final URI baseUrl;
    private final HttpTransport transport;
    private final Duration timeout;

    ControlPlaneHttp(URI baseUrl, HttpTransport transport, Duration timeout) {
        this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.timeout = requirePositive(timeout, "timeout");
    }

    static Duration requirePositive(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + duration);
        }
        return duration;
    }

    URI baseUrl() {
        return baseUrl;
    }

    Duration timeout() {
        return timeout;
    }

    URI uri(String path) {
        String base = baseUrl.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + path);
    }

    /** The answer of a call that got one: status and the body parsed as JSON, if it is JSON. */
    record Answer(int status, Optional<JsonNode> json) {
        boolean isSuccess() {
            return status >= 200 && status <= 299;
        }
    }

    /**
     * POSTs a JSON body and reads the answer, whatever its status.
     *
     * @param what what the call is for, for messages ({@code "the provider key request"})
     * @param secret the IC token, cut out of any text the server sends back; may be null
     * @throws ControlPlaneException when no answer arrived (status 0)
     */
    Answer post(
            String path,
            ObjectNode body,
            HeaderMap headers,
            Duration callTimeout,
            String what,
            String secret) {
        HeaderMap all =
                headers.toBuilder()
                        .set("content-type", "application/json")
                        .set("accept", "application/json")
                        .build();
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
        Duration effective = shorter(callTimeout);
        HttpTransport.Response response;
        try {
            response =
                    transport.send(
                            new HttpTransport.Request("POST", uri(path), all, bytes, effective));
        } catch (ForwardException e) {
            throw new ControlPlaneException(noAnswer(e, what, effective), e);
        }
        Optional<JsonNode> json;
        try {
            byte[] answer = response.body();
            json =
                    answer.length == 0
                            ? Optional.empty()
                            : Optional.ofNullable(JSON.readTree(answer));
        } catch (IOException e) {
            json = Optional.empty();
        }
        return new Answer(response.status(), json);
    }

    /** POSTs and returns the JSON object of a 2xx answer; every other outcome throws. */
    JsonNode postForObject(
            String path, ObjectNode body, HeaderMap headers, String what, String secret) {
        Answer answer = post(path, body, headers, timeout, what, secret);
        if (!answer.isSuccess()) {
            throw refusal(answer, secret);
        }
        return answer.json()
                .filter(JsonNode::isObject)
                .orElseThrow(() -> malformed(answer.status(), what + " is not a JSON object"));
    }

    private Duration shorter(Duration callTimeout) {
        return callTimeout.compareTo(timeout) < 0 && !callTimeout.isZero() ? callTimeout : timeout;
    }

    private String noAnswer(ForwardException e, String what, Duration effective) {
        String where = baseUrl.getHost() + (baseUrl.getPort() < 0 ? "" : ":" + baseUrl.getPort());
        switch (e.kind()) {
            case CONNECT:
                return "no connection to " + where + " for " + what;
            case TIMEOUT:
                return "no answer from " + where + " to " + what + " within " + seconds(effective);
            default:
                return "the connection to " + where + " broke during " + what;
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /**
     * The exception for an error answer: the server's {@code error} (or {@code message}) and {@code
     * code} in any of the shapes the server uses (reference §5.2, §7.2, §7.2.3, §8.6).
     */
    static ControlPlaneException refusal(Answer answer, String secret) {
        String message = null;
        String code = null;
        if (answer.json().isPresent() && answer.json().get().isObject()) {
            JsonNode json = answer.json().get();
            JsonNode error = json.get("error");
            if (error != null && error.isTextual()) {
                if (json.path("message").isTextual()) {
                    // analytics: {"error":"UNAUTHORIZED","message":"Invalid or expired IC token"}
                    message = json.get("message").asText();
                    code = error.asText();
                } else {
                    message = error.asText();
                    code = json.path("code").isTextual() ? json.get("code").asText() : null;
                }
            } else if (error != null && error.isObject()) {
                // refresh auth: {"error":{"code":"AUTH_MISSING_TOKEN","message":"…"}}
                message = error.path("message").isTextual() ? error.get("message").asText() : null;
                code = error.path("code").isTextual() ? error.get("code").asText() : null;
            }
        }
        if (message == null || message.isBlank()) {
            message = "the answer had no error message";
        }
        message = clean(message, secret);
        int status = answer.status() >= 100 && answer.status() <= 599 ? answer.status() : 502;
        return code == null || code.isBlank()
                ? new ControlPlaneException(status, message)
                : new ControlPlaneException(status, message, clean(code, secret));
    }

    static ControlPlaneException malformed(int status, String problem) {
        int shown = status >= 100 && status <= 599 ? status : 502;
        return new ControlPlaneException(shown, "the answer is malformed: " + problem);
    }

    /** Cuts the secret out of server text, removes control characters and shortens it. */
    static String clean(String text, String secret) {
        String out = text;
        if (secret != null && !secret.isEmpty() && out.contains(secret)) {
            out = out.replace(secret, REDACTED);
        }
        StringBuilder b = new StringBuilder(Math.min(out.length(), MAX_MESSAGE_CHARS + 1));
        for (int i = 0; i < out.length() && b.length() < MAX_MESSAGE_CHARS; i++) {
            char c = out.charAt(i);
            b.append(Character.isISOControl(c) ? ' ' : c);
        }
        if (out.length() > MAX_MESSAGE_CHARS) {
            b.append('…');
        }
        return b.toString().strip();
    }

    static Optional<String> text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node != null && node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    }

    static long integer(JsonNode json, String field, int status, String what) {
        JsonNode node = json.get(field);
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            throw malformed(status, what + " has no integer " + field);
        }
        return node.asLong();
    }
}
