package io.ironcage.router.core;

import io.ironcage.router.core.config.PricingTables;
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
import io.ironcage.router.core.internal.PipelineSettings;
import io.ironcage.router.core.internal.ProxyPipeline;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.core.spi.UsageEventSink;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
 */
public final class LlmRouter implements AutoCloseable {
    private final ServerTransport.RunningServer server;
    private final HttpTransport upstream;
    private final CostController ledger;
    private final io.ironcage.router.core.internal.RecentEvents events;
    private final Clock clock;
    private final String token;
    private final ProviderKeySource keys;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong requests;

    private LlmRouter(
            ServerTransport.RunningServer server,
            HttpTransport upstream,
            CostController ledger,
            io.ironcage.router.core.internal.RecentEvents events,
            Clock clock,
            String token,
            ProviderKeySource keys,
            AtomicLong requests) {
        this.server = server;
        this.keys = keys;
        this.upstream = upstream;
        this.ledger = ledger;
        this.events = events;
        this.clock = clock;
        this.token = token;
        this.requests = requests;
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
     * Starts a router from a {@code router.yaml} (PRODUCT.md "Configuration"): listen address,
     * transport (found on the class path by name), token, provider keys, budget, pricing overrides
     * and timeouts.
     *
     * @param file the configuration file
     * @return the running router
     * @throws ConfigException if the file is missing or invalid (naming the key and line)
     * @throws LlmRouterException if the configured transport is not on the class path, or the
     *     configuration asks for something not built yet (server mode, SQLite analytics)
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
     * a caller that has the SQLite module.
     *
     * @param config the configuration
     * @param sink where usage events go
     * @return the running router
     */
    public static LlmRouter fromConfig(
            io.ironcage.router.core.config.RouterConfig config, UsageEventSink sink) {
        if (config.controlPlane().isPresent()) {
            throw new LlmRouterException(
                    "control-plane (server mode) is not supported yet; configure providers"
                            + " (direct mode) instead.");
        }
        Builder builder =
                builder()
                        .transport(TransportProvider.load(config.transport()))
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        config.providers()
                                                .values()
                                                .toArray(
                                                        new io.ironcage.router.core.domain
                                                                        .ProviderKey[0])))
                        .listen(config.listen().host(), config.listen().port())
                        .pricingOverrides(config.pricingOverrides())
                        .timeouts(config.timeouts().connect(), config.timeouts().upstream())
                        .allowUnpricedModels(
                                config.budget().unpricedModels()
                                        == io.ironcage.router.core.config.RouterConfig
                                                .UnpricedModels.ALLOW);
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
     * Returns the money spent so far.
     *
     * @return the total
     */
    public Money totalSpent() {
        return ledger.totalSpent();
    }

    /**
     * Sets the budget limit (reference {@code set_budget}); spent and reserved are untouched.
     *
     * @param limit the new limit
     */
    public void setBudget(Money limit) {
        ledger.setLimit(limit);
    }

    /**
     * Returns the budget limit.
     *
     * @return the limit, or empty when unlimited
     */
    public Optional<Money> budget() {
        return ledger.limit();
    }

    /**
     * Returns spent, reserved and limit at one instant.
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
                            new RouterStopped(requests.get(), ledger.totalSpent())));
            upstream.close();
            events.close();
        }
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "LlmRouter[" + baseUri() + (running.get() ? "" : ", closed") + "]";
    }

    private static AnalyticsEvent thresholdEvent(long nowMs, ThresholdCrossing crossing) {
        return AnalyticsEvent.of(
                AnalyticsEvent.newEventId(nowMs), nowMs, BudgetThresholdReached.of(crossing));
    }

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
        private int maxConcurrentRequests = 256;
        private boolean rejectUnpriced = true;

        private Builder() {}

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
         * Sets where provider keys come from (required).
         *
         * @param keys the key source, e.g. {@link ProviderKeySource#fixed}
         * @return this builder
         */
        public Builder providerKeys(ProviderKeySource keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /**
         * Sets a hard budget; without one the router is unlimited (and records spend).
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
         * Sets the token callers must present; default: a random one, see {@link #token()}.
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
         * Binds and starts the router; it serves when this returns.
         *
         * @return the running router
         * @throws IllegalStateException if the transport or the key source is missing
         * @throws ServerStartException if the address cannot be bound
         */
        public LlmRouter start() {
            if (transport == null) {
                throw new IllegalStateException(
                        "set a transport, e.g. .transport(new JdkHttpTransportProvider())");
            }
            if (keys == null) {
                throw new IllegalStateException(
                        "set the provider keys, e.g. .providerKeys(ProviderKeySource.fixed(...))");
            }
            String callerToken = token != null ? token : randomToken();
            io.ironcage.router.core.internal.RecentEvents sink =
                    new io.ironcage.router.core.internal.RecentEvents(
                            io.ironcage.router.core.internal.RecentEvents.DEFAULT_CAPACITY, events);
            Clock time = clock;
            CostController ledger =
                    budget.map(
                                    limit ->
                                            CostController.withLimit(
                                                    limit,
                                                    thresholds,
                                                    (ThresholdCrossing c) ->
                                                            sink.record(
                                                                    thresholdEvent(
                                                                            time.millis(), c))))
                            .orElseGet(CostController::unlimited);
            PricingTable prices = overrides.isEmpty() ? pricing : pricing.withOverrides(overrides);
            HttpTransport client = transport.httpTransport(connectTimeout);
            AtomicLong requests = new AtomicLong();
            ProxyPipeline pipeline =
                    new ProxyPipeline(
                            keys,
                            client,
                            ledger,
                            prices,
                            sink,
                            time,
                            new PipelineSettings(callerToken, upstreamTimeout, rejectUnpriced),
                            maxRequestBodyBytes);
            ServerTransport.RunningServer server;
            try {
                server =
                        transport
                                .serverTransport()
                                .start(
                                        new ServerOptions(
                                                host,
                                                port,
                                                maxRequestBodyBytes,
                                                maxConcurrentRequests,
                                                Duration.ofSeconds(5)),
                                        (request, response) -> {
                                            requests.incrementAndGet();
                                            pipeline.handle(request, response);
                                        });
            } catch (RuntimeException e) {
                client.close();
                throw e;
            }
            long now = time.millis();
            sink.record(
                    AnalyticsEvent.of(
                            AnalyticsEvent.newEventId(now),
                            now,
                            new RouterStarted(server.address().getPort())));
            return new LlmRouter(server, client, ledger, sink, time, callerToken, keys, requests);
        }

        private static String randomToken() {
            byte[] bytes = new byte[24];
            new SecureRandom().nextBytes(bytes);
            return "ic-local-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }
    }
}
