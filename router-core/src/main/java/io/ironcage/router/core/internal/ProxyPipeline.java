package io.ironcage.router.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.agent.Readiness;
import io.ironcage.router.core.agent.Tenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderRouting;
import io.ironcage.router.core.domain.ProviderRouting.NoKeyForProvider;
import io.ironcage.router.core.domain.ProviderRouting.Routed;
import io.ironcage.router.core.domain.ProviderRouting.RoutingDecision;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.RequestTarget;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.EventPayload;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.domain.budget.BudgetDecision;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.Reservation;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.domain.pricing.RequestShape;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.errors.TranslationException;
import io.ironcage.router.core.provider.ApiKind;
import io.ironcage.router.core.provider.Endpoint;
import io.ironcage.router.core.provider.OpenAiStreams;
import io.ironcage.router.core.provider.RequestShapes;
import io.ironcage.router.core.provider.SseEvent;
import io.ironcage.router.core.provider.SseParser;
import io.ironcage.router.core.provider.StreamUsage;
import io.ironcage.router.core.provider.UsageExtraction;
import io.ironcage.router.core.provider.anthropic.AnthropicToOpenAi;
import io.ironcage.router.core.provider.anthropic.AnthropicToOpenAiStream;
import io.ironcage.router.core.provider.anthropic.OpenAiToAnthropic;
import io.ironcage.router.core.provider.anthropic.OpenAiToAnthropicStream;
import io.ironcage.router.core.provider.anthropic.StreamTranslator;
import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.RequestHead;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.spi.UsageEventSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path of ARCHITECTURE.md, steps 1–9: authenticate, parse, pick the provider, price and
 * reserve, forward, relay (streams event by event), settle, record. Every reservation is released
 * on every path: a path that neither commits nor cancels it releases it when the request's stage
 * ends, and the error paths release it before the answer leaves.
 *
 * <p>{@link #handle} never blocks the calling thread: a request that is not streamed, whose key is
 * at hand, is checked, priced, reserved, sent upstream without blocking ({@link
 * HttpTransport#sendAsync}), settled and answered from the thread that completes the upstream call,
 * and never touches a worker; a stream, a key that must be fetched, or a retry after a 401 moves
 * the rest of the request to the worker executor (which, for a transport whose own thread may
 * block, runs it right there).
 */
public final class ProxyPipeline implements ProxyHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyPipeline.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CACHED_URIS = 1024;
    private static final byte[] HEALTH = "LlmRouter OK".getBytes(StandardCharsets.UTF_8);
    private static final HeaderMap TEXT = HeaderMap.of("content-type", "text/plain; charset=utf-8");
    private static final HeaderMap JSON_TYPE = HeaderMap.of("content-type", "application/json");

    /** All header names and values of a request together; real SDK requests use about 1 KiB. */
    static final int MAX_HEADER_BYTES = 32 * 1024;

    /** The Anthropic beta that opens a million-token context window ({@code context-1m-…}). */
    private static final String MILLION_CONTEXT_BETA = "context-1m";

    private static final long MILLION_TOKENS = 1_000_000L;

    /** {@code max_tokens} of a request translated to Anthropic for a model the table lacks. */
    static final long DEFAULT_TRANSLATED_MAX_TOKENS = 4096;

    private final Tenants tenants;
    private final HttpTransport upstream;
    private final PricingTable pricing;
    private final UsageEventSink events;
    private final Clock clock;
    private final Duration upstreamTimeout;
    private final boolean rejectUnpriced;
    private final boolean allowUnmetered;
    private final long maxRequestBodyBytes;
    private final Supplier<Readiness> readiness;

    /** Upstream URIs already parsed, by their text: a handful of paths per provider in practice. */
    private final Map<String, URI> upstreamUris = new ConcurrentHashMap<>();

    /**
     * Creates the pipeline of a router with one caller token (direct mode).
     *
     * @param keys where provider keys come from
     * @param upstream the client for provider calls
     * @param ledger the budget
     * @param pricing the prices
     * @param events where analytics events go
     * @param clock the only source of "now"
     * @param settings token, timeouts, unpriced policy
     * @param maxRequestBodyBytes the body limit, named in the 413 message
     */
    public ProxyPipeline(
            ProviderKeySource keys,
            HttpTransport upstream,
            CostController ledger,
            PricingTable pricing,
            UsageEventSink events,
            Clock clock,
            PipelineSettings settings,
            long maxRequestBodyBytes) {
        this(
                Tenants.single(settings.token(), new FixedTenant(keys, ledger)),
                upstream,
                pricing,
                events,
                clock,
                settings.upstreamTimeout(),
                settings.rejectUnpriced(),
                maxRequestBodyBytes);
    }

    /**
     * Creates the pipeline of a router with a tenant per caller token (server mode: one per agent).
     *
     * @param tenants the tenants by caller token; may change while the pipeline runs
     * @param upstream the client for provider calls
     * @param pricing the prices
     * @param events where analytics events go
     * @param clock the only source of "now"
     * @param upstreamTimeout the whole upstream exchange; for a stream, between chunks
     * @param rejectUnpriced whether an unpriced model is refused while a limit is in force
     * @param maxRequestBodyBytes the body limit, named in the 413 message
     */
    public ProxyPipeline(
            Tenants tenants,
            HttpTransport upstream,
            PricingTable pricing,
            UsageEventSink events,
            Clock clock,
            Duration upstreamTimeout,
            boolean rejectUnpriced,
            long maxRequestBodyBytes) {
        this(
                tenants,
                upstream,
                pricing,
                events,
                clock,
                upstreamTimeout,
                rejectUnpriced,
                false,
                maxRequestBodyBytes);
    }

    /**
     * Creates the pipeline of a router with a tenant per caller token, saying whether paid
     * endpoints the router does not meter are forwarded under a finite budget.
     *
     * @param tenants the tenants by caller token; may change while the pipeline runs
     * @param upstream the client for provider calls
     * @param pricing the prices
     * @param events where analytics events go
     * @param clock the only source of "now"
     * @param upstreamTimeout the whole upstream exchange; for a stream, between chunks
     * @param rejectUnpriced whether an unpriced model is refused while a limit is in force
     * @param allowUnmetered whether an unmetered endpoint is forwarded while a limit is in force
     * @param maxRequestBodyBytes the body limit, named in the 413 message
     */
    public ProxyPipeline(
            Tenants tenants,
            HttpTransport upstream,
            PricingTable pricing,
            UsageEventSink events,
            Clock clock,
            Duration upstreamTimeout,
            boolean rejectUnpriced,
            boolean allowUnmetered,
            long maxRequestBodyBytes) {
        this(
                tenants,
                upstream,
                pricing,
                events,
                clock,
                upstreamTimeout,
                rejectUnpriced,
                allowUnmetered,
                maxRequestBodyBytes,
                () -> Readiness.READY);
    }

    /**
     * Creates the pipeline of a router with a tenant per caller token, saying what {@code GET
     * /ready} answers.
     *
     * @param tenants the tenants by caller token; may change while the pipeline runs
     * @param upstream the client for provider calls
     * @param pricing the prices
     * @param events where analytics events go
     * @param clock the only source of "now"
     * @param upstreamTimeout the whole upstream exchange; for a stream, between chunks
     * @param rejectUnpriced whether an unpriced model is refused while a limit is in force
     * @param allowUnmetered whether an unmetered endpoint is forwarded while a limit is in force
     * @param maxRequestBodyBytes the body limit, named in the 413 message
     * @param readiness asked at each {@code GET /ready}; must not block on the network
     */
    public ProxyPipeline(
            Tenants tenants,
            HttpTransport upstream,
            PricingTable pricing,
            UsageEventSink events,
            Clock clock,
            Duration upstreamTimeout,
            boolean rejectUnpriced,
            boolean allowUnmetered,
            long maxRequestBodyBytes,
            Supplier<Readiness> readiness) {
        this.readiness = Objects.requireNonNull(readiness, "readiness");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.pricing = Objects.requireNonNull(pricing, "pricing");
        this.events = Objects.requireNonNull(events, "events");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.upstreamTimeout = Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
        this.rejectUnpriced = rejectUnpriced;
        this.allowUnmetered = allowUnmetered;
        this.maxRequestBodyBytes = maxRequestBodyBytes;
    }

    /** The one tenant of direct mode: fixed keys and a ledger, no agent. */
    private record FixedTenant(ProviderKeySource keys, CostController ledger) implements Tenant {
        FixedTenant {
            Objects.requireNonNull(keys, "keys");
            Objects.requireNonNull(ledger, "ledger");
        }

        @Override
        public Optional<String> agentId() {
            return Optional.empty();
        }
    }

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /**
     * Handles the request without blocking the calling thread; see the class comment for what moves
     * to {@code workers}.
     */
    @Override
    public CompletionStage<Void> handle(ProxyRequest request, ResponseSink sink, Executor workers) {
        Objects.requireNonNull(workers, "workers");
        try {
            return start(request, sink, workers);
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Refuses a request on its head alone, before the transport reads its body: a path the router
     * does not forward, headers too large, no valid token, an unmetered endpoint under a budget.
     * What passes is checked again when the whole request arrives.
     */
    @Override
    public Optional<EarlyAnswer> onHead(RequestHead head) {
        Gate gate = gate(head.method(), head.path(), head.query(), head.headers(), false);
        return gate.refusal == null ? Optional.empty() : Optional.of(early(gate.refusal));
    }

    /** A transport's own refusal, as JSON in the caller's format when the path tells it. */
    @Override
    public EarlyAnswer unreadable(int status, Optional<String> path) {
        ApiFormat format = path.map(ProxyPipeline::formatOfRawPath).orElse(ApiFormat.OPENAI);
        return early(ErrorResponses.unreadable(format, status, maxRequestBodyBytes));
    }

    private static EarlyAnswer early(ErrorResponse error) {
        return new EarlyAnswer(error.status(), error.headers(), error.body());
    }

    /** The caller's format, guessed from a path that may not be normalised. */
    private static ApiFormat formatOfRawPath(String raw) {
        RequestTarget.Parsed parsed = RequestTarget.parse(raw, "");
        String path =
                parsed instanceof RequestTarget.Valid
                        ? ((RequestTarget.Valid) parsed).target().path()
                        : raw;
        return ApiFormat.ofPath(ProviderRouting.stripProviderPrefix(path).path());
    }

    /**
     * What the checks on a request's head decided: a refusal, the health check, or the request's
     * normalised target, format, endpoint and tenant.
     */
    private static final class Gate {
        ErrorResponse refusal;
        boolean health;
        boolean readiness;
        RequestTarget target;
        ProviderRouting.PathRoute pathRoute;
        ApiFormat format;
        Endpoint endpoint;
        Tenant tenant;

        static Gate refused(ErrorResponse refusal) {
            return refused(refusal, null);
        }

        /** Refused after authentication: the answer counts as one of the tenant's. */
        static Gate refused(ErrorResponse refusal, Tenant tenant) {
            Gate gate = new Gate();
            gate.refusal = refusal;
            gate.tenant = tenant;
            return gate;
        }
    }

    private static final Gate HEALTH_GATE = new Gate();

    private static final Gate READY_GATE = new Gate();

    static {
        HEALTH_GATE.health = true;
        READY_GATE.readiness = true;
    }

    /**
     * The checks on a request's head, in order: its target normalised (400 if it cannot be), the
     * health check and the readiness check (no token: a probe has none), header size (431), token
     * (401), the body limit (413), a path under {@code /v1/} (404), and an unmetered endpoint under
     * a finite budget (400).
     */
    private Gate gate(
            String method, String rawPath, String rawQuery, HeaderMap headers, boolean tooLarge) {
        RequestTarget.Parsed parsed = RequestTarget.parse(rawPath, rawQuery);
        if (parsed instanceof RequestTarget.Refused) {
            return Gate.refused(
                    ErrorResponses.malformedPath(
                            ApiFormat.ofPath(ProviderRouting.stripProviderPrefix(rawPath).path()),
                            ((RequestTarget.Refused) parsed).reason()));
        }
        RequestTarget target = ((RequestTarget.Valid) parsed).target();
        if ("/".equals(target.path())) {
            return HEALTH_GATE; // reference §3.2
        }
        if ("/ready".equals(target.path())) {
            return READY_GATE;
        }
        ProviderRouting.PathRoute pathRoute = ProviderRouting.stripProviderPrefix(target.path());
        ApiFormat format = ApiFormat.ofPath(pathRoute.path());
        if (headerBytes(headers) > MAX_HEADER_BYTES) {
            return Gate.refused(ErrorResponses.headersTooLarge(format, MAX_HEADER_BYTES));
        }
        Optional<Tenant> tenant = tenants.authenticate(headers);
        if (tenant.isEmpty()) {
            return Gate.refused(ErrorResponses.unauthorized(format));
        }
        if (tooLarge) {
            return Gate.refused(
                    ErrorResponses.payloadTooLarge(format, maxRequestBodyBytes), tenant.get());
        }
        Optional<String> unsendable = ForwardedHeaders.unsendable(headers);
        if (unsendable.isPresent()) {
            return Gate.refused(
                    ErrorResponses.badRequest(
                            format,
                            "The "
                                    + unsendable.get()
                                    + " header has a control character or a character outside"
                                    + " Latin-1, so it cannot be forwarded.",
                            null),
                    tenant.get());
        }
        if (!pathRoute.path().startsWith("/v1/")) {
            return Gate.refused(ErrorResponses.notFound(format, pathRoute.path()), tenant.get());
        }
        Endpoint endpoint = Endpoint.of(method, pathRoute.path());
        if (endpoint.metering() == Endpoint.Metering.UNMETERED
                && !allowUnmetered
                && tenant.get().ledger().limit().isPresent()) {
            return Gate.refused(
                    ErrorResponses.unmeteredEndpoint(format, method, pathRoute.path()),
                    tenant.get());
        }
        Gate gate = new Gate();
        gate.target = target;
        gate.pathRoute = pathRoute;
        gate.format = format;
        gate.endpoint = endpoint;
        gate.tenant = tenant.get();
        return gate;
    }

    /** Runs the request without blocking, moving what may block to {@code workers}. */
    private CompletionStage<Void> start(ProxyRequest request, ResponseSink sink, Executor workers) {
        Gate gate =
                gate(
                        request.method(),
                        request.path(),
                        request.query(),
                        request.headers(),
                        request.bodyTooLarge());
        if (gate.health) {
            sink.send(200, TEXT, HEALTH);
            return DONE;
        }
        if (gate.readiness) {
            Readiness now = readiness.get();
            sink.send(now.status(), JSON_TYPE, ReadinessAnswer.body(now));
            return DONE;
        }
        if (gate.refusal != null) {
            reply(gate.tenant == null ? sink : new AnsweredSink(sink, gate.tenant), gate.refusal);
            return DONE;
        }
        ResponseSink answered = new AnsweredSink(sink, gate.tenant);
        if (request.bodyLength() > 0 && !jsonContentType(request.headers())) {
            reply(
                    answered,
                    ErrorResponses.badRequest(
                            gate.format,
                            "The request body must be JSON, sent with Content-Type:"
                                    + " application/json.",
                            null));
            return DONE;
        }
        return new Call(request, gate.target, gate.format, gate.endpoint, gate.tenant, workers)
                .run(answered);
    }

    /**
     * Runs a sink's wait for room (see {@link UsageEventSink#recordWithoutWaiting}) on a daemon
     * thread of its own, for callers on an event loop with no worker to give it to.
     *
     * @param wait what the sink handed back
     */
    public static void waitOnOwnThread(Runnable wait) {
        Thread thread = new Thread(wait, "iron-router-event-wait");
        thread.setDaemon(true);
        thread.start();
    }

    /** Releases a reservation not yet settled; an unpriced request holds none. */
    private static void release(Reservation held) {
        if (held != null) {
            held.close();
        }
    }

    /** The failure a stage carries, without its CompletionException wrapper. */
    private static Throwable unwrapped(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A stage's failure to throw again as it was thrown: unchecked, unwrapped. */
    private static RuntimeException rethrown(Throwable failure) {
        Throwable cause = unwrapped(failure);
        if (cause instanceof RuntimeException) {
            return (RuntimeException) cause;
        }
        if (cause instanceof Error) {
            throw (Error) cause;
        }
        return new CompletionException(cause);
    }

    /** Tells the tenant the status of each answer (its request and failure counts). */
    private static final class AnsweredSink implements ResponseSink {
        private final ResponseSink sink;
        private final Tenant tenant;

        AnsweredSink(ResponseSink sink, Tenant tenant) {
            this.sink = sink;
            this.tenant = tenant;
        }

        @Override
        public boolean send(int status, HeaderMap headers, byte[] body) {
            tenant.answered(status);
            return sink.send(status, headers, body);
        }

        @Override
        public ResponseStream stream(int status, HeaderMap headers) {
            tenant.answered(status);
            return sink.stream(status, headers);
        }
    }

    private static long headerBytes(HeaderMap headers) {
        long[] total = {0};
        headers.forEach((name, value) -> total[0] += name.length() + value.length() + 4);
        return total[0];
    }

    /** A body is JSON unless the caller says otherwise (a missing Content-Type is tolerated). */
    private static boolean jsonContentType(HeaderMap headers) {
        Optional<String> type = headers.first("content-type");
        return type.isEmpty() || type.get().toLowerCase(java.util.Locale.ROOT).contains("json");
    }

    private static void reply(ResponseSink sink, ErrorResponse error) {
        sink.send(error.status(), error.headers(), error.body());
    }

    /** One request's way through the pipeline. */
    private final class Call {
        private final ProxyRequest request;
        private final RequestTarget target;
        private final ApiFormat format;
        private final Endpoint endpoint;
        private final ApiKind kind;
        private final Tenant tenant;
        private final long startedMs;
        private Routed routed;
        private ProviderKey key;
        private String upstreamPath;
        private Optional<ModelPricing> price = Optional.empty();
        private RequestShape shape;
        private boolean stream;
        private boolean translated;
        private OptionalLong firstByteMs = OptionalLong.empty();
        private OptionalLong searchesReported = OptionalLong.empty();

        /** The keys this request sent upstream, kept out of what goes back to the caller. */
        private final SecretScrubber scrubber = new SecretScrubber();

        /** Runs what may block; runs it right here when this thread may block. */
        private final Executor workers;

        /**
         * Whether this request runs on a thread that may block: from the moment it moves to a
         * worker. Steps run one after another (each stage completes before the next starts), so the
         * fields need no lock.
         */
        private boolean blocking;

        Call(
                ProxyRequest request,
                RequestTarget target,
                ApiFormat format,
                Endpoint endpoint,
                Tenant tenant,
                Executor workers) {
            this.request = request;
            this.target = target;
            this.format = format;
            this.endpoint = endpoint;
            this.kind = endpoint.kind();
            this.tenant = tenant;
            this.startedMs = clock.millis();
            this.workers = workers;
            this.blocking = false;
        }

        /** Runs the rest of the request here if this thread may block, else on a worker. */
        private <T> CompletionStage<T> offload(Supplier<CompletionStage<T>> rest) {
            if (blocking) {
                return rest.get();
            }
            return CompletableFuture.supplyAsync(
                            () -> {
                                blocking = true;
                                return rest.get();
                            },
                            workers)
                    .thenCompose(stage -> stage);
        }

        /**
         * Runs a sink's wait for room on a worker; on a thread of its own if none takes it (the
         * server is closing), never on the loop.
         */
        private void onWorker(Runnable task) {
            try {
                workers.execute(task);
            } catch (RejectedExecutionException e) {
                waitOnOwnThread(task);
            }
        }

        /** Sends the whole request upstream: blocking on this thread, or without blocking. */
        private CompletionStage<HttpTransport.Response> send(HttpTransport.Request call) {
            try {
                return blocking
                        ? CompletableFuture.completedFuture(upstream.send(call))
                        : upstream.sendAsync(call, workers);
            } catch (ForwardException e) {
                return CompletableFuture.failedFuture(e); // answered 502 either way, not 500
            }
        }

        CompletionStage<Void> run(ResponseSink sink) {
            ObjectNode body = null;
            if (request.bodyLength() > 0) {
                JsonNode parsed;
                try {
                    parsed = JSON.readTree(request.body());
                } catch (IOException e) {
                    reply(sink, ErrorResponses.invalidJson(format));
                    return DONE;
                }
                if (!(parsed instanceof ObjectNode)) {
                    reply(
                            sink,
                            ErrorResponses.badRequest(
                                    format, "The request body must be a JSON object.", null));
                    return DONE;
                }
                body = (ObjectNode) parsed;
            }
            if (endpoint.metered() && body != null) {
                Optional<RequestShapes.InvalidField> invalid =
                        RequestShapes.invalidBillingField(body);
                if (invalid.isPresent()) {
                    reply(
                            sink,
                            ErrorResponses.badRequest(
                                    format, invalid.get().message(), invalid.get().field()));
                    return DONE;
                }
            }
            Optional<String> model = body == null ? Optional.empty() : RequestShapes.model(body);
            if (endpoint.metered() && model.isEmpty()) {
                reply(sink, ErrorResponses.missingModel(format));
                return DONE;
            }
            RoutingDecision decision =
                    ProviderRouting.route(
                            new ProviderRouting.RouteRequest(
                                    target.path(),
                                    model,
                                    request.headers().contains("anthropic-version"),
                                    tenant.keys().providers()));
            if (decision instanceof NoKeyForProvider) {
                reply(sink, ErrorResponses.noKeyForProvider(format, (NoKeyForProvider) decision));
                return DONE;
            }
            routed = (Routed) decision;
            stream = body != null && body.path("stream").asBoolean(false);
            if (needsTranslation(kind, routed.provider())) {
                if (kind != ApiKind.CHAT_COMPLETIONS && kind != ApiKind.MESSAGES) {
                    reply(
                            sink,
                            ErrorResponses.badRequest(
                                    format,
                                    "Model '"
                                            + routed.model().orElse("")
                                            + "' belongs to "
                                            + routed.provider().id()
                                            + ", but this request uses the other provider's API ("
                                            + target.path()
                                            + "). This API has no counterpart at "
                                            + routed.provider().id()
                                            + ": use a model of the API you call.",
                                    "model"));
                    return DONE;
                }
                translated = true;
            }
            if (!blocking) {
                Optional<ProviderKey> ready = tenant.keys().keyIfReady(routed.provider());
                if (ready.isEmpty()) {
                    ObjectNode parsed = body;
                    return offload(() -> admitAndForward(sink, parsed, model, null));
                }
                return admitAndForward(sink, body, model, ready.get());
            }
            return admitAndForward(sink, body, model, null);
        }

        /** From here the key is at hand ({@code ready}), or this thread may wait for it. */
        private CompletionStage<Void> admitAndForward(
                ResponseSink sink, ObjectNode body, Optional<String> model, ProviderKey ready) {
            try {
                tenant.admit();
                if (tenant.isStopped()) {
                    // stopped since authentication: its lease is being returned
                    reply(sink, ErrorResponses.unauthorized(format));
                    return DONE;
                }
                key = ready != null ? ready : tenant.keys().key(routed.provider()).orElse(null);
                if (key != null) {
                    scrubber.add(key.secret());
                }
            } catch (ControlPlaneException e) {
                reply(sink, ErrorResponses.controlPlane(format, e));
                return DONE;
            }
            if (key == null) {
                reply(
                        sink,
                        ErrorResponses.noKeyForProvider(
                                format, new NoKeyForProvider(routed.provider())));
                return DONE;
            }
            Reservation reservation = null;
            // only a metered endpoint is priced: a free one costs nothing, an unmetered one cannot
            // be metered (and was refused under a budget unless allowed)
            price = endpoint.metered() ? routed.model().flatMap(pricing::find) : Optional.empty();
            if (price.isPresent()
                    && routed.provider() == ProviderType.ANTHROPIC
                    && request.headers().all("anthropic-beta").stream()
                            .anyMatch(beta -> beta.contains(MILLION_CONTEXT_BETA))) {
                // the beta lets the model read up to a million input tokens
                price = Optional.of(price.get().withContextWindowAtLeast(MILLION_TOKENS));
            }
            if (price.isPresent()) {
                shape = RequestShapes.of(body, request.bodyLength());
                CostController ledger = tenant.ledger();
                if (ledger.limit().isPresent()) {
                    ErrorResponse unbounded = unboundedUnderBudget(price.get(), shape);
                    if (unbounded != null) {
                        reply(sink, unbounded);
                        return DONE;
                    }
                }
                BudgetDecision check = ledger.check();
                if (check instanceof BudgetDecision.Refusal) {
                    reply(sink, ErrorResponses.budget(format, (BudgetDecision.Refusal) check));
                    return DONE;
                }
                Money worstCase;
                try {
                    worstCase = price.get().worstCase(shape);
                } catch (ArithmeticException e) {
                    reply(
                            sink,
                            ErrorResponses.badRequest(
                                    format,
                                    "The request's limits (max_tokens, n, max_uses) are too large"
                                            + " to price: its worst case overflows.",
                                    null));
                    return DONE;
                }
                BudgetDecision reserved = ledger.reserve(worstCase);
                if (reserved instanceof BudgetDecision.Refusal) {
                    reply(sink, ErrorResponses.budget(format, (BudgetDecision.Refusal) reserved));
                    return DONE;
                }
                reservation = ((BudgetDecision.Granted) reserved).reservation();
                if (tenant.isStopped()) {
                    // stopped since authentication: its lease is being returned (the stop waits
                    // only for reservations it can see), so nothing more may be spent from it
                    reservation.cancel();
                    reply(sink, ErrorResponses.unauthorized(format));
                    return DONE;
                }
            } else if (endpoint.metered()
                    && rejectUnpriced
                    && tenant.ledger().limit().isPresent()) {
                reply(sink, ErrorResponses.unpricedModel(format, routed.model().orElse("")));
                return DONE;
            }
            Reservation held = reservation;
            CompletionStage<Void> forwarded;
            try {
                forwarded = forward(sink, body, held);
            } catch (RuntimeException | Error e) {
                release(held);
                throw e;
            }
            // a path that neither committed nor cancelled it releases it when the request ends
            return forwarded.whenComplete((done, failed) -> release(held));
        }

        /**
         * The 400 for a request whose cost cannot be reserved under a budget: it reads input its
         * body does not hold and the model's context window is unknown, it may search the web
         * without a bound, or it uses a server tool with fees the price table does not list (unless
         * unmetered use is allowed). Null when its worst case is a true bound.
         */
        private ErrorResponse unboundedUnderBudget(ModelPricing model, RequestShape shape) {
            Optional<String> unbounded = model.unboundedBy(shape);
            if (unbounded.isPresent()) {
                String field =
                        shape.serverSide().inputField().isPresent()
                                        && model.maxInputTokens().isEmpty()
                                ? shape.serverSide().inputField().get()
                                : shape.serverSide().webSearchBoundField();
                return ErrorResponses.badRequest(format, unbounded.get(), field);
            }
            Optional<String> unmetered = model.unmeteredBy(shape);
            if (unmetered.isPresent() && !allowUnmetered) {
                return ErrorResponses.badRequest(
                        format,
                        "'"
                                + unmetered.get()
                                + "' makes the provider bill work the router cannot meter (a"
                                + " server tool whose fees the price table does not list, a stored"
                                + " prompt that may turn such tools on, or a background run), so"
                                + " its cost would escape the budget; it is refused while a budget"
                                + " is in force. Set budget.unmetered-endpoints: allow in"
                                + " router.yaml to forward such requests, that work not charged"
                                + " to the budget.",
                        unmetered.get());
            }
            return null;
        }

        private boolean needsTranslation(ApiKind kind, ProviderType provider) {
            if (provider == ProviderType.ANTHROPIC) {
                return kind == ApiKind.CHAT_COMPLETIONS
                        || kind == ApiKind.RESPONSES
                        || kind == ApiKind.EMBEDDINGS;
            }
            return kind == ApiKind.MESSAGES;
        }

        private CompletionStage<Void> forward(
                ResponseSink sink, ObjectNode body, Reservation reservation) {
            byte[] upstreamBody = request.body();
            String upstreamPath = routed.path();
            boolean dropUsageChunk = false;
            if (body != null) {
                ObjectNode rewritten = null;
                if (routed.modelRewritten()) {
                    rewritten = body.deepCopy();
                    rewritten.put("model", routed.model().orElseThrow());
                }
                if (translated) {
                    try {
                        rewritten = translateRequest(rewritten != null ? rewritten : body);
                    } catch (TranslationException e) {
                        reply(sink, ErrorResponses.badRequest(format, e.getMessage(), e.field()));
                        return DONE;
                    }
                    upstreamPath =
                            routed.provider() == ProviderType.ANTHROPIC
                                    ? "/v1/messages"
                                    : "/v1/chat/completions";
                }
                // a translated stream needs no rewrite here: the translation to OpenAI asks for the
                // usage chunk itself, and the one to Anthropic (which always reports usage) drops
                // stream_options
                if (stream
                        && kind == ApiKind.CHAT_COMPLETIONS
                        && !translated
                        && !OpenAiStreams.callerAskedForUsage(body)) {
                    rewritten =
                            OpenAiStreams.withUsageRequested(rewritten != null ? rewritten : body);
                    dropUsageChunk = true;
                }
                if (rewritten != null) {
                    upstreamBody = writeJson(rewritten);
                }
            }
            this.upstreamPath = upstreamPath;
            HttpTransport.Request call =
                    new HttpTransport.Request(
                            request.method(),
                            upstreamUri(upstreamPath),
                            ForwardedHeaders.upstream(
                                    request.headers(), key, upstreamBody.length > 0),
                            upstreamBody,
                            upstreamTimeout);
            if (stream) {
                boolean dropUsage = dropUsageChunk;
                return offload(
                        () -> {
                            relayStream(
                                    sink,
                                    call,
                                    reservation,
                                    dropUsage,
                                    translated ? streamTranslator(body) : null);
                            return DONE;
                        });
            }
            return relayWhole(sink, call, reservation);
        }

        /** The provider's API kind: what the upstream speaks, translated or not. */
        private ApiKind upstreamKind() {
            if (!translated) {
                return kind;
            }
            return routed.provider() == ProviderType.ANTHROPIC
                    ? ApiKind.MESSAGES
                    : ApiKind.CHAT_COMPLETIONS;
        }

        private ObjectNode translateRequest(ObjectNode body) {
            if (routed.provider() == ProviderType.ANTHROPIC) {
                return OpenAiToAnthropic.request(
                        body,
                        model ->
                                pricing.find(model)
                                        .map(ModelPricing::effectiveMaxOutputTokens)
                                        .orElse(DEFAULT_TRANSLATED_MAX_TOKENS));
            }
            return AnthropicToOpenAi.request(body);
        }

        /** One stream's translator: upstream events in, the caller's events out. */
        private StreamTranslator streamTranslator(ObjectNode callerBody) {
            String model = routed.model().orElse("");
            if (routed.provider() == ProviderType.ANTHROPIC) {
                return new AnthropicToOpenAiStream(
                        "chatcmpl-" + UUID.randomUUID(),
                        clock.instant().getEpochSecond(),
                        model,
                        OpenAiStreams.callerAskedForUsage(callerBody));
            }
            return new OpenAiToAnthropicStream("msg_" + UUID.randomUUID(), model);
        }

        /**
         * An upstream error in the caller's format, keeping the upstream's status and headers
         * (retry-after and rate-limit headers help the caller's SDK).
         */
        private ErrorResponse translatedError(int status, HeaderMap headers, byte[] body) {
            JsonNode json = readJson(body).orElse(null);
            ObjectNode out =
                    routed.provider() == ProviderType.ANTHROPIC
                            ? AnthropicToOpenAi.error(json, status)
                            : OpenAiToAnthropic.error(json, status);
            return new ErrorResponse(
                    status,
                    scrubber.scrub(ForwardedHeaders.downstream(headers)).toBuilder()
                            .set("content-type", "application/json")
                            .build(),
                    writeJson(out));
        }

        /** The upstream's 2xx answer in the caller's format. */
        private byte[] translateResponse(Optional<JsonNode> parsed) {
            Optional<JsonNode> json = parsed.filter(JsonNode::isObject);
            if (json.isEmpty()) {
                throw new TranslationException("", "The provider's answer is not a JSON object.");
            }
            ObjectNode answer = (ObjectNode) json.get();
            ObjectNode out =
                    routed.provider() == ProviderType.ANTHROPIC
                            ? AnthropicToOpenAi.response(
                                    answer,
                                    "chatcmpl-" + UUID.randomUUID(),
                                    clock.instant().getEpochSecond())
                            : OpenAiToAnthropic.response(answer, "msg_" + UUID.randomUUID());
            return writeJson(out);
        }

        private URI upstreamUri(String path) {
            String base = key.effectiveBaseUrl().toString();
            if (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            String query = target.query().isEmpty() ? "" : "?" + target.query();
            String text = base + path + query;
            URI uri = upstreamUris.get(text);
            if (uri == null) {
                uri = URI.create(text);
                if (upstreamUris.size() < MAX_CACHED_URIS) {
                    upstreamUris.put(text, uri);
                }
            }
            return uri;
        }

        private CompletionStage<Void> relayWhole(
                ResponseSink sink, HttpTransport.Request call, Reservation held) {
            return send(call)
                    .handle(
                            (response, failure) -> {
                                if (failure == null && response.status() == 401) {
                                    // the retry may fetch a key: it and the answer run on a
                                    // worker, so nothing after it runs on the loop as "blocking"
                                    return offload(
                                            () ->
                                                    retriedOn401(call, response)
                                                            .handle(
                                                                    (again, failed) ->
                                                                            answered(
                                                                                    sink, again,
                                                                                    failed, held)));
                                }
                                return CompletableFuture.completedFuture(
                                        answered(sink, response, failure, held));
                            })
                    .thenCompose(answered -> answered);
        }

        /** Settles and answers the upstream's answer, or its failure. */
        private Void answered(
                ResponseSink sink,
                HttpTransport.Response response,
                Throwable failure,
                Reservation held) {
            if (failure == null) {
                answerWhole(sink, response, held);
                return null;
            }
            Throwable cause = unwrapped(failure);
            if (!(cause instanceof ForwardException)) {
                throw rethrown(cause);
            }
            release(held); // released before the caller has the answer, like a settlement
            upstreamFailed(sink, (ForwardException) cause);
            return null;
        }

        /**
         * After a 401, on a thread that may block: the answer to the same request sent once more
         * with a fresh key, if the key source has one; else the 401 itself.
         */
        private CompletionStage<HttpTransport.Response> retriedOn401(
                HttpTransport.Request call, HttpTransport.Response response) {
            Optional<HttpTransport.Request> again = withFreshKey(call);
            return again.isPresent()
                    ? send(again.get())
                    : CompletableFuture.completedFuture(response);
        }

        /** Settles, records and answers a whole upstream response. */
        private void answerWhole(
                ResponseSink sink, HttpTransport.Response response, Reservation held) {
            int status = response.status();
            byte[] body = scrubber.scrub(response.body());
            if (status < 200 || status > 299) {
                release(held); // nothing to bill: released before the caller has the answer
            }
            if (status == 401 || status == 403) {
                // recorded before the caller has the answer, as a success is settled first
                recordFailure(status, "upstream_auth_failed", Optional.empty(), response.headers());
                reply(sink, ErrorResponses.upstreamAuthFailed(format, status));
                return;
            }
            if (status >= 200 && status <= 299) {
                // settled before the caller has the answer, so spend is current when a call returns
                // pass-through reads only the usage; a translated answer is parsed whole anyway
                boolean searched = shape != null && shape.serverSide().webSearch();
                Optional<JsonNode> json =
                        translated || searched ? readJson(body) : Optional.empty();
                if (searched) {
                    searchesReported = UsageExtraction.webSearchRequests(json.orElse(null));
                }
                Optional<TokenUsage> usage =
                        translated
                                ? json.flatMap(j -> UsageExtraction.fromResponse(upstreamKind(), j))
                                : UsageExtraction.fromResponseBytes(upstreamKind(), body);
                // without usage, every byte of the answer may be an output token (never more
                // than the reservation's output bound)
                settle(held, usage, Optional.empty(), body.length, status, response.headers(), "");
                if (translated) {
                    try {
                        body = translateResponse(json);
                    } catch (TranslationException e) {
                        LOG.warn(
                                "a {} answer could not be translated back", routed.provider().id());
                        reply(
                                sink,
                                ErrorResponses.upstreamUntranslatable(
                                        format, routed.provider().id()));
                        return;
                    }
                }
            } else {
                recordFailure(
                        status, String.valueOf(status), errorMessage(body), response.headers());
                if (translated) {
                    reply(sink, translatedError(status, response.headers(), body));
                    return;
                }
            }
            HeaderMap headers = scrubber.scrub(ForwardedHeaders.downstream(response.headers()));
            if (translated) {
                headers = headers.toBuilder().set("content-type", "application/json").build();
            }
            if (!sink.send(status, headers, body)) {
                LOG.debug("client went away before the answer was sent: {}", request);
            }
        }

        /**
         * Relays a stream event by event, metering the upstream's own events; a translated stream
         * is written in the caller's format, each upstream event's translation in one flushed
         * write.
         */
        private void relayStream(
                ResponseSink sink,
                HttpTransport.Request call,
                Reservation held,
                boolean dropUsageChunk,
                StreamTranslator translator) {
            HttpTransport.StreamingResponse response;
            try {
                response = openWithFreshKeyOn401(call);
            } catch (ForwardException e) {
                release(held); // released before the caller has the answer, like a settlement
                upstreamFailed(sink, e);
                return;
            }
            try (response) {
                int status = response.status();
                if (status < 200 || status > 299) {
                    release(held); // nothing to bill: released before the caller has the answer
                    relayStreamError(sink, response);
                    return;
                }
                HeaderMap headers = scrubber.scrub(ForwardedHeaders.downstream(response.headers()));
                if (translator != null) {
                    headers =
                            headers.toBuilder()
                                    .set("content-type", "text/event-stream; charset=utf-8")
                                    .build();
                }
                ResponseSink.ResponseStream out = sink.stream(status, headers);
                SseParser parser = new SseParser();
                StreamUsage usage = StreamUsage.forKind(upstreamKind());
                boolean broken = false;
                boolean untranslatable = false;
                try {
                    while (true) {
                        Optional<byte[]> chunk = response.read();
                        List<SseEvent> parsed =
                                chunk.isPresent() ? parser.feed(chunk.get()) : parser.finish();
                        for (SseEvent event : parsed) {
                            usage.onEvent(event);
                            if (translator == null) {
                                out =
                                        relay(
                                                out,
                                                // the stream's last, unfinished event may
                                                // end inside a key
                                                chunk.isPresent()
                                                        ? scrubber.scrub(event.raw())
                                                        : scrubber.scrubCut(event.raw()),
                                                dropUsageChunk,
                                                event);
                            } else if (out != null) {
                                try {
                                    out =
                                            relay(
                                                    out,
                                                    scrubber.scrub(raw(translator.onEvent(event))),
                                                    false,
                                                    null);
                                } catch (TranslationException e) {
                                    untranslatable = true;
                                    LOG.warn(
                                            "a {} stream event could not be translated ({}):"
                                                    + " ending the caller's stream, billing from"
                                                    + " the upstream",
                                            routed.provider().id(),
                                            e.field());
                                    out = relayRaw(out, SseErrors.untranslatable(format));
                                    if (out != null) {
                                        out.close(); // the caller is done; read on only to bill
                                        out = null;
                                    }
                                }
                            }
                        }
                        if (chunk.isEmpty() || (out == null && usage.usage().isPresent())) {
                            break; // the end, or the client is gone and the bill is known
                        }
                    }
                    if (translator != null
                            && out != null
                            && !untranslatable
                            && !translator.finished()) {
                        // the caller's client needs its format's own end; a bare EOF is a break
                        broken = true;
                        LOG.warn(
                                "upstream stream of {} ended before its end marker: billing from"
                                        + " what was seen",
                                routed.provider().id());
                        out = relayRaw(out, SseErrors.upstreamBroken(format));
                    }
                } catch (ForwardException | IllegalStateException e) {
                    broken = true;
                    LOG.warn(
                            "upstream stream of {} ended early ({}): billing from what was seen",
                            routed.provider().id(),
                            e instanceof ForwardException
                                    ? ((ForwardException) e).kind()
                                    : e.getClass().getSimpleName());
                    if (!untranslatable) {
                        out = relayRaw(out, SseErrors.upstreamBroken(format));
                    }
                }
                try {
                    settle(
                            held,
                            usage.usage(),
                            usage.inputUsageSeen(),
                            usage.outputBytesSeen(),
                            broken || untranslatable ? 502 : status,
                            response.headers(),
                            untranslatable
                                    ? "The upstream stream could not be translated; billed from"
                                            + " the upstream's usage."
                                    : "The upstream stream broke before it completed; billed"
                                            + " from what was seen.");
                } finally {
                    if (out != null) {
                        out.close();
                    }
                }
            }
        }

        private byte[] raw(List<SseEvent> events) {
            if (events.size() == 1) {
                return events.get(0).raw();
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (SseEvent event : events) {
                bytes.writeBytes(event.raw());
            }
            return bytes.toByteArray();
        }

        /** Opens the stream; after a 401, once more with a fresh key if the source has one. */
        private HttpTransport.StreamingResponse openWithFreshKeyOn401(HttpTransport.Request call) {
            HttpTransport.StreamingResponse response = upstream.open(call);
            if (response.status() != 401) {
                return response;
            }
            Optional<HttpTransport.Request> again = withFreshKey(call);
            if (again.isEmpty()) {
                return response;
            }
            response.close();
            return upstream.open(again.get());
        }

        /**
         * After the provider answered 401 to the key: asks the key source for a fresh one (the
         * control plane refetches once) and returns the request again with it, or empty when the
         * source has no other key (a fixed key) or cannot fetch one; then the 401 stands.
         */
        private Optional<HttpTransport.Request> withFreshKey(HttpTransport.Request call) {
            ProviderKey rejected = key;
            ProviderKey fresh;
            try {
                tenant.keys().invalidate(rejected);
                fresh = tenant.keys().key(routed.provider()).orElse(null);
            } catch (ControlPlaneException e) {
                LOG.warn("no fresh provider key after a 401: {}", e.getMessage());
                return Optional.empty();
            }
            if (fresh == null || fresh.equals(rejected)) {
                return Optional.empty();
            }
            key = fresh;
            scrubber.add(fresh.secret());
            LOG.info(
                    "retrying a {} request once with a fresh provider key", routed.provider().id());
            return Optional.of(
                    new HttpTransport.Request(
                            call.method(),
                            upstreamUri(upstreamPath),
                            ForwardedHeaders.upstream(
                                    request.headers(), key, call.body().length > 0),
                            call.body(),
                            call.timeout()));
        }

        /** Writes bytes unless the client is gone; returns the stream, or null once gone. */
        private ResponseSink.ResponseStream relayRaw(
                ResponseSink.ResponseStream out, byte[] bytes) {
            return out != null && out.write(bytes) ? out : null;
        }

        /**
         * Writes one event's bytes (nothing when empty) unless the client is gone, or, with {@code
         * dropUsageChunk}, {@code event} is the usage-only chunk; returns the stream, or null once
         * gone.
         */
        private ResponseSink.ResponseStream relay(
                ResponseSink.ResponseStream out,
                byte[] bytes,
                boolean dropUsageChunk,
                SseEvent event) {
            if (out == null
                    || bytes.length == 0
                    || (dropUsageChunk && OpenAiStreams.isUsageOnlyChunk(event))) {
                return out;
            }
            if (!out.write(bytes)) {
                LOG.debug("client left a stream mid-way; reading on to bill it: {}", request);
                return null;
            }
            if (firstByteMs.isEmpty()) {
                firstByteMs = OptionalLong.of(clock.millis() - startedMs);
            }
            return out;
        }

        private void relayStreamError(ResponseSink sink, HttpTransport.StreamingResponse response) {
            int status = response.status();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            try {
                for (Optional<byte[]> chunk = response.read();
                        chunk.isPresent();
                        chunk = response.read()) {
                    body.writeBytes(chunk.get());
                }
            } catch (ForwardException e) {
                LOG.debug("upstream error body cut short: {}", e.kind());
            }
            if (status == 401 || status == 403) {
                // recorded before the caller has the answer, as a success is settled first
                recordFailure(status, "upstream_auth_failed", Optional.empty(), response.headers());
                reply(sink, ErrorResponses.upstreamAuthFailed(format, status));
                return;
            }
            byte[] clean = scrubber.scrubCut(body.toByteArray());
            recordFailure(status, String.valueOf(status), errorMessage(clean), response.headers());
            if (translated) {
                reply(sink, translatedError(status, response.headers(), clean));
            } else {
                sink.send(
                        status,
                        scrubber.scrub(ForwardedHeaders.downstream(response.headers())),
                        clean);
            }
        }

        private void upstreamFailed(ResponseSink sink, ForwardException e) {
            String host = key.effectiveBaseUrl().getHost();
            boolean timeout = e.kind() == ForwardException.Kind.TIMEOUT;
            LOG.warn("{} upstream {} failed: {}", routed.provider().id(), host, e.kind());
            recordFailure(
                    timeout ? 504 : 502,
                    timeout ? "upstream_timeout" : "upstream_unreachable",
                    Optional.empty(),
                    HeaderMap.empty());
            reply(
                    sink,
                    timeout
                            ? ErrorResponses.upstreamTimeout(format, host)
                            : ErrorResponses.upstreamUnreachable(format, host));
        }

        /**
         * Commits the real cost: from the provider's usage, else (a stream cut short, a body
         * without usage) from what was seen, bounded by the worst case of the input.
         */
        private void settle(
                Reservation held,
                Optional<TokenUsage> usage,
                Optional<TokenUsage> inputSeen,
                long outputBytesSeen,
                int status,
                HeaderMap upstreamHeaders,
                String failure) {
            LlmModelMeta meta = LlmModelMeta.of(routed.provider(), routed.model().orElse(""));
            RequestMeta requestMeta = requestMeta(status, upstreamHeaders);
            if (price.isEmpty()) {
                // free and unmetered calls are not LLM requests to report
                if (endpoint.metered()
                        && routed.model().isPresent()
                        && status >= 200
                        && status <= 299) {
                    record(
                            LlmRequestCompleted.unpriced(
                                    meta, usage.orElse(TokenUsage.NONE), requestMeta));
                }
                return;
            }
            TokenUsage billed = usage.orElseGet(() -> fromWhatWasSeen(inputSeen, outputBytesSeen));
            if (usage.isEmpty()) {
                LOG.warn(
                        "no usage reported for a {} request to {}; billing from what was seen",
                        routed.model().orElse(""),
                        routed.provider().id());
            }
            // web searches are billed per call on top of the tokens
            Money cost =
                    price.get()
                            .cost(billed)
                            .plus(
                                    Money.ofMicros(
                                            price.get().toolFeeMicros(shape, searchesReported)));
            if (cost.micros() > held.amount().micros()) {
                // the provider reported more than the worst case allows: the money was spent, so
                // it is charged (as the reference does), but the budget may now be overspent
                LOG.warn(
                        "a {} request cost {} µ$, more than the {} µ$ reserved for it: {}",
                        routed.model().orElse(""),
                        cost.micros(),
                        held.amount().micros(),
                        billed);
            }
            // the lease first: a stopping tenant returns its lease once nothing is reserved, so
            // the spend must be on the lease before the reservation is released
            tenant.settled(routed.provider(), routed.model().orElse(""), billed, cost);
            held.commit(cost);
            if (status >= 200 && status <= 299) {
                record(LlmRequestCompleted.priced(meta, billed, cost, requestMeta));
            } else {
                record(
                        LlmRequestFailed.billed(
                                meta, String.valueOf(status), failure, requestMeta, billed, cost));
            }
        }

        /**
         * The bill of a response without usage: the input the stream reported, else the worst-case
         * input bound; output as the UTF-8 bytes of the text seen (at least one byte per token),
         * but never more than the worst-case output bound the reservation was made with.
         *
         * <p>Both output counts are upper bounds of the tokens produced, so the smaller one is too.
         * The byte count alone is not bounded by {@code max_tokens}: a token is often several bytes
         * ("w " is one token, two bytes), so a stream cut short of short tokens would be billed
         * more than its reservation, and a budget that was full would overspend.
         */
        private TokenUsage fromWhatWasSeen(Optional<TokenUsage> inputSeen, long outputBytesSeen) {
            ModelPricing model = price.orElseThrow();
            TokenUsage input =
                    inputSeen.orElseGet(() -> TokenUsage.of(model.worstCaseInputTokens(shape), 0));
            return new TokenUsage(
                    input.inputTokens(),
                    Math.min(outputBytesSeen, model.worstCaseOutputTokens(shape)),
                    input.cacheReadTokens(),
                    input.cacheWriteTokens());
        }

        private void recordFailure(
                int status, String code, Optional<String> message, HeaderMap upstreamHeaders) {
            if (!endpoint.metered() || routed.model().isEmpty()) {
                return;
            }
            LlmModelMeta meta = LlmModelMeta.of(routed.provider(), routed.model().get());
            record(
                    new LlmRequestFailed(
                            meta,
                            Optional.of(code),
                            message,
                            requestMeta(status, upstreamHeaders)));
        }

        private RequestMeta requestMeta(int status, HeaderMap upstreamHeaders) {
            Optional<String> requestId =
                    upstreamHeaders
                            .first("x-request-id")
                            .or(() -> upstreamHeaders.first("request-id"))
                            .filter(id -> !id.isBlank());
            long latency = Math.max(0, clock.millis() - startedMs);
            OptionalLong ttfb =
                    firstByteMs.isPresent() && firstByteMs.getAsLong() <= latency
                            ? firstByteMs
                            : OptionalLong.empty();
            return new RequestMeta(requestId, latency, ttfb, stream, translated, status);
        }

        private void record(EventPayload payload) {
            long now = clock.millis();
            try {
                AnalyticsEvent event =
                        AnalyticsEvent.of(AnalyticsEvent.newEventId(now), now, payload);
                if (tenant.agentId().isPresent()) {
                    event = event.withAgentId(tenant.agentId().get());
                }
                if (blocking) {
                    events.record(event);
                } else {
                    // on an event loop: a sink that would wait for room waits on a worker
                    events.recordWithoutWaiting(event).ifPresent(this::onWorker);
                }
            } catch (RuntimeException e) {
                LOG.warn(
                        "an analytics event could not be recorded: {}",
                        e.getClass().getSimpleName());
            }
        }
    }

    private static Optional<JsonNode> readJson(byte[] body) {
        try {
            return Optional.ofNullable(JSON.readTree(body));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static byte[] writeJson(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("a parsed request could not be written back", e);
        }
    }

    /** The {@code error.message} of an upstream error body, if it has one. */
    private static Optional<String> errorMessage(byte[] body) {
        return readJson(body)
                .map(j -> j.path("error").path("message"))
                .filter(JsonNode::isTextual)
                .map(JsonNode::asText);
    }
}
