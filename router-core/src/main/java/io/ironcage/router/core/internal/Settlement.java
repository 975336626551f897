package io.ironcage.router.core.internal;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.EventPayload;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.domain.budget.Reservation;
import io.ironcage.router.core.domain.pricing.UsageCost;
import io.ironcage.router.core.spi.HeaderMap;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settle stage: the bill of an answer ({@link
 * io.ironcage.router.core.domain.pricing.UsageCost}) committed to the lease and the ledger, and the
 * analytics event of every metered answer.
 */
final class Settlement {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyPipeline.class);

    private Settlement() {}

    /**
     * Commits the real cost: from the provider's usage, else (a stream cut short, a body without
     * usage) from what was seen, bounded by the worst case of the input.
     */
    static void settle(
            Call call,
            Reservation held,
            Optional<TokenUsage> usage,
            Optional<TokenUsage> inputSeen,
            long outputBytesSeen,
            int status,
            HeaderMap upstreamHeaders,
            String failure) {
        LlmModelMeta meta = LlmModelMeta.of(call.routed.provider(), call.routed.model().orElse(""));
        RequestMeta requestMeta = Settlement.requestMeta(call, status, upstreamHeaders);
        if (call.price.isEmpty()) {
            // rate limits: an unpriced model reserved no tokens; its usage counts now
            call.ratePermit.settle(usage.isPresent() ? tokens(usage.get()) : 0);
            // free and unmetered calls are not LLM requests to report
            if (call.endpoint().metered()
                    && call.routed.model().isPresent()
                    && status >= 200
                    && status <= 299) {
                Settlement.record(
                        call,
                        LlmRequestCompleted.unpriced(
                                meta, usage.orElse(TokenUsage.NONE), requestMeta));
            }
            return;
        }
        UsageCost bill =
                UsageCost.of(
                        call.price.get(),
                        call.shape,
                        usage,
                        inputSeen,
                        outputBytesSeen,
                        call.searchesReported);
        TokenUsage billed = bill.billed();
        Money cost = bill.cost();
        // rate limits: the worst case taken at admission corrected to the tokens billed
        call.ratePermit.settle(tokens(billed));
        if (usage.isEmpty()) {
            LOG.warn(
                    "no usage reported for a {} request to {}; billing from what was seen",
                    call.routed.model().orElse(""),
                    call.routed.provider().id());
        }
        if (bill.exceeds(held.amount())) {
            // the provider reported more than the worst case allows: the money was spent, so
            // it is charged (as the reference does), but the budget may now be overspent
            LOG.warn(
                    "a {} request cost {} µ$, more than the {} µ$ reserved for it: {}",
                    call.routed.model().orElse(""),
                    cost.micros(),
                    held.amount().micros(),
                    billed);
        }
        // the lease first: a stopping tenant returns its lease once nothing is reserved, so
        // the spend must be on the lease before the reservation is released
        call.tenant().settled(call.routed.provider(), call.routed.model().orElse(""), billed, cost);
        held.commit(cost);
        if (status >= 200 && status <= 299) {
            Settlement.record(call, LlmRequestCompleted.priced(meta, billed, cost, requestMeta));
        } else {
            Settlement.record(
                    call,
                    LlmRequestFailed.billed(
                            meta, String.valueOf(status), failure, requestMeta, billed, cost));
        }
    }

    /**
     * The tokens a usage counts against tokens-per-minute: input, cache reads and writes, output.
     */
    static long tokens(TokenUsage usage) {
        return usage.inputTokens()
                + usage.cacheReadTokens()
                + usage.cacheWriteTokens()
                + usage.outputTokens();
    }

    static void recordFailure(
            Call call,
            int status,
            String code,
            Optional<String> message,
            HeaderMap upstreamHeaders) {
        if (!call.endpoint().metered() || call.routed.model().isEmpty()) {
            return;
        }
        LlmModelMeta meta = LlmModelMeta.of(call.routed.provider(), call.routed.model().get());
        Settlement.record(
                call,
                new LlmRequestFailed(
                        meta,
                        Optional.of(code),
                        message,
                        Settlement.requestMeta(call, status, upstreamHeaders)));
    }

    static RequestMeta requestMeta(Call call, int status, HeaderMap upstreamHeaders) {
        Optional<String> requestId =
                upstreamHeaders
                        .first("x-request-id")
                        .or(() -> upstreamHeaders.first("request-id"))
                        .filter(id -> !id.isBlank());
        long latency = Math.max(0, call.parts.clock().millis() - call.attemptStartedMs);
        OptionalLong ttfb =
                call.firstByteMs.isPresent() && call.firstByteMs.getAsLong() <= latency
                        ? call.firstByteMs
                        : OptionalLong.empty();
        return new RequestMeta(
                call.requestId,
                call.attempt,
                requestId,
                latency,
                ttfb,
                call.stream,
                call.translation != null,
                status);
    }

    static void record(Call call, EventPayload payload) {
        long now = call.parts.clock().millis();
        try {
            AnalyticsEvent event = AnalyticsEvent.of(AnalyticsEvent.newEventId(now), now, payload);
            if (call.tenant().agentId().isPresent()) {
                event = event.withAgentId(call.tenant().agentId().get());
            }
            if (call.blocking) {
                call.parts.events().record(event);
            } else {
                // on an event loop: a sink that would wait for room waits on a worker
                call.parts.events().recordWithoutWaiting(event).ifPresent(call::onWorker);
            }
        } catch (RuntimeException e) {
            LOG.warn("an analytics event could not be recorded: {}", e.getClass().getSimpleName());
        }
    }
}
