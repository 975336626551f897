package io.ironcage.router.core.internal;

import static io.ironcage.router.core.internal.Stages.DONE;
import static io.ironcage.router.core.internal.Stages.release;
import static io.ironcage.router.core.internal.Stages.reply;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.agent.RateLimited;
import io.ironcage.router.core.agent.RatePermit;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderRouting.NoKeyForProvider;
import io.ironcage.router.core.domain.budget.BudgetPolicy;
import io.ironcage.router.core.domain.budget.Reservation;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.RequestShape;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.provider.RequestShapes;
import io.ironcage.router.core.spi.ResponseSink;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The admit stage: the tenant admits the request, its key is at hand, and the budget policy
 * reserves the worst case, answers the refusal in the caller's format, or lets an unpriced model go
 * unreserved. Every reservation is released when the request ends, whatever path it took.
 */
final class Admission {
    private Admission() {}

    /** From here the key is at hand ({@code ready}), or this thread may wait for it. */
    static CompletionStage<Void> admitAndForward(
            Call call,
            ResponseSink sink,
            ObjectNode body,
            Optional<String> model,
            ProviderKey ready) {
        try {
            call.tenant().admit();
            if (call.tenant().isStopped()) {
                // stopped since authentication: its lease is being returned
                reply(sink, ErrorResponses.unauthorized(call.format()));
                return DONE;
            }
            call.key =
                    ready != null
                            ? ready
                            : call.tenant().keys().key(call.routed.provider()).orElse(null);
            if (call.key != null) {
                call.scrubber.add(call.key.secret());
            }
        } catch (ControlPlaneException e) {
            reply(sink, ErrorResponses.controlPlane(call.format(), e));
            return DONE;
        }
        if (call.key == null) {
            reply(
                    sink,
                    ErrorResponses.noKeyForProvider(
                            call.format(), new NoKeyForProvider(call.routed.provider())));
            return DONE;
        }
        // --- rate limits (rate-limits:): a concurrency slot and a request permit, before
        // anything is reserved, once per caller request (its retries and fallbacks share them;
        // Attempts releases them when the request ends); tokens per attempt, below ---
        RatePermit permit = call.ratePermit;
        if (permit == RatePermit.NONE) {
            permit = call.tenant().rateLimiter().acquire();
            if (permit.refusal().isPresent()) {
                reply(sink, ErrorResponses.rateLimited(call.format(), permit.refusal().get()));
                return DONE;
            }
            call.ratePermit = permit;
        }
        RatePermit held = permit;
        // --- end rate limits ---
        Reservation reservation = null;
        if (call.endpoint().metered()) {
            // only a metered endpoint is priced: a free one costs nothing, an unmetered one
            // cannot be metered (and was refused under a budget unless allowed)
            BudgetPolicy.Admission admission =
                    call.parts
                            .policy()
                            .admit(
                                    call.routed.model().orElse(""),
                                    call.routed
                                            .model()
                                            .flatMap(call::pricing)
                                            .map(
                                                    p ->
                                                            call.api.priceFor(
                                                                    p,
                                                                    call.request.headers()::all)),
                                    () -> shape(call, body),
                                    call.tenant().ledger());
            if (admission instanceof BudgetPolicy.Refused) {
                permit.release(); // rate limits
                reply(sink, Admission.refusal(call, ((BudgetPolicy.Refused) admission).reason()));
                return DONE;
            }
            if (admission instanceof BudgetPolicy.Reserved) {
                BudgetPolicy.Reserved reserved = (BudgetPolicy.Reserved) admission;
                call.price = Optional.of(reserved.price());
                call.shape = reserved.shape();
                reservation = reserved.reservation();
                if (call.tenant().isStopped()) {
                    // stopped since authentication: its lease is being returned (the stop
                    // waits only for reservations it can see), so nothing more may be spent
                    reservation.cancel();
                    permit.release(); // rate limits
                    reply(sink, ErrorResponses.unauthorized(call.format()));
                    return DONE;
                }
            }
            // --- rate limits: tokens per minute on the worst case (0 for an unpriced model,
            // counted when it settles); a refusal released the permit, the reservation goes too
            if (permit.countsTokens()) {
                Optional<RateLimited> refused =
                        permit.reserveTokens(
                                reservation == null
                                        ? 0
                                        : worstCaseTokens(call.price.get(), call.shape));
                if (refused.isPresent()) {
                    if (reservation != null) {
                        reservation.cancel();
                    }
                    reply(sink, ErrorResponses.rateLimited(call.format(), refused.get()));
                    return DONE;
                }
            }
            // --- end rate limits ---
        }
        Reservation reserved = reservation;
        CompletionStage<Void> forwarded;
        try {
            forwarded = UpstreamCall.forward(call, sink, body, reserved);
        } catch (RuntimeException | Error e) {
            release(reserved);
            held.release(); // rate limits
            throw e;
        }
        // a path that neither committed nor cancelled it releases it when the attempt ends;
        // the attempt's tokens go back then too if nothing settled them (the slot stays held
        // for a retry until the request ends)
        return forwarded.whenComplete(
                (done, failed) -> {
                    release(reserved);
                    held.endAttempt();
                });
    }

