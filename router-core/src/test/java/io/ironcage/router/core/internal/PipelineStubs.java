package io.ironcage.router.core.internal;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.spi.UsageEventSink;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;

/** Answers every call with the next scripted answer, recording the URIs it was sent to. */
final class StubUpstream implements HttpTransport {
    private final List<URI> sent = new CopyOnWriteArrayList<>();
    private final List<Response> script = new ArrayList<>();

    synchronized void answer(int status, String body) {
        script.add(
                new Response(
                        status,
                        HeaderMap.of("content-type", "application/json"),
                        body.getBytes(StandardCharsets.UTF_8)));
    }

    List<String> uris() {
        List<String> out = new ArrayList<>();
        sent.forEach(u -> out.add(u.toString()));
        return out;
    }

    @Override
    public synchronized Response send(Request request) {
        sent.add(request.uri());
        return script.remove(0);
    }

    @Override
    public StreamingResponse open(Request request) {
        throw new UnsupportedOperationException("no streams here");
    }

    @Override
    public void close() {}
}

/** Keeps every event in a list. */
final class ListSink implements UsageEventSink {
    private final List<AnalyticsEvent> events;

    ListSink(List<AnalyticsEvent> events) {
        this.events = events;
    }

    @Override
    public void record(AnalyticsEvent event) {
        events.add(event);
    }

    @Override
    public long droppedCount() {
        return 0;
    }

    @Override
    public void close() {}
}

/**
 * Runs a handler as a caller whose thread may block: {@link ProxyHandler#CALLING_THREAD}, then
 * waits.
 */
final class Blocking {
    private Blocking() {}

    /** Handles the request on this thread and waits until the handler is done. */
    static void handle(ProxyHandler handler, ProxyRequest request, ResponseSink sink) {
        try {
            handler.handle(request, sink, ProxyHandler.CALLING_THREAD).toCompletableFuture().join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw e;
        }
    }
}
