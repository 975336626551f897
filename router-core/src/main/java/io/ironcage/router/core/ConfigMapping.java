package io.ironcage.router.core;

import io.ironcage.router.core.agent.AgentSpec;
import io.ironcage.router.core.config.RouterConfig;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.errors.LlmRouterException;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a {@code router.yaml} means for the builder ({@link LlmRouter#fromConfig}). */
final class ConfigMapping {
    // the router's own logger: the warning is the router's
    private static final Logger LOG = LoggerFactory.getLogger(LlmRouter.class);

    private ConfigMapping() {}

    /** Refuses {@code analytics.sqlite}, which only a caller with the SQLite module can honour. */
    static void requireNoSqlite(RouterConfig config) {
        if (config.analyticsSqlite().isPresent()) {
            throw new LlmRouterException(
                    "analytics.sqlite needs the router-analytics-sqlite module: run `iron-router"
                            + " serve`, or open a SqliteUsageEventSink and call"
                            + " LlmRouter.fromConfig(config, sink).");
        }
    }

    /**
     * Returns a builder set up as the configuration says, on the given transport; warns when the
     * listen address is not loopback (naming the address, never the token).
     */
    static LlmRouter.Builder builder(RouterConfig config, TransportProvider transport) {
        if (!config.listen().isLoopback()) {
            LOG.warn(
                    "listen {} is not a loopback address: other machines may reach the router;"
                            + " they need the configured token. Use 127.0.0.1 unless that is"
                            + " meant.",
                    config.listen());
        }
        LlmRouter.Builder builder = LlmRouter.builder().transport(transport);
        if (config.controlPlane().isPresent()) {
            RouterConfig.ControlPlane cp = config.controlPlane().get();
            ControlPlaneOptions.Builder options =
                    ControlPlaneOptions.builder(cp.url())
                            .keyCacheTtl(cp.keyCacheTtl())
                            .syncInterval(cp.syncInterval())
                            .syncBatchSize(cp.syncBatchSize())
                            .syncConcurrency(cp.syncConcurrency());
            cp.leaseSize().ifPresent(options::leaseSize);
            builder.controlPlane(options.build());
            for (RouterConfig.Agent agent : config.agents()) {
                AgentSpec spec = AgentSpec.of(agent.token());
                builder.agent(agent.id().map(spec::withAgentId).orElse(spec));
            }
        }
        if (config.hasKeyPools()) {
            // a pool's cooldowns run on the router's clock, known only at start
            ProviderKey[] pooled =
                    config.providerKeyPools().values().stream()
                            .flatMap(List::stream)
                            .toArray(ProviderKey[]::new);
            builder.providerKeysOnClock(clock -> ProviderKeySource.pooled(clock, pooled));
        } else if (!config.providers().isEmpty()) {
            builder.providerKeys(
                    ProviderKeySource.fixed(
                            config.providers().values().toArray(new ProviderKey[0])));
        }
        builder.listen(config.listen().host(), config.listen().port())
                .pricingOverrides(config.pricingOverrides())
                .timeouts(config.timeouts().connect(), config.timeouts().upstream())
                .allowUnpricedModels(
                        config.budget().unpricedModels() == RouterConfig.UnpricedModels.ALLOW)
                .allowUnmeteredEndpoints(
                        config.budget().unmeteredEndpoints()
                                == RouterConfig.UnmeteredEndpoints.ALLOW)
                .requestTimeouts(config.server().headerTimeout(), config.server().bodyTimeout())
                .maxConcurrentRequests(config.server().maxConcurrentRequests())
                .maxRequestBodyBytes(config.server().maxBodySize())
                .writeTimeout(config.server().writeTimeout())
                .shutdownGrace(config.server().shutdownGrace());
        config.token().ifPresent(builder::token);
        config.budget().limit().ifPresent(builder::budget);
        config.upstreamProxy().ifPresent(builder::upstreamProxy);
        builder.retries(config.resilience().retries());
        builder.fallbacks(config.resilience().fallbacks());
        config.resilience().circuitBreaker().ifPresent(builder::circuitBreaker);
        builder.rateLimits(config.rateLimits());
        return builder;
    }
}