    /**
     * A request's worst case of tokens for the tokens-per-minute limit: its input bound plus its
     * output limit, as reserved ({@link ModelPricing#worstCaseInputTokens}, {@link
     * ModelPricing#worstCaseOutputTokens}); saturates rather than overflows.
     */
    static long worstCaseTokens(ModelPricing price, RequestShape shape) {
        long input = price.worstCaseInputTokens(shape);
        long output = price.worstCaseOutputTokens(shape);
        long sum = input + output;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /**
     * Bodies above this size are priced on a worker, not on an event loop: counting their tokens
     * costs tens of microseconds per KB (BENCHMARKS.md "Token counting (JTokkit)").
     */
    static final long COUNT_ON_LOOP_MAX_BYTES = 16 * 1024;

    /** Whether pricing this request counts enough tokens that a loop thread should not. */
    static boolean countsOnWorker(Call call) {
        return call.endpoint().metered()
                && call.translation == null
                && call.request.bodyLength() > COUNT_ON_LOOP_MAX_BYTES;
    }

    /**
     * The request's pricing facts; its text input counted with the model's tokenizer when the
     * provider's binding has one and the body goes as it is (a translated body is bounded by the
     * caller's bytes).
     */
    static RequestShape shape(Call call, ObjectNode body) {
        RequestShape shape = RequestShapes.of(body, call.request.bodyLength());
        if (call.translation != null || call.routed.model().isEmpty()) {
            return shape;
        }
        return shape.withCountedInputTokens(
                call.api.inputTokenBound(call.kind(), call.routed.model().get(), body));
    }

    /** The answer to a refusal of the budget policy, in the caller's format. */
    static ErrorResponse refusal(Call call, BudgetPolicy.Refusal reason) {
        if (reason instanceof BudgetPolicy.OverBudget) {
            return ErrorResponses.budget(
                    call.format(), ((BudgetPolicy.OverBudget) reason).refusal());
        }
        if (reason instanceof BudgetPolicy.Unbounded) {
            BudgetPolicy.Unbounded unbounded = (BudgetPolicy.Unbounded) reason;
            return ErrorResponses.badRequest(call.format(), unbounded.message(), unbounded.field());
        }
        if (reason instanceof BudgetPolicy.Unmetered) {
            String field = ((BudgetPolicy.Unmetered) reason).field();
            return ErrorResponses.badRequest(
                    call.format(),
                    "'"
                            + field
                            + "' makes the provider bill work the router cannot meter (a"
                            + " server tool whose fees the price table does not list, a stored"
                            + " prompt that may turn such tools on, a background run, or a"
                            + " service tier, speed or inference region the price table has no"
                            + " prices for), so"
                            + " its cost would escape the budget; it is refused while a budget"
                            + " is in force. Set budget.unmetered-endpoints: allow in"
                            + " router.yaml to forward such requests, that work not charged"
                            + " to the budget.",
                    field);
        }
        if (reason instanceof BudgetPolicy.UnpricedUnderLimit) {
            return ErrorResponses.unpricedModel(
                    call.format(), ((BudgetPolicy.UnpricedUnderLimit) reason).model());
        }
        return ErrorResponses.badRequest(
                call.format(),
                "The request's limits (max_tokens, n, max_uses) are too large"
                        + " to price: its worst case overflows.",
                null);
    }
}
