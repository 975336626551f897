package io.ironcage.router.core.internal;

import static io.ironcage.router.core.internal.Stages.DONE;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.RetryAfter;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.resilience.CircuitBreakers;
import io.ironcage.router.core.resilience.RetryOptions;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ResponseSink;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attempts of one request: its model, tried up to {@code retries.max-attempts} times, then each
 * of its fallbacks in order. Each attempt is a whole pass through admission, the upstream call and
 * the relay: it reserves its own worst case and settles (or releases) its own cost, and records its
 * own analytics event, so the ledger and the events agree attempt by attempt.
 *
 * <p>An attempt is tried again only while nothing of its answer reached the caller: its answers go
 * to an {@link AttemptSink}, which keeps a retryable failure (a status {@code retry-on} lists, or
 * no connection, or no answer in time) instead of sending it, as long as another attempt may
 * follow. A stream is relayed from its status line on, so once a provider started one it is never
 * retried. When every attempt failed, the caller gets the last failure as the provider sent it (in
 * the caller's format); when every model's breaker was open, a 503.
 *
 * <p>Waits between attempts follow the provider's {@code retry-after-ms} or {@code Retry-After} (up
 * to {@code max-retry-after}; a longer one moves to the next model at once), else exponential
 * backoff with full jitter. A request on a thread that may block waits there; one on an event loop
 * is resumed on a worker by the router's scheduler, holding no thread and no reservation while it
 * waits.
 */
