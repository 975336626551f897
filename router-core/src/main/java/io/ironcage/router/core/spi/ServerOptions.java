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
 * @param headerTimeout how long a request's line and headers may take to arrive, from their first
 *     byte (or from the connection's start); slower ones are answered 408 and closed, and a request
 *     whose head is still arriving holds no worker
 * @param bodyTimeout how long a request's body may take to arrive in all, from the end of its head;
 *     a slower one is answered 408 and closed
 * @param maxBufferedBodyBytes how many bytes the bodies of all requests being read may hold
 *     together; a request that would go over is answered 503 without reading its body
 * @param writeTimeout how long a write of an answer may wait for a client that takes none of it;
 *     then the connection is closed and the handler's write returns {@code false}, so a stream to a
 *     stalled caller ends and is billed from what was seen
 */
public record ServerOptions(
        String host,
        int port,
        long maxRequestBodyBytes,
        int maxConcurrentRequests,
        Duration shutdownGrace,
        Duration headerTimeout,
        Duration bodyTimeout,
        long maxBufferedBodyBytes,
        Duration writeTimeout) {
    /** The reference's request body limit: 10 MiB. */
    public static final long DEFAULT_MAX_REQUEST_BODY_BYTES = 10L * 1024 * 1024;

    /** The default {@link #headerTimeout()}: 10 s. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);

    /** The default {@link #bodyTimeout()}: 60 s. */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(60);

    /** The default {@link #writeTimeout()}: 60 s. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);

    /**
     * The router's default {@link #shutdownGrace()}: 30 s, so that streams in flight at a stop
     * usually end by themselves.
     */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

    /** The router's default {@link #maxConcurrentRequests()}: 1,024. */
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 1024;

    /** Validates the components. */
    public ServerOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        Objects.requireNonNull(bodyTimeout, "bodyTimeout");
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
        if (headerTimeout.isNegative() || headerTimeout.isZero()) {
            throw new IllegalArgumentException("headerTimeout must be positive");
        }
        if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
            throw new IllegalArgumentException("bodyTimeout must be positive");
        }
        if (writeTimeout.isNegative() || writeTimeout.isZero()) {
            throw new IllegalArgumentException("writeTimeout must be positive");
        }
        if (maxBufferedBodyBytes < maxRequestBodyBytes) {
            throw new IllegalArgumentException(
                    "maxBufferedBodyBytes must be at least maxRequestBodyBytes ("
                            + maxRequestBodyBytes
                            + "), got "
                            + maxBufferedBodyBytes);
        }
    }

    /**
     * Creates options with the default write timeout ({@link #DEFAULT_WRITE_TIMEOUT}).
     *
     * @param host the address to bind
     * @param port the port, 0 for any free one
     * @param maxRequestBodyBytes the largest request body read
     * @param maxConcurrentRequests how many requests are handled at once
     * @param shutdownGrace how long {@code close()} waits for requests in flight
     * @param headerTimeout how long a request's head may take
     * @param bodyTimeout how long a request's body may take
     * @param maxBufferedBodyBytes the memory for the bodies being read
     */
    public ServerOptions(
            String host,
            int port,
            long maxRequestBodyBytes,
            int maxConcurrentRequests,
            Duration shutdownGrace,
            Duration headerTimeout,
            Duration bodyTimeout,
            long maxBufferedBodyBytes) {
        this(
                host,
                port,
                maxRequestBodyBytes,
                maxConcurrentRequests,
                shutdownGrace,
                headerTimeout,
                bodyTimeout,
                maxBufferedBodyBytes,
                DEFAULT_WRITE_TIMEOUT);
    }

    /**
     * Creates options with the default header, body and write timeouts and body memory ({@link
     * #defaultMaxBufferedBodyBytes(long)}).
     *
     * @param host the address to bind
     * @param port the port, 0 for any free one
     * @param maxRequestBodyBytes the largest request body read
     * @param maxConcurrentRequests how many requests are handled at once
     * @param shutdownGrace how long {@code close()} waits for requests in flight
     */
    public ServerOptions(
            String host,
            int port,
            long maxRequestBodyBytes,
            int maxConcurrentRequests,
            Duration shutdownGrace) {
        this(
                host,
                port,
                maxRequestBodyBytes,
                maxConcurrentRequests,
                shutdownGrace,
                DEFAULT_HEADER_TIMEOUT,
                DEFAULT_BODY_TIMEOUT,
                defaultMaxBufferedBodyBytes(maxRequestBodyBytes));
    }

    /**
     * The default memory for bodies being read: a quarter of the JVM's maximum heap, but room for
     * at least one body of the largest size.
     *
     * @param maxRequestBodyBytes the largest request body read
     * @return the byte count
     */
    public static long defaultMaxBufferedBodyBytes(long maxRequestBodyBytes) {
        return Math.max(maxRequestBodyBytes, Runtime.getRuntime().maxMemory() / 4);
    }

    /**
     * Returns loopback defaults on the given port: 10 MiB bodies, 256 concurrent requests, 5 s
     * shutdown grace, 10 s for a head, 60 s for a body, a quarter of the heap for bodies being
     * read.
     *
     * @param port the port, 0 for any free one
     * @return the options
     */
    public static ServerOptions loopback(int port) {
        return new ServerOptions(
                "127.0.0.1", port, DEFAULT_MAX_REQUEST_BODY_BYTES, 256, Duration.ofSeconds(5));
    }

    /**
     * Returns these options with another body limit (the body memory grows to hold one such body if
     * it must).
     *
     * @param bytes the limit
     * @return new options
     */
    public ServerOptions withMaxRequestBodyBytes(long bytes) {
        return new ServerOptions(
                host,
                port,
                bytes,
                maxConcurrentRequests,
                shutdownGrace,
                headerTimeout,
                bodyTimeout,
                Math.max(bytes, maxBufferedBodyBytes),
                writeTimeout);
    }

    /**
     * Returns these options with another worker pool size.
     *
     * @param requests how many requests are handled at once
     * @return new options
     */
    public ServerOptions withMaxConcurrentRequests(int requests) {
        return new ServerOptions(
                host,
                port,
                maxRequestBodyBytes,
                requests,
                shutdownGrace,
                headerTimeout,
                bodyTimeout,
                maxBufferedBodyBytes,
                writeTimeout);
    }

    /**
     * Returns these options with other header and body timeouts.
     *
     * @param header how long a request's head may take
     * @param body how long a request's body may take
     * @return new options
     */
    public ServerOptions withTimeouts(Duration header, Duration body) {
        return new ServerOptions(
                host,
                port,
                maxRequestBodyBytes,
                maxConcurrentRequests,
                shutdownGrace,
                header,
                body,
                maxBufferedBodyBytes,
                writeTimeout);
    }

    /**
     * Returns these options with another memory bound for the bodies being read.
     *
     * @param bytes the bound, at least {@link #maxRequestBodyBytes()}
     * @return new options
     */
    public ServerOptions withMaxBufferedBodyBytes(long bytes) {
        return new ServerOptions(
                host,
                port,
                maxRequestBodyBytes,
                maxConcurrentRequests,
                shutdownGrace,
                headerTimeout,
                bodyTimeout,
                bytes,
                writeTimeout);
    }

    /**
     * Returns these options with another shutdown grace.
     *
     * @param grace how long {@code close()} waits for requests in flight, {@code 0} for not at all
     * @return new options
     */
    public ServerOptions withShutdownGrace(Duration grace) {
        return new ServerOptions(
                host,
                port,
                maxRequestBodyBytes,
                maxConcurrentRequests,
                grace,
                headerTimeout,
                bodyTimeout,
                maxBufferedBodyBytes,
                writeTimeout);
    }

    /**
     * Returns these options with another write timeout.
     *
     * @param timeout how long a write may wait for a client that takes none of it
     * @return new options
     */
    public ServerOptions withWriteTimeout(Duration timeout) {
        return new ServerOptions(
                host,
                port,
                maxRequestBodyBytes,
                maxConcurrentRequests,
                shutdownGrace,
                headerTimeout,
                bodyTimeout,
                maxBufferedBodyBytes,
                timeout);
    }
}
