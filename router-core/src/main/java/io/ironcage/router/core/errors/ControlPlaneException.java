package io.ironcage.router.core.errors;

import java.util.Objects;
import java.util.Optional;

/**
 * A call to the Iron Cage control server failed: the server answered with an error status, or it
 * could not be reached at all ({@link #status()} {@code 0}).
 *
 * <p>Carries what the server said: the status, its {@code error} message (reference §7.2, e.g.
 * {@code "Lease not found"}) and, where the server sends one, its {@code code} (e.g. {@code
 * "UNAUTHORIZED"}). <b>Never a secret:</b> no constructor takes an IC token, a provider key or a
 * request body, so none can end up in {@link #getMessage()} or {@link #toString()}; implementations
 * pass only the server's {@code error}/{@code code} fields, never the raw body or the request.
 */
public class ControlPlaneException extends LlmRouterException {
    private static final long serialVersionUID = 1L;

    /** The {@link #status()} of a failure with no HTTP answer (connect failure, timeout). */
    public static final int NO_RESPONSE = 0;

    private final int status;
    private final String serverMessage;
    private final String code;

    /**
     * Creates an exception for an error answer without a code.
     *
     * @param status the HTTP status, 100–599
     * @param serverMessage the server's {@code error} message
     */
    public ControlPlaneException(int status, String serverMessage) {
        this(status, serverMessage, null, null);
    }

    /**
     * Creates an exception for an error answer with a code.
     *
     * @param status the HTTP status, 100–599
     * @param serverMessage the server's {@code error} message
     * @param code the server's {@code code}
     */
    public ControlPlaneException(int status, String serverMessage, String code) {
        this(status, serverMessage, Objects.requireNonNull(code, "code"), null);
    }

    /**
     * Creates an exception for a call that got no answer ({@link #status()} is {@link
     * #NO_RESPONSE}).
     *
     * @param description what happened, e.g. {@code "connection refused"} or {@code "timed out
     *     after 5 s"}
     * @param cause the transport failure
     */
    public ControlPlaneException(String description, Throwable cause) {
        this(NO_RESPONSE, description, null, Objects.requireNonNull(cause, "cause"));
    }

    private ControlPlaneException(int status, String serverMessage, String code, Throwable cause) {
        super(message(status, serverMessage, code), cause);
        this.status = status;
        this.serverMessage = serverMessage;
        this.code = code;
    }

    private static String message(int status, String serverMessage, String code) {
        Objects.requireNonNull(serverMessage, "serverMessage");
        if (status == NO_RESPONSE) {
            return "The Iron Cage control server could not be reached: " + serverMessage;
        }
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException(
                    "status must be 0 or an HTTP status (100-599), got " + status);
        }
        return "The Iron Cage control server answered "
                + status
                + ": "
                + serverMessage
                + (code == null ? "" : " (" + code + ")");
    }

    /**
     * Returns the HTTP status of the server's answer.
     *
     * @return 100–599, or {@link #NO_RESPONSE} when there was no answer
     */
    public int status() {
        return status;
    }

    /**
     * Returns what the server said (its {@code error} field), or what happened when there was no
     * answer.
     *
     * @return the message, e.g. {@code "Budget limit exceeded"}
     */
    public String serverMessage() {
        return serverMessage;
    }

    /**
     * Returns the server's error code, where it sends one.
     *
     * @return e.g. {@code "UNAUTHORIZED"}
     */
    public Optional<String> code() {
        return Optional.ofNullable(code);
    }

    /**
     * Returns whether the call got no answer, so retrying may help.
     *
     * @return {@code true} when {@link #status()} is {@link #NO_RESPONSE}
     */
    public boolean isNoResponse() {
        return status == NO_RESPONSE;
    }

    /**
     * Returns whether the server blamed the request (4xx), so sending it again will not help.
     *
     * @return {@code true} for 400–499
     */
    public boolean isClientError() {
        return status >= 400 && status <= 499;
    }
}
