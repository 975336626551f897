package io.ironcage.router.core;

import io.ironcage.router.core.agent.Agent;
import io.ironcage.router.core.agent.AgentRegistry;
import io.ironcage.router.core.agent.AgentSpec;
import io.ironcage.router.core.agent.DirectTenant;
import io.ironcage.router.core.agent.TenantLimiter;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.controlplane.AnalyticsSync;
import io.ironcage.router.core.controlplane.BudgetLeaseManager;
import io.ironcage.router.core.controlplane.ControlPlaneKeySource;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.controlplane.wire.ControlPlaneBudgetLeaseClient;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.BudgetThresholdReached;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.ThresholdCrossing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.errors.LlmRouterException;
import io.ironcage.router.core.internal.MemoryEventStore;
import io.ironcage.router.core.internal.ProviderCalls;
import io.ironcage.router.core.internal.ProxyPipeline;
import io.ironcage.router.core.internal.RecentEvents;
import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.RequestHead;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.ServerTransport;
import io.ironcage.router.core.spi.UpstreamProxy;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.core.spi.UsageEventStore;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a router from its builder's settings: the sink chain (caller's sink, in server mode a
 * store for the analytics sync, and the recent events), the scheduler, the agents and how each is
 * built, the pipeline and the server, then the analytics sync and the shutdown hook. Whatever it
 * acquired is in one {@link RouterResources}, released the same way whether the start fails or the
 * router is closed.
 */
final class RouterAssembly {
    // the router's own logger: what the assembly logs is the router's
    private static final Logger LOG = LoggerFactory.getLogger(LlmRouter.class);

    private final LlmRouter.Builder settings;
    // read again whenever an agent starts, so fixed at start like the rest
    private final ProviderKeySource keys;
    private final ControlPlaneOptions controlPlane;
    private final List<Integer> thresholds;

    /**
     * What a started router is made of; in server mode, "the" ledger, token and keys are the first
     * agent's.
     */
    record Parts(
            ServerTransport.RunningServer server,
            CostController ledger,
            RecentEvents events,
            Clock clock,
            String token,
            ProviderKeySource keys,
            AtomicLong requests,
            AgentRegistry agents,
            boolean serverMode,
            RouterResources resources) {
        /** Never shows the token or the keys. */
        @Override
        public String toString() {
            return "Parts[" + server + (serverMode ? ", server mode" : "") + "]";
        }
    }

    RouterAssembly(LlmRouter.Builder settings) {
        this.settings = settings;
        this.keys = settings.keySource();
        this.controlPlane = settings.controlPlane;
        this.thresholds = settings.thresholds;
    }

