package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.controlplane.wire.ProviderKeyClient;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider key of one agent, fetched from the Iron Cage control server with the agent's IC
 * token ({@code POST /api/v1/agents/provider-key}, reference §5) and cached.
 *
 * <ul>
 *   <li><b>TTL cache.</b> A fetched key is reused for the {@linkplain Builder#ttl(Duration) TTL}
 *       (default 300 s; 0 fetches it for every request), measured on the injected clock.
 *   <li><b>One fetch at a time.</b> However many requests miss the cache together, one fetch goes
 *       to the server and all of them get its result (the reference fetches once per miss, §11 item
 *       7).
 *   <li><b>Stale while refreshing.</b> When the key's TTL has passed, the first request refreshes
 *       it; requests arriving meanwhile get the cached key at once instead of waiting. If the
 *       server cannot be reached (no answer, 5xx) the cached key keeps being served for up to
 *       {@linkplain Builder#maxStale(Duration) max-stale} past its TTL (default: one TTL), with the
 *       next refresh tried after {@link #STALE_RETRY} at the latest; a refusal (4xx, e.g. the agent
 *       lost its key) drops it at once.
 *   <li><b>Refetch after a 401.</b> {@link #invalidate(ProviderKey)} drops the cached key if it is
 *       the one the provider rejected, so the next {@link #key(ProviderType)} fetches anew (once,
 *       however many requests saw the 401).
 *   <li><b>Provider.</b> The server names the key's provider; {@link #key(ProviderType)} returns
 *       the key only for that provider, so a key never goes to another provider. Before the first
 *       successful fetch {@link #providers()} names every provider (the key's is not known yet).
 * </ul>
 *
 * <p>Failures are {@link ControlPlaneException}s with the server's status, {@code error} and {@code
 * code} (reference §5.2); the IC token and the key never appear in a message, a log line or {@link
 * #toString()}. Thread-safe. This class is the cache; one fetch, its JSON included, is {@link
 * io.ironcage.router.core.controlplane.wire.ProviderKeyClient}'s.
 */
public final class ControlPlaneKeySource implements ProviderKeySource {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneKeySource.class);

    /** The endpoint, reference §5.2. */
    public static final String PATH = ProviderKeyClient.PATH;

    /** How soon a refresh is tried again after the server could not be reached, at the latest. */
    public static final Duration STALE_RETRY = Duration.ofSeconds(30);

    private final ProviderKeyClient client;
    private final String icToken;
    private final Clock clock;
    private final Duration ttl;
    private final Duration maxStale;
    private final AtomicLong fetches = new AtomicLong();

    private final Object lock = new Object();
    private Entry entry; // guarded by lock
    private CompletableFuture<Entry> inFlight; // guarded by lock

    /** A fetched key: when it was fetched, and after when it should be refreshed. */
    private record Entry(ProviderKey key, Instant fetchedAt, Instant refreshAt) {}

    private ControlPlaneKeySource(Builder b) {
        this.client = ProviderKeyClient.create(b.url, b.transport, b.timeout);
        this.icToken = b.icToken;
        this.clock = b.clock;
        this.ttl = b.ttl;
        this.maxStale = b.maxStale != null ? b.maxStale : b.ttl;
    }

    /**
     * Returns a builder.
     *
     * @param url the control server's base URL, e.g. {@code https://control.example}
     * @param icToken the agent's IC token, not blank
     * @param transport the HTTP client; not closed by this source
     * @return the builder
     */
    public static Builder builder(URI url, String icToken, HttpTransport transport) {
        return new Builder(url, icToken, transport);
    }

    /**
     * Returns the provider of the cached key, or every provider when no key has been fetched yet
     * (so that routing lets the request through to {@link #key(ProviderType)}, which fetches and
     * then answers only for the key's own provider). Never fetches.
     *
     * @return the providers
     */
    @Override
    public Set<ProviderType> providers() {
        synchronized (lock) {
            if (entry != null) {
                return Set.of(entry.key.provider());
            }
        }
        return Collections.unmodifiableSet(EnumSet.allOf(ProviderType.class));
    }

    /**
     * Returns the agent's key if it belongs to {@code provider}; fetches it when the cache has no
     * usable one (blocking, one fetch at a time).
     *
     * @param provider the provider the request goes to
     * @return the key, or empty when the agent's key belongs to another provider
     * @throws ControlPlaneException if the key could not be fetched
     */
    @Override
    public Optional<ProviderKey> key(ProviderType provider) {
        Objects.requireNonNull(provider, "provider");
        ProviderKey key = currentKey();
        return key.provider() == provider ? Optional.of(key) : Optional.empty();
    }

    /**
     * Returns the cached key when {@link #key(ProviderType)} would answer with it now: a fresh key,
     * or a stale one still served while another request refreshes it; empty when a fetch would be
     * waited for, or the cached key belongs to another provider. Never fetches.
     *
     * @param provider the provider the request goes to
     * @return the key, or empty
     */
    @Override
    public Optional<ProviderKey> keyIfReady(ProviderType provider) {
        Objects.requireNonNull(provider, "provider");
        synchronized (lock) {
            Instant now = clock.instant();
            boolean ready =
                    entry != null
                            && (now.isBefore(entry.refreshAt)
                                    || (inFlight != null && usableStale(entry, now)));
            return ready && entry.key.provider() == provider
                    ? Optional.of(entry.key)
                    : Optional.empty();
        }
    }

    /**
     * Returns the agent's key, whatever its provider; fetches it when the cache has no usable one.
     *
     * @return the key
     * @throws ControlPlaneException if the key could not be fetched
     */
    public ProviderKey currentKey() {
        CompletableFuture<Entry> wait;
        boolean leader = false;
        synchronized (lock) {
            Instant now = clock.instant();
            if (entry != null && now.isBefore(entry.refreshAt)) {
                return entry.key;
            }
            if (inFlight != null) {
                if (usableStale(entry, now)) {
                    return entry.key; // someone is refreshing: no need to wait
                }
                wait = inFlight;
            } else {
                wait = new CompletableFuture<>();
                inFlight = wait;
                leader = true;
            }
        }
        if (leader) {
            refresh(wait);
        }
        try {
            return wait.join().key;
        } catch (CompletionException e) {
            if (e.getCause() instanceof ControlPlaneException) {
                ControlPlaneException failure = (ControlPlaneException) e.getCause();
                throw leader ? failure : ControlPlaneFailures.copy(failure);
            }
            throw e;
        }
    }

    /**
     * Drops the cached key if it is {@code rejected} (the provider answered 401 to it), so the next
     * {@link #key(ProviderType)} fetches a fresh one. A key already replaced is left alone, so many
     * requests reporting the same 401 cause one refetch.
     *
     * @param rejected the key the provider rejected
     */
    @Override
    public void invalidate(ProviderKey rejected) {
        Objects.requireNonNull(rejected, "rejected");
        synchronized (lock) {
            if (entry != null && entry.key.equals(rejected)) {
                LOG.info(
                        "the {} provider rejected the key from the control server; fetching it"
                                + " again",
                        rejected.provider().id());
                entry = null;
            }
        }
    }

    /**
     * Returns whether a key was fetched and the control server has not refused it since (a refusal
     * drops it; a failed refresh of a key still served does not). Never fetches.
     *
     * @return {@code true} while a key is held
     */
    public boolean hasKey() {
        synchronized (lock) {
            return entry != null;
        }
    }

    /**
     * Returns how many fetches were sent to the control server so far.
     *
     * @return the count
     */
    public long fetchCount() {
        return fetches.get();
    }

    private boolean usableStale(Entry e, Instant now) {
        return e != null && now.isBefore(e.fetchedAt.plus(ttl).plus(maxStale));
    }

    /** The leader's fetch: completes {@code flight} for everyone waiting on it. */
    private void refresh(CompletableFuture<Entry> flight) {
        try {
            ProviderKey key = fetch();
            Instant now = clock.instant();
            Entry fresh = new Entry(key, now, now.plus(ttl));
            synchronized (lock) {
                entry = fresh;
                inFlight = null;
            }
            flight.complete(fresh);
        } catch (ControlPlaneException e) {
            Entry served = null;
            synchronized (lock) {
                inFlight = null;
                Instant now = clock.instant();
                if (!ControlPlaneFailures.isTransient(e)) {
                    entry = null; // refused: the agent may no longer have this key
                } else if (usableStale(entry, now)) {
                    Instant retry = now.plus(ttl.compareTo(STALE_RETRY) < 0 ? ttl : STALE_RETRY);
                    entry = new Entry(entry.key, entry.fetchedAt, retry);
                    served = entry;
                }
            }
            if (served != null) {
                LOG.warn(
                        "the provider key could not be refreshed ({}); serving the cached key for"
                                + " now",
                        e.getMessage());
                flight.complete(served);
            } else {
                flight.completeExceptionally(e);
            }
        } catch (RuntimeException e) {
            synchronized (lock) {
                inFlight = null;
            }
            flight.completeExceptionally(e);
        }
    }

    private ProviderKey fetch() {
        fetches.incrementAndGet();
        return client.fetch(icToken);
    }

    /** Shows the server and the TTL, never the token or the key. */
    @Override
    public String toString() {
        return "ControlPlaneKeySource[" + client.baseUrl() + ", ttl=" + ttl + "]";
    }

    /** Configures a {@link ControlPlaneKeySource}. */
    public static final class Builder {
        private final URI url;
        private final String icToken;
        private final HttpTransport transport;
        private Clock clock;
        private Duration ttl = Duration.ofSeconds(300);
        private Duration maxStale;
        private Duration timeout = Duration.ofSeconds(10);

        private Builder(URI url, String icToken, HttpTransport transport) {
            this.url = Objects.requireNonNull(url, "url");
            this.icToken = Objects.requireNonNull(icToken, "icToken");
            if (icToken.isBlank()) {
                throw new IllegalArgumentException("the IC token must not be blank");
            }
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /**
         * Sets the clock the TTL is measured on (required; the router passes its own).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets how long a fetched key is reused (default 300 s; 0 fetches for every request).
         *
         * @param ttl the TTL, not negative
         * @return this builder
         */
        public Builder ttl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("the key cache TTL must not be negative");
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * Sets how long past its TTL a cached key is still served while the server cannot be
         * reached (default: the TTL).
         *
         * @param maxStale the grace, not negative
         * @return this builder
         */
        public Builder maxStale(Duration maxStale) {
            Objects.requireNonNull(maxStale, "maxStale");
            if (maxStale.isNegative()) {
                throw new IllegalArgumentException("max-stale must not be negative");
            }
            this.maxStale = maxStale;
            return this;
        }

        /**
         * Sets the timeout of one fetch (default 10 s).
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = ControlPlaneOptions.requirePositive(timeout, "timeout");
            return this;
        }

        /**
         * Builds the source. Nothing is fetched until a key is asked for.
         *
         * @return the source
         * @throws IllegalStateException if no clock was set
         */
        public ControlPlaneKeySource build() {
            if (clock == null) {
                throw new IllegalStateException("set a clock, e.g. .clock(Clock.systemUTC())");
            }
            return new ControlPlaneKeySource(this);
        }
    }
}
