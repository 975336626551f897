package io.ironcage.router.testkit;

import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.ResponseSink;
import java.util.concurrent.CompletableFuture;

/**
 * A test's handler written as plain blocking code: it may wait, sleep or answer from its own
 * thread. {@link #onWorkers} turns it into a {@link ProxyHandler} that runs it on the executor the
 * transport gives for what may block, as the contract of {@link ProxyHandler#handle} asks.
 */
@FunctionalInterface
public interface BlockingHandler {
    /**
     * Handles one request, blocking as long as it likes.
     *
     * @param request the request
     * @param response where to write the answer
     */
    void handle(ProxyRequest request, ResponseSink response);

    /**
     * Runs a blocking handler on the transport's workers.
     *
     * @param handler the blocking handler
     * @return a handler whose stage completes when the blocking one returns, or fails as it threw
     */
    static ProxyHandler onWorkers(BlockingHandler handler) {
        return (request, response, workers) ->
                CompletableFuture.runAsync(() -> handler.handle(request, response), workers);
    }
}
