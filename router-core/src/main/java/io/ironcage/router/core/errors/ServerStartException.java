package io.ironcage.router.core.errors;

/** The router's server could not start, e.g. because its address could not be bound. */
public class ServerStartException extends LlmRouterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception; the message follows the reference's {@code "Server start failed:
     * {msg}"}.
     *
     * @param message what failed, e.g. the address that could not be bound
     * @param cause the underlying failure, or null
     */
    public ServerStartException(String message, Throwable cause) {
        super("Server start failed: " + message, cause);
    }
}
