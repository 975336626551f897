package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.core.spi.UpstreamProxy;
import java.time.Duration;
import java.util.Objects;

/**
 * The transport built on the JDK alone: a small HTTP/1.1 server on {@code java.nio} serves callers
 * and {@code java.net.http} calls providers and the control plane. Registered for {@link
 * TransportProvider#load(String)} under the name {@code jdk}.
 *
 * <pre>{@code
 * LlmRouter.builder().transport(new JdkHttpTransportProvider())
 * }</pre>
 *
 * <p>Server: one selector thread reads request heads (strictly, against the header timeout, without
 * a worker); every request is then handled on a bounded pool of {@link
 * io.ironcage.router.core.spi.ServerOptions#maxConcurrentRequests()} threads with a bounded queue
 * of as many waiting requests; beyond that a request is answered {@code 503} with {@code
 * Connection: close} instead of queueing without limit. Client: HTTP/1.1, redirects not followed.
 *
 * <p>Cheap to construct; no thread starts and no port is bound until a transport is asked for.
 */
public final class JdkHttpTransportProvider implements TransportProvider {
    /** The name used in {@code router.yaml} ({@code transport: jdk}). */
    public static final String NAME = "jdk";

    /** Creates the provider; does no I/O. */
    public JdkHttpTransportProvider() {
        // nothing to set up: each transport is created on demand
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
     * Returns a server transport: the JDK transport's own HTTP/1.1 server on {@code java.nio}.
     *
     * @return a new server transport; nothing is bound until it is started
     */
    @Override
    public ServerTransport serverTransport() {
        return new JdkServerTransport();
    }

    /**
     * Returns a client on {@code java.net.http.HttpClient}.
     *
     * @param connectTimeout how long to wait for a connection to the upstream
     * @return a new client; the caller closes it
     */
    @Override
    public HttpTransport httpTransport(Duration connectTimeout) {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "a connect timeout must be positive, got " + connectTimeout);
        }
        return new JdkHttpTransport(connectTimeout);
    }

    /**
     * Returns a client on {@code java.net.http.HttpClient} that calls upstreams through the proxy
     * (see {@link UpstreamProxy}). Basic credentials reach the proxy of an {@code https} upstream
     * only if the JVM was started with {@code -Djdk.http.auth.tunneling.disabledSchemes=}.
     *
     * @param connectTimeout how long to wait for a connection to the upstream or the proxy
     * @param proxy the proxy, or {@link UpstreamProxy#none()}
     * @return a new client; the caller closes it
     */
    @Override
    public HttpTransport httpTransport(Duration connectTimeout, UpstreamProxy proxy) {
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "a connect timeout must be positive, got " + connectTimeout);
        }
        return new JdkHttpTransport(connectTimeout, proxy);
    }

    @Override
    public String toString() {
        return "JdkHttpTransportProvider";
    }
}
