package io.ironcage.router.core.internal;

import static io.ironcage.router.core.internal.Stages.DONE;
import static io.ironcage.router.core.internal.Stages.reply;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.core.domain.ModelEntry;
import io.ironcage.router.core.domain.ModelsPath;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderRouting;
import io.ironcage.router.core.domain.ProviderRouting.NoKeyForProvider;
import io.ironcage.router.core.domain.ProviderRouting.Routed;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.provider.ModelCatalog;
import io.ironcage.router.core.provider.ModelPage;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ResponseSink;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models stage: {@code GET /v1/models} and {@code GET /v1/models/{id}} without a provider
 * prefix ({@link ModelsPath}), answered by the router in the caller's format instead of forwarded
 * to one provider. Free: nothing is reserved or billed and no usage event is recorded (like every
 * other free request); the tenant counts the answer.
 *
 * <p><b>The list</b> asks every provider the tenant has a key for, concurrently, each with only its
 * own key and the headers forwarding sends ({@link ForwardedHeaders}); Anthropic's pages are
 * followed up to {@value #MAX_PAGES} pages. A provider answering 401 is asked once more with a
 * fresh key when the key source has one, as forwarding does. The caller gets one list in its
 * format: the models of its own provider first, then the others', an id listed twice shown once.
 * Failure rules:
 *
 * <ul>
 *   <li>a provider fails when it cannot be reached, times out, answers other than 2xx (401 after
 *       the retry included), or answers what is not a model list (malformed JSON); a key source
 *       that cannot give its key (the control plane is down) fails that provider too;
 *   <li>some fail: 200 with the others' models and the header {@value #PARTIAL_HEADER} naming the
 *       providers whose models are missing, comma-separated ({@code anthropic});
 *   <li>all fail: 502 in the caller's format ({@code models_unavailable}) naming each provider and
 *       why (its status, or timeout, unreachable, malformed answer); never a key or a provider's
 *       body;
 *   <li>no key at all: 200 with an empty list.
 * </ul>
 *
 * <p><b>One model</b> goes to the provider the id routes to ({@link ProviderRouting}, the id as the
 * model: family, {@code openai/} or {@code anthropic/} prefix, the only key, else the caller's
 * format). Its answer passes through when the caller speaks that provider's format and is converted
 * otherwise; an error (a 404 for an unknown model) keeps its status in the caller's format; 401/403
 * is the router's 502, an unreachable provider 502, a timeout 504, as for any forwarded request.
 *
 * <p>Never blocks an event loop: a key that must be fetched moves the work to a worker; upstream
 * calls go through {@link HttpTransport#sendAsync}. A transport whose own thread may block ({@link
 * ProxyHandler#CALLING_THREAD}) has no workers: then each provider is asked on a short-lived thread
 * of its own so the providers are still asked at once, and the answer is sent from the calling
 * thread.
 */
final class ModelListing {
    /** The response header naming the providers whose models are missing from a 200 list. */
    static final String PARTIAL_HEADER = "x-iron-router-models-partial";

    /** The most pages asked of one provider; a longer list is cut there (and logged). */
    static final int MAX_PAGES = 10;

    private static final String LIST_PATH = "/v1/models";
    private static final Logger LOG = LoggerFactory.getLogger(ProxyPipeline.class);

    /** Runs a blocking upstream call on a daemon thread of its own. */
    private static final Executor OWN_THREAD =
            task -> {
                Thread thread = new Thread(task, "iron-router-models");
                thread.setDaemon(true);
                thread.start();
            };

    private ModelListing() {}

    /**
     * Answers a models request.
     *
     * @param call the request, past the gate
     * @param sink where the answer goes
     * @param models what is asked for
     * @return done when the answer is sent
     */
    static CompletionStage<Void> answer(Call call, ResponseSink sink, ModelsPath models) {
        ProviderType format = callerFormat(call.request.headers());
        if (call.tenant().isStopped()) {
            reply(sink, ErrorResponses.unauthorized(format));
            return DONE;
        }
        if (models.modelId().isPresent()) {
            return new Listing(call, format, false).one(sink, models.modelId().get());
        }
        return new Listing(call, format, true).all(sink);
    }

    /** The format a models request is answered in, the gate's refusals included. */
    static ProviderType callerFormat(HeaderMap headers) {
        return ModelsPath.callerFormat(
                headers.contains("anthropic-version"), headers.contains("x-api-key"));
    }

    /** Why one provider's list is missing, as the caller is told: never a key or a body. */
    private record Outcome(ProviderType provider, List<ModelEntry> models, String failure) {
        static Outcome failed(ProviderType provider, String why) {
            return new Outcome(provider, List.of(), why);
        }

        boolean ok() {
            return failure == null;
        }
    }

    /** One models request: its caller's format and the keys it sent upstream. */
    private static final class Listing {
        private final Call call;
        private final ProviderType format;
        private final ProviderKeySource keys;

        /** Every key sent upstream, kept out of the answer; providers add to it at once. */
        private final Queue<String> sent = new ConcurrentLinkedQueue<>();

        /** When every provider's list must be in: one upstream timeout from the start. */
        private final long deadlineMs;

        /** Whether several providers are asked at once (else one, which may block right here). */
        private final boolean fanOut;

        Listing(Call call, ProviderType format, boolean fanOut) {
            this.call = call;
            this.format = format;
            this.keys = call.tenant().keys();
            this.fanOut = fanOut;
            this.deadlineMs = call.parts.clock().millis() + call.parts.upstreamTimeout().toMillis();
        }

        private ModelCatalog catalog(ProviderType provider) {
            return call.parts.apis().get(provider).models();
        }

        /** The providers to ask: the caller's own first, then the others in their order. */
        private List<ProviderType> providers() {
            List<ProviderType> out = new ArrayList<>();
            for (ProviderType provider : ProviderType.values()) {
                if (keys.providers().contains(provider)) {
                    if (provider == format) {
                        out.add(0, provider);
                    } else {
                        out.add(provider);
                    }
                }
            }
            return out;
        }

        // --- the whole list ---

        CompletionStage<Void> all(ResponseSink sink) {
            List<ProviderType> providers = providers();
            if (!call.blocking) {
                Map<ProviderType, ProviderKey> ready = new LinkedHashMap<>();
                for (ProviderType provider : providers) {
                    keys.keyIfReady(provider).ifPresent(key -> ready.put(provider, key));
                }
                if (ready.size() < providers.size()) {
                    // a key must be fetched, which may block: the rest runs on a worker
                    return call.offload(() -> askAll(sink, providers));
                }
            }
            return askAll(sink, providers);
        }

        /** Asks every provider at once; may block for keys, so runs where that is allowed. */
        private CompletionStage<Void> askAll(ResponseSink sink, List<ProviderType> providers) {
            List<CompletableFuture<Outcome>> asked = new ArrayList<>();
            for (ProviderType provider : providers) {
                Optional<ProviderKey> key;
                try {
                    key = call.blocking ? keys.key(provider) : keys.keyIfReady(provider);
                } catch (ControlPlaneException e) {
                    LOG.warn("no {} key to list its models: {}", provider.id(), e.getMessage());
                    asked.add(
                            CompletableFuture.completedFuture(
                                    Outcome.failed(provider, "its key could not be fetched")));
                    continue;
                }
                if (key.isEmpty()) {
                    continue; // not configured after all (a control-plane key of another one)
                }
                sent.add(key.get().secret());
                // one deadline for all of a provider's pages and retries, so that a slow one
                // cannot hold the request (and, on a blocking transport, its thread) for as many
                // timeouts as it has pages
                asked.add(
                        pages(
                                        new Asked(provider, key.get()),
                                        Optional.empty(),
                                        new ArrayList<>(),
                                        1)
                                .toCompletableFuture()
                                .completeOnTimeout(
                                        Outcome.failed(provider, "timed out"),
                                        call.parts.upstreamTimeout().toMillis(),
                                        TimeUnit.MILLISECONDS));
            }
            CompletableFuture<List<Outcome>> outcomes =
                    CompletableFuture.allOf(asked.toArray(new CompletableFuture<?>[0]))
                            .thenApply(
                                    done -> {
                                        List<Outcome> all = new ArrayList<>();
                                        asked.forEach(one -> all.add(one.join()));
                                        return all;
                                    });
            if (call.workers == ProxyHandler.CALLING_THREAD) {
                // the providers run on threads of their own; the answer leaves from this one
                List<Outcome> all = outcomes.join();
                merged(sink, all);
                return DONE;
            }
            return outcomes.thenAccept(all -> merged(sink, all));
        }

        /** Asks one provider for a page, and for the next ones while it has more. */
        private CompletionStage<Outcome> pages(
                Asked asked, Optional<String> after, List<ModelEntry> sofar, int page) {
            ModelCatalog catalog = catalog(asked.provider);
            return sendWithFreshKeyOn401(asked, LIST_PATH, catalog.listQuery(after))
                    .handle(
                            (response, failure) -> {
                                if (failure != null) {
                                    return done(failedCall(asked.provider, failure));
                                }
                                if (response.status() < 200 || response.status() > 299) {
                                    return done(
                                            Outcome.failed(
                                                    asked.provider, "HTTP " + response.status()));
                                }
                                Optional<ModelPage> read =
                                        Stages.readJson(response.body()).flatMap(catalog::page);
                                if (read.isEmpty()) {
                                    return done(Outcome.failed(asked.provider, "not a model list"));
                                }
                                sofar.addAll(read.get().models());
                                Optional<String> next = read.get().nextAfterId();
                                if (next.isPresent() && call.parts.clock().millis() >= deadlineMs) {
                                    return done(Outcome.failed(asked.provider, "timed out"));
                                }
                                if (next.isPresent() && page < MAX_PAGES) {
                                    return pages(asked, next, sofar, page + 1);
                                }
                                if (next.isPresent()) {
                                    LOG.warn(
                                            "the {} model list has more than {} pages; the rest"
                                                    + " is left out",
                                            asked.provider.id(),
                                            MAX_PAGES);
                                }
                                return done(new Outcome(asked.provider, sofar, null));
                            })
                    .thenCompose(next -> next);
        }

        private static CompletionStage<Outcome> done(Outcome outcome) {
            if (!outcome.ok()) {
                LOG.warn(
                        "the {} model list is missing: {}",
                        outcome.provider().id(),
                        outcome.failure());
            }
            return CompletableFuture.completedFuture(outcome);
        }

        private static Outcome failedCall(ProviderType provider, Throwable failure) {
            Throwable cause = Stages.unwrapped(failure);
            if (!(cause instanceof ForwardException)) {
                throw Stages.rethrown(cause);
            }
            return Outcome.failed(
                    provider,
                    ((ForwardException) cause).kind() == ForwardException.Kind.TIMEOUT
                            ? "timed out"
                            : "unreachable");
        }

        /** Answers the outcomes as one list, or the 502 when every provider failed. */
        private void merged(ResponseSink sink, List<Outcome> outcomes) {
            List<String> missing = new ArrayList<>();
            List<String> why = new ArrayList<>();
            Map<String, ModelEntry> byId = new LinkedHashMap<>();
            for (Outcome outcome : outcomes) {
                if (!outcome.ok()) {
                    missing.add(outcome.provider().id());
                    why.add(outcome.provider().id() + " (" + outcome.failure() + ")");
                    continue;
                }
                outcome.models().forEach(model -> byId.putIfAbsent(model.id(), model));
            }
            if (!outcomes.isEmpty() && missing.size() == outcomes.size()) {
                reply(sink, ErrorResponses.modelsUnavailable(format, String.join(", ", why)));
                return;
            }
            byte[] body =
                    scrubbed(
                            Stages.writeJson(
                                    catalog(format).renderList(new ArrayList<>(byId.values()))));
            HeaderMap.Builder headers = HeaderMap.builder().add("content-type", "application/json");
            if (!missing.isEmpty()) {
                headers.add(PARTIAL_HEADER, String.join(",", missing));
            }
            sink.send(200, headers.build(), body);
        }

        private byte[] scrubbed(byte[] body) {
            SecretScrubber scrubber = new SecretScrubber();
            sent.forEach(scrubber::add);
            return scrubber.scrub(body);
        }

        // --- one model ---

        CompletionStage<Void> one(ResponseSink sink, String id) {
            ProviderRouting.RoutingDecision decision =
                    ProviderRouting.route(
                            new ProviderRouting.RouteRequest(
                                    LIST_PATH,
                                    Optional.of(id),
                                    format == ProviderType.ANTHROPIC,
                                    keys.providers()));
            if (decision instanceof NoKeyForProvider) {
                reply(sink, ErrorResponses.noKeyForProvider(format, (NoKeyForProvider) decision));
                return DONE;
            }
            Routed routed = (Routed) decision;
            if (!call.blocking) {
                Optional<ProviderKey> ready = keys.keyIfReady(routed.provider());
                if (ready.isEmpty()) {
                    return call.offload(() -> askOne(sink, routed));
                }
            }
            return askOne(sink, routed);
        }

        private CompletionStage<Void> askOne(ResponseSink sink, Routed routed) {
            ProviderType provider = routed.provider();
            Optional<ProviderKey> key;
            try {
                key = call.blocking ? keys.key(provider) : keys.keyIfReady(provider);
            } catch (ControlPlaneException e) {
                reply(sink, ErrorResponses.controlPlane(format, e));
                return DONE;
            }
            if (key.isEmpty()) {
                reply(
                        sink,
                        ErrorResponses.noKeyForProvider(format, new NoKeyForProvider(provider)));
                return DONE;
            }
            sent.add(key.get().secret());
            Asked asked = new Asked(provider, key.get());
            String host = key.get().effectiveBaseUrl().getHost();
            CompletionStage<HttpTransport.Response> answer =
                    sendWithFreshKeyOn401(
                            asked, LIST_PATH + "/" + routed.model().orElseThrow(), "");
            return answer.handle(
                    (response, failure) -> {
                        if (failure != null) {
                            Throwable cause = Stages.unwrapped(failure);
                            if (!(cause instanceof ForwardException)) {
                                throw Stages.rethrown(cause);
                            }
                            LOG.warn("{} model lookup failed: {}", provider.id(), host);
                            reply(
                                    sink,
                                    ((ForwardException) cause).kind()
                                                    == ForwardException.Kind.TIMEOUT
                                            ? ErrorResponses.upstreamTimeout(format, host)
                                            : ErrorResponses.upstreamUnreachable(format, host));
                            return null;
                        }
                        oneAnswered(sink, provider, response);
                        return null;
                    });
        }

        /** The provider's answer about one model, in the caller's format. */
        private void oneAnswered(
                ResponseSink sink, ProviderType provider, HttpTransport.Response response) {
            int status = response.status();
            if (status == 401 || status == 403) {
                reply(sink, ErrorResponses.upstreamAuthFailed(format, status));
                return;
            }
            byte[] body = scrubbed(response.body());
            HeaderMap headers = scrubbedHeaders(ForwardedHeaders.downstream(response.headers()));
            if (provider == format) {
                sink.send(status, headers, body); // the caller speaks it: as it came
                return;
            }
            Optional<JsonNode> json = Stages.readJson(body);
            byte[] converted;
            if (status >= 200 && status <= 299) {
                Optional<ModelEntry> model = json.flatMap(catalog(provider)::model);
                if (model.isEmpty()) {
                    LOG.warn("a {} model answer is not a model", provider.id());
                    reply(sink, ErrorResponses.upstreamUntranslatable(format, provider.id()));
                    return;
                }
                converted = Stages.writeJson(catalog(format).renderModel(model.get()));
            } else if (status >= 400 && status <= 599) {
                converted =
                        Stages.writeJson(catalog(format).errorFromOther(json.orElse(null), status));
            } else {
                reply(sink, ErrorResponses.upstreamUntranslatable(format, provider.id()));
                return;
            }
            sink.send(
                    status,
                    headers.toBuilder().set("content-type", "application/json").build(),
                    converted);
        }

        private HeaderMap scrubbedHeaders(HeaderMap headers) {
            SecretScrubber scrubber = new SecretScrubber();
            sent.forEach(scrubber::add);
            return scrubber.scrub(headers);
        }

        // --- upstream calls ---

        /**
         * Sends a GET to the provider; after a 401, once more with a fresh key if the key source
         * has another (fetched on a worker: it may block).
         */
        private CompletionStage<HttpTransport.Response> sendWithFreshKeyOn401(
                Asked asked, String path, String query) {
            return send(request(asked.key, path, query))
                    .thenCompose(
                            response -> {
                                if (response.status() != 401) {
                                    return CompletableFuture.completedFuture(response);
                                }
                                return mayBlock(() -> freshKey(asked))
                                        .thenCompose(
                                                fresh ->
                                                        fresh.isEmpty()
                                                                ? CompletableFuture.completedFuture(
                                                                        response)
                                                                : send(
                                                                        request(
                                                                                fresh.get(),
                                                                                path,
                                                                                query)));
                            });
        }

        /** Another key for the provider after a 401, or empty when the source has none. */
        private Optional<ProviderKey> freshKey(Asked asked) {
            ProviderKey rejected = asked.key;
            try {
                keys.invalidate(rejected);
                Optional<ProviderKey> fresh =
                        keys.key(asked.provider).filter(key -> !key.equals(rejected));
                fresh.ifPresent(
                        key -> {
                            sent.add(key.secret());
                            asked.key = key; // the next pages go with it
                        });
                return fresh;
            } catch (ControlPlaneException e) {
                LOG.warn("no fresh provider key after a 401: {}", e.getMessage());
                return Optional.empty();
            }
        }

        private HttpTransport.Request request(ProviderKey key, String path, String query) {
            return new HttpTransport.Request(
                    "GET",
                    UpstreamCall.upstreamUri(call.parts, key, path, query),
                    ForwardedHeaders.upstream(call.request.headers(), key, false),
                    new byte[0],
                    call.parts.upstreamTimeout());
        }

        /**
         * Sends without blocking; without workers, one provider's request right here and each of
         * several on a thread of its own, so that they run at once.
         */
        private CompletionStage<HttpTransport.Response> send(HttpTransport.Request request) {
            HttpTransport upstream = call.parts.upstream();
            try {
                if (call.workers == ProxyHandler.CALLING_THREAD) {
                    return fanOut
                            ? CompletableFuture.supplyAsync(
                                    () -> upstream.send(request), OWN_THREAD)
                            : CompletableFuture.completedFuture(upstream.send(request));
                }
                return upstream.sendAsync(request, call.workers);
            } catch (ForwardException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        /** Runs what may block where it may: here without workers, else on a worker. */
        private <T> CompletionStage<T> mayBlock(Supplier<T> work) {
            if (call.workers == ProxyHandler.CALLING_THREAD) {
                return CompletableFuture.completedFuture(work.get()); // this thread may block
            }
            try {
                return CompletableFuture.supplyAsync(work, call.workers);
            } catch (RejectedExecutionException e) {
                return CompletableFuture.supplyAsync(work, OWN_THREAD); // the server is closing
            }
        }
    }

    /** One provider being asked, with the key it is asked with (a fresh one after a 401). */
    private static final class Asked {
        final ProviderType provider;
        volatile ProviderKey key;

        Asked(ProviderType provider, ProviderKey key) {
            this.provider = provider;
            this.key = key;
        }
    }
}
