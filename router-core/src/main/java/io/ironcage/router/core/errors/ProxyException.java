package io.ironcage.router.core.errors;

/**
 * The outbound proxy between the router and an upstream refused the call (e.g. {@code 407} or
 * {@code 403} to a {@code CONNECT}) or could not be reached. The router answers 502 naming the
 * proxy's {@code host:port}; the message never holds the proxy's credentials.
 */
public class ProxyException extends ForwardException {
    private static final long serialVersionUID = 1L;

    private final String proxy;
    private final int status;

    /**
     * Creates the exception.
     *
     * @param proxy the proxy's {@code host:port}
     * @param status the proxy's refusing status, or 0 if it could not be reached
     * @param upstream the upstream's address, see {@link ForwardException#address(java.net.URI)}
     * @param cause the underlying failure, or null
     */
    public ProxyException(String proxy, int status, String upstream, Throwable cause) {
        super(
                Kind.CONNECT,
                status == 0
                        ? "no connection to the proxy " + proxy + " (for " + upstream + ")"
                        : "the proxy "
                                + proxy
                                + " refused the call to "
                                + upstream
                                + " with "
                                + status,
                cause);
        this.proxy = java.util.Objects.requireNonNull(proxy, "proxy");
        this.status = status;
    }

    /**
     * Returns the proxy's {@code host:port}.
     *
     * @return the address
     */
    public String proxy() {
        return proxy;
    }

    /**
     * Returns the status the proxy refused with, or 0 if it could not be reached.
     *
     * @return the status
     */
    public int status() {
        return status;
    }
}
