package io.ironcage.router.core.transport;

import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.ResponseSink;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Where one request's answer stands, shared by the server transports' {@link ResponseSink}s: the
 * handler answers once (whole or streamed), the transport may claim the answer for its own {@code
 * 500}, and when the handler is done {@link #finish()} says what the transport still has to do.
 * Thread-safe: the handler may answer from any thread.
 *
 * <p>A stream moves from {@link State#STREAMING} to {@link State#CLOSED} (ended normally), {@link
 * State#ABORTED} (cut on purpose) or {@link State#BROKEN} (the client went away); a whole answer
 * whose write failed is {@link State#BROKEN} too.
 */
public final class AnswerState {
    private static final HeaderMap TEXT = HeaderMap.of("content-type", "text/plain; charset=utf-8");
    private static final byte[] INTERNAL_ERROR = "Internal error".getBytes(StandardCharsets.UTF_8);

    /** Where an answer stands. */
    public enum State {
        /** Nothing answered yet. */
        NONE,
        /** A whole answer was sent (or claimed by the transport). */
        SENT,
        /** A stream's head went out; its body is being written. */
        STREAMING,
        /** A stream ended normally. */
        CLOSED,
        /** A stream was cut on purpose. */
        ABORTED,
        /** The client went away while the answer was written. */
        BROKEN
    }

    /** What a transport does once the handler is done. */
    public enum Ending {
        /** The answer is whole: nothing. */
        NOTHING,
        /** Nothing was answered: send {@link #internalError()}, claimed for the transport. */
        INTERNAL_ERROR,
        /** A stream not ended, aborted or broken: cut the connection. */
        ABORT
    }

    private State state = State.NONE;

    /** Creates the state of an answer not started. */
    public AnswerState() {}

    /**
     * The transport's own answer to a request the handler did not answer, or failed on: plain text
     * that names no internals.
     *
     * @return {@code 500 Internal error}
     */
    public static EarlyAnswer internalError() {
        return new EarlyAnswer(500, TEXT, INTERNAL_ERROR);
    }

    /**
     * Calls the handler's one entry, turning a throw or a missing stage into a failed stage, so a
     * transport has one way to learn that the handler is done.
     *
     * @param handler the handler
     * @param request the request
     * @param response the sink
     * @param workers what the handler may block on
     * @return completes when the handler is done; exceptionally if it failed
     */
    public static CompletionStage<Void> handle(
            ProxyHandler handler, ProxyRequest request, ResponseSink response, Executor workers) {
        try {
            CompletionStage<Void> handled = handler.handle(request, response, workers);
            return handled != null
                    ? handled
                    : CompletableFuture.failedFuture(
                            new IllegalStateException("the handler returned no stage"));
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A stage's failure without its {@link CompletionException} wrappers.
     *
     * @param failure the failure, or null
     * @return the cause thrown, or null
     */
    public static Throwable unwrapped(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * Returns where the answer stands.
     *
     * @return the state
     */
    public synchronized State state() {
        return state;
    }

    /**
     * Starts the handler's answer.
     *
     * @param next {@link State#SENT} or {@link State#STREAMING}
     * @throws IllegalStateException if an answer was already started
     */
    public synchronized void begin(State next) {
        if (next != State.SENT && next != State.STREAMING) {
            throw new IllegalArgumentException("an answer begins sent or streaming, not " + next);
        }
        if (state != State.NONE) {
            throw new IllegalStateException("a response was already started");
        }
        state = next;
    }

    /**
     * Takes the right to answer, for the transport's own answer.
     *
     * @return whether it was taken; false if an answer was already started
     */
    public synchronized boolean claim() {
        if (state != State.NONE) {
            return false;
        }
        state = State.SENT;
        return true;
    }

    /** The client went away while the answer was written. */
    public synchronized void broken() {
        state = State.BROKEN;
    }

    /**
     * The client went away while a stream was written; a stream already ended stays so.
     *
     * @return whether the stream was still being written
     */
    public synchronized boolean brokenIfStreaming() {
        if (state != State.STREAMING) {
            return false;
        }
        state = State.BROKEN;
        return true;
    }

    /**
     * Ends a stream normally.
     *
     * @return whether it was being written (else it had already ended, been cut or broken)
     */
    public synchronized boolean closeIfStreaming() {
        if (state != State.STREAMING) {
            return false;
        }
        state = State.CLOSED;
        return true;
    }

    /**
     * Marks a stream cut on purpose.
     *
     * @return whether it was being written; false if it had ended, been cut or broken already
     */
    public synchronized boolean markAborted() {
        if (state != State.STREAMING) {
            return false;
        }
        state = State.ABORTED;
        return true;
    }

    /**
     * Decides, once the handler is done, what the transport still has to do. An answer not started
     * is claimed here, in the same step, so a late answer from another thread is refused; a stream
     * still being written is marked aborted.
     *
     * @return what to do
     */
    public synchronized Ending finish() {
        switch (state) {
            case NONE:
                state = State.SENT;
                return Ending.INTERNAL_ERROR;
            case SENT:
            case CLOSED:
                return Ending.NOTHING;
            case STREAMING:
                state = State.ABORTED;
                return Ending.ABORT;
            default: // aborted or broken already
                return Ending.ABORT;
        }
    }

    @Override
    public synchronized String toString() {
        return state.name();
    }
}
