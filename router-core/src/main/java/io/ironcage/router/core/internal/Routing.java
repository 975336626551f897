package io.ironcage.router.core.internal;

import static io.ironcage.router.core.internal.Stages.DONE;
import static io.ironcage.router.core.internal.Stages.reply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderRouting;
import io.ironcage.router.core.domain.ProviderRouting.NoKeyForProvider;
import io.ironcage.router.core.domain.ProviderRouting.Routed;
import io.ironcage.router.core.domain.ProviderRouting.RoutingDecision;
import io.ironcage.router.core.provider.RequestShapes;
import io.ironcage.router.core.spi.ResponseSink;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The route stage: reads the body (400 for JSON that is not an object, a billing field of the wrong
 * type, a metered call without a model), picks the provider and its key, and decides whether the
 * request is translated to the provider's API (400 when that API has no counterpart).
 */
final class Routing {
    private Routing() {}

    static CompletionStage<Void> route(Call call, ResponseSink sink) {
        ObjectNode body = null;
        if (call.request.bodyLength() > 0) {
            JsonNode parsed;
            try {
                parsed = Stages.readTree(call.request.body());
            } catch (IOException e) {
                reply(sink, ErrorResponses.invalidJson(call.format()));
                return DONE;
            }
            if (!(parsed instanceof ObjectNode)) {
                reply(
                        sink,
                        ErrorResponses.badRequest(
                                call.format(), "The request body must be a JSON object.", null));
                return DONE;
            }
            body = (ObjectNode) parsed;
        }
        if (call.endpoint().metered() && body != null) {
            Optional<RequestShapes.InvalidField> invalid = RequestShapes.invalidBillingField(body);
            if (invalid.isPresent()) {
                reply(
                        sink,
                        ErrorResponses.badRequest(
                                call.format(), invalid.get().message(), invalid.get().field()));
                return DONE;
            }
        }
        Optional<String> model = body == null ? Optional.empty() : RequestShapes.model(body);
        if (call.endpoint().metered() && model.isEmpty()) {
            reply(sink, ErrorResponses.missingModel(call.format()));
            return DONE;
        }
        call.stream = body != null && body.path("stream").asBoolean(false);
        ErrorResponse refused = Routing.toModel(call, call.target().path(), model);
        if (refused != null) {
            reply(sink, refused);
            return DONE;
        }
        return Attempts.start(call, sink, body, model);
    }

    /**
     * Routes the request to a model: the provider, its binding and, when the caller speaks the
     * other provider's API, the translation. Returns the refusal (no key for the provider, an API
     * without a counterpart), or null when routed.
     *
     * @param path the path to route by (a fallback routes by the first attempt's path, its provider
     *     prefix removed, so that its own model decides)
     */
    static ErrorResponse toModel(Call call, String path, Optional<String> model) {
        RoutingDecision decision =
                ProviderRouting.route(
                        new ProviderRouting.RouteRequest(
                                path,
                                model,
                                call.request.headers().contains("anthropic-version"),
                                call.tenant().keys().providers()));
        if (decision instanceof NoKeyForProvider) {
            return ErrorResponses.noKeyForProvider(call.format(), (NoKeyForProvider) decision);
        }
        call.routed = (Routed) decision;
        call.api = call.parts.apis().get(call.routed.provider());
        call.translation = null;
        // a metered API of the other provider is translated, or refused without a counterpart;
        // anything else under it (count_tokens, batches, stored objects) goes as it is, with the
        // routed provider's key, to the routed provider (an OpenAI-compatible gateway may serve it)
        if (call.kind() != ApiKind.OTHER
                && call.apiPath().api().isPresent()
                && call.apiPath().api().get() != call.routed.provider()) {
            call.translation = call.api.translationFrom(call.kind()).orElse(null);
            if (call.translation == null) {
                return ErrorResponses.badRequest(
                        call.format(),
                        "Model '"
                                + call.routed.model().orElse("")
                                + "' belongs to "
                                + call.routed.provider().id()
                                + ", but this request uses the other provider's API ("
                                + call.target().path()
                                + "). This API has no counterpart at "
                                + call.routed.provider().id()
                                + ": use a model of the API you call.",
                        "model");
            }
        }
        return null;
    }

    /**
     * Admits and forwards one attempt at the routed model: on this thread when the key is at hand
     * (a large body's tokens counted on a worker), else on a worker that may wait for the key.
     */
    static CompletionStage<Void> forward(Call call, ResponseSink sink, ObjectNode body) {
        Optional<String> model = call.routed.model();
        if (!call.blocking) {
            Optional<ProviderKey> ready = call.tenant().keys().keyIfReady(call.routed.provider());
            if (ready.isEmpty()) {
                return call.offload(() -> Admission.admitAndForward(call, sink, body, model, null));
            }
            if (Admission.countsOnWorker(call)) {
                // counting a large body is work for a worker, not for the loop; the upstream
                // call after it still goes without blocking, so no worker waits for the answer
                ProviderKey key = ready.get();
                return call.offloadWork(
                        () -> Admission.admitAndForward(call, sink, body, model, key));
            }
            return Admission.admitAndForward(call, sink, body, model, ready.get());
        }
        return Admission.admitAndForward(call, sink, body, model, null);
    }
}
