package io.ironcage.router.core.spi;

/**
 * Where a {@link ProxyHandler} writes its answer. Exactly one of {@link #send} or {@link #stream}
 * is called, once. Calls block while the client is slow to read, which is the backpressure; except
 * {@link #send} on a transport's I/O thread (see {@link ProxyHandler#handle}), which hands the
 * whole body to the transport and returns.
 *
 * <p>A client that went away is not an error: {@link #send} and {@link ResponseStream#write} return
 * {@code false}, and the handler goes on with what it still has to do (settle the budget, read a
 * stream to its end to bill it).
 */
public interface ResponseSink {
    /**
     * Sends a whole response.
     *
     * @param status the HTTP status
     * @param headers the response headers; the transport sets the length itself
     * @param body the body, handed over: the caller must not change it afterwards
     * @return whether the answer was delivered; false if the client is gone
     * @throws IllegalStateException if a response was already started
     */
    boolean send(int status, HeaderMap headers, byte[] body);

    /**
     * Starts a streamed response: the status line and headers go out now, the body follows chunk by
     * chunk (HTTP/1.1 chunked encoding). A client already gone still gets a stream, whose writes
     * return {@code false}.
     *
     * @param status the HTTP status
     * @param headers the response headers
     * @return the stream to write the body to; the handler must end it
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
         * @return whether the chunk was handed to the client; false once the client is gone, and
         *     for every write after that
         * @throws IllegalStateException if the stream was closed or aborted
         */
        boolean write(byte[] chunk);

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
