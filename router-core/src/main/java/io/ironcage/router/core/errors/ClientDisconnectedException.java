package io.ironcage.router.core.errors;

/** The caller went away while its response was being written. */
public class ClientDisconnectedException extends LlmRouterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param cause the transport's failure, or null
     */
    public ClientDisconnectedException(Throwable cause) {
        super("The client disconnected before the response was complete", cause);
    }
}
