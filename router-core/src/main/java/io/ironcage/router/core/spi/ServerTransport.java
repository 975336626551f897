package io.ironcage.router.core.spi;

import java.net.InetSocketAddress;

/**
 * The server side of a transport: accepts HTTP requests and hands each to a {@link ProxyHandler}.
 */
public interface ServerTransport {
    /**
     * Binds and starts serving. When this returns, the server accepts connections (no sleeps, no
     * probe-then-rebind).
     *
     * @param options what to bind and how to serve
     * @param handler handles every request, whatever its path and method
     * @return the running server
     * @throws io.ironcage.router.core.errors.ServerStartException if the address cannot be bound
     */
    RunningServer start(ServerOptions options, ProxyHandler handler);

    /** A started server. */
    interface RunningServer extends AutoCloseable {
        /**
         * Returns the bound address, with the actual port when port 0 was asked.
         *
         * @return the address
         */
        InetSocketAddress address();

        /**
         * Stops accepting, waits up to the shutdown grace for requests in flight, then frees the
         * port. Idempotent.
         */
        @Override
        void close();
    }
}
