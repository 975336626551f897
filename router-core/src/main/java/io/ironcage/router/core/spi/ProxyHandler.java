package io.ironcage.router.core.spi;

/**
 * Handles every request a {@link ServerTransport} receives (the core's request pipeline implements
 * it).
 *
 * <p>It may block (key fetch, upstream call, stream relay), so transports call it on a worker
 * thread, never on an event loop. It answers through the sink; if it returns without answering, or
 * throws, the transport answers {@code 500} with a plain body that names no internals.
 */
@FunctionalInterface
public interface ProxyHandler {
    /**
     * Handles one request.
     *
     * @param request the request
     * @param response where to write the answer
     */
    void handle(ProxyRequest request, ResponseSink response);
}
