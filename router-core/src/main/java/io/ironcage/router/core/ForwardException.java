package io.ironcage.router.core;

/**
 * A request to an upstream (a provider or the control plane) failed before a complete answer
 * arrived. The message names the upstream's address, never a key or token.
 */
public class ForwardException extends LlmRouterException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** No connection could be made (the router answers 502). */
        CONNECT,
        /** The upstream did not answer, or stopped sending, within the timeout (504). */
        TIMEOUT,
        /** The connection broke while the answer was arriving (502). */
        BROKEN
    }

    private final Kind kind;

    /**
     * Creates the exception.
     *
     * @param kind what went wrong
     * @param message a sentence naming the upstream address; never a secret
     * @param cause the underlying failure, or null
     */
    public ForwardException(Kind kind, String message, Throwable cause) {
        super("Forward failed: " + message, cause);
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
    }

    /**
     * Returns what went wrong.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }
}
