package io.ironcage.router.core;

import io.ironcage.router.core.agent.Agent;
import io.ironcage.router.core.agent.AgentRegistry;
import io.ironcage.router.core.agent.AgentRuntime;
import io.ironcage.router.core.agent.AgentSpec;
import io.ironcage.router.core.agent.DirectTenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.controlplane.AnalyticsSync;
import io.ironcage.router.core.controlplane.BudgetLeaseManager;
import io.ironcage.router.core.controlplane.ControlPlaneBudgetLeaseClient;
import io.ironcage.router.core.controlplane.ControlPlaneKeySource;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.BudgetThresholdReached;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.domain.analytics.RouterStopped;
import io.ironcage.router.core.domain.budget.BudgetStatus;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.ThresholdCrossing;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.errors.ConfigException;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.errors.LlmRouterException;
import io.ironcage.router.core.errors.ServerStartException;
import io.ironcage.router.core.internal.ProxyPipeline;
import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.RequestHead;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.core.spi.UsageEventStore;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LlmRouter.class);
    private final ServerTransport.RunningServer server;
    private final HttpTransport upstream;
    private final CostController ledger;
    private final io.ironcage.router.core.internal.RecentEvents events;
    private final Clock clock;
    private final String token;
    private final ProviderKeySource keys;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong requests;
    private final AgentRegistry agents;
    private final boolean serverMode;
    private final Resources resources;

    /** What server mode adds, closed after the server in {@link #close()}. */
    private static final class Resources {
        AnalyticsSync sync;
        ScheduledExecutorService ownScheduler;
        Thread shutdownHook;
    }

    private LlmRouter(
            ServerTransport.RunningServer server,
            HttpTransport upstream,
            CostController ledger,
            io.ironcage.router.core.internal.RecentEvents events,
            Clock clock,
            String token,
            ProviderKeySource keys,
            AtomicLong requests,
            AgentRegistry agents,
            boolean serverMode,
            Resources resources) {
        this.server = server;
        this.keys = keys;
        this.upstream = upstream;
        this.ledger = ledger;
        this.events = events;
        this.clock = clock;
        this.token = token;
        this.requests = requests;
        this.agents = agents;
        this.serverMode = serverMode;
        this.resources = resources;
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
     * ({@link io.ironcage.router.core.config.RouterConfig.Listen#isLoopback()}) is logged as a
     * warning naming the address (never the token).
     *
     * @param file the configuration file
     * @return the running router
     * @throws ConfigException if the file is missing or invalid (naming the key and line)
     * @throws LlmRouterException if the configured transport is not on the class path, or the
     *     configuration asks for SQLite analytics (which needs the SQLite module; see {@link
     *     #fromConfig(io.ironcage.router.core.config.RouterConfig, UsageEventSink)})
     * @throws ServerStartException if the address cannot be bound
     */
    public static LlmRouter fromConfig(java.nio.file.Path file) {
        return fromConfig(io.ironcage.router.core.config.RouterConfigLoader.load(file));
    }

    /**
     * Starts a router from a parsed configuration; see {@link #fromConfig(java.nio.file.Path)}.
     *
     * @param config the configuration
     * @return the running router
     */
    public static LlmRouter fromConfig(io.ironcage.router.core.config.RouterConfig config) {
        if (config.analyticsSqlite().isPresent()) {
            throw new LlmRouterException(
                    "analytics.sqlite needs the router-analytics-sqlite module: run `iron-router"
                            + " serve`, or open a SqliteUsageEventSink and call"
                            + " LlmRouter.fromConfig(config, sink).");
        }
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
    public static LlmRouter fromConfig(
            io.ironcage.router.core.config.RouterConfig config, UsageEventSink sink) {
        return fromConfig(config, sink, TransportProvider.load(config.transport()));
    }

    /**
     * {@link #fromConfig(io.ironcage.router.core.config.RouterConfig, UsageEventSink)} on a given
     * transport.
     */
    static LlmRouter fromConfig(
            io.ironcage.router.core.config.RouterConfig config,
            UsageEventSink sink,
            TransportProvider transport) {
        if (!config.listen().isLoopback()) {
            LOG.warn(
                    "listen {} is not a loopback address: other machines may reach the router;"
                            + " they need the configured token. Use 127.0.0.1 unless that is"
                            + " meant.",
                    config.listen());
        }
        Builder builder = builder().transport(transport);
        if (config.controlPlane().isPresent()) {
            io.ironcage.router.core.config.RouterConfig.ControlPlane cp =
                    config.controlPlane().get();
            ControlPlaneOptions.Builder options =
                    ControlPlaneOptions.builder(cp.url())
                            .keyCacheTtl(cp.keyCacheTtl())
                            .syncInterval(cp.syncInterval())
                            .syncBatchSize(cp.syncBatchSize())
                            .syncConcurrency(cp.syncConcurrency());
            cp.leaseSize().ifPresent(options::leaseSize);
            builder.controlPlane(options.build());
            for (io.ironcage.router.core.config.RouterConfig.Agent agent : config.agents()) {
                AgentSpec spec = AgentSpec.of(agent.token());
                builder.agent(agent.id().map(spec::withAgentId).orElse(spec));
            }
        }
        if (!config.providers().isEmpty()) {
            builder.providerKeys(
                    ProviderKeySource.fixed(
                            config.providers()
                                    .values()
                                    .toArray(new io.ironcage.router.core.domain.ProviderKey[0])));
        }
        builder.listen(config.listen().host(), config.listen().port())
                .pricingOverrides(config.pricingOverrides())
                .timeouts(config.timeouts().connect(), config.timeouts().upstream())
                .allowUnpricedModels(
                        config.budget().unpricedModels()
                                == io.ironcage.router.core.config.RouterConfig.UnpricedModels.ALLOW)
                .allowUnmeteredEndpoints(
                        config.budget().unmeteredEndpoints()
                                == io.ironcage.router.core.config.RouterConfig.UnmeteredEndpoints
                                        .ALLOW)
                .requestTimeouts(config.server().headerTimeout(), config.server().bodyTimeout());
        config.token().ifPresent(builder::token);
        config.budget().limit().ifPresent(builder::budget);
        return builder.usageSink(sink).start();
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
        String host = server.address().getHostString();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + server.address().getPort());
    }

    /**
     * Returns the bound port.
     *
     * @return the port
     */
    public int port() {
        return server.address().getPort();
    }

    /**
     * Returns the token callers must present ({@code Authorization: Bearer} or {@code x-api-key}).
     * Generated at start when none was configured.
     *
     * @return the token
     */
    public String token() {
        return token;
    }

    /**
     * Returns the providers the router holds a key for (the reference's {@code get_provider}
     * reports its single key's provider; this router may hold one key per provider).
     *
     * @return the providers
     */
    public java.util.Set<io.ironcage.router.core.domain.ProviderType> providers() {
        return keys.providers();
    }

    /**
     * Returns the router's agents: start and stop them while it serves, and read their metrics. In
     * server mode every configured IC token is an agent; in direct mode there are none until one is
     * started (they share the router's provider keys).
     *
     * @return the runtime
     */
    public AgentRuntime agents() {
        return new AgentRuntime(agents);
    }

    /**
     * Returns the router's most recent analytics events, oldest first: the last {@value
     * io.ironcage.router.core.internal.RecentEvents#DEFAULT_CAPACITY} kept in memory whatever sink
     * is configured (which also receives every event).
     *
     * @return a snapshot of the recent events
     */
    public java.util.List<AnalyticsEvent> recentEvents() {
        return events.snapshot();
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
        Money total = serverMode ? Money.ZERO : ledger.totalSpent();
        for (Agent agent : agents.all()) {
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
        if (serverMode && agents.all().get(0).lease().isPresent()) {
            throw new IllegalStateException(
                    "the budget is leased from the Iron Cage control server; change it there");
        }
        ledger.setLimit(limit);
    }

    /**
     * Returns the budget limit (in server mode: the first agent's, which a lease sets).
     *
     * @return the limit, or empty when unlimited
     */
    public Optional<Money> budget() {
        return ledger.limit();
    }

    /**
     * Returns spent, reserved and limit at one instant (in server mode: the first agent's; see
     * {@link #agents()} for each agent).
     *
     * @return the status
     */
    public BudgetStatus budgetStatus() {
        return ledger.status();
    }

    /**
     * Stops serving (in-flight requests finish within the transport's grace) and releases
     * everything. Idempotent.
     */
    @Override
    public void close() {
        if (!running.compareAndSet(true, false)) {
            return;
        }
        try {
            server.close();
        } finally {
            long now = clock.millis();
            events.record(
                    AnalyticsEvent.of(
                            AnalyticsEvent.newEventId(now),
                            now,
                            new RouterStopped(requests.get(), totalSpent())));
            try {
                agents.closeAll(); // reports, then each lease's unused part back to the server
                // the sink may still queue events (SQLite's writer): closing it writes them all
                // into the store, whose sync methods keep working, so the final flush sees every
                // event recorded before close
                events.close();
                if (resources.sync != null) {
                    resources.sync.close(); // final flush, bounded
                }
            } finally {
                upstream.close();
                events.close(); // idempotent: closed here if closing the agents failed
                if (resources.ownScheduler != null) {
                    resources.ownScheduler.shutdownNow();
                }
                removeShutdownHook();
            }
        }
    }

    private void removeShutdownHook() {
        Thread hook = resources.shutdownHook;
        if (hook == null || Thread.currentThread() == hook) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running or has run
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
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 1024;

    /** Configures and starts an {@link LlmRouter}. Not thread-safe; use once. */
    public static final class Builder {
        private TransportProvider transport;
        private ProviderKeySource keys;
        private Optional<Money> budget = Optional.empty();
        private List<Integer> thresholds = CostController.DEFAULT_THRESHOLD_PERCENTS;
        private String token;
        private String host = "127.0.0.1";
        private int port;
        private Clock clock = Clock.systemUTC();
        private PricingTable pricing = PricingTables.bundled();
        private final List<ModelPricing> overrides = new ArrayList<>();
        private UsageEventSink events = UsageEventSink.noop();
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration upstreamTimeout = Duration.ofSeconds(300);
        private long maxRequestBodyBytes = ServerOptions.DEFAULT_MAX_REQUEST_BODY_BYTES;
        private int maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
        private boolean rejectUnpriced = true;
        private boolean allowUnmetered;
        private Duration headerTimeout = ServerOptions.DEFAULT_HEADER_TIMEOUT;
        private Duration bodyTimeout = ServerOptions.DEFAULT_BODY_TIMEOUT;
        private ControlPlaneOptions controlPlane;
        private final List<AgentSpec> agentSpecs = new ArrayList<>();
        private ScheduledExecutorService scheduler;

        private Builder() {}

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
         * Sets the scheduler that runs lease reports, renewals, retries and the analytics sync;
         * default a two-thread daemon scheduler the router shuts down on close. A scheduler given
         * here is not shut down by the router.
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
            return this;
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
            if (transport == null) {
                throw new IllegalStateException(
                        "set a transport, e.g. .transport(new JdkHttpTransportProvider())");
            }
            boolean server = controlPlane != null;
            if (!server && keys == null) {
                throw new IllegalStateException(
                        "set the provider keys, e.g. .providerKeys(ProviderKeySource.fixed(...))");
            }
            List<AgentSpec> initial = new ArrayList<>(agentSpecs);
            if (server && initial.isEmpty()) {
                if (token == null) {
                    throw new IllegalStateException(
                            "server mode needs an IC token: .token(...) or .agent(...)");
                }
                initial.add(AgentSpec.of(token));
            }
            if (server && budget.isPresent()) {
                initial.replaceAll(
                        spec -> spec.budget().isPresent() ? spec : spec.withBudget(budget.get()));
            }
            if (!server && !initial.isEmpty()) {
                throw new IllegalStateException(
                        "agents at start are for server mode; in direct mode start them with"
                                + " router.agents().startAgent(...)");
            }
            Clock time = clock;
            UsageEventSink target = events;
            UsageEventStore store = null;
            if (server) {
                if (events instanceof UsageEventStore) {
                    store = (UsageEventStore) events;
                } else {
                    store =
                            new io.ironcage.router.core.internal.MemoryEventStore(
                                    io.ironcage.router.core.internal.RecentEvents.DEFAULT_CAPACITY);
                    target = UsageEventSink.tee(events, store);
                }
            }
            io.ironcage.router.core.internal.RecentEvents sink =
                    new io.ironcage.router.core.internal.RecentEvents(
                            io.ironcage.router.core.internal.RecentEvents.DEFAULT_CAPACITY, target);
            PricingTable prices = overrides.isEmpty() ? pricing : pricing.withOverrides(overrides);
            HttpTransport client = transport.httpTransport(connectTimeout);
            Resources resources = new Resources();
            ScheduledExecutorService background = scheduler;
            if (background == null && server) {
                background = daemonScheduler();
                resources.ownScheduler = background;
            }
            Tenants tenants = new Tenants();
            AgentRegistry registry =
                    new AgentRegistry(
                            tenants,
                            agentFactory(server, client, background, sink, time),
                            time,
                            upstreamTimeout);
            AtomicLong requests = new AtomicLong();
            CostController ledger;
            String callerToken;
            ProviderKeySource primaryKeys;
            try {
                if (server) {
                    Agent primary = null;
                    for (AgentSpec spec : initial) {
                        Agent agent = registry.start(spec);
                        primary = primary == null ? agent : primary;
                    }
                    ledger = primary.ledger();
                    callerToken = primary.token();
                    primaryKeys = primary.keys();
                } else {
                    callerToken = token != null ? token : randomToken();
                    ledger = ledger(budget, sink, time, Optional.empty());
                    primaryKeys = keys;
                    tenants.add(callerToken, new DirectTenant(keys, ledger));
                }
            } catch (RuntimeException e) {
                registry.closeAll();
                client.close();
                if (resources.ownScheduler != null) {
                    resources.ownScheduler.shutdownNow();
                }
                throw e;
            }
            ProxyPipeline pipeline =
                    new ProxyPipeline(
                            tenants,
                            client,
                            prices,
                            sink,
                            time,
                            upstreamTimeout,
                            rejectUnpriced,
                            allowUnmetered,
                            maxRequestBodyBytes,
                            registry::readiness);
            ServerTransport.RunningServer running;
            try {
                running =
                        transport
                                .serverTransport()
                                .start(
                                        new ServerOptions(
                                                        host,
                                                        port,
                                                        maxRequestBodyBytes,
                                                        maxConcurrentRequests,
                                                        Duration.ofSeconds(5))
                                                .withTimeouts(headerTimeout, bodyTimeout),
                                        new CountingHandler(pipeline, requests));
            } catch (RuntimeException e) {
                registry.closeAll();
                client.close();
                if (resources.ownScheduler != null) {
                    resources.ownScheduler.shutdownNow();
                }
                throw e;
            }
            long now = time.millis();
            sink.record(
                    AnalyticsEvent.of(
                            AnalyticsEvent.newEventId(now),
                            now,
                            new RouterStarted(running.address().getPort())));
            if (server) {
                resources.sync =
                        AnalyticsSync.builder(
                                        controlPlane,
                                        client,
                                        store,
                                        agentId -> agentId.flatMap(registry::tokenOf))
                                .clock(time)
                                .scheduler(background)
                                .build()
                                .start();
            }
            LlmRouter router =
                    new LlmRouter(
                            running,
                            client,
                            ledger,
                            sink,
                            time,
                            callerToken,
                            primaryKeys,
                            requests,
                            registry,
                            server,
                            resources);
            if (server && controlPlane.returnOnShutdown()) {
                Thread hook = new Thread(router::close, "iron-router-shutdown");
                resources.shutdownHook = hook;
                Runtime.getRuntime().addShutdownHook(hook);
            }
            return router;
        }

        /** How an agent is built: server mode leases and fetches, direct mode shares the keys. */
        private java.util.function.BiFunction<AgentSpec, String, Agent> agentFactory(
                boolean server,
                HttpTransport client,
                ScheduledExecutorService background,
                UsageEventSink sink,
                Clock time) {
            ProviderKeySource shared = keys;
            if (!server) {
                return (spec, id) ->
                        new Agent(
                                id,
                                spec.icToken(),
                                shared,
                                ledger(spec.budget(), sink, time, Optional.of(id)),
                                null);
            }
            ControlPlaneOptions cp = controlPlane;
            return (spec, id) -> {
                ProviderKeySource agentKeys;
                java.util.function.Supplier<io.ironcage.router.core.domain.ProviderType> leaseFor;
                CostController leased;
                if (shared != null) {
                    // direct keys with the control server: keys never come from it, and a local
                    // budget is a ceiling the lease cannot lift (both must hold)
                    agentKeys = shared;
                    io.ironcage.router.core.domain.ProviderType provider = leaseProvider(shared);
                    leaseFor = () -> provider;
                    leased =
                            spec.budget().isPresent()
                                    ? CostController.withCeiling(
                                            Money.ZERO,
                                            spec.budget().get(),
                                            thresholds,
                                            thresholdListener(sink, time, Optional.of(id)))
                                    : CostController.withLimit(Money.ZERO);
                } else {
                    ControlPlaneKeySource fetched =
                            ControlPlaneKeySource.builder(cp.url(), spec.icToken(), client)
                                    .clock(time)
                                    .ttl(cp.keyCacheTtl())
                                    .timeout(cp.timeout())
                                    .build();
                    try {
                        fetched.currentKey(); // learn the key's provider before the handshake
                    } catch (ControlPlaneException e) {
                        LOG.warn("agent {}: no provider key yet: {}", id, e.getMessage());
                    }
                    if (spec.budget().isPresent()) {
                        return new Agent(
                                id,
                                spec.icToken(),
                                fetched,
                                ledger(spec.budget(), sink, time, Optional.of(id)),
                                null);
                    }
                    agentKeys = fetched;
                    leaseFor = () -> fetched.currentKey().provider();
                    leased = CostController.withLimit(Money.ZERO);
                }
                BudgetLeaseManager.Builder lease =
                        BudgetLeaseManager.builder(
                                        ControlPlaneBudgetLeaseClient.builder(cp.url(), client)
                                                .timeout(cp.timeout())
                                                .build(),
                                        spec.icToken(),
                                        leaseFor,
                                        leased)
                                .clock(time)
                                .scheduler(background)
                                .options(cp)
                                .name(id);
                BudgetLeaseManager manager = lease.build();
                manager.start();
                return new Agent(id, spec.icToken(), agentKeys, leased, manager);
            };
        }

        /** A ledger with the builder's thresholds, its events attributed to the agent. */
        private CostController ledger(
                Optional<Money> limit, UsageEventSink sink, Clock time, Optional<String> agentId) {
            return limit.map(
                            l ->
                                    CostController.withLimit(
                                            l, thresholds, thresholdListener(sink, time, agentId)))
                    .orElseGet(CostController::unlimited);
        }

        /** Records a threshold crossing as an event of the agent. */
        private static java.util.function.Consumer<ThresholdCrossing> thresholdListener(
                UsageEventSink sink, Clock time, Optional<String> agentId) {
            return c -> {
                long at = time.millis();
                AnalyticsEvent event =
                        AnalyticsEvent.of(
                                AnalyticsEvent.newEventId(at), at, BudgetThresholdReached.of(c));
                // runs inside a settlement, which may be on an event loop: a sink that would
                // wait, waits on a thread of its own (a crossing is rare)
                sink.recordWithoutWaiting(agentId.map(event::withAgentId).orElse(event))
                        .ifPresent(ProxyPipeline::waitOnOwnThread);
            };
        }

        /**
         * The provider a lease is asked for when the keys are the router's own: the only key's, or
         * OpenAI's when there are keys for both (the server's lease is per agent, not per provider;
         * each report names the provider the request really went to).
         */
        private static io.ironcage.router.core.domain.ProviderType leaseProvider(
                ProviderKeySource keys) {
            return keys.providers().stream()
                    .min(java.util.Comparator.naturalOrder())
                    .orElseThrow(
                            () ->
                                    new IllegalStateException(
                                            "the provider key source holds no key"));
        }

        private static ScheduledExecutorService daemonScheduler() {
            AtomicLong count = new AtomicLong();
            ScheduledThreadPoolExecutor pool =
                    new ScheduledThreadPoolExecutor(
                            2,
                            r -> {
                                Thread t =
                                        new Thread(
                                                r,
                                                "iron-router-control-plane-"
                                                        + count.incrementAndGet());
                                t.setDaemon(true);
                                return t;
                            });
            pool.setRemoveOnCancelPolicy(true);
            return pool;
        }

        private static String randomToken() {
            byte[] bytes = new byte[24];
            new SecureRandom().nextBytes(bytes);
            return "ic-local-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }
    }

    /** Counts the requests the server hands over. */
    private static final class CountingHandler implements ProxyHandler {
        private final ProxyPipeline pipeline;
        private final AtomicLong requests;

        CountingHandler(ProxyPipeline pipeline, AtomicLong requests) {
            this.pipeline = pipeline;
            this.requests = requests;
        }

        @Override
        public CompletionStage<Void> handle(
                ProxyRequest request, ResponseSink response, Executor workers) {
            requests.incrementAndGet();
            return pipeline.handle(request, response, workers);
        }

        @Override
        public Optional<EarlyAnswer> onHead(RequestHead head) {
            return pipeline.onHead(head);
        }

        @Override
        public EarlyAnswer unreadable(int status, Optional<String> path) {
            return pipeline.unreadable(status, path);
        }
    }
}