    /** See {@link LlmRouter.Builder#start()}. */
    LlmRouter start() {
        if (settings.transport == null) {
            throw new IllegalStateException(
                    "set a transport, e.g. .transport(new JdkHttpTransportProvider())");
        }
        boolean server = controlPlane != null;
        if (!server && keys == null) {
            throw new IllegalStateException(
                    "set the provider keys, e.g. .providerKeys(ProviderKeySource.fixed(...))");
        }
        List<AgentSpec> initial = initialAgents(server);
        Clock time = settings.clock;
        UsageEventSink target = settings.events;
        UsageEventStore store = null;
        if (server) {
            if (target instanceof UsageEventStore) {
                store = (UsageEventStore) target;
            } else {
                store = new MemoryEventStore(RecentEvents.DEFAULT_CAPACITY);
                target = UsageEventSink.tee(target, store);
            }
        }
        RecentEvents sink = new RecentEvents(RecentEvents.DEFAULT_CAPACITY, target);
        PricingTable prices =
                settings.overrides.isEmpty()
                        ? settings.pricing
                        : settings.pricing.withOverrides(settings.overrides);
        UpstreamProxy proxy = settings.upstreamProxy;
        if (proxy == null) {
            try {
                proxy = UpstreamProxy.fromSystem();
            } catch (IllegalArgumentException e) {
                throw new LlmRouterException(
                        "The upstream proxy setting is invalid: " + e.getMessage());
            }
        }
        if (!proxy.isNone()) {
            LOG.info("calling upstreams through {}", proxy); // toString shows no password
            warnIfClearThroughProxy(proxy);
        }
        HttpTransport client = settings.transport.httpTransport(settings.connectTimeout, proxy);
        ScheduledExecutorService background = settings.scheduler;
        ScheduledExecutorService ownScheduler = null;
        if (background == null && (server || settings.resilience.retriesOrFallsBack())) {
            background = daemonScheduler();
            ownScheduler = background;
        }
        Tenants tenants = new Tenants();
        AgentRegistry registry =
                new AgentRegistry(
                        tenants,
                        agentFactory(server, client, background, sink, time),
                        time,
                        settings.upstreamTimeout);
        ProviderCalls providerCalls = new ProviderCalls(client);
        RouterResources resources =
                new RouterResources(client, providerCalls, ownScheduler, registry);
        AtomicLong requests = new AtomicLong();
        CostController ledger;
        String callerToken;
        ProviderKeySource primaryKeys;
        ServerTransport.RunningServer running;
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
                callerToken = settings.token != null ? settings.token : randomToken();
                ledger = ledger(settings.budget, sink, time, Optional.empty());
                primaryKeys = keys;
                tenants.add(
                        callerToken,
                        new DirectTenant(
                                keys,
                                ledger,
                                TenantLimiter.of(settings.rateLimits, time, "direct")));
            }
            ProxyHandler handler =
                    handler(
                            tenants,
                            providerCalls,
                            prices,
                            sink,
                            time,
                            registry,
                            requests,
                            background);
            running =
                    settings.transport
                            .serverTransport()
                            .start(
                                    new ServerOptions(
                                                    settings.host,
                                                    settings.port,
                                                    settings.maxRequestBodyBytes,
                                                    settings.maxConcurrentRequests,
                                                    settings.shutdownGrace)
                                            .withTimeouts(
                                                    settings.headerTimeout, settings.bodyTimeout)
                                            .withWriteTimeout(settings.writeTimeout),
                                    handler);
        } catch (RuntimeException e) {
            resources.release();
            throw e;
        }
        resources.ownEvents(sink);
        long now = time.millis();
        sink.record(
                AnalyticsEvent.of(
                        AnalyticsEvent.newEventId(now),
                        now,
                        new RouterStarted(running.address().getPort())));
        if (server) {
            resources.ownSync(
                    AnalyticsSync.builder(
                                    controlPlane,
                                    client,
                                    store,
                                    agentId -> agentId.flatMap(registry::tokenOf))
                            .clock(time)
                            .scheduler(background)
                            .build()
                            .start());
        }
        LlmRouter router =
                new LlmRouter(
                        new Parts(
                                running,
                                ledger,
                                sink,
                                time,
                                callerToken,
                                primaryKeys,
                                requests,
                                registry,
                                server,
                                resources));
        if (server && controlPlane.returnOnShutdown()) {
            resources.closeOnShutdown(router::close);
        }
        return router;
    }

    /** The agents to run from the start: server mode only, the token's when none is given. */
    private List<AgentSpec> initialAgents(boolean server) {
        List<AgentSpec> initial = new ArrayList<>(settings.agentSpecs);
        if (server && initial.isEmpty()) {
            if (settings.token == null) {
                throw new IllegalStateException(
                        "server mode needs an IC token: .token(...) or .agent(...)");
            }
            initial.add(AgentSpec.of(settings.token));
        }
        Optional<Money> budget = settings.budget;
        if (server && budget.isPresent()) {
            initial.replaceAll(
                    spec -> spec.budget().isPresent() ? spec : spec.withBudget(budget.get()));
        }
        if (!server && !initial.isEmpty()) {
            throw new IllegalStateException(
                    "agents at start are for server mode; in direct mode start them with"
                            + " router.agents().startAgent(...)");
        }
        return initial;
    }

    /** The one place the request pipeline is built, and what the server hands requests to. */
    private ProxyHandler handler(
            Tenants tenants,
            HttpTransport client,
            PricingTable prices,
            RecentEvents sink,
            Clock time,
            AgentRegistry registry,
            AtomicLong requests,
            ScheduledExecutorService background) {
        ProxyPipeline pipeline =
                new ProxyPipeline(
                        tenants,
                        client,
                        prices,
                        sink,
                        time,
                        new ProxyPipeline.Settings(
                                        settings.upstreamTimeout,
                                        settings.rejectUnpriced,
                                        settings.allowUnmetered,
                                        settings.maxRequestBodyBytes,
                                        registry::readiness)
                                .withResilience(settings.resilience, background));
        return new CountingHandler(pipeline, requests);
    }

    /** How an agent is built: server mode leases and fetches, direct mode shares the keys. */
    private BiFunction<AgentSpec, String, Agent> agentFactory(
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
                            null,
                            TenantLimiter.of(settings.rateLimits, time, id));
        }
        ControlPlaneOptions cp = controlPlane;
        return (spec, id) -> {
            ProviderKeySource agentKeys;
            Supplier<ProviderType> leaseFor;
            CostController leased;
            if (shared != null) {
                // direct keys with the control server: keys never come from it, and a local
                // budget is a ceiling the lease cannot lift (both must hold)
                agentKeys = shared;
                ProviderType provider = leaseProvider(shared);
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
                            null,
                            TenantLimiter.of(settings.rateLimits, time, id));
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
            return new Agent(
                    id,
                    spec.icToken(),
                    agentKeys,
                    leased,
                    manager,
                    TenantLimiter.of(settings.rateLimits, time, id));
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
    private static Consumer<ThresholdCrossing> thresholdListener(
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
    private static ProviderType leaseProvider(ProviderKeySource keys) {
        return keys.providers().stream()
                .min(Comparator.naturalOrder())
                .orElseThrow(
                        () -> new IllegalStateException("the provider key source holds no key"));
    }

    /**
     * Warns about each upstream known at start that is called over plain {@code http} through the
     * proxy: its key or token then crosses the proxy unencrypted (a loopback control plane or
     * gateway is proxied too unless {@code no-proxy} lists it).
     */
    private void warnIfClearThroughProxy(UpstreamProxy proxy) {
        List<URI> known = new ArrayList<>();
        if (controlPlane != null) {
            known.add(controlPlane.url());
        }
        if (keys != null) {
            for (ProviderType provider : keys.providers()) {
                keys.keyIfReady(provider).ifPresent(key -> known.add(key.effectiveBaseUrl()));
            }
        }
        for (URI uri : known) {
            if ("http".equalsIgnoreCase(uri.getScheme()) && proxy.select(uri).isPresent()) {
                LOG.warn(
                        "{}://{}:{} is called over plain http through the upstream proxy, so its"
                                + " key or token crosses the proxy unencrypted; list {} under"
                                + " upstream-proxy.no-proxy (or NO_PROXY) to call it directly",
                        uri.getScheme(),
                        uri.getHost(),
                        uri.getPort(),
                        uri.getHost());
            }
        }
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
                                            "iron-router-control-plane-" + count.incrementAndGet());
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
