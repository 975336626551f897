package io.ironcage.router.core.internal;

import static io.ironcage.router.core.internal.Stages.DONE;
import static io.ironcage.router.core.internal.Stages.reply;
import static io.ironcage.router.core.internal.Stages.writeJson;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.RetryAfter;
import io.ironcage.router.core.domain.budget.Reservation;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.errors.ProxyException;
import io.ironcage.router.core.errors.TranslationException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ResponseSink;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream stage: the request as the provider gets it (model rewritten, translated, a stream
 * asked for its usage), the provider's key in its headers, sent once more with a fresh key after a
 * 401; and the 502/504 answer when the provider cannot be reached.
 */
final class UpstreamCall {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyPipeline.class);

    // --- key pools (h9-key-pools): a 429 cools the key down ---

    /**
     * How long a key cools down after a 429 that named no wait (neither {@code retry-after-ms} nor
     * {@code Retry-After}).
     */
    static final Duration DEFAULT_429_COOLDOWN = Duration.ofSeconds(1);

    private UpstreamCall() {}

    /**
     * After the provider's answer: a 429 cools the key down in its source for the provider's {@code
     * retry-after-ms} or {@code Retry-After} (else {@link #DEFAULT_429_COOLDOWN}), so that a pool
     * hands out its other keys meanwhile. Any other status does nothing.
     */
    static void coolDownOn429(Call call, int status, HeaderMap headers) {
        if (status != 429 || call.key == null) {
            return;
        }
        Duration wait =
                RetryAfter.of(
                                headers.first("retry-after-ms"),
                                headers.first("retry-after"),
                                call.parts.clock().millis())
                        .map(RetryAfter::delay)
                        .orElse(DEFAULT_429_COOLDOWN);
        call.tenant().keys().coolDown(call.key, wait);
    }

    // --- end key pools ---

    static CompletionStage<Void> forward(
            Call call, ResponseSink sink, ObjectNode body, Reservation reservation) {
        byte[] upstreamBody = call.request.body();
        String path = call.routed.path();
        boolean dropUsageChunk = false;
        if (body != null) {
            ObjectNode rewritten = null;
            if (call.routed.modelRewritten() || call.fallback) {
                rewritten = body.deepCopy();
                rewritten.put("model", call.routed.model().orElseThrow());
            }
            if (call.translation != null) {
                try {
                    rewritten =
                            call.translation.request(
                                    rewritten != null ? rewritten : body,
                                    model ->
                                            call.pricing(model)
                                                    .map(ModelPricing::effectiveMaxOutputTokens)
                                                    .orElse(Stages.DEFAULT_TRANSLATED_MAX_TOKENS));
                } catch (TranslationException e) {
                    reply(
                            sink,
                            ErrorResponses.badRequest(call.format(), e.getMessage(), e.field()));
                    return DONE;
                }
                path = call.translation.upstreamPath();
            }
            // a translated stream needs no rewrite here: the translation to OpenAI asks for the
            // usage chunk itself, and the one to Anthropic (which always reports usage) drops
            // stream_options
            if (call.stream && call.translation == null) {
                Optional<ObjectNode> withUsage =
                        call.api.withStreamUsage(call.kind(), rewritten != null ? rewritten : body);
                if (withUsage.isPresent()) {
                    rewritten = withUsage.get();
                    dropUsageChunk = true;
                }
            }
            if (rewritten != null) {
                upstreamBody = writeJson(rewritten);
            }
        }
        call.upstreamPath = path;
        call.sent = true;
        HttpTransport.Request upstreamRequest =
                new HttpTransport.Request(
                        call.request.method(),
                        UpstreamCall.upstreamUri(call, path),
                        ForwardedHeaders.upstream(
                                call.request.headers(), call.key, upstreamBody.length > 0),
                        upstreamBody,
                        call.parts.upstreamTimeout());
        if (call.stream) {
            boolean dropUsage = dropUsageChunk;
            return call.offload(
                    () -> {
                        StreamRelay.relayStream(
                                call,
                                sink,
                                upstreamRequest,
                                reservation,
                                dropUsage,
                                call.translation != null
                                        ? call.translation.stream(
                                                call.routed.model().orElse(""),
                                                body,
                                                call.parts.clock())
                                        : null);
                        return DONE;
                    });
        }
        return WholeAnswer.relayWhole(call, sink, upstreamRequest, reservation);
    }

    /** The provider's API kind: what the upstream speaks, translated or not. */
    static ApiKind upstreamKind(Call call) {
        return call.translation == null ? call.kind() : call.translation.upstreamKind();
    }

    static URI upstreamUri(Call call, String path) {
        return upstreamUri(call.parts, call.key, path, call.target().query());
    }

    /** The URI of a request to the key's provider: its base URL, the path and the query. */
    static URI upstreamUri(PipelineParts parts, ProviderKey key, String path, String query) {
        String base = key.effectiveBaseUrl().toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String text = base + path + (query.isEmpty() ? "" : "?" + query);
        return parts.uri(text);
    }

    /** Opens the stream; after a 401, once more with a fresh key if the source has one. */
    static HttpTransport.StreamingResponse openWithFreshKeyOn401(
            Call call, HttpTransport.Request upstreamRequest) {
        HttpTransport.StreamingResponse response = call.parts.upstream().open(upstreamRequest);
        if (response.status() != 401) {
            return response;
        }
        Optional<HttpTransport.Request> again = UpstreamCall.withFreshKey(call, upstreamRequest);
        if (again.isEmpty()) {
            return response;
        }
        response.close();
        return call.parts.upstream().open(again.get());
    }

    /**
     * After the provider answered 401 to the key: asks the key source for a fresh one (the control
     * plane refetches once) and returns the request again with it, or empty when the source has no
     * other key (a fixed key) or cannot fetch one; then the 401 stands.
     */
    static Optional<HttpTransport.Request> withFreshKey(
            Call call, HttpTransport.Request upstreamRequest) {
        ProviderKey rejected = call.key;
        ProviderKey fresh;
        try {
            call.tenant().keys().invalidate(rejected);
            fresh = call.tenant().keys().key(call.routed.provider()).orElse(null);
        } catch (ControlPlaneException e) {
            LOG.warn("no fresh provider key after a 401: {}", e.getMessage());
            return Optional.empty();
        }
        if (fresh == null || fresh.equals(rejected)) {
            return Optional.empty();
        }
        call.key = fresh;
        call.scrubber.add(fresh.secret());
        LOG.info(
                "retrying a {} request once with a fresh provider key",
                call.routed.provider().id());
        return Optional.of(
                new HttpTransport.Request(
                        upstreamRequest.method(),
                        UpstreamCall.upstreamUri(call, call.upstreamPath),
                        ForwardedHeaders.upstream(
                                call.request.headers(),
                                call.key,
                                upstreamRequest.body().length > 0),
                        upstreamRequest.body(),
                        upstreamRequest.timeout()));
    }

    /**
     * After a 401, on a thread that may block: the answer to the same request sent once more with a
     * fresh key, if the key source has one; else the 401 itself.
     */
    static CompletionStage<HttpTransport.Response> retriedOn401(
            Call call, HttpTransport.Request upstreamRequest, HttpTransport.Response response) {
        Optional<HttpTransport.Request> again = UpstreamCall.withFreshKey(call, upstreamRequest);
        return again.isPresent()
                ? call.send(again.get())
                : CompletableFuture.completedFuture(response);
    }

    /**
     * Settles and answers a call that got no answer. No connection, or a connection that broke,
     * releases it at 0 µ$. When the provider had the request and no answer came, because it did not
     * answer in time or the router cut the call at a stop, it is billed from what was seen: nothing
     * of the answer, so its input bound, as a stream cut before its first event is; the provider
     * may well bill it, and a retried timeout would otherwise escape the budget.
     */
    static void failed(Call call, ResponseSink sink, ForwardException e, Reservation held) {
        call.forwardFailure = e.kind();
        if ((e.kind() != ForwardException.Kind.CUT && e.kind() != ForwardException.Kind.TIMEOUT)
                || call.price.isEmpty()) {
            // nothing the provider may bill, or nothing to price it with: a failure event only
            Stages.release(held); // released before the caller has the answer, like a settlement
            UpstreamCall.upstreamFailed(call, sink, e);
            return;
        }
        boolean cut = e.kind() == ForwardException.Kind.CUT;
        String host = call.key.effectiveBaseUrl().getHost();
        LOG.warn(
                "{} upstream {} {}: billing its input",
                call.routed.provider().id(),
                host,
                cut ? "was cut when the router stopped" : "did not answer in time");
        Settlement.settle(
                call,
                held,
                Optional.empty(),
                Optional.empty(),
                0,
                cut ? 503 : 504,
                HeaderMap.empty(),
                cut
                        ? "The router stopped before the provider answered; billed from what was"
                                + " seen."
                        : "The provider did not answer in time; its input is billed, as the"
                                + " provider had the request.");
        reply(
                sink,
                cut
                        ? ErrorResponses.unreadable(call.format(), 503, 0)
                        : ErrorResponses.upstreamTimeout(call.format(), host));
    }

    static void upstreamFailed(Call call, ResponseSink sink, ForwardException e) {
        String host = call.key.effectiveBaseUrl().getHost();
        boolean timeout = e.kind() == ForwardException.Kind.TIMEOUT;
        LOG.warn("{} upstream {} failed: {}", call.routed.provider().id(), host, e.kind());
        Settlement.recordFailure(
                call,
                timeout ? 504 : 502,
                timeout ? "upstream_timeout" : "upstream_unreachable",
                Optional.empty(),
                HeaderMap.empty());
        ErrorResponse answer;
        if (e instanceof ProxyException) {
            ProxyException proxy = (ProxyException) e;
            answer = ErrorResponses.proxyFailed(call.format(), host, proxy.proxy(), proxy.status());
        } else if (timeout) {
            answer = ErrorResponses.upstreamTimeout(call.format(), host);
        } else {
            answer = ErrorResponses.upstreamUnreachable(call.format(), host);
        }
        reply(sink, answer);
    }
}
