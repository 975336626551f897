package io.ironcage.router.core.spi;

import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** {@link ProviderKeySource#fixed}: keys from the configuration. */
final class FixedProviderKeySource implements ProviderKeySource {
    private final Map<ProviderType, ProviderKey> keys = new EnumMap<>(ProviderType.class);

    FixedProviderKeySource(ProviderKey... keys) {
        for (ProviderKey key : keys) {
            Objects.requireNonNull(key, "key");
            if (this.keys.putIfAbsent(key.provider(), key) != null) {
                throw new IllegalArgumentException(
                        "two keys for " + key.provider().id() + "; give at most one per provider");
            }
        }
    }

    @Override
    public Set<ProviderType> providers() {
        return Collections.unmodifiableSet(keys.keySet());
    }

    @Override
    public Optional<ProviderKey> key(ProviderType provider) {
        return Optional.ofNullable(keys.get(provider));
    }

    /** The key itself: fixed keys are never fetched. */
    @Override
    public Optional<ProviderKey> keyIfReady(ProviderType provider) {
        return key(provider);
    }

    @Override
    public String toString() {
        return "ProviderKeySource.fixed" + keys.keySet();
    }
}
