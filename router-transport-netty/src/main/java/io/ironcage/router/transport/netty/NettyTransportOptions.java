package io.ironcage.router.transport.netty;

import io.ironcage.router.core.spi.ServerOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * How the Netty transport serves and calls: event loop threads, request header limits, server
 * timeouts and the client's connection pool. Immutable; build with {@link #builder()}, change a
 * copy with {@link #toBuilder()}.
 *
 * <pre>{@code
 * NettyTransportOptions options =
 *         NettyTransportOptions.builder().maxConnectionsPerHost(1024).build();
 * LlmRouter.builder().transport(new NettyTransportProvider(options));
 * }</pre>
 *
 * <p>What the server binds, its body limit, worker pool size and shutdown grace come from {@link
 * io.ironcage.router.core.spi.ServerOptions}, as for every transport; the upstream connect timeout
 * from {@link io.ironcage.router.core.spi.TransportProvider#httpTransport(Duration)}. The defaults
 * match the JDK transport where both have the setting.
 */
public final class NettyTransportOptions {
    /**
     * The largest request header section, like the JDK server's: 64 KiB. The router refuses more
     * than 32 KiB of headers anyway; a larger section only lets an unauthenticated connection hold
     * more memory.
     */
    public static final int DEFAULT_MAX_HEADER_BYTES = 64 * 1024;

    /** The most request headers, like the JDK server's: 200. */
    public static final int DEFAULT_MAX_HEADER_COUNT = 200;

    /** The longest request line (method, target, version): 64 KiB. */
    public static final int DEFAULT_MAX_REQUEST_LINE_BYTES = 64 * 1024;

    private static final NettyTransportOptions DEFAULTS = new Builder().build();

    private final int eventLoopThreads;
    private final int maxHeaderBytes;
    private final int maxHeaderCount;
    private final int maxRequestLineBytes;
    private final Duration idleTimeout;
    private final Duration writeTimeout; // null: the server options' write timeout
    private final Duration requestReadTimeout;
    private final int maxConnectionsPerHost;
    private final Duration connectionMaxIdleTime;

    private NettyTransportOptions(Builder builder) {
        this.eventLoopThreads = builder.eventLoopThreads;
        this.maxHeaderBytes = builder.maxHeaderBytes;
        this.maxHeaderCount = builder.maxHeaderCount;
        this.maxRequestLineBytes = builder.maxRequestLineBytes;
        this.idleTimeout = builder.idleTimeout;
        this.writeTimeout = builder.writeTimeout;
        this.requestReadTimeout = builder.requestReadTimeout;
        this.maxConnectionsPerHost = builder.maxConnectionsPerHost;
        this.connectionMaxIdleTime = builder.connectionMaxIdleTime;
    }

    /**
     * Returns the defaults (see each {@link Builder} method).
     *
     * @return the default options
     */
    public static NettyTransportOptions defaults() {
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
        Builder builder = new Builder();
        builder.eventLoopThreads = eventLoopThreads;
        builder.maxHeaderBytes = maxHeaderBytes;
        builder.maxHeaderCount = maxHeaderCount;
        builder.maxRequestLineBytes = maxRequestLineBytes;
        builder.idleTimeout = idleTimeout;
        builder.writeTimeout = writeTimeout;
        builder.requestReadTimeout = requestReadTimeout;
        builder.maxConnectionsPerHost = maxConnectionsPerHost;
        builder.connectionMaxIdleTime = connectionMaxIdleTime;
        return builder;
    }

    /**
     * Returns how many event loop threads a server, and separately a client, runs.
     *
     * @return the thread count
     */
    public int eventLoopThreads() {
        return eventLoopThreads;
    }

    /**
     * Returns the largest request header section the server reads; a larger one is answered {@code
     * 431} and the connection closed.
     *
     * @return the limit in bytes
     */
    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /**
     * Returns the most request headers the server accepts; more are answered {@code 431} and the
     * connection closed.
     *
     * @return the limit
     */
    public int maxHeaderCount() {
        return maxHeaderCount;
    }

    /**
     * Returns the longest request line the server reads; a longer one is answered {@code 414}.
     *
     * @return the limit in bytes
     */
    public int maxRequestLineBytes() {
        return maxRequestLineBytes;
    }

    /**
     * Returns how long a write of the answer may wait for a client that takes no data before the
     * client counts as gone: the one set here, else the server's {@link
     * io.ironcage.router.core.spi.ServerOptions#writeTimeout()} ({@link
     * io.ironcage.router.core.spi.ServerOptions#DEFAULT_WRITE_TIMEOUT} when there is none).
     *
     * @return the write timeout
     */
    public Duration writeTimeout() {
        return writeTimeout == null ? ServerOptions.DEFAULT_WRITE_TIMEOUT : writeTimeout;
    }

    /** The write timeout a server uses: the one set here, else its options'. */
    Duration writeTimeout(ServerOptions server) {
        return writeTimeout == null ? server.writeTimeout() : writeTimeout;
    }

    /**
     * Returns how long the server keeps an idle keep-alive connection open.
     *
     * @return the idle timeout
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * Returns how long the server waits for the next part of a request body before it closes the
     * connection. It bounds reading the request only, never the (possibly long) answer.
     *
     * @return the read timeout
     */
    public Duration requestReadTimeout() {
        return requestReadTimeout;
    }

    /**
     * Returns how many connections the client opens to one upstream at most; further requests wait
     * for a free one, within their own timeout.
     *
     * @return the pool size per host
     */
    public int maxConnectionsPerHost() {
        return maxConnectionsPerHost;
    }

    /**
     * Returns how long the client keeps an idle pooled connection before closing it; keep it below
     * the upstreams' own keep-alive timeout.
     *
     * @return the idle time
     */
    public Duration connectionMaxIdleTime() {
        return connectionMaxIdleTime;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof NettyTransportOptions)) {
            return false;
        }
        NettyTransportOptions other = (NettyTransportOptions) o;
        return eventLoopThreads == other.eventLoopThreads
                && maxHeaderBytes == other.maxHeaderBytes
                && maxHeaderCount == other.maxHeaderCount
                && maxRequestLineBytes == other.maxRequestLineBytes
                && idleTimeout.equals(other.idleTimeout)
                && Objects.equals(writeTimeout, other.writeTimeout)
                && requestReadTimeout.equals(other.requestReadTimeout)
                && maxConnectionsPerHost == other.maxConnectionsPerHost
                && connectionMaxIdleTime.equals(other.connectionMaxIdleTime);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                eventLoopThreads,
                maxHeaderBytes,
                maxHeaderCount,
                maxRequestLineBytes,
                idleTimeout,
                writeTimeout,
                requestReadTimeout,
                maxConnectionsPerHost,
                connectionMaxIdleTime);
    }

    @Override
    public String toString() {
        return "NettyTransportOptions[eventLoopThreads="
                + eventLoopThreads
                + ", maxHeaderBytes="
                + maxHeaderBytes
                + ", maxHeaderCount="
                + maxHeaderCount
                + ", maxRequestLineBytes="
                + maxRequestLineBytes
                + ", idleTimeout="
                + idleTimeout
                + ", writeTimeout="
                + (writeTimeout == null ? "the server's" : writeTimeout)
                + ", requestReadTimeout="
                + requestReadTimeout
                + ", maxConnectionsPerHost="
                + maxConnectionsPerHost
                + ", connectionMaxIdleTime="
                + connectionMaxIdleTime
                + "]";
    }

    /** Builds {@link NettyTransportOptions}. Not thread-safe. */
    public static final class Builder {
        private int eventLoopThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private int maxHeaderCount = DEFAULT_MAX_HEADER_COUNT;
        private int maxRequestLineBytes = DEFAULT_MAX_REQUEST_LINE_BYTES;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private Duration writeTimeout; // null: the server options'
        private Duration requestReadTimeout = Duration.ofSeconds(60);
        private int maxConnectionsPerHost = 512;
        private Duration connectionMaxIdleTime = Duration.ofSeconds(20);

        private Builder() {}

        /**
         * Sets the event loop threads of a server, and separately of a client (default: the number
         * of processors). They only move bytes: request handlers run on the server's worker pool.
         *
         * @param threads at least 1
         * @return this builder
         */
        public Builder eventLoopThreads(int threads) {
            this.eventLoopThreads = atLeast(1, threads, "eventLoopThreads");
            return this;
        }

        /**
         * Sets the largest request header section (default {@value
         * NettyTransportOptions#DEFAULT_MAX_HEADER_BYTES} bytes). The router itself answers {@code
         * 431} in the caller's API format above 32 KiB; this is the transport's hard stop.
         *
         * @param bytes at least 1024
         * @return this builder
         */
        public Builder maxHeaderBytes(int bytes) {
            this.maxHeaderBytes = atLeast(1024, bytes, "maxHeaderBytes");
            return this;
        }

        /**
         * Sets the most request headers (default {@value
         * NettyTransportOptions#DEFAULT_MAX_HEADER_COUNT}).
         *
         * @param count at least 1
         * @return this builder
         */
        public Builder maxHeaderCount(int count) {
            this.maxHeaderCount = atLeast(1, count, "maxHeaderCount");
            return this;
        }

        /**
         * Sets the longest request line (default {@value
         * NettyTransportOptions#DEFAULT_MAX_REQUEST_LINE_BYTES} bytes).
         *
         * @param bytes at least 256
         * @return this builder
         */
        public Builder maxRequestLineBytes(int bytes) {
            this.maxRequestLineBytes = atLeast(256, bytes, "maxRequestLineBytes");
            return this;
        }

        /**
         * Sets how long a write of an answer may wait for a client that takes no data (its
         * connection open, its receive window full) before the client counts as gone (default: the
         * server's {@link io.ironcage.router.core.spi.ServerOptions#writeTimeout()}, which {@code
         * router.yaml}'s {@code server.write-timeout} sets; set here, it wins): the handler's write
         * then returns {@code false}, so the request settles and its worker is freed, and the
         * connection is closed. Without it a client that stops reading would hold a worker and its
         * reservation for as long as it likes.
         *
         * <p>It bounds the time without progress, not the whole answer: a client that reads slowly
         * but steadily is never cut off. Progress is seen when the socket takes more data, so reads
         * the kernel's send buffer absorbs show only once a good part of it is free; the stall is
         * noticed between the timeout and half as much again.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = positive(timeout, "writeTimeout");
            return this;
        }

        /**
         * Sets how long an idle keep-alive connection stays open on the server (default 30 s).
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /**
         * Sets how long the server waits for the next part of a request body (default 60 s).
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder requestReadTimeout(Duration timeout) {
            this.requestReadTimeout = positive(timeout, "requestReadTimeout");
            return this;
        }

        /**
         * Sets the client's connections per upstream host (default 512).
         *
         * @param connections at least 1
         * @return this builder
         */
        public Builder maxConnectionsPerHost(int connections) {
            this.maxConnectionsPerHost = atLeast(1, connections, "maxConnectionsPerHost");
            return this;
        }

        /**
         * Sets how long the client keeps an idle pooled connection (default 20 s).
         *
         * @param time positive
         * @return this builder
         */
        public Builder connectionMaxIdleTime(Duration time) {
            this.connectionMaxIdleTime = positive(time, "connectionMaxIdleTime");
            return this;
        }

        /**
         * Returns the options.
         *
         * @return immutable options
         */
        public NettyTransportOptions build() {
            return new NettyTransportOptions(this);
        }

        private static int atLeast(int minimum, int value, String name) {
            if (value < minimum) {
                throw new IllegalArgumentException(
                        name + " must be at least " + minimum + ", got " + value);
            }
            return value;
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }
    }
}
