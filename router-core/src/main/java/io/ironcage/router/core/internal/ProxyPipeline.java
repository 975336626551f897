package io.ironcage.router.core.internal;

import static io.ironcage.router.core.internal.Stages.DONE;
import static io.ironcage.router.core.internal.Stages.reply;

import io.ironcage.router.core.agent.Readiness;
import io.ironcage.router.core.agent.Tenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.domain.ModelsPath;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetPolicy;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.resilience.Resilience;
import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.RequestHead;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.spi.UsageEventSink;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The request path: a short orchestration of named stages, each its own class in this package.
 *
 * <ol>
 *   <li>{@link RequestGate}: the checks on the head (health and readiness, size, token, body limit,
 *       path), also run by the transport before it reads the body;
 *   <li>{@link Routing}: the body read, the provider picked, the translation decided; a models
 *       request ({@code GET /v1/models}, {@code GET /v1/models/{id}}) is answered by {@link
 *       ModelListing} instead, from every configured provider;
 *   <li>{@link Admission}: the tenant admits it, its key is at hand, the {@link BudgetPolicy}
 *       reserves the worst case;
 *   <li>{@link UpstreamCall}: the provider's request sent, once more with a fresh key after a 401;
 *   <li>{@link WholeAnswer} or {@link StreamRelay}: the answer relayed, translated back when the
 *       caller speaks the other API;
 *   <li>{@link Settlement}: the bill committed and the analytics event recorded.
 * </ol>
 *
 * <p>Every reservation is released on every path: a path that neither commits nor cancels it
 * releases it when the request ends, and the error paths release it before the answer leaves.
 *
 * <p>{@link #handle} never blocks the calling thread: a request that is not streamed, whose key is
 * at hand, is checked, priced, reserved, sent upstream without blocking ({@link
 * HttpTransport#sendAsync}), settled and answered from the thread that completes the upstream call,
 * and never touches a worker; a stream, a key that must be fetched, or a retry after a 401 moves
 * the rest of the request to the worker executor (which, for a transport whose own thread may
 * block, runs it right there).
 */
public final class ProxyPipeline implements ProxyHandler {
    /**
     * The response header that carries the router's id of a routed request ({@code req_} and 24
     * lowercase hex digits), the id its analytics events are recorded under.
     */
    public static final String REQUEST_ID_HEADER = "x-iron-router-request-id";

    private static final byte[] HEALTH = "LlmRouter OK".getBytes(StandardCharsets.UTF_8);
    private static final HeaderMap TEXT = HeaderMap.of("content-type", "text/plain; charset=utf-8");
    private static final HeaderMap JSON_TYPE = HeaderMap.of("content-type", "application/json");

    private final PipelineParts parts;
    private final RequestGate gate;
    private final Settings settings;

    /**
     * How the pipeline answers what is not a provider's business.
     *
     * @param upstreamTimeout the whole upstream exchange; for a stream, between chunks
     * @param rejectUnpriced whether an unpriced model is refused while a limit is in force
     * @param allowUnmetered whether work the router cannot meter is forwarded under a limit
     * @param maxRequestBodyBytes the body limit, named in the 413 message
     * @param readiness asked at each {@code GET /ready}; must not block on the network
     * @param resilience retries, fallbacks and circuit breakers
     * @param delays runs the waits between attempts; may be null only without retries
     */
    public record Settings(
            Duration upstreamTimeout,
            boolean rejectUnpriced,
            boolean allowUnmetered,
            long maxRequestBodyBytes,
            Supplier<Readiness> readiness,
            Resilience resilience,
            ScheduledExecutorService delays) {
        /** Validates the components. */
        public Settings {
            Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
            Objects.requireNonNull(readiness, "readiness");
            Objects.requireNonNull(resilience, "resilience");
            if (delays == null && resilience.retriesOrFallsBack()) {
                throw new IllegalArgumentException(
                        "retries, fallbacks and breakers need a scheduler for their waits");
            }
        }

        /**
         * Settings without retries, fallbacks or breakers.
         *
         * @param upstreamTimeout the whole upstream exchange; for a stream, between chunks
         * @param rejectUnpriced whether an unpriced model is refused while a limit is in force
         * @param allowUnmetered whether work the router cannot meter is forwarded under a limit
         * @param maxRequestBodyBytes the body limit, named in the 413 message
         * @param readiness asked at each {@code GET /ready}; must not block on the network
         */
        public Settings(
                Duration upstreamTimeout,
                boolean rejectUnpriced,
                boolean allowUnmetered,
                long maxRequestBodyBytes,
                Supplier<Readiness> readiness) {
            this(
                    upstreamTimeout,
                    rejectUnpriced,
                    allowUnmetered,
                    maxRequestBodyBytes,
                    readiness,
                    Resilience.NONE,
                    null);
        }

        /**
         * Returns these settings with retries, fallbacks and breakers.
         *
         * @param options what to do when a provider fails
         * @param scheduler runs the waits between attempts; may be null only without retries
         * @return the new settings
         */
        public Settings withResilience(Resilience options, ScheduledExecutorService scheduler) {
            return new Settings(
                    upstreamTimeout,
                    rejectUnpriced,
                    allowUnmetered,
                    maxRequestBodyBytes,
                    readiness,
                    options,
                    scheduler);
        }

        /**
         * Returns settings that accept unpriced models, refuse unmetered work under a limit and are
         * always ready.
         *
         * @param upstreamTimeout the whole upstream exchange; for a stream, between chunks
         * @param maxRequestBodyBytes the body limit, named in the 413 message
         * @return the settings
         */
        public static Settings of(Duration upstreamTimeout, long maxRequestBodyBytes) {
            return new Settings(
                    upstreamTimeout, false, false, maxRequestBodyBytes, () -> Readiness.READY);
        }

        /**
         * Returns these settings with the unpriced-model policy.
         *
         * @param reject whether an unpriced model is refused while a limit is in force
         * @return the new settings
         */
        public Settings withRejectUnpriced(boolean reject) {
            return new Settings(
                    upstreamTimeout,
                    reject,
                    allowUnmetered,
                    maxRequestBodyBytes,
                    readiness,
                    resilience,
                    delays);
        }

        /**
         * Returns these settings with the unmetered-work policy.
         *
         * @param allow whether work the router cannot meter is forwarded under a limit
         * @return the new settings
         */
        public Settings withAllowUnmetered(boolean allow) {
            return new Settings(
                    upstreamTimeout,
                    rejectUnpriced,
                    allow,
                    maxRequestBodyBytes,
                    readiness,
                    resilience,
                    delays);
        }

        /**
         * Returns these settings with what {@code GET /ready} answers.
         *
         * @param now asked at each {@code GET /ready}; must not block on the network
         * @return the new settings
         */
        public Settings withReadiness(Supplier<Readiness> now) {
            return new Settings(
                    upstreamTimeout,
                    rejectUnpriced,
                    allowUnmetered,
                    maxRequestBodyBytes,
                    now,
                    resilience,
                    delays);
        }
    }

    /**
     * Creates the pipeline.
     *
     * @param tenants the tenants by caller token (one per agent, or the one of direct mode); may
     *     change while the pipeline runs
     * @param upstream the client for provider calls
     * @param pricing the prices
     * @param events where analytics events go
     * @param clock the only source of "now"
     * @param settings timeouts, limits and policies
     */
    public ProxyPipeline(
            Tenants tenants,
            HttpTransport upstream,
            PricingTable pricing,
            UsageEventSink events,
            Clock clock,
            Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.gate =
                new RequestGate(
                        Objects.requireNonNull(tenants, "tenants"),
                        settings.allowUnmetered(),
                        settings.maxRequestBodyBytes());
        this.parts =
                PipelineParts.of(
                        Objects.requireNonNull(upstream, "upstream"),
                        Objects.requireNonNull(pricing, "pricing"),
                        Objects.requireNonNull(events, "events"),
                        Objects.requireNonNull(clock, "clock"),
                        settings.upstreamTimeout(),
                        new BudgetPolicy(settings.rejectUnpriced(), settings.allowUnmetered()),
                        settings.resilience(),
                        settings.delays());
    }

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
        RequestGate.Outcome outcome =
                gate.check(head.method(), head.path(), head.query(), head.headers(), false);
        return outcome instanceof RequestGate.Refused
                ? Optional.of(early(((RequestGate.Refused) outcome).answer()))
                : Optional.empty();
    }

    /** A transport's own refusal, as JSON in the caller's format when the path tells it. */
    @Override
    public EarlyAnswer unreadable(int status, Optional<String> path) {
        ProviderType format = path.map(RequestGate::formatOf).orElse(ProviderType.OPENAI);
        return early(ErrorResponses.unreadable(format, status, settings.maxRequestBodyBytes()));
    }

    private static EarlyAnswer early(ErrorResponse error) {
        return new EarlyAnswer(error.status(), error.headers(), error.body());
    }

    /** Runs the request without blocking, moving what may block to {@code workers}. */
    private CompletionStage<Void> start(ProxyRequest request, ResponseSink sink, Executor workers) {
        RequestGate.Outcome outcome =
                gate.check(
                        request.method(),
                        request.path(),
                        request.query(),
                        request.headers(),
                        request.bodyTooLarge());
        if (outcome instanceof RequestGate.Refused) {
            RequestGate.Refused refused = (RequestGate.Refused) outcome;
            reply(
                    refused.tenant().isEmpty()
                            ? sink
                            : new AnsweredSink(sink, refused.tenant().get()),
                    refused.answer());
            return DONE;
        }
        RequestGate.Passed passed = (RequestGate.Passed) outcome;
        if (passed.kind() == RequestGate.Kind.HEALTH) {
            sink.send(200, TEXT, HEALTH);
            return DONE;
        }
        if (passed.kind() == RequestGate.Kind.READY) {
            Readiness now = settings.readiness().get();
            sink.send(now.status(), JSON_TYPE, ReadinessAnswer.body(now));
            return DONE;
        }
        ResponseSink answered = new AnsweredSink(sink, passed.tenant());
        if (request.bodyLength() > 0 && !RequestGate.jsonContentType(request.headers())) {
            reply(
                    answered,
                    ErrorResponses.badRequest(
                            passed.apiPath().format(),
                            "The request body must be JSON, sent with Content-Type:"
                                    + " application/json.",
                            null));
            return DONE;
        }
        Call call = new Call(request, passed, workers, parts);
        Optional<ModelsPath> models = ModelsPath.of(request.method(), passed.target().path());
        if (models.isPresent()) {
            return ModelListing.answer(call, answered, models.get());
        }
        return Routing.route(call, new RequestIdSink(answered, call.requestId));
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

    /**
     * Adds {@link #REQUEST_ID_HEADER} to each answer of a routed request, so a caller can name the
     * request its analytics events are recorded under.
     */
    private static final class RequestIdSink implements ResponseSink {
        private final ResponseSink sink;
        private final String requestId;

        RequestIdSink(ResponseSink sink, String requestId) {
            this.sink = sink;
            this.requestId = requestId;
        }

        @Override
        public boolean send(int status, HeaderMap headers, byte[] body) {
            return sink.send(status, withId(headers), body);
        }

        @Override
        public ResponseStream stream(int status, HeaderMap headers) {
            return sink.stream(status, withId(headers));
        }

        private HeaderMap withId(HeaderMap headers) {
            return headers.toBuilder().set(REQUEST_ID_HEADER, requestId).build();
        }
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
}
