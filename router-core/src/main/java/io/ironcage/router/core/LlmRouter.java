package io.ironcage.router.core;

import io.ironcage.router.core.agent.Agent;
import io.ironcage.router.core.agent.AgentRuntime;
import io.ironcage.router.core.agent.AgentSpec;
import io.ironcage.router.core.agent.RateLimits;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.config.RouterConfig;
import io.ironcage.router.core.config.RouterConfigLoader;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.RouterStopped;
import io.ironcage.router.core.domain.budget.BudgetStatus;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.errors.ConfigException;
import io.ironcage.router.core.errors.LlmRouterException;
import io.ironcage.router.core.errors.ServerStartException;
import io.ironcage.router.core.resilience.CircuitBreakerOptions;
import io.ironcage.router.core.resilience.Resilience;
import io.ironcage.router.core.resilience.RetryOptions;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.core.spi.UpstreamProxy;
import io.ironcage.router.core.spi.UsageEventSink;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A running local LLM proxy: point an OpenAI or Anthropic SDK at {@link #baseUrl()} and present
 * {@link #token()}; the router routes to the right provider with the real key, enforces the budget
 * and records usage.
 *
 * <pre>{@code
 * try (LlmRouter router = LlmRouter.builder()
 *         .transport(new JdkHttpTransportProvider())
 *         .providerKeys(ProviderKeySource.fixed(ProviderKey.of(System.getenv("OPENAI_API_KEY"))))
 *         .budget(Money.fromUsdTruncating(2.00))
 *         .start()) {
 *     // give router.baseUrl() and router.token() to the client
 * }
 * }</pre>
 *
 * <p>Mirrors the reference's {@code LlmRouter} (reference §2.1): base URL, port, running state,
 * total spent, budget get/set/status, close. Differences: it binds port 0 directly and reports the
 * bound port (no probe-then-rebind race), it is ready when {@link Builder#start()} returns (no
 * sleep), and without a budget it is unlimited (the reference blocks everything with a limit of 0).
 *
 * <p><b>Server mode</b> ({@link Builder#controlPlane(ControlPlaneOptions)}): each agent's IC token
 * is what its callers present; with it the router fetches the agent's provider key, leases its
 * budget (Protocol 005, renewed before it runs out, returned on close and on JVM shutdown) and
 * syncs its analytics events to the control server. A control server that refuses or cannot be
 * reached does not stop the router from starting: requests get an error that says so, until it
 * answers again. One router can serve several agents, each with its own token, key, lease, budget
 * and analytics attribution, and start or stop them at run time ({@link #agents()}).
 *
 * <p><b>Direct keys with the control server</b> (both {@link Builder#providerKeys} and {@link
 * Builder#controlPlane}; the reference's {@code create_full}): the provider keys are the router's
 * own and never fetched, while each agent still leases its budget and its analytics are synced, as
 * in server mode (no lease: its requests are refused until one is granted). A {@link
 * Builder#budget} then is a local ceiling on top of the lease: a request must fit under both.
 */
public final class LlmRouter implements AutoCloseable {
    private final RouterAssembly.Parts parts;
    private final AtomicBoolean running = new AtomicBoolean(true);

    /** Counted down when the first {@link #close()} is done: later callers wait for it. */
    private final CountDownLatch closed = new CountDownLatch(1);

    /** Built by {@link RouterAssembly}, which has started every part. */
    LlmRouter(RouterAssembly.Parts parts) {
        this.parts = parts;
    }

    /**
     * Returns a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a router from a {@code router.yaml} (README "Configuration"): listen address,
     * transport (found on the class path by name), token, provider keys, budget, pricing overrides,
     * timeouts and the server's request timeouts. A {@code listen} address that is not loopback
     * ({@link RouterConfig.Listen#isLoopback()}) is logged as a warning naming the address (never
     * the token).
     *
     * @param file the configuration file
     * @return the running router
     * @throws ConfigException if the file is missing or invalid (naming the key and line)
     * @throws LlmRouterException if the configured transport is not on the class path, or the
     *     configuration asks for SQLite analytics (which needs the SQLite module; see {@link
     *     #fromConfig(RouterConfig, UsageEventSink)})
     * @throws ServerStartException if the address cannot be bound
     */
    public static LlmRouter fromConfig(Path file) {
        return fromConfig(RouterConfigLoader.load(file));
    }

    /**
     * Starts a router from a parsed configuration; see {@link #fromConfig(Path)}.
     *
     * @param config the configuration
     * @return the running router
     */
    public static LlmRouter fromConfig(RouterConfig config) {
        ConfigMapping.requireNoSqlite(config);
        return fromConfig(config, UsageEventSink.noop());
    }

    /**
     * Starts a router from a parsed configuration, recording usage events into {@code sink} (which
     * the router closes on {@link #close()}); this is how {@code analytics.sqlite} is honoured, by
     * a caller that has the SQLite module. In server mode, a sink that is a {@link
     * io.ironcage.router.core.spi.UsageEventStore} is what the analytics sync reads.
     *
     * @param config the configuration
     * @param sink where usage events go
     * @return the running router
     */
    public static LlmRouter fromConfig(RouterConfig config, UsageEventSink sink) {
        return fromConfig(config, sink, TransportProvider.load(config.transport()));
    }

    /** {@link #fromConfig(RouterConfig, UsageEventSink)} on a given transport. */
    static LlmRouter fromConfig(
            RouterConfig config, UsageEventSink sink, TransportProvider transport) {
        return ConfigMapping.builder(config, transport).usageSink(sink).start();
    }

    /**
     * Returns the OpenAI-style base URL, {@code http://127.0.0.1:PORT/v1} (reference {@code
     * get_base_url}). Anthropic SDKs take {@link #baseUri()} (without {@code /v1}).
     *
     * @return the base URL
     */
    public String baseUrl() {
        return baseUri() + "/v1";
    }

    /**
     * Returns the router's root URI, {@code http://HOST:PORT}.
     *
     * @return the root URI
     */
    public URI baseUri() {
        String host = parts.server().address().getHostString();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port());
    }

    /**
     * Returns the bound port.
     *
     * @return the port
     */
    public int port() {
        return parts.server().address().getPort();
    }

    /**
     * Returns the token callers must present ({@code Authorization: Bearer} or {@code x-api-key}).
     * Generated at start when none was configured.
     *
     * @return the token
     */
    public String token() {
        return parts.token();
    }

    /**
     * Returns the providers the router holds a key for (the reference's {@code get_provider}
     * reports its single key's provider; this router may hold one key per provider).
     *
     * @return the providers
     */
    public Set<ProviderType> providers() {
        return parts.keys().providers();
    }

    /**
     * Returns the router's agents: start and stop them while it serves, and read their metrics. In
     * server mode every configured IC token is an agent; in direct mode there are none until one is
     * started (they share the router's provider keys).
     *
     * @return the runtime
     */
    public AgentRuntime agents() {
        return new AgentRuntime(parts.agents());
    }

    /**
     * Returns the router's most recent analytics events, oldest first: the last {@value
     * io.ironcage.router.core.internal.RecentEvents#DEFAULT_CAPACITY} kept in memory whatever sink
     * is configured (which also receives every event).
     *
     * @return a snapshot of the recent events
     */
    public List<AnalyticsEvent> recentEvents() {
        return parts.events().snapshot();
    }

    /**
     * Returns whether the router is serving (true from start until {@link #close()}).
     *
     * @return {@code true} while serving
     */
    public boolean isRunning() {
        return running.get();
    }

    /**
     * Returns the money spent so far, by every agent together.
     *
     * @return the total
     */
    public Money totalSpent() {
        Money total = parts.serverMode() ? Money.ZERO : parts.ledger().totalSpent();
        for (Agent agent : parts.agents().all()) {
            total = total.plus(agent.ledger().totalSpent());
        }
        return total;
    }

    /**
     * Sets the budget limit (reference {@code set_budget}); spent and reserved are untouched. In
     * server mode this is the first agent's local limit.
     *
     * @param limit the new limit
     * @throws IllegalStateException if that budget is leased from the control server
     */
    public void setBudget(Money limit) {
        if (parts.serverMode() && parts.agents().all().get(0).lease().isPresent()) {
            throw new IllegalStateException(
                    "the budget is leased from the Iron Cage control server; change it there");
        }
        parts.ledger().setLimit(limit);
    }

    /**
     * Returns the budget limit (in server mode: the first agent's, which a lease sets).
     *
     * @return the limit, or empty when unlimited
     */
    public Optional<Money> budget() {
        return parts.ledger().limit();
    }

    /**
     * Returns spent, reserved and limit at one instant (in server mode: the first agent's; see
     * {@link #agents()} for each agent).
     *
     * @return the status
     */
    public BudgetStatus budgetStatus() {
        return parts.ledger().status();
    }

    /**
     * Stops serving and releases everything: accepts no new connection, answers new requests 503,
     * lets requests and streams in flight finish within the shutdown grace ({@link
     * Builder#shutdownGrace(Duration)}; it returns as soon as they are done), cuts what is left
     * (billed from what was seen), then settles, sends the final reports and analytics and returns
     * the leases. Idempotent: a call while another is closing returns when that one is done.
     */
    @Override
    public void close() {
        if (!running.compareAndSet(true, false)) {
            // a concurrent close (a shutdown hook, the application) returns when it is done, so
            // its caller does not tear down what the close still uses
            awaitClosed();
            return;
        }
        try {
            parts.resources().stopping();
            parts.server().close();
        } finally {
            try {
                long now = parts.clock().millis();
                parts.events()
                        .record(
                                AnalyticsEvent.of(
                                        AnalyticsEvent.newEventId(now),
                                        now,
                                        new RouterStopped(parts.requests().get(), totalSpent())));
                parts.resources().release();
            } finally {
                closed.countDown();
            }
        }
    }

    private void awaitClosed() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "LlmRouter[" + baseUri() + (running.get() ? "" : ", closed") + "]";
    }

    /**
     * The default of {@link Builder#maxConcurrentRequests(int)}: enough for ARCHITECTURE.md's 512
     * concurrent SSE streams with room to spare.
     */
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS =
            ServerOptions.DEFAULT_MAX_CONCURRENT_REQUESTS;

    /** Configures and starts an {@link LlmRouter}. Not thread-safe; use once. */
    public static final class Builder {
        // package-private: RouterAssembly reads them at start
        TransportProvider transport;
        ProviderKeySource keys;
        // a router.yaml key pool, made on the router's clock at start; providerKeys replaces it
        Function<Clock, ProviderKeySource> keysOnClock;
        Optional<Money> budget = Optional.empty();
        List<Integer> thresholds = CostController.DEFAULT_THRESHOLD_PERCENTS;
        String token;
        String host = "127.0.0.1";
        int port;
        Clock clock = Clock.systemUTC();
        PricingTable pricing = PricingTables.bundled();
        final List<ModelPricing> overrides = new ArrayList<>();
        UsageEventSink events = UsageEventSink.noop();
        Duration connectTimeout = Duration.ofSeconds(10);
        UpstreamProxy upstreamProxy; // null: the process's environment, read at start
        RateLimits rateLimits = RateLimits.NONE;
        Duration upstreamTimeout = Duration.ofSeconds(300);
        long maxRequestBodyBytes = ServerOptions.DEFAULT_MAX_REQUEST_BODY_BYTES;
        int maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
        boolean rejectUnpriced = true;
        boolean allowUnmetered;
        Duration headerTimeout = ServerOptions.DEFAULT_HEADER_TIMEOUT;
        Duration bodyTimeout = ServerOptions.DEFAULT_BODY_TIMEOUT;
        Duration writeTimeout = ServerOptions.DEFAULT_WRITE_TIMEOUT;
        Duration shutdownGrace = ServerOptions.DEFAULT_SHUTDOWN_GRACE;
        ControlPlaneOptions controlPlane;
        final List<AgentSpec> agentSpecs = new ArrayList<>();
        ScheduledExecutorService scheduler;
        Resilience resilience = Resilience.DEFAULTS;

        private Builder() {}

        /**
         * Sets how a model is retried when its provider fails (default {@link
         * RetryOptions#DEFAULTS}: 3 attempts per model, on 429, 500, 502, 503, 504, 529, no
         * connection and timeouts; {@link RetryOptions#NONE} leaves retrying to the caller's SDK).
         * Every attempt reserves and settles its own cost.
         *
         * @param options the retries
         * @return this builder
         */
        public Builder retries(RetryOptions options) {
            this.resilience = resilience.withRetries(Objects.requireNonNull(options, "options"));
            return this;
        }

        /**
         * Sets the fallback models: for a model as callers name it, the models tried in order once
         * its attempts are used up or its circuit breaker is open. A fallback of the other provider
         * is reached through the translators, with that provider's own key.
         *
         * @param fallbacks for each model, its fallbacks in order
         * @return this builder
         * @throws IllegalArgumentException if a model falls back to itself or lists one twice
         */
        public Builder fallbacks(Map<String, List<String>> fallbacks) {
            this.resilience =
                    resilience.withFallbacks(Objects.requireNonNull(fallbacks, "fallbacks"));
            return this;
        }

        /**
         * Turns on a circuit breaker per provider and model (default: none).
         *
         * @param options the failure rate, window and open time
         * @return this builder
         */
        public Builder circuitBreaker(CircuitBreakerOptions options) {
            this.resilience =
                    resilience.withCircuitBreaker(
                            Optional.of(Objects.requireNonNull(options, "options")));
            return this;
        }

        /**
         * Runs the router in server mode against an Iron Cage control server: provider keys, budget
         * leases and analytics sync come from there, for each agent ({@link #agent(AgentSpec)}, or
         * the {@link #token(String)}). Together with {@link #providerKeys(ProviderKeySource)}
         * (direct keys with the control server) the keys are those, never fetched, while leases and
         * analytics sync still come from the control server.
         *
         * @param options the server and how to use it
         * @return this builder
         */
        public Builder controlPlane(ControlPlaneOptions options) {
            this.controlPlane = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Adds an agent to run from the start (server mode): its IC token is what its callers
         * present and what the router presents to the control server. Without any, the {@link
         * #token(String)} is the one agent.
         *
         * @param spec the agent
         * @return this builder
         */
        public Builder agent(AgentSpec spec) {
            this.agentSpecs.add(Objects.requireNonNull(spec, "spec"));
            return this;
        }

        /**
         * Sets the scheduler that runs lease reports, renewals, retries, the waits between a
         * request's attempts and the analytics sync; default a two-thread daemon scheduler the
         * router shuts down on close. A scheduler given here is not shut down by the router.
         *
         * @param scheduler the scheduler
         * @return this builder
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Sets the transport (required), e.g. {@code new JdkHttpTransportProvider()}.
         *
         * @param transport the transport
         * @return this builder
         */
        public Builder transport(TransportProvider transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Sets where provider keys come from (required in direct mode; with a {@link
         * #controlPlane(ControlPlaneOptions)}, every agent uses these keys instead of fetching its
         * own).
         *
         * @param keys the key source, e.g. {@link ProviderKeySource#fixed}
         * @return this builder
         */
        public Builder providerKeys(ProviderKeySource keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
            this.keysOnClock = null;
            return this;
        }

        /**
         * Sets the key source made on the router's {@link #clock(Clock)} when it starts (a {@code
         * router.yaml} key pool, whose cooldowns run on that clock).
         */
        Builder providerKeysOnClock(Function<Clock, ProviderKeySource> keys) {
            this.keysOnClock = Objects.requireNonNull(keys, "keys");
            this.keys = null;
            return this;
        }

        /** The key source: the one set, else the one made on the clock; null for none. */
        ProviderKeySource keySource() {
            return keys != null || keysOnClock == null ? keys : keysOnClock.apply(clock);
        }

        /**
         * Sets a hard budget; without one the router is unlimited (and records spend). In server
         * mode it is each agent's fixed local limit instead of a leased budget (the reference's
         * server mode with an explicit budget, §2.1.1). With direct keys and a control plane both,
         * it is each agent's local ceiling on top of its lease: a request must fit under both.
         *
         * @param limit the limit
         * @return this builder
         */
        public Builder budget(Money limit) {
            this.budget = Optional.of(Objects.requireNonNull(limit, "limit"));
            return this;
        }

        /**
         * Sets the percentages of the budget at which a {@code BudgetThresholdReached} event is
         * recorded (default 80 and 100).
         *
         * @param percents the thresholds
         * @return this builder
         */
        public Builder thresholds(List<Integer> percents) {
            this.thresholds = List.copyOf(percents);
            return this;
        }

        /**
         * Sets the token callers must present; default: a random one, see {@link #token()}. In
         * server mode without {@link #agent(AgentSpec)} it is the one agent's IC token.
         *
         * @param token the token
         * @return this builder
         */
        public Builder token(String token) {
            this.token = Objects.requireNonNull(token, "token");
            return this;
        }

        /**
         * Sets the address to listen on; default {@code 127.0.0.1} on a free port.
         *
         * @param host the host
         * @param port the port, 0 for any free one
         * @return this builder
         */
        public Builder listen(String host, int port) {
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            return this;
        }

        /**
         * Sets the clock (tests use a {@code MutableClock}).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Replaces the bundled pricing table.
         *
         * @param pricing the table
         * @return this builder
         */
        public Builder pricing(PricingTable pricing) {
            this.pricing = Objects.requireNonNull(pricing, "pricing");
            return this;
        }

        /**
         * Adds or replaces prices for models (e.g. one missing from the table).
         *
         * @param models the prices
         * @return this builder
         */
        public Builder pricingOverrides(List<ModelPricing> models) {
            this.overrides.addAll(models);
            return this;
        }

        /**
         * Sets where analytics events also go (durably, e.g. SQLite); the router always keeps its
         * most recent events in memory too ({@link LlmRouter#recentEvents()}).
         *
         * @param sink the sink; the router closes it on {@link #close()}
         * @return this builder
         */
        public Builder usageSink(UsageEventSink sink) {
            this.events = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Sets the outbound proxy upstreams are called through. Without it the router reads the
         * process's settings when it starts ({@link UpstreamProxy#fromSystem()}: {@code
         * HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}, else the JDK's proxy properties);
         * {@link UpstreamProxy#none()} calls every upstream directly.
         *
         * @param proxy the proxy
         * @return this builder
         */
        public Builder upstreamProxy(UpstreamProxy proxy) {
            this.upstreamProxy = Objects.requireNonNull(proxy, "proxy");
            return this;
        }

        /**
         * Sets the rate limits of each tenant (README, "Rate limits"): the router's token in direct
         * mode, every agent in server mode (and every agent started later), each with its own
         * counters. A request beyond a limit is answered 429 in the caller's format, with {@code
         * retry-after} and {@code x-ratelimit-*} headers, before anything is reserved or sent
         * upstream. Default {@link RateLimits#NONE}.
         *
         * @param limits the limits
         * @return this builder
         */
        public Builder rateLimits(RateLimits limits) {
            this.rateLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Sets the upstream timeouts.
         *
         * @param connect to connect to the provider (default 10 s)
         * @param upstream the whole exchange, or for streams each wait between chunks (default 300
         *     s)
         * @return this builder
         */
        public Builder timeouts(Duration connect, Duration upstream) {
            this.connectTimeout = Objects.requireNonNull(connect, "connect");
            this.upstreamTimeout = Objects.requireNonNull(upstream, "upstream");
            return this;
        }

        /**
         * Sets the request body limit (default 10 MiB).
         *
         * @param bytes the limit
         * @return this builder
         */
        public Builder maxRequestBodyBytes(long bytes) {
            this.maxRequestBodyBytes = bytes;
            return this;
        }

        /**
         * Sets how many requests are handled at once (default {@value
         * #DEFAULT_MAX_CONCURRENT_REQUESTS}). Each one in flight holds a worker thread of the
         * transport, for a stream as long as it lasts; threads are started as load needs them and
         * end after 30 s idle, so a high limit costs nothing until it is used. As many more may
         * wait; beyond that the router answers 503 at once.
         *
         * @param requests the limit, {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code requests < 1}
         */
        public Builder maxConcurrentRequests(int requests) {
            if (requests < 1) {
                throw new IllegalArgumentException(
                        "maxConcurrentRequests must be at least 1, got " + requests);
            }
            this.maxConcurrentRequests = requests;
            return this;
        }

        /**
         * Allows models without a price while a finite budget is in force (recorded as unpriced);
         * by default they are refused with a 400 that says how to add a price.
         *
         * @param allow whether to allow them
         * @return this builder
         */
        public Builder allowUnpricedModels(boolean allow) {
            this.rejectUnpriced = !allow;
            return this;
        }

        /**
         * Allows paid endpoints the router does not meter (batch creation, fine-tuning, images,
         * audio, assistants runs, ...) while a finite budget is in force; they are then forwarded
         * without a reservation and cost the budget nothing. By default they are refused with a 400
         * naming the path, because their cost would escape the budget. Without a budget they are
         * always forwarded.
         *
         * @param allow whether to forward them under a finite budget
         * @return this builder
         */
        public Builder allowUnmeteredEndpoints(boolean allow) {
            this.allowUnmetered = allow;
            return this;
        }

        /**
         * Sets how long a request's line and headers may take to arrive (default 10 s) and how long
         * its body may take in all (default 60 s); slower requests are answered 408 and their
         * connection closed.
         *
         * @param header the head's deadline, positive
         * @param body the body's deadline, positive
         * @return this builder
         * @throws IllegalArgumentException if a duration is not positive
         */
        public Builder requestTimeouts(Duration header, Duration body) {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(body, "body");
            if (header.isNegative() || header.isZero() || body.isNegative() || body.isZero()) {
                throw new IllegalArgumentException("request timeouts must be positive");
            }
            this.headerTimeout = header;
            this.bodyTimeout = body;
            return this;
        }

        /**
         * Sets how long a write of an answer may wait for a caller that takes none of it (default
         * 60 s): then its connection is closed, and a stream to it ends and is billed from what was
         * seen.
         *
         * @param timeout the timeout, positive
         * @return this builder
         * @throws IllegalArgumentException if the timeout is not positive
         */
        public Builder writeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the write timeout must be positive");
            }
            this.writeTimeout = timeout;
            return this;
        }

        /**
         * Sets how long {@link LlmRouter#close()} lets requests and streams in flight finish
         * (default 30 s). Meanwhile the router accepts no new connection and answers new requests
         * on open ones 503; what is still running at the end is cut (a cut stream is billed from
         * what was seen), then budgets are settled, reported and leases returned.
         *
         * @param grace the grace, {@code 0} to cut at once
         * @return this builder
         * @throws IllegalArgumentException if the grace is negative
         */
        public Builder shutdownGrace(Duration grace) {
            Objects.requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("the shutdown grace must not be negative");
            }
            this.shutdownGrace = grace;
            return this;
        }

        /**
         * Binds and starts the router; it serves when this returns. In server mode each agent's key
         * is fetched and its lease handshaken first (a control server that refuses or cannot be
         * reached does not stop the start: see {@link LlmRouter}).
         *
         * @return the running router
         * @throws IllegalStateException if the transport, the key source (direct mode) or the
         *     agents (server mode) are missing
         * @throws ServerStartException if the address cannot be bound
         */
        public LlmRouter start() {
            return new RouterAssembly(this).start();
        }
    }
}
