package io.ironcage.router.core.spi;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Handles every request a {@link ServerTransport} receives (the core's request pipeline implements
 * it).
 *
 * <p>Two ways in. {@link #handle} may block (key fetch, upstream call, stream relay), so a
 * transport calls it on a worker thread. A transport with event loops calls {@link #handleAsync} on
 * its I/O thread instead: the handler does there what cannot block and moves the rest to the worker
 * executor it is given, so a plain pass-through request never leaves the I/O thread.
 *
 * <p>Either way the handler answers through the sink; if it ends without answering, or fails, the
 * transport answers {@code 500} with a plain body that names no internals.
 */
@FunctionalInterface
public interface ProxyHandler {
    /**
     * Handles one request, blocking as long as it takes.
     *
     * @param request the request
     * @param response where to write the answer
     */
    void handle(ProxyRequest request, ResponseSink response);

    /**
     * Handles one request without blocking the calling thread, which is a transport's I/O thread.
     * Whatever may block runs on {@code workers}. {@link ResponseSink#send} called on the I/O
     * thread does not block either (the transport writes the answer as the client reads it).
     *
     * <p>The default runs {@link #handle} on {@code workers}.
     *
     * @param request the request
     * @param response where to write the answer
     * @param workers runs the parts that may block
     * @return completes when the handler is done with the request (answered, budget settled);
     *     exceptionally if it failed
     */
    default CompletionStage<Void> handleAsync(
            ProxyRequest request, ResponseSink response, Executor workers) {
        return CompletableFuture.runAsync(() -> handle(request, response), workers);
    }

    /**
     * Looks at a request's head before its body is read. A request refused on its head alone (no
     * valid token, a path the router never forwards, headers too large) gets its answer here: the
     * transport sends it without reading the body, so an unauthenticated client cannot make the
     * server hold its body. Empty: the transport reads the body and calls {@link #handle} or {@link
     * #handleAsync}, which check the head again.
     *
     * <p>Called on the transport's I/O thread: it must not block. The default refuses nothing.
     *
     * @param head the request line and headers
     * @return the answer to send instead of reading the body, or empty to go on
     */
    default Optional<EarlyAnswer> onHead(RequestHead head) {
        return Optional.empty();
    }

    /**
     * The answer to a request the transport could not read, or will not serve: a malformed request
     * line, header or body (400), a head or body that did not arrive in time (408), a request line
     * or headers over the transport's limits (414, 431), no room for another request (503). The
     * transport sends it and closes the connection.
     *
     * <p>Called on the transport's I/O thread: it must not block. The default answers plain text.
     *
     * @param status the status the transport chose: 400, 408, 413, 414, 431 or 503
     * @param path the raw path of the request, when the transport read its request line
     * @return the answer
     */
    default EarlyAnswer unreadable(int status, Optional<String> path) {
        return new EarlyAnswer(
                status,
                HeaderMap.of("content-type", "text/plain; charset=utf-8"),
                TransportStatus.reason(status).getBytes(StandardCharsets.UTF_8));
    }
}
