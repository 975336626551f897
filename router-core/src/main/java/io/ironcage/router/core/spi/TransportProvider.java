package io.ironcage.router.core.spi;

import io.ironcage.router.core.errors.LlmRouterException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * A transport implementation: a server side and a client side. Implementations have a public
 * no-argument constructor, are cheap to construct and do no I/O until asked, and register in {@code
 * META-INF/services/io.ironcage.router.core.spi.TransportProvider}.
 *
 * <p>Pass one explicitly ({@code LlmRouter.builder().transport(new JdkHttpTransportProvider())});
 * discovery by {@link #load(String)} is an opt-in convenience that never guesses.
 */
public interface TransportProvider {
    /**
     * Returns the transport's name, as written in {@code router.yaml} ({@code transport: jdk}).
     *
     * @return a short lower-case name, e.g. {@code jdk} or {@code netty}
     */
    String name();

    /**
     * Returns the server side.
     *
     * @return a server transport
     */
    ServerTransport serverTransport();

    /**
     * Returns a new client.
     *
     * @param connectTimeout how long to wait for a connection to the upstream
     * @return a client; the caller closes it
     */
    HttpTransport httpTransport(Duration connectTimeout);

    /**
     * Returns a new client that calls upstreams through the given proxy: {@code https} upstreams
     * through a {@code CONNECT} tunnel, {@code http} upstreams with absolute-form requests, with
     * Basic credentials when the proxy has them. A proxy that refuses or cannot be reached fails
     * the call with a {@link io.ironcage.router.core.errors.ProxyException}.
     *
     * <p>The default supports {@link UpstreamProxy#none()} only; both bundled transports support
     * proxies.
     *
     * @param connectTimeout how long to wait for a connection to the upstream (or the proxy)
     * @param proxy the proxy, or {@link UpstreamProxy#none()}
     * @return a client; the caller closes it
     * @throws LlmRouterException if this transport cannot use a proxy and one is set
     */
    default HttpTransport httpTransport(Duration connectTimeout, UpstreamProxy proxy) {
        if (proxy.isNone()) {
            return httpTransport(connectTimeout);
        }
        throw new LlmRouterException(
                "The " + name() + " transport cannot call upstreams through a proxy.");
    }

    /**
     * Finds the transport with the given name on the class path.
     *
     * @param name the name, e.g. {@code jdk}
     * @return the provider
     * @throws LlmRouterException if none has that name, naming the ones found
     */
    static TransportProvider load(String name) {
        Objects.requireNonNull(name, "name");
        List<TransportProvider> found = discover(TransportProvider.class.getClassLoader());
        List<String> names = new ArrayList<>();
        for (TransportProvider provider : found) {
            if (provider.name().equals(name)) {
                return provider;
            }
            names.add(provider.name());
        }
        throw new LlmRouterException(
                "No transport named '"
                        + name
                        + "' is on the class path"
                        + (names.isEmpty() ? "" : " (found: " + String.join(", ", names) + ")")
                        + ". Add io.ironcage:router-transport-netty or"
                        + " io.ironcage:router-transport-jdkhttp.");
    }

    /**
     * Returns the only transport on the class path.
     *
     * @return the provider
     * @throws LlmRouterException if there is none, or more than one (naming them)
     */
    static TransportProvider loadOnly() {
        List<TransportProvider> found = discover(TransportProvider.class.getClassLoader());
        if (found.size() == 1) {
            return found.get(0);
        }
        if (found.isEmpty()) {
            throw new LlmRouterException(
                    "No transport is on the class path. Add io.ironcage:router-transport-netty or"
                            + " io.ironcage:router-transport-jdkhttp.");
        }
        List<String> names = new ArrayList<>();
        found.forEach(p -> names.add(p.name()));
        throw new LlmRouterException(
                "Several transports are on the class path ("
                        + String.join(", ", names)
                        + "); choose one by name.");
    }

    private static List<TransportProvider> discover(ClassLoader loader) {
        List<TransportProvider> found = new ArrayList<>();
        try {
            for (TransportProvider provider : ServiceLoader.load(TransportProvider.class, loader)) {
                found.add(provider);
            }
        } catch (ServiceConfigurationError e) {
            throw new LlmRouterException(
                    "A transport provider could not be loaded: " + e.getMessage(), e);
        }
        return found;
    }
}
