package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An {@link HttpTransport} that answers from a function and records what it was sent (public for
 * the wire tests).
 */
public final class ScriptedTransport implements HttpTransport {
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Response> handler;

    /**
     * @param handler the answer to each request
     */
    public ScriptedTransport(Function<Request, Response> handler) {
        this.handler = handler;
    }

    /** An answer with a JSON body. */
    public static Response json(int status, String body) {
        return new Response(
                status,
                HeaderMap.of("content-type", "application/json"),
                body.getBytes(StandardCharsets.UTF_8));
    }

    void answer(Function<Request, Response> next) {
        this.handler = next;
    }

    /** What it was sent, in order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    int count() {
        return requests.size();
    }

    /** A request's body as text. */
    public static String body(Request request) {
        return new String(request.body(), StandardCharsets.UTF_8);
    }

    @Override
    public Response send(Request request) {
        requests.add(request);
        return handler.apply(request);
    }

    @Override
    public StreamingResponse open(Request request) {
        throw new UnsupportedOperationException("the control plane does not stream");
    }

    @Override
    public void close() {}
}
