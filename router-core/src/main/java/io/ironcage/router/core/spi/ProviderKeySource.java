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
     * @throws io.ironcage.router.core.ControlPlaneException if a control plane refused or could not
     *     be reached
     */
    Optional<ProviderKey> key(ProviderType provider);

    /**
     * Tells whether {@link #key(ProviderType)} would answer at once, without waiting for a fetch (a
     * cache hit, or fixed keys). The router then goes on with the request on the transport's I/O
     * thread; otherwise it moves the request to a worker thread first. The default says no, which
     * is always safe: a source that may block must not claim otherwise.
     *
     * @param provider the provider the request goes to
     * @return whether {@code key(provider)} returns without blocking now
     */
    default boolean keyReady(ProviderType provider) {
        return false;
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
