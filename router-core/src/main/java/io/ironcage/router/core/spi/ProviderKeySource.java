package io.ironcage.router.core.spi;

import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import java.util.Optional;
import java.util.Set;

/**
 * Where provider keys come from: fixed keys from the configuration (direct mode) or the Iron Cage
 * control plane (server mode). A key is only ever used for its own provider.
 *
 * <p>Implementations never put a key in a log line, an exception message or {@code toString()}.
 */
public interface ProviderKeySource {
    /**
     * Returns the providers a key is available for, without fetching anything.
     *
     * @return the providers; may be empty
     */
    Set<ProviderType> providers();

    /**
     * Returns the key for a provider. May block (a control-plane fetch).
     *
     * @param provider the provider
     * @return the key, or empty if there is none for that provider
     * @throws io.ironcage.router.core.errors.ControlPlaneException if a control plane refused or
     *     could not be reached
     */
    Optional<ProviderKey> key(ProviderType provider);

    /**
     * Returns the key if it is at hand without waiting for a fetch (a cache hit, or fixed keys), in
     * one step, so that it cannot change between asking and taking. With a key the router goes on
     * with the request on the transport's I/O thread; with none it moves the request to a worker
     * thread and asks {@link #key(ProviderType)} there. The default has none at hand, which is
     * always safe: a source that may block must not return a key it would have to fetch.
     *
     * @param provider the provider the request goes to
     * @return the key, or empty when {@code key(provider)} would fetch (or has none for it)
     */
    default Optional<ProviderKey> keyIfReady(ProviderType provider) {
        return Optional.empty();
    }

    /**
     * Tells the source that the provider rejected a key it gave out (HTTP 401), so that a source
     * which can fetch keys (the control plane) drops it and fetches a fresh one on the next {@link
     * #key(ProviderType)}. The router then retries the request once, only if it gets a different
     * key. Fixed keys cannot change: the default does nothing.
     *
     * @param rejected the key the provider answered 401 to
     */
    default void invalidate(ProviderKey rejected) {
        // a fixed key stays what it is
    }

    /**
     * Returns a source of fixed keys, at most one per provider.
     *
     * @param keys the keys
     * @return the source
     * @throws IllegalArgumentException if two keys belong to the same provider
     */
    static ProviderKeySource fixed(ProviderKey... keys) {
        return new FixedProviderKeySource(keys);
    }
}