final class Attempts {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyPipeline.class);

    private final Call call;
    private final ResponseSink caller;
    private final ObjectNode body;
    private final List<String> models;
    private final RetryOptions retries;
    private final String path;
    private final Optional<CircuitBreakers> breakers;
    private int modelIndex;
    private int ofModel;
    private int made;
    private Failure last;

    /** A retryable answer kept back from the caller: sent as it is if nothing else works. */
    private record Failure(int status, HeaderMap headers, byte[] body, String model) {}

    private Attempts(Call call, ResponseSink caller, ObjectNode body, List<String> models) {
        this.call = call;
        this.caller = caller;
        this.body = body;
        this.models = models;
        this.path = call.routed.path();
        // the LLM APIs with a model (models is empty otherwise) retry and fall back
        boolean resilient = !models.isEmpty();
        this.retries = resilient ? call.parts.resilience().retries() : RetryOptions.NONE;
        this.breakers = resilient ? call.parts.breakers() : Optional.empty();
    }

    /**
     * Runs the request's attempts; it is routed to its own model already.
     *
     * @param model the model the caller asked for, if any
     */
    static CompletionStage<Void> start(
            Call call, ResponseSink sink, ObjectNode body, Optional<String> model) {
        // retries and fallbacks are for the LLM APIs (chat, messages, responses, embeddings):
        // other paths pass once, as they are
        List<String> models =
                model.isPresent() && call.kind() != ApiKind.OTHER
                        ? call.parts.resilience().candidates(model.get())
                        : List.of();
        Attempts attempts = new Attempts(call, sink, body, models);
        CompletionStage<Void> done;
        try {
            if (attempts.retries.maxAttempts() == 1
                    && models.size() <= 1
                    && attempts.breakers.isEmpty()) {
                // nothing to retry, nothing to fall back to: the plain path, headers aside
                done = attempts.attempt();
            } else {
                done = attempts.tryModel();
            }
        } catch (RuntimeException | Error e) {
            call.ratePermit.release();
            throw e;
        }
        // the request's rate-limit slot, held across its attempts, goes back when it ends
        return done.whenComplete((ok, failed) -> call.ratePermit.release());
    }

    /** The routed model, unless its breaker is open. */
    private CompletionStage<Void> tryModel() {
        ofModel = 0;
        if (!acquire()) {
            LOG.info(
                    "{} {}: circuit breaker open, {}",
                    call.routed.provider().id(),
                    currentModel(),
                    hasFallbackLeft() ? "trying its fallback" : "no fallback left");
            return nextModel();
        }
        return attemptWhenAKeyIsUsable();
    }

    /**
     * An attempt once the provider has a key it has not rate-limited: while every key cools after a
     * 429 (a shared cooldown, see {@link
     * io.ironcage.router.core.spi.ProviderKeySource#coolingFor(ProviderType)}), requests wait for
     * it, up to {@code max-retry-after}, instead of each sending one more request into it; a longer
     * cooldown moves to the next model, or, with none left, lets the provider answer.
     */
    private CompletionStage<Void> attemptWhenAKeyIsUsable() {
        Duration cooling = call.tenant().keys().coolingFor(provider());
        if (cooling.isZero()) {
            return attempt();
        }
        if (cooling.compareTo(retries.maxRetryAfter()) <= 0) {
            LOG.debug("{} keys cool for {} ms: waiting", provider().id(), cooling.toMillis());
            return after(cooling, this::attempt, this::release);
        }
        if (hasFallbackLeft()) {
            release();
            return nextModel();
        }
        return attempt();
    }

    /** One attempt at the routed model; its breaker's permission is held. */
    private CompletionStage<Void> attempt() {
        if (made > 0 && stopping()) {
            // a retry that woke during a stop: not sent, the last failure stands
            release();
            return answerLast();
        }
        ofModel++;
        if (made > 0) {
            call.attempt++;
        }
        made++;
        call.newAttempt();
        // a transport whose threads may block runs every attempt on its thread; otherwise an
        // attempt may resume on an event loop (an earlier one ended there), so it starts as
        // non-blocking and moves to a worker where it must
        call.blocking = call.workers == ProxyHandler.CALLING_THREAD;
        AttemptSink sink = new AttemptSink();
        CompletionStage<Void> done;
        try {
            done = Routing.forward(call, sink, body);
        } catch (RuntimeException | Error e) {
            release();
            throw e;
        }
        return done.handle(
                        (ok, failed) -> {
                            if (failed != null) {
                                release();
                                return CompletableFuture.<Void>failedFuture(failed);
                            }
                            return after(sink);
                        })
                .thenCompose(next -> next);
    }

    /** After an attempt: its breaker told, then the answer stands, or the next attempt. */
    private CompletionStage<Void> after(AttemptSink sink) {
        learn(sink);
        if (sink.kept == null) {
            return DONE;
        }
        last = sink.kept;
        Optional<Duration> asked =
                RetryAfter.of(
                                last.headers().first("retry-after-ms"),
                                last.headers().first("retry-after"),
                                call.parts.clock().millis())
                        .map(RetryAfter::delay);
        if (anotherKeyIsReady() && ofModel < retries.maxAttempts()) {
            // the 429'd key cools; another key of the provider goes at once
            return acquire() ? attemptWhenAKeyIsUsable() : nextModel();
        }
        if (asked.isPresent() && asked.get().compareTo(retries.maxRetryAfter()) > 0) {
            LOG.info(
                    "{} {} asks for {} ms before a retry, longer than retries.max-retry-after",
                    call.routed.provider().id(),
                    currentModel(),
                    asked.get().toMillis());
            return nextModel();
        }
        if (ofModel >= retries.maxAttempts()) {
            return nextModel();
        }
        Duration wait =
                asked.orElseGet(
                        () -> retries.backoff().delay(ofModel, ThreadLocalRandom.current()));
        return after(
                wait,
                () -> {
                    if (!acquire()) {
                        return nextModel(); // opened meanwhile
                    }
                    return attemptWhenAKeyIsUsable();
                },
                () -> {});
    }

    /** The next fallback that can take the request, or the last failure when none is left. */
    private CompletionStage<Void> nextModel() {
        while (++modelIndex < models.size()) {
            String model = models.get(modelIndex);
            ErrorResponse refused = Routing.toModel(call, path, Optional.of(model));
            if (refused == null) {
                call.fallback = true;
                LOG.info(
                        "falling back to {} {} after {} attempt(s)",
                        call.routed.provider().id(),
                        currentModel(),
                        call.attempt);
                return tryModel();
            }
            LOG.info(
                    "fallback {} skipped: it cannot take this request (status {})",
                    model,
                    refused.status());
        }
        return answerLast();
    }

    private CompletionStage<Void> answerLast() {
        if (last != null) {
            caller.send(last.status(), headers(last.headers(), last.model()), last.body());
            return DONE;
        }
        if (stopping()) {
            ErrorResponse stopped = ErrorResponses.unreadable(call.format(), 503, 0);
            caller.send(stopped.status(), stopped.headers(), stopped.body());
            return DONE;
        }
        String asked = models.isEmpty() ? currentModel() : models.get(0);
        ErrorResponse open =
                ErrorResponses.circuitOpen(
                        call.format(),
                        asked,
                        breakers.map(CircuitBreakers::openFor).orElse(Duration.ZERO));
        caller.send(open.status(), headers(open.headers(), asked), open.body());
        return DONE;
    }

    /**
     * Runs {@code next} after {@code wait}, on this thread if it may block, else on a worker. When
     * the wait cannot be had (the router is stopping), {@code abandon} runs and the caller gets the
     * last failure.
     */
    private CompletionStage<Void> after(
            Duration wait, Supplier<CompletionStage<Void>> next, Runnable abandon) {
        if (wait.isZero()) {
            return next.get();
        }
        try {
            if (call.workers == ProxyHandler.CALLING_THREAD) {
                // the transport's own thread, which may block: wait here
                call.parts.delays().schedule(() -> {}, wait.toNanos(), TimeUnit.NANOSECONDS).get();
                return next.get();
            }
            CompletableFuture<Void> waited = new CompletableFuture<>();
            call.parts
                    .delays()
                    .schedule(() -> waited.complete(null), wait.toNanos(), TimeUnit.NANOSECONDS);
            return waited.thenCompose(
                    x -> {
                        try {
                            return CompletableFuture.supplyAsync(next, call.workers)
                                    .thenCompose(stage -> stage);
                        } catch (RejectedExecutionException e) {
                            abandon.run();
                            return answerLast(); // the router is stopping
                        }
                    });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the router is stopping
            abandon.run();
            return answerLast();
        } catch (ExecutionException | RejectedExecutionException e) {
            abandon.run();
            return answerLast();
        }
    }

    /**
     * After a 429: whether the key that got it now cools (the source keeps cooldowns) while another
     * key of the provider is usable, so the retry goes at once, with that key.
     */
    private boolean anotherKeyIsReady() {
        return last.status() == 429
                && call.key != null
                && !call.tenant().keys().coolingFor(call.key).isZero()
                && call.tenant().keys().coolingFor(provider()).isZero();
    }

    /** Asks the routed model's breaker; always yes without breakers. */
    private boolean acquire() {
        return breakers.isEmpty() || breakers.get().tryAcquire(provider(), currentModel());
    }

    /** Gives back the breaker permission of an attempt that ended without an answer. */
    private void release() {
        breakers.ifPresent(b -> b.released(provider(), currentModel()));
    }

    /** Tells the routed model's breaker how the attempt went. */
    private void learn(AttemptSink sink) {
        if (breakers.isEmpty()) {
            return;
        }
        CircuitBreakers b = breakers.get();
        ForwardException.Kind failure = call.forwardFailure;
        int status = call.upstreamError;
        if (!call.sent
                || failure == ForwardException.Kind.CUT
                || status == 429
                || status == 401
                || status == 403) {
            // not called, or an answer that says nothing about the model's health (a rate
            // limit, the router's key)
            b.released(provider(), currentModel());
        } else if (failure != null || status >= 500 || status == 408) {
            b.failed(provider(), currentModel());
        } else {
            b.succeeded(provider(), currentModel());
        }
    }

    /** Whether a fallback after the routed model is left to try. */
    private boolean hasFallbackLeft() {
        return modelIndex + 1 < models.size();
    }

    private ProviderType provider() {
        return call.routed.provider();
    }

    private String currentModel() {
        return call.routed.model().orElse("");
    }

    /** The answer's headers, saying which model answered and after how many attempts. */
    private HeaderMap headers(HeaderMap headers, String model) {
        if (model.isEmpty()) {
            return headers;
        }
        return headers.toBuilder()
                .set("x-iron-router-model", model)
                .set("x-iron-router-attempts", String.valueOf(made))
                .build();
    }

    /** Whether the attempt's answer is one to try again, and another attempt may follow. */
    private boolean keepsBack(int status) {
        boolean retryable;
        if (call.forwardFailure != null) {
            retryable =
                    (call.forwardFailure == ForwardException.Kind.CONNECT
                                    && retries.retryOnConnect())
                            || (call.forwardFailure == ForwardException.Kind.TIMEOUT
                                    && retries.retryOnTimeout());
        } else {
            retryable = call.upstreamError == status && retries.retries(status);
        }
        return retryable && !stopping() && (ofModel < retries.maxAttempts() || hasFallbackLeft());
    }

    /** Whether the router is stopping: nothing is tried again then. */
    private boolean stopping() {
        return call.parts.upstream() instanceof ProviderCalls
                && ((ProviderCalls) call.parts.upstream()).isStopping();
    }

    /**
     * The sink of one attempt: passes its answer to the caller, the two headers added, unless it is
     * a failure another attempt may mend, which it keeps.
     */
    private final class AttemptSink implements ResponseSink {
        private Failure kept;

        @Override
        public boolean send(int status, HeaderMap headers, byte[] answer) {
            if (keepsBack(status)) {
                kept = new Failure(status, headers, answer, currentModel());
                return true;
            }
            return caller.send(status, headers(headers, currentModel()), answer);
        }

        @Override
        public ResponseStream stream(int status, HeaderMap headers) {
            return caller.stream(status, headers(headers, currentModel()));
        }
    }
}
