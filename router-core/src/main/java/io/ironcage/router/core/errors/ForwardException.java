package io.ironcage.router.core.errors;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;

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
        BROKEN,
        /**
         * The router cut the call when it stopped, at the end of its shutdown grace; the provider
         * may have had the request, so it is billed from what was seen.
         */
        CUT
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

    /**
     * Classifies a client transport's failure, the same way for every transport: a connect timeout
     * or a connection that could not be made (refused, unknown host, no route) is {@code CONNECT};
     * no answer within the timeout is {@code TIMEOUT}; anything else while the answer arrived is
     * {@code BROKEN}. Only the transport knows its own timeout exception types, so it says which
     * applied.
     *
     * @param cause the failure, already unwrapped from futures
     * @param upstream the upstream's address, see {@link #address(URI)}
     * @param timeout the request's timeout, for the message
     * @param connectTimedOut whether the cause is the transport's connect timeout
     * @param answerTimedOut whether the cause is the transport's answer (or read) timeout
     * @return the exception
     */
    public static ForwardException classify(
            Throwable cause,
            String upstream,
            Duration timeout,
            boolean connectTimedOut,
            boolean answerTimedOut) {
        if (connectTimedOut) {
            return new ForwardException(
                    Kind.CONNECT, "no connection to " + upstream + " (connect timed out)", cause);
        }
        if (answerTimedOut) {
            return new ForwardException(
                    Kind.TIMEOUT, "no answer from " + upstream + " within " + timeout, cause);
        }
        if (isConnectFailure(cause)) {
            return new ForwardException(Kind.CONNECT, "no connection to " + upstream, cause);
        }
        return new ForwardException(
                Kind.BROKEN,
                "the connection to " + upstream + " broke before the answer was complete",
                cause);
    }

    /**
     * Returns an upstream's scheme, host and port: what messages may name, never the path or query,
     * which may hold keys.
     *
     * @param uri the request's URI
     * @return e.g. {@code https://api.openai.com:443}
     */
    public static String address(URI uri) {
        return uri.getScheme()
                + "://"
                + uri.getHost()
                + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }

    private static boolean isConnectFailure(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof UnresolvedAddressException
                    || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
