package io.ironcage.router.analytics.sqlite;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link SqliteUsageEventSink} buffers and writes: the bounded queue between the request path
 * and the writer thread, how often and in what batches the writer commits, what happens when the
 * queue is full, and how long a connection waits for a lock held by another process.
 *
 * <pre>{@code
 * SqliteOptions options = SqliteOptions.builder()
 *         .queueCapacity(100_000)
 *         .flushInterval(Duration.ofMillis(100))
 *         .fullQueuePolicy(SqliteOptions.FullQueuePolicy.DROP)
 *         .build();
 * }</pre>
 *
 * <p><b>The full-queue default, and why.</b> Every event is money, so the default is {@link
 * FullQueuePolicy#BLOCK_THEN_DROP} with a {@linkplain #maxBlock() maximum wait} of one second:
 * under normal load the queue (65,536 events) never fills and {@code record} returns at once; in a
 * burst faster than the disk, a caller waits at most one second for room, and only then is the
 * event dropped, counted and logged. That bends the port's "never blocks" rule only when the store
 * cannot keep up, and only for a bounded time, in exchange for losing nothing under normal load.
 * Choose {@link FullQueuePolicy#DROP} where request latency matters more than complete analytics:
 * then {@code record} never waits.
 *
 * <p>Immutable; {@link #toBuilder()} copies it for changes.
 */
public final class SqliteOptions {
    /** What {@code record} does when the queue is full. */
    public enum FullQueuePolicy {
        /** Wait up to {@link SqliteOptions#maxBlock()} for room, then drop and count the event. */
        BLOCK_THEN_DROP,
        /** Drop and count the event at once; {@code record} never waits. */
        DROP
    }

    private static final SqliteOptions DEFAULTS = new Builder().build();

    private final int queueCapacity;
    private final Duration flushInterval;
    private final int batchSize;
    private final FullQueuePolicy fullQueuePolicy;
    private final Duration maxBlock;
    private final Duration busyTimeout;

    private SqliteOptions(Builder b) {
        this.queueCapacity = b.queueCapacity;
        this.flushInterval = b.flushInterval;
        this.batchSize = b.batchSize;
        this.fullQueuePolicy = b.fullQueuePolicy;
        this.maxBlock = b.maxBlock;
        this.busyTimeout = b.busyTimeout;
    }

    /**
     * Returns the defaults: queue 65,536 events, flush every 200 ms, batches of up to 1,000 events,
     * {@link FullQueuePolicy#BLOCK_THEN_DROP} waiting at most 1 s, busy timeout 5 s.
     *
     * @return the default options
     */
    public static SqliteOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Returns a builder holding the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder holding these options.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder()
                .queueCapacity(queueCapacity)
                .flushInterval(flushInterval)
                .batchSize(batchSize)
                .fullQueuePolicy(fullQueuePolicy)
                .maxBlock(maxBlock)
                .busyTimeout(busyTimeout);
    }

    /**
     * Returns how many events the queue between the request path and the writer holds.
     *
     * @return the capacity, {@code >= 1}
     */
    public int queueCapacity() {
        return queueCapacity;
    }

    /**
     * Returns how long an event may wait in the queue before the writer commits it: after a crash
     * at most about this much recorded history is lost.
     *
     * @return the interval, positive
     */
    public Duration flushInterval() {
        return flushInterval;
    }

    /**
     * Returns the most events committed in one transaction; a full batch is written without waiting
     * for the flush interval.
     *
     * @return the batch size, {@code >= 1}
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Returns what {@code record} does when the queue is full.
     *
     * @return the policy
     */
    public FullQueuePolicy fullQueuePolicy() {
        return fullQueuePolicy;
    }

    /**
     * Returns how long {@code record} waits for room under {@link FullQueuePolicy#BLOCK_THEN_DROP}
     * (ignored under {@link FullQueuePolicy#DROP}).
     *
     * @return the wait, zero or positive
     */
    public Duration maxBlock() {
        return maxBlock;
    }

    /**
     * Returns how long a connection waits for a lock held by another connection or process before
     * failing with "database is locked" (SQLite's {@code busy_timeout}).
     *
     * @return the timeout, zero or positive
     */
    public Duration busyTimeout() {
        return busyTimeout;
    }

    @Override
    public String toString() {
        return "SqliteOptions[queueCapacity="
                + queueCapacity
                + ", flushInterval="
                + flushInterval
                + ", batchSize="
                + batchSize
                + ", fullQueuePolicy="
                + fullQueuePolicy
                + ", maxBlock="
                + maxBlock
                + ", busyTimeout="
                + busyTimeout
                + "]";
    }

    /** Builds {@link SqliteOptions}; starts from the defaults. Not thread-safe. */
    public static final class Builder {
        private int queueCapacity = 65_536;
        private Duration flushInterval = Duration.ofMillis(200);
        private int batchSize = 1_000;
        private FullQueuePolicy fullQueuePolicy = FullQueuePolicy.BLOCK_THEN_DROP;
        private Duration maxBlock = Duration.ofSeconds(1);
        private Duration busyTimeout = Duration.ofSeconds(5);

        private Builder() {}

        /**
         * Sets the queue's capacity.
         *
         * @param queueCapacity events, {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code queueCapacity < 1}
         */
        public Builder queueCapacity(int queueCapacity) {
            this.queueCapacity = atLeastOne(queueCapacity, "queueCapacity");
            return this;
        }

        /**
         * Sets how long an event may wait before it is committed.
         *
         * @param flushInterval a positive duration of at most one hour
         * @return this builder
         * @throws IllegalArgumentException if it is zero, negative or longer than one hour
         */
        public Builder flushInterval(Duration flushInterval) {
            Objects.requireNonNull(flushInterval, "flushInterval");
            if (flushInterval.isZero()
                    || flushInterval.isNegative()
                    || flushInterval.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException(
                        "flushInterval must be positive and at most one hour, got "
                                + flushInterval);
            }
            this.flushInterval = flushInterval;
            return this;
        }

        /**
         * Sets the most events per transaction.
         *
         * @param batchSize events, {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code batchSize < 1}
         */
        public Builder batchSize(int batchSize) {
            this.batchSize = atLeastOne(batchSize, "batchSize");
            return this;
        }

        /**
         * Sets what {@code record} does when the queue is full.
         *
         * @param fullQueuePolicy the policy
         * @return this builder
         */
        public Builder fullQueuePolicy(FullQueuePolicy fullQueuePolicy) {
            this.fullQueuePolicy = Objects.requireNonNull(fullQueuePolicy, "fullQueuePolicy");
            return this;
        }

        /**
         * Sets how long {@code record} waits for room under {@link
         * FullQueuePolicy#BLOCK_THEN_DROP}.
         *
         * @param maxBlock zero or positive, at most one minute
         * @return this builder
         * @throws IllegalArgumentException if it is negative or longer than one minute
         */
        public Builder maxBlock(Duration maxBlock) {
            this.maxBlock = upToOneMinute(maxBlock, "maxBlock");
            return this;
        }

        /**
         * Sets SQLite's busy timeout.
         *
         * @param busyTimeout zero or positive, at most one minute
         * @return this builder
         * @throws IllegalArgumentException if it is negative or longer than one minute
         */
        public Builder busyTimeout(Duration busyTimeout) {
            this.busyTimeout = upToOneMinute(busyTimeout, "busyTimeout");
            return this;
        }

        /**
         * Returns the options.
         *
         * @return immutable options
         */
        public SqliteOptions build() {
            return new SqliteOptions(this);
        }

        private static int atLeastOne(int value, String name) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, got " + value);
            }
            return value;
        }

        private static Duration upToOneMinute(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException(
                        name + " must be between zero and one minute, got " + value);
            }
            return value;
        }
    }
}
