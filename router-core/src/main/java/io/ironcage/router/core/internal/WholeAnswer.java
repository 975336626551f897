package io.ironcage.router.core.internal;

import static io.ironcage.router.core.internal.Stages.errorMessage;
import static io.ironcage.router.core.internal.Stages.readJson;
import static io.ironcage.router.core.internal.Stages.release;
import static io.ironcage.router.core.internal.Stages.reply;
import static io.ironcage.router.core.internal.Stages.rethrown;
import static io.ironcage.router.core.internal.Stages.unwrapped;
import static io.ironcage.router.core.internal.Stages.writeJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.budget.Reservation;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.errors.TranslationException;
import io.ironcage.router.core.provider.UsageExtraction;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ResponseSink;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay of a whole answer: settled before the caller has it, translated back when the caller
 * speaks the other API, an upstream error kept with its status and headers.
 */
final class WholeAnswer {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyPipeline.class);

    private WholeAnswer() {}

    static CompletionStage<Void> relayWhole(
            Call call, ResponseSink sink, HttpTransport.Request upstreamRequest, Reservation held) {
        return call.send(upstreamRequest)
                .handle(
                        (response, failure) -> {
                            if (failure == null && response.status() == 401) {
                                // the retry may fetch a key: it and the answer run on a
                                // worker, so nothing after it runs on the loop as "blocking"
                                return call.offload(
                                        () ->
                                                UpstreamCall.retriedOn401(
                                                                call, upstreamRequest, response)
                                                        .handle(
                                                                (again, failed) ->
                                                                        WholeAnswer.answered(
                                                                                call, sink, again,
                                                                                failed, held)));
                            }
                            return CompletableFuture.completedFuture(
                                    WholeAnswer.answered(call, sink, response, failure, held));
                        })
                .thenCompose(answered -> answered);
    }

    /** Settles and answers the upstream's answer, or its failure. */
    static Void answered(
            Call call,
            ResponseSink sink,
            HttpTransport.Response response,
            Throwable failure,
            Reservation held) {
        if (failure == null) {
            WholeAnswer.answerWhole(call, sink, response, held);
            return null;
        }
        Throwable cause = unwrapped(failure);
        if (!(cause instanceof ForwardException)) {
            throw rethrown(cause);
        }
        UpstreamCall.failed(call, sink, (ForwardException) cause, held);
        return null;
    }

    /** Settles, records and answers a whole upstream response. */
    static void answerWhole(
            Call call, ResponseSink sink, HttpTransport.Response response, Reservation held) {
        int status = response.status();
        byte[] body = call.scrubber.scrub(response.body());
        if (status < 200 || status > 299) {
            release(held); // nothing to bill: released before the caller has the answer
        }
        if (status == 401 || status == 403) {
            // recorded before the caller has the answer, as a success is settled first
            Settlement.recordFailure(
                    call, status, "upstream_auth_failed", Optional.empty(), response.headers());
            reply(sink, ErrorResponses.upstreamAuthFailed(call.format(), status));
            return;
        }
        if (status >= 200 && status <= 299) {
            // settled before the caller has the answer, so spend is current when a call returns
            // pass-through reads only the usage; a translated answer is parsed whole anyway
            boolean searched = call.shape != null && call.shape.serverSide().webSearch();
            Optional<JsonNode> json =
                    call.translation != null || searched ? readJson(body) : Optional.empty();
            if (searched) {
                call.searchesReported = UsageExtraction.webSearchRequests(json.orElse(null));
            }
            Optional<TokenUsage> usage =
                    call.translation != null
                            ? json.flatMap(j -> call.api.usage(UpstreamCall.upstreamKind(call), j))
                            : call.api.usage(UpstreamCall.upstreamKind(call), body);
            // without usage, every byte of the answer may be an output token (never more
            // than the reservation's output bound)
            Settlement.settle(
                    call,
                    held,
                    usage,
                    Optional.empty(),
                    body.length,
                    status,
                    response.headers(),
                    "");
            if (call.translation != null) {
                try {
                    body = WholeAnswer.translateResponse(call, json);
                } catch (TranslationException e) {
                    LOG.warn(
                            "a {} answer could not be translated back",
                            call.routed.provider().id());
                    reply(
                            sink,
                            ErrorResponses.upstreamUntranslatable(
                                    call.format(), call.routed.provider().id()));
                    return;
                }
            }
        } else {
            call.upstreamError = status;
            Settlement.recordFailure(
                    call, status, String.valueOf(status), errorMessage(body), response.headers());
            if (call.translation != null) {
                reply(sink, WholeAnswer.translatedError(call, status, response.headers(), body));
                return;
            }
        }
        HeaderMap headers = call.scrubber.scrub(ForwardedHeaders.downstream(response.headers()));
        if (call.translation != null) {
            headers = headers.toBuilder().set("content-type", "application/json").build();
        }
        if (!sink.send(status, headers, body)) {
            LOG.debug("client went away before the answer was sent: {}", call.request);
        }
    }

    /**
     * An upstream error in the caller's format, keeping the upstream's status and headers
     * (retry-after and rate-limit headers help the caller's SDK).
     */
    static ErrorResponse translatedError(Call call, int status, HeaderMap headers, byte[] body) {
        JsonNode json = readJson(body).orElse(null);
        ObjectNode out = call.translation.error(json, status);
        return new ErrorResponse(
                status,
                call.scrubber.scrub(ForwardedHeaders.downstream(headers)).toBuilder()
                        .set("content-type", "application/json")
                        .build(),
                writeJson(out));
    }

    /** The upstream's 2xx answer in the caller's format. */
    static byte[] translateResponse(Call call, Optional<JsonNode> parsed) {
        Optional<JsonNode> json = parsed.filter(JsonNode::isObject);
        if (json.isEmpty()) {
            throw new TranslationException("", "The provider's answer is not a JSON object.");
        }
        ObjectNode answer = (ObjectNode) json.get();
        return writeJson(call.translation.response(answer, call.parts.clock()));
    }
}
