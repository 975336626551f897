package io.ironcage.router.core.internal;

import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HttpTransport;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The router's calls to providers, which a stop can cut: the upstream client is shared with the
 * control plane, whose reports and lease returns must still go out after the provider calls are
 * cut, so the cut is here and not in closing the client.
 *
 * <p>A stop first {@linkplain #stopping() marks} the calls, then the server lets the requests in
 * flight finish within its grace and interrupts the handler threads still running (which ends a
 * blocking call or stream read there); then {@link #cut()} fails every call still waiting without a
 * thread (a whole answer on an event loop). Either way the call fails with a {@link
 * ForwardException.Kind#CUT} failure, which the pipeline settles from what was seen before the
 * leases are returned.
 */
public final class ProviderCalls implements HttpTransport {
    private final HttpTransport transport;
    private final Set<CompletableFuture<Response>> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private volatile boolean cut;

    /**
     * Wraps the client provider calls go through.
     *
     * @param transport the upstream client; closed by its owner, not here
     */
    public ProviderCalls(HttpTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    @Override
    public Response send(Request request) {
        if (cut) {
            throw notCalled(request);
        }
        try {
            return transport.send(request);
        } catch (ForwardException e) {
            throw cutIfInterrupted(e);
        }
    }

    @Override
    public CompletionStage<Response> sendAsync(Request request, Executor blocking) {
        if (cut) {
            return CompletableFuture.failedFuture(notCalled(request));
        }
        CompletableFuture<Response> answer = new CompletableFuture<>();
        waiting.add(answer);
        transport
                .sendAsync(request, blocking)
                .whenComplete(
                        (response, failure) -> {
                            if (failure == null) {
                                answer.complete(response);
                            } else {
                                answer.completeExceptionally(failure);
                            }
                        });
        answer.whenComplete((response, failure) -> waiting.remove(answer));
        if (cut) {
            // the cut ran between the check above and the registration: cut this one too
            answer.completeExceptionally(cutShort(request, null));
        }
        return answer;
    }

    @Override
    public StreamingResponse open(Request request) {
        if (cut) {
            throw notCalled(request);
        }
        try {
            return transport.open(request);
        } catch (ForwardException e) {
            throw cutIfInterrupted(e);
        }
    }

    /**
     * The router is stopping: from now on a call that fails because its thread was interrupted (the
     * server cutting its handlers at the end of the grace) is a cut, not a broken connection.
     */
    public void stopping() {
        stopping = true;
    }

    /**
     * Fails every call still waiting for its answer, and every call made from now on, with a cut;
     * their dependents (the settlement) run on this thread before it returns.
     */
    public void cut() {
        stopping = true;
        cut = true;
        for (CompletableFuture<Response> answer : waiting) {
            answer.completeExceptionally(cutShort(null, null));
        }
    }

    /** Does not close the client: it is the router's, closed after the control plane is done. */
    @Override
    public void close() {
        cut();
    }

    private ForwardException cutIfInterrupted(ForwardException e) {
        if (stopping
                && e.kind() != ForwardException.Kind.CUT
                && Thread.currentThread().isInterrupted()) {
            return cutShort(null, e);
        }
        return e;
    }

    /** A call begun after the cut (a retry that woke up): never sent, so it costs nothing. */
    private static ForwardException notCalled(Request request) {
        return new ForwardException(
                ForwardException.Kind.CONNECT,
                "the router is stopping: "
                        + ForwardException.address(request.uri())
                        + " not called",
                null);
    }

    private static ForwardException cutShort(Request request, Throwable cause) {
        return new ForwardException(
                ForwardException.Kind.CUT,
                "the router stopped before "
                        + (request == null
                                ? "the provider"
                                : ForwardException.address(request.uri()))
                        + " answered",
                cause);
    }

    @Override
    public String toString() {
        return "ProviderCalls[" + transport + "]";
    }
}
