package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.domain.Money;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a router in server mode talks to the Iron Cage control server: where it is, how long provider
 * keys are cached, how budget leases are sized and renewed, and how often analytics are synced.
 * Immutable; made by {@link #builder(URI)}, changed through {@link #toBuilder()}.
 */
public final class ControlPlaneOptions {
    /** The default of {@link #syncConcurrency()}. */
    public static final int DEFAULT_SYNC_CONCURRENCY = 8;

    /** The largest {@link #syncConcurrency()}: more calls at once only load the server. */
    public static final int MAX_SYNC_CONCURRENCY = 64;

    private final URI url;
    private final Duration keyCacheTtl;
    private final Duration timeout;
    private final Optional<Money> leaseSize;
    private final int renewBelowPercent;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration syncInterval;
    private final int syncBatchSize;
    private final int syncConcurrency;
    private final Duration closeTimeout;
    private final boolean returnOnShutdown;

    /** The check of every duration that must be positive, here and in the services' builders. */
    static Duration requirePositive(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + duration);
        }
        return duration;
    }

    private ControlPlaneOptions(Builder b) {
        this.url = b.url;
        this.keyCacheTtl = b.keyCacheTtl;
        this.timeout = b.timeout;
        this.leaseSize = b.leaseSize;
        this.renewBelowPercent = b.renewBelowPercent;
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
        this.syncInterval = b.syncInterval;
        this.syncBatchSize = b.syncBatchSize;
        this.syncConcurrency = b.syncConcurrency;
        this.closeTimeout = b.closeTimeout;
        this.returnOnShutdown = b.returnOnShutdown;
    }

    /**
     * Returns a builder with the defaults.
     *
     * @param url the control server's base URL, e.g. {@code https://control.example}
     * @return the builder
     */
    public static Builder builder(URI url) {
        return new Builder(url);
    }

    /**
     * Returns the defaults for a server.
     *
     * @param url the control server's base URL
     * @return the options
     */
    public static ControlPlaneOptions of(URI url) {
        return builder(url).build();
    }

    /**
     * Returns a builder holding these options.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        Builder b = new Builder(url);
        b.keyCacheTtl = keyCacheTtl;
        b.timeout = timeout;
        b.leaseSize = leaseSize;
        b.renewBelowPercent = renewBelowPercent;
        b.minBackoff = minBackoff;
        b.maxBackoff = maxBackoff;
        b.syncInterval = syncInterval;
        b.syncBatchSize = syncBatchSize;
        b.syncConcurrency = syncConcurrency;
        b.closeTimeout = closeTimeout;
        b.returnOnShutdown = returnOnShutdown;
        return b;
    }

    /**
     * Returns the control server's base URL.
     *
     * @return the URL
     */
    public URI url() {
        return url;
    }

    /**
     * Returns how long a fetched provider key is reused.
     *
     * @return the TTL; 0 fetches for every request
     */
    public Duration keyCacheTtl() {
        return keyCacheTtl;
    }

    /**
     * Returns the timeout of each call to the control server.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Returns the amount asked for at each handshake.
     *
     * @return the amount, or empty for the server's default ($10)
     */
    public Optional<Money> leaseSize() {
        return leaseSize;
    }

    /**
     * Returns the share of a lease left unspent below which it is renewed.
     *
     * @return percent, 1 to 99
     */
    public int renewBelowPercent() {
        return renewBelowPercent;
    }

    /**
     * Returns the first delay after a failed call to the control server.
     *
     * @return the delay; it doubles up to {@link #maxBackoff()}
     */
    public Duration minBackoff() {
        return minBackoff;
    }

    /**
     * Returns the longest delay between retries of a failed call.
     *
     * @return the delay
     */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /**
     * Returns the time between analytics sync cycles.
     *
     * @return the interval
     */
    public Duration syncInterval() {
        return syncInterval;
    }

    /**
     * Returns the most events the analytics sync reads from the store at once; a cycle reads batch
     * after batch until nothing is left.
     *
     * @return the batch size
     */
    public int syncBatchSize() {
        return syncBatchSize;
    }

    /**
     * Returns the most analytics events the sync has in flight to the control server at once.
     *
     * @return 1 to {@link #MAX_SYNC_CONCURRENCY}
     */
    public int syncConcurrency() {
        return syncConcurrency;
    }

    /**
     * Returns how long closing may spend on the final analytics flush.
     *
     * @return the bound
     */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * Returns whether a JVM shutdown hook closes the router, so leases are returned when the
     * process is stopped.
     *
     * @return {@code true} by default
     */
    public boolean returnOnShutdown() {
        return returnOnShutdown;
    }

    @Override
    public String toString() {
        return "ControlPlaneOptions["
                + url
                + ", keyCacheTtl="
                + keyCacheTtl
                + ", leaseSize="
                + leaseSize.map(m -> m.micros() + " µ$").orElse("server default")
                + ", syncInterval="
                + syncInterval
                + ", syncBatchSize="
                + syncBatchSize
                + ", syncConcurrency="
                + syncConcurrency
                + "]";
    }

    /** Configures {@link ControlPlaneOptions}. */
    public static final class Builder {
        private final URI url;
        private Duration keyCacheTtl = Duration.ofSeconds(300);
        private Duration timeout = Duration.ofSeconds(10);
        private Optional<Money> leaseSize = Optional.empty();
        private int renewBelowPercent = 20;
        private Duration minBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(60);
        private Duration syncInterval = Duration.ofSeconds(30);
        private int syncBatchSize = 100;
        private int syncConcurrency = DEFAULT_SYNC_CONCURRENCY;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private boolean returnOnShutdown = true;

        private Builder(URI url) {
            this.url = Objects.requireNonNull(url, "url");
        }

        /**
         * Sets how long a fetched provider key is reused (default 300 s; 0 fetches every time).
         *
         * @param ttl the TTL, not negative
         * @return this builder
         */
        public Builder keyCacheTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("the key cache TTL must not be negative");
            }
            this.keyCacheTtl = ttl;
            return this;
        }

        /**
         * Sets the timeout of each call (default 10 s).
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = requirePositive(timeout, "timeout");
            return this;
        }

        /**
         * Sets the amount asked for at each handshake (default: the server's, $10).
         *
         * @param size more than $0, at most $100
         * @return this builder
         */
        public Builder leaseSize(Money size) {
            Objects.requireNonNull(size, "size");
            if (size.isZero() || size.micros() > 100_000_000L) {
                throw new IllegalArgumentException(
                        "a lease size must be more than $0 and at most $100");
            }
            this.leaseSize = Optional.of(size);
            return this;
        }

        /**
         * Sets when a lease is renewed: below this share of it left unspent (default 20).
         *
         * @param percent 1 to 99
         * @return this builder
         */
        public Builder renewBelowPercent(int percent) {
            if (percent < 1 || percent > 99) {
                throw new IllegalArgumentException("renew-below must be 1 to 99 percent");
            }
            this.renewBelowPercent = percent;
            return this;
        }

        /**
         * Sets the retry backoff after failed calls (default 1 s doubling to 60 s).
         *
         * @param min the first delay, positive
         * @param max the longest, at least {@code min}
         * @return this builder
         */
        public Builder retryBackoff(Duration min, Duration max) {
            requirePositive(min, "min");
            requirePositive(max, "max");
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("the longest backoff is shorter than the first");
            }
            this.minBackoff = min;
            this.maxBackoff = max;
            return this;
        }

        /**
         * Sets the time between analytics sync cycles (default 30 s).
         *
         * @param interval positive
         * @return this builder
         */
        public Builder syncInterval(Duration interval) {
            this.syncInterval = requirePositive(interval, "interval");
            return this;
        }

        /**
         * Sets the most events the analytics sync reads from the store at once (default 100).
         *
         * @param size at least 1
         * @return this builder
         */
        public Builder syncBatchSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException(
                        "the batch size must be at least 1, got " + size);
            }
            this.syncBatchSize = size;
            return this;
        }

        /**
         * Sets the most analytics events in flight to the control server at once (default 8).
         *
         * @param calls 1 to {@link #MAX_SYNC_CONCURRENCY}
         * @return this builder
         */
        public Builder syncConcurrency(int calls) {
            if (calls < 1 || calls > MAX_SYNC_CONCURRENCY) {
                throw new IllegalArgumentException(
                        "the sync concurrency must be 1 to "
                                + MAX_SYNC_CONCURRENCY
                                + ", got "
                                + calls);
            }
            this.syncConcurrency = calls;
            return this;
        }

        /**
         * Sets how long closing may spend on the final analytics flush (default 5 s).
         *
         * @param bound positive
         * @return this builder
         */
        public Builder closeTimeout(Duration bound) {
            this.closeTimeout = requirePositive(bound, "closeTimeout");
            return this;
        }

        /**
         * Sets whether a JVM shutdown hook closes the router (returning leases); default on.
         *
         * @param enabled whether to register the hook
         * @return this builder
         */
        public Builder returnOnShutdown(boolean enabled) {
            this.returnOnShutdown = enabled;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         */
        public ControlPlaneOptions build() {
            return new ControlPlaneOptions(this);
        }
    }
}
