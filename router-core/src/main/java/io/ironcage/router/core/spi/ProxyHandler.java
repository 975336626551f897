package io.ironcage.router.core.spi;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Handles every request a {@link ServerTransport} receives (the core's request pipeline implements
 * it).
 *
 * <p>One way in, {@link #handle}, which never blocks the calling thread: what may block (key fetch,
 * upstream call, stream relay) runs on the {@code workers} executor it is given. A transport with
 * event loops calls it on its I/O thread with a worker pool, so a plain pass-through request never
 * leaves the I/O thread. A transport whose calling thread may block (a worker of its own) passes
 * {@link #CALLING_THREAD} and waits for the returned stage: the handler then does everything on
 * that thread, blocking calls included, and never hands work to another client's threads.
 *
 * <p>The handler answers through the sink; if it ends without answering, or fails, the transport
 * answers {@code 500} with a plain body that names no internals.
 */
@FunctionalInterface
public interface ProxyHandler {
    /**
     * The executor a transport passes when the calling thread may block: it runs each task at once
     * on the calling thread, and tells the handler that it may block there (a plain upstream call
     * rather than an asynchronous one).
     */
    Executor CALLING_THREAD = Runnable::run;

    /**
     * Handles one request without blocking the calling thread. Whatever may block runs on {@code
     * workers}. {@link ResponseSink#send} called on an I/O thread does not block either (the
     * transport writes the answer as the client reads it).
     *
     * @param request the request
     * @param response where to write the answer
     * @param workers runs the parts that may block; {@link #CALLING_THREAD} when the calling thread
     *     may block itself
     * @return completes when the handler is done with the request (answered, budget settled);
     *     exceptionally if it failed
     */
    CompletionStage<Void> handle(ProxyRequest request, ResponseSink response, Executor workers);

    /**
     * Looks at a request's head before its body is read. A request refused on its head alone (no
     * valid token, a path the router never forwards, headers too large) gets its answer here: the
     * transport sends it without reading the body, so an unauthenticated client cannot make the
     * server hold its body. Empty: the transport reads the body and calls {@link #handle}, which
     * checks the head again.
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
