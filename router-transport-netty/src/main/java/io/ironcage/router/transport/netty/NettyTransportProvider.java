package io.ironcage.router.transport.netty;

import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.core.spi.UpstreamProxy;
import java.time.Duration;
import java.util.Objects;

/**
 * The transport for throughput, on plain Netty: a server serves callers and a client with a
 * connection pool per event loop calls providers and the control plane. Registered for {@link
 * TransportProvider#load(String)} under the name {@code netty}, the default of {@code router.yaml}.
 *
 * <pre>{@code
 * LlmRouter.builder().transport(new NettyTransportProvider())
 * }</pre>
 *
 * <p>Server: the event loops only move bytes. Each request's body is read without blocking, up to
 * the body limit; then the proxy handler, which may block, runs on a bounded pool of {@link
 * io.ironcage.router.core.spi.ServerOptions#maxConcurrentRequests()} worker threads with as many
 * requests waiting; beyond that a request is answered {@code 503} with {@code Connection: close}.
 * Streamed answers are flushed per write and written only as fast as the client reads. Client:
 * HTTP/1.1, kept-alive pooled connections, redirects not followed, no retries.
 *
 * <p>The servers and clients of one provider share its event loops (started by the first, stopped
 * with the last): a request that needs no worker (see {@link
 * io.ironcage.router.core.spi.ProxyHandler#handle}) is read, forwarded upstream, answered and
 * written back on one thread.
 *
 * <p>Cheap to construct; no thread starts and no port is bound until a transport is asked for.
 */
public final class NettyTransportProvider implements TransportProvider {
    /** The name used in {@code router.yaml} ({@code transport: netty}). */
    public static final String NAME = "netty";

    private final NettyTransportOptions options;
    private final EventLoops loops;

    /** Creates the provider with {@link NettyTransportOptions#defaults()}; does no I/O. */
    public NettyTransportProvider() {
        this(NettyTransportOptions.defaults());
    }

    /**
     * Creates the provider with the given options; does no I/O.
     *
     * @param options the options
     */
    public NettyTransportProvider(NettyTransportOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.loops = new EventLoops("iron-router-netty", options.eventLoopThreads());
    }

    /**
     * Returns the options this provider's transports use.
     *
     * @return the options
     */
    public NettyTransportOptions options() {
        return options;
    }

    /**
     * Returns {@value #NAME}.
     *
     * @return the name
     */
    @Override
    public String name() {
        return NAME;
    }

    /**
     * Returns a server transport on a plain Netty server.
     *
     * @return a new server transport; nothing is bound until it is started
     */
    @Override
    public ServerTransport serverTransport() {
        return new NettyServerTransport(options, NettyServerTransport.QUEUE_LIKE_POOL, loops);
    }

    /**
     * Returns a client with its own connection pools, one per event loop.
     *
     * @param connectTimeout how long to wait for a connection to the upstream
     * @return a new client; the caller closes it
     */
    @Override
    public HttpTransport httpTransport(Duration connectTimeout) {
        checkTimeout(connectTimeout);
        return new NettyHttpTransport(connectTimeout, options, loops);
    }

    private static void checkTimeout(Duration connectTimeout) {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "a connect timeout must be positive, got " + connectTimeout);
        }
    }

    /**
     * Returns a client with its own connection pools that calls upstreams through the proxy: {@code
     * https} ones through a {@code CONNECT} tunnel, {@code http} ones with absolute-form requests;
     * a pool per proxy and upstream.
     *
     * @param connectTimeout how long to wait for a connection to the upstream or the proxy
     * @param proxy the proxy, or {@link UpstreamProxy#none()}
     * @return a new client; the caller closes it
     */
    @Override
    public HttpTransport httpTransport(Duration connectTimeout, UpstreamProxy proxy) {
        Objects.requireNonNull(proxy, "proxy");
        checkTimeout(connectTimeout);
        return new NettyHttpTransport(connectTimeout, options, loops, proxy);
    }

    /** The event loops this provider's transports share, for tests. */
    EventLoops loops() {
        return loops;
    }

    @Override
    public String toString() {
        return "NettyTransportProvider";
    }
}
