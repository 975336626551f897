package io.ironcage.router.core.spi;

import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@link ProviderKeySource#pooled}: several fixed keys per provider, handed out round-robin,
 * skipping a key that cools down after a 429. Lock-free: a counter and each key's cooldown end
 * (epoch milliseconds on the pool's clock) are atomics.
 */
final class PooledProviderKeySource implements ProviderKeySource {
    /** How long a key the provider rejected (401) is not handed out. */
    static final Duration REJECTED_COOLDOWN = Duration.ofMinutes(5);

    /** The longest cooldown kept; longer waits are read as this (no overflow). */
    private static final long LONGEST_MILLIS = Duration.ofDays(365).toMillis();

    private final Clock clock;
    private final Map<ProviderType, Pool> pools = new EnumMap<>(ProviderType.class);

    PooledProviderKeySource(Clock clock, ProviderKey... keys) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(keys, "keys");
        if (keys.length == 0) {
            throw new IllegalArgumentException("a key pool needs at least one key");
        }
        this.clock = clock;
        Map<ProviderType, List<ProviderKey>> byProvider = new EnumMap<>(ProviderType.class);
        Set<ProviderKey> seen = new HashSet<>();
        for (ProviderKey key : keys) {
            Objects.requireNonNull(key, "key");
            if (!seen.add(key)) {
                throw new IllegalArgumentException(
                        "the same " + key.provider().id() + " key is in the pool twice");
            }
            byProvider.computeIfAbsent(key.provider(), p -> new ArrayList<>()).add(key);
        }
        byProvider.forEach((provider, list) -> pools.put(provider, new Pool(list)));
    }

    @Override
    public Set<ProviderType> providers() {
        return Collections.unmodifiableSet(pools.keySet());
    }

    /** The next key of the provider's pool that is not cooling, else the one that cools least. */
    @Override
    public Optional<ProviderKey> key(ProviderType provider) {
        Pool pool = pools.get(provider);
        return pool == null ? Optional.empty() : Optional.of(pool.next(clock.millis()));
    }

    /** As {@link #key(ProviderType)}: pooled keys are never fetched. */
    @Override
    public Optional<ProviderKey> keyIfReady(ProviderType provider) {
        return key(provider);
    }

    @Override
    public void coolDown(ProviderKey key, Duration wait) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(wait, "wait");
        Pool pool = pools.get(key.provider());
        int index = pool == null ? -1 : pool.indexOf(key);
        if (wait.isNegative()) {
            throw new IllegalArgumentException("a cooldown must not be negative: " + wait);
        }
        if (index < 0 || wait.isZero()) {
            return; // not one of ours, or nothing to wait
        }
        long until = clock.millis() + ceilMillis(wait);
        pool.coolUntil.accumulateAndGet(index, until, Math::max);
    }

    /**
     * A key the provider answered 401 to is set aside for {@link #REJECTED_COOLDOWN}: the next
     * {@link #key} hands out another (a fixed key cannot change, but the pool has others), and a
     * request never waits for a rejected key while a rate-limited one comes back first.
     */
    @Override
    public void invalidate(ProviderKey rejected) {
        coolDown(rejected, REJECTED_COOLDOWN);
    }

    @Override
    public Duration coolingFor(ProviderKey key) {
        Objects.requireNonNull(key, "key");
        Pool pool = pools.get(key.provider());
        int index = pool == null ? -1 : pool.indexOf(key);
        if (index < 0) {
            return Duration.ZERO;
        }
        long left = pool.coolUntil.get(index) - clock.millis();
        return left > 0 ? Duration.ofMillis(left) : Duration.ZERO;
    }

    @Override
    public Duration coolingFor(ProviderType provider) {
        Objects.requireNonNull(provider, "provider");
        Pool pool = pools.get(provider);
        if (pool == null) {
            return Duration.ZERO;
        }
        long now = clock.millis();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < pool.keys.length; i++) {
            least = Math.min(least, pool.coolUntil.get(i) - now);
        }
        return least > 0 ? Duration.ofMillis(least) : Duration.ZERO;
    }

    /** Shows how many keys each provider has, never a key. */
    @Override
    public String toString() {
        StringJoiner joined = new StringJoiner(", ", "ProviderKeySource.pooled{", "}");
        pools.forEach(
                (provider, pool) ->
                        joined.add(
                                provider.id()
                                        + "="
                                        + pool.keys.length
                                        + (pool.keys.length == 1 ? " key" : " keys")));
        return joined.toString();
    }

    /** The wait in whole milliseconds, rounded up, at most {@link #LONGEST_MILLIS}. */
    private static long ceilMillis(Duration wait) {
        if (wait.compareTo(Duration.ofMillis(LONGEST_MILLIS)) >= 0) {
            return LONGEST_MILLIS;
        }
        long millis = wait.toMillis();
        return wait.minusMillis(millis).isZero() ? millis : millis + 1;
    }

    /** One provider's keys, the round-robin counter and each key's cooldown end. */
    private static final class Pool {
        final ProviderKey[] keys;
        final AtomicLong turns = new AtomicLong();
        final AtomicLongArray coolUntil;

        Pool(List<ProviderKey> keys) {
            this.keys = keys.toArray(new ProviderKey[0]);
            this.coolUntil = new AtomicLongArray(this.keys.length); // 0: usable since 1970
        }

        ProviderKey next(long now) {
            int n = keys.length;
            if (n == 1) {
                return keys[0];
            }
            long start = turns.getAndIncrement();
            int soonest = -1;
            long soonestEnd = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                int index = (int) Math.floorMod(start + i, (long) n);
                long end = coolUntil.get(index);
                if (end <= now) {
                    return keys[index];
                }
                if (end < soonestEnd) {
                    soonestEnd = end;
                    soonest = index;
                }
            }
            return keys[soonest];
        }

        int indexOf(ProviderKey key) {
            for (int i = 0; i < keys.length; i++) {
                if (keys[i].equals(key)) {
                    return i;
                }
            }
            return -1;
        }
    }
}
