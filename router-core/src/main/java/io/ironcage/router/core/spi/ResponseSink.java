package io.ironcage.router.core.spi;

/**
 * Where a {@link ProxyHandler} writes its answer. Exactly one of {@link #send} or {@link #stream}
 * is called, once. Calls block while the client is slow to read, which is the backpressure; except
 * {@link #send} on a transport's I/O thread (see {@link ProxyHandler#handleAsync}), which hands the
 * whole body to the transport and returns.
 */
public interface ResponseSink {
    /**
     * Sends a whole response.
     *
     * @param status the HTTP status
     * @param headers the response headers; the transport sets the length itself
     * @param body the body
     * @throws io.ironcage.router.core.errors.ClientDisconnectedException if the client is gone
     * @throws IllegalStateException if a response was already started
     */
    void send(int status, HeaderMap headers, byte[] body);

    /**
     * Starts a streamed response: the status line and headers go out now, the body follows chunk by
     * chunk (HTTP/1.1 chunked encoding).
     *
     * @param status the HTTP status
     * @param headers the response headers
     * @return the stream to write the body to; the handler must end it
     * @throws io.ironcage.router.core.errors.ClientDisconnectedException if the client is gone
     * @throws IllegalStateException if a response was already started
     */
    ResponseStream stream(int status, HeaderMap headers);

    /** The body of a streamed response. */
    interface ResponseStream extends AutoCloseable {
        /**
         * Writes a chunk (typically one SSE event) and flushes it to the client, so it arrives
         * before the next one is written.
         *
         * @param chunk the bytes
         * @throws io.ironcage.router.core.errors.ClientDisconnectedException if the client is gone
         */
        void write(byte[] chunk);

        /** Ends the body normally. Idempotent; does nothing after {@link #abort()}. */
        @Override
        void close();

        /**
         * Ends the body abruptly, without the terminating chunk, so the client sees a broken stream
         * rather than a complete one. The client first receives the status, the headers and every
         * chunk written before the abort, then the connection ends; it never sees a complete
         * answer. Idempotent.
         */
        void abort();
    }
}
