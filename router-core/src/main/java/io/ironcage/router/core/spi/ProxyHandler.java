package io.ironcage.router.core.spi;

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
}
