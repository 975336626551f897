package io.ironcage.router.core.internal;

import io.ironcage.router.core.agent.RatePermit;
import io.ironcage.router.core.agent.Tenant;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ApiPath;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderRouting.Routed;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.RequestTarget;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.RequestShape;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.provider.Endpoint;
import io.ironcage.router.core.provider.ProviderApi;
import io.ironcage.router.core.provider.Translation;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * One request's state on its way through the stages: what the gate found, what the route stage
 * chose, what the admit stage reserved, and what the relays saw. Stages run one after another (each
 * completes before the next starts), so the fields need no lock.
 */
final class Call {
    /**
     * The router's id of the caller's request ({@code req_} and 24 lowercase hex digits), shared by
     * the analytics events of all its attempts and sent back as {@code x-iron-router-request-id}.
     * Random, not secret: from {@link ThreadLocalRandom}, cheap on the hot path.
     */
    final String requestId =
            "req_"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong())
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());

    /** The pipeline-wide parts every stage uses. */
    final PipelineParts parts;

    final ProxyRequest request;

    /** What the gate found: the target, the kind of path, the endpoint and the tenant. */
    final RequestGate.Passed head;

    final long startedMs;

    /**
     * When the attempt under way started: its event's latency and time to first byte count from
     * here.
     */
    long attemptStartedMs;

    /**
     * The request's hold on its tenant's rate limits (taken by {@link Admission}): {@link
     * RatePermit#settle} with the billed tokens ({@link Settlement}), {@link RatePermit#release}
     * when the request ends; both idempotent, so a retry loop may call them per attempt. The shared
     * no-op {@link RatePermit#NONE} when the tenant has no limits.
     */
    RatePermit ratePermit = RatePermit.NONE;

    Routed routed;
    ProviderKey key;
    String upstreamPath;
    Optional<ModelPricing> price = Optional.empty();
    RequestShape shape;
    boolean stream;
    ProviderApi api;
    Translation translation;
    OptionalLong firstByteMs = OptionalLong.empty();
    OptionalLong searchesReported = OptionalLong.empty();

    /** The attempt under way, 1-based over all of the request's models ({@link Attempts}). */
    int attempt = 1;

    /** Whether the attempt's model is a fallback: the body's model is rewritten to it. */
    boolean fallback;

    /** Whether the attempt's request went to the provider (its breaker learns from it). */
    boolean sent;

    /** The provider's error status the attempt answers with, 0 for none. */
    int upstreamError;

    /** Why the attempt got no answer from the provider, if it got none. */
    ForwardException.Kind forwardFailure;

    /** The keys this request sent upstream, kept out of what goes back to the caller. */
    final SecretScrubber scrubber = new SecretScrubber();

    /** Runs what may block; runs it right here when this thread may block. */
    final Executor workers;

    /**
     * Whether this request runs on a thread that may block: from the start on a transport's
     * blocking thread ({@link ProxyHandler#CALLING_THREAD}), else from the moment it moves to a
     * worker. Steps run one after another (each stage completes before the next starts), so the
     * fields need no lock.
     */
    boolean blocking;

    Call(ProxyRequest request, RequestGate.Passed head, Executor workers, PipelineParts parts) {
        this.parts = parts;
        this.request = request;
        this.head = head;
        this.startedMs = parts.clock().millis();
        this.attemptStartedMs = startedMs;
        this.workers = workers;
        // a transport whose thread may block runs everything here, with plain upstream calls
        this.blocking = workers == ProxyHandler.CALLING_THREAD;
    }

    /**
     * Finds a model's prices as on the day the request started (UTC), which picks a price-database
     * entry's dated prices; the reservation and the translation look up with the same day.
     */
    Optional<ModelPricing> pricing(String model) {
        LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(startedMs), ZoneOffset.UTC);
        return parts.pricing().find(model, day);
    }

    /** The request's normalised target. */
    RequestTarget target() {
        return head.target();
    }

    /** What the request's path is. */
    ApiPath apiPath() {
        return head.apiPath();
    }

    /** The format the caller speaks, for the router's own answers. */
    ProviderType format() {
        return head.apiPath().format();
    }

    /** How the request is billed. */
    Endpoint endpoint() {
        return head.endpoint();
    }

    /** The metered API the request calls; {@link ApiKind#OTHER} unless metered. */
    ApiKind kind() {
        return head.endpoint().kind();
    }

    /** Whose request it is. */
    Tenant tenant() {
        return head.tenant();
    }

    /** Forgets what the last attempt reserved, sent and saw, before the next one. */
    void newAttempt() {
        attemptStartedMs = parts.clock().millis();
        key = null;
        upstreamPath = null;
        price = Optional.empty();
        shape = null;
        firstByteMs = OptionalLong.empty();
        searchesReported = OptionalLong.empty();
        sent = false;
        upstreamError = 0;
        forwardFailure = null;
    }

    /** Runs the rest of the request here if this thread may block, else on a worker. */
    <T> CompletionStage<T> offload(Supplier<CompletionStage<T>> rest) {
        if (blocking) {
            return rest.get();
        }
        return offloadWork(
                () -> {
                    blocking = true;
                    return rest.get();
                });
    }

    /**
     * Runs the rest of the request on a worker without making it a blocking one: for CPU work too
     * heavy for an event loop (counting a large prompt's tokens), after which the upstream call
     * still goes without blocking, so no worker is held for the provider's answer.
     */
    <T> CompletionStage<T> offloadWork(Supplier<CompletionStage<T>> rest) {
        if (blocking) {
            return rest.get();
        }
        return CompletableFuture.supplyAsync(rest, workers).thenCompose(stage -> stage);
    }

    /**
     * Runs a sink's wait for room on a worker; on a thread of its own if none takes it (the server
     * is closing), never on the loop.
     */
    void onWorker(Runnable task) {
        try {
            workers.execute(task);
        } catch (RejectedExecutionException e) {
            ProxyPipeline.waitOnOwnThread(task);
        }
    }

    /** Sends the whole request upstream: blocking on this thread, or without blocking. */
    CompletionStage<HttpTransport.Response> send(HttpTransport.Request call) {
        try {
            return blocking
                    ? CompletableFuture.completedFuture(parts.upstream().send(call))
                    : parts.upstream().sendAsync(call, workers);
        } catch (ForwardException e) {
            return CompletableFuture.failedFuture(e); // answered 502 either way, not 500
        }
    }
}
