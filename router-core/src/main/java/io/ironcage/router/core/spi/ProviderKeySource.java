package io.ironcage.router.core.spi;

import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import java.time.Clock;
import java.time.Duration;
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
     * Tells the source that the provider answered 429 (rate limited) to a key it gave out, so that
     * it does not hand that key out again for {@code wait} (measured on the source's clock) while
     * the provider has others: requests that meet the same rate limit share one cooldown instead of
     * each trying the key again. A later, shorter cooldown never shortens a longer one. A key the
     * source does not hold is ignored. Sources with one key per provider cannot avoid it: the
     * default does nothing.
     *
     * @param key the key the provider answered 429 to
     * @param wait how long the provider asked to be left alone with it (its {@code Retry-After})
     * @throws IllegalArgumentException if {@code wait} is negative (a source that tracks cooldowns)
     */
    default void coolDown(ProviderKey key, Duration wait) {
        // one key per provider: nothing else to hand out
    }

    /**
     * Returns how long the key still cools down after a {@link #coolDown(ProviderKey, Duration)}:
     * when {@link #key(ProviderType)} hands out a key whose cooldown has not ended (every key of
     * the provider cools), the caller waits this long or gives up. The default tracks no cooldowns.
     *
     * @param key a key this source gave out
     * @return the time left, {@link Duration#ZERO} when the key is usable (or not known here)
     */
    default Duration coolingFor(ProviderKey key) {
        return Duration.ZERO;
    }

    /**
     * Returns how long until some key of the provider may be used again: zero when one is usable
     * now (or the source keeps no cooldowns), else the shortest cooldown left. Concurrent requests
     * wait this long instead of each sending to a key the provider just rate-limited.
     *
     * @param provider the provider
     * @return the wait; {@link Duration#ZERO} by default
     */
    default Duration coolingFor(ProviderType provider) {
        return Duration.ZERO;
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

    /**
     * Returns a pool of fixed keys, any number per provider (a {@code keys:} list in {@code
     * router.yaml}). {@link #key(ProviderType)} and {@link #keyIfReady(ProviderType)} hand out a
     * provider's keys round-robin, in the given order, skipping a key that cools down after a 429
     * ({@link #coolDown(ProviderKey, Duration)}); when all of them cool, the one whose cooldown
     * ends first (the caller can wait {@link #coolingFor(ProviderKey)}). Keys are never fetched,
     * and {@link #invalidate(ProviderKey)} does nothing. With one key per provider it hands out the
     * same keys as {@link #fixed(ProviderKey...)}, and still tracks their cooldowns. Lock-free:
     * cheap enough for every request on an I/O thread.
     *
     * @param clock the clock cooldowns are measured on (the router's)
     * @param keys the keys; a provider's keys are handed out in this order
     * @return the source
     * @throws NullPointerException if the clock or a key is {@code null}
     * @throws IllegalArgumentException if there is no key, or the same key is given twice
     */
    static ProviderKeySource pooled(Clock clock, ProviderKey... keys) {
        return new PooledProviderKeySource(clock, keys);
    }
}
