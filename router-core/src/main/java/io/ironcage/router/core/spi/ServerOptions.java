package io.ironcage.router.core.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link ServerTransport} binds and how it serves.
 *
 * @param host the address to bind, e.g. {@code 127.0.0.1}
 * @param port the port; 0 for any free port (the bound one is reported by {@link
 *     ServerTransport.RunningServer#address()})
 * @param maxRequestBodyBytes the largest request body read; a longer one arrives as {@link
 *     ProxyRequest#bodyTooLarge()}
 * @param maxConcurrentRequests how many requests are handled at once (the worker pool); more wait
 * @param shutdownGrace how long {@code close()} waits for requests in flight
 */
public record ServerOptions(
        String host,
        int port,
        long maxRequestBodyBytes,
        int maxConcurrentRequests,
        Duration shutdownGrace) {
    /** The reference's request body limit: 10 MiB. */
    public static final long DEFAULT_MAX_REQUEST_BODY_BYTES = 10L * 1024 * 1024;

    /** Validates the components. */
    public ServerOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("a port is 0-65535, got " + port);
        }
        if (maxRequestBodyBytes < 0) {
            throw new IllegalArgumentException(
                    "maxRequestBodyBytes must not be negative, got " + maxRequestBodyBytes);
        }
        if (maxConcurrentRequests < 1) {
            throw new IllegalArgumentException(
                    "maxConcurrentRequests must be at least 1, got " + maxConcurrentRequests);
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative");
        }
    }

    /**
     * Returns loopback defaults on the given port: 10 MiB bodies, 256 concurrent requests, 5 s
     * shutdown grace.
     *
     * @param port the port, 0 for any free one
     * @return the options
     */
    public static ServerOptions loopback(int port) {
        return new ServerOptions(
                "127.0.0.1", port, DEFAULT_MAX_REQUEST_BODY_BYTES, 256, Duration.ofSeconds(5));
    }

    /**
     * Returns these options with another body limit.
     *
     * @param bytes the limit
     * @return new options
     */
    public ServerOptions withMaxRequestBodyBytes(long bytes) {
        return new ServerOptions(host, port, bytes, maxConcurrentRequests, shutdownGrace);
    }

    /**
     * Returns these options with another worker pool size.
     *
     * @param requests how many requests are handled at once
     * @return new options
     */
    public ServerOptions withMaxConcurrentRequests(int requests) {
        return new ServerOptions(host, port, maxRequestBodyBytes, requests, shutdownGrace);
    }
}
