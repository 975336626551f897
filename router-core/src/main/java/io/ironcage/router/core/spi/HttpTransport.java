package io.ironcage.router.core.spi;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The client side of a transport: sends requests to upstream providers and to the control plane. No
 * retries inside: retry policy belongs to the core.
 *
 * <p>Failures are {@link io.ironcage.router.core.errors.ForwardException}s whose {@link
 * io.ironcage.router.core.errors.ForwardException#kind() kind} tells a connect failure (the router
 * answers 502) from a timeout (504).
 */
public interface HttpTransport extends AutoCloseable {
    /**
     * Sends a request and reads the whole response.
     *
     * @param request the request; its timeout bounds the whole exchange
     * @return the response
     * @throws io.ironcage.router.core.errors.ForwardException on connect failure, timeout or I/O
     *     error
     */
    Response send(Request request);

    /**
     * Sends a request without blocking the calling thread and reads the whole response. A transport
     * with event loops overrides it to do the I/O on them, and completes the stage on one of them,
     * so its dependents must not block either; the default runs {@link #send} on {@code blocking}.
     *
     * @param request the request; its timeout bounds the whole exchange
     * @param blocking where a transport that cannot send without blocking does so
     * @return the response; fails with a {@link io.ironcage.router.core.errors.ForwardException} on
     *     connect failure, timeout or I/O error
     */
    default CompletionStage<Response> sendAsync(Request request, Executor blocking) {
        return CompletableFuture.supplyAsync(() -> send(request), blocking);
    }

    /**
     * Sends a request and returns as soon as the response headers arrive; the body is then read
     * chunk by chunk, as the upstream sends it.
     *
     * @param request the request; its timeout bounds the wait for the headers, and then each wait
     *     for the next chunk
     * @return the response being received; the caller must close it
     * @throws io.ironcage.router.core.errors.ForwardException on connect failure, timeout or I/O
     *     error
     */
    StreamingResponse open(Request request);

    /** Frees connections and threads. Idempotent. */
    @Override
    void close();

    /**
     * One request.
     *
     * @param method the HTTP method
     * @param uri the absolute URI, with any query string
     * @param headers the headers to send (hop-by-hop ones are the caller's to leave out)
     * @param body the body; empty for none. The array is handed over: the caller must not change it
     *     afterwards; {@link #body()} returns it without copying and callers must not change it
     * @param timeout see {@link #send} and {@link #open}
     */
    record Request(String method, URI uri, HeaderMap headers, byte[] body, Duration timeout) {
        /** Validates the components; takes the body array as it is, without copying it. */
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(uri, "uri");
            headers = headers == null ? HeaderMap.empty() : headers;
            body = body == null ? new byte[0] : body;
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("a timeout must be positive, got " + timeout);
            }
        }

        /** Shows method and URI only; headers may hold keys. */
        @Override
        public String toString() {
            return "Request[" + method + " " + uri + ", " + body.length + " bytes]";
        }
    }

    /**
     * A whole response.
     *
     * @param status the HTTP status
     * @param headers the response headers
     * @param body the body
     */
    record Response(int status, HeaderMap headers, byte[] body) {
        /** Validates and copies the components. */
        public Response {
            Objects.requireNonNull(headers, "headers");
            body = body == null ? new byte[0] : body.clone();
        }

        /**
         * Returns the body; a copy.
         *
         * @return the body bytes
         */
        @Override
        public byte[] body() {
            return body.clone();
        }

        @Override
        public String toString() {
            return "Response[" + status + ", " + body.length + " bytes]";
        }
    }

    /** A response whose body is still arriving. */
    interface StreamingResponse extends AutoCloseable {
        /**
         * Returns the status.
         *
         * @return the HTTP status
         */
        int status();

        /**
         * Returns the response headers.
         *
         * @return the headers
         */
        HeaderMap headers();

        /**
         * Waits for the next chunk of the body, as the transport received it (not re-split into
         * events: that is the reader's job).
         *
         * @return the next chunk, or empty at the end of the body
         * @throws io.ironcage.router.core.errors.ForwardException if the request's timeout passes
         *     with no data, or the connection breaks before the body ends
         */
        Optional<byte[]> read();

        /** Stops reading and frees the connection. Idempotent. */
        @Override
        void close();
    }
}
