package io.ironcage.router.core.config;

import io.ironcage.router.core.agent.RateLimits;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.resilience.Resilience;
import io.ironcage.router.core.spi.ServerOptions;
import io.ironcage.router.core.spi.UpstreamProxy;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The router's configuration, as read from {@code router.yaml} by {@link RouterConfigLoader}
 * (README, "Configuration").
 *
 * <p>One of three modes is configured: <b>direct mode</b> (provider keys in {@link #providers()}),
 * <b>server mode</b> ({@link #controlPlane()}, which also needs either the {@link #token()} the
 * router presents to the control server, or a list of {@link #agents()}, each with its own token),
 * or both, <b>direct keys with the control server</b>: the keys of {@link #providers()} (never
 * fetched) with leases and analytics sync from the control server, as in server mode. Callers
 * always present a token: {@link #token()} in direct mode and in server mode with one agent, each
 * agent's own in server mode with {@link #agents()}; a configuration without one is refused rather
 * than started with a token nobody knows. {@link #toString()} never shows a token or a provider
 * key.
 *
 * @param listen where the router listens; default {@link Listen#DEFAULT}
 * @param transport the name of the HTTP transport; default {@value #DEFAULT_TRANSPORT}; checked
 *     against the installed transports when the router starts
 * @param token the Iron Cage token callers must present (and, in server mode, the one sent to the
 *     control server); empty only in server mode with {@link #agents()}
 * @param providers the provider keys, one per provider: a provider's only key, or the first of its
 *     pool ({@link #providerKeyPools()}); empty in server mode, where the control server hands them
 *     out
 * @param controlPlane the control server; empty in direct mode
 * @param budget the budget; default {@link Budget#DEFAULT}
 * @param pricingOverrides prices that replace or extend the bundled pricing table, in file order
 * @param analyticsSqlite the SQLite file for analytics events; empty to keep them in memory only
 * @param timeouts the upstream timeouts; default {@link Timeouts#DEFAULT}
 * @param agents the agents of server mode, each with its IC token, instead of {@code token}; empty
 *     otherwise
 * @param server how the router's own HTTP server treats callers; default {@link Server#DEFAULT}
 * @param upstreamProxy the outbound proxy of {@code upstream-proxy}; empty: the process's
 *     environment decides ({@link io.ironcage.router.core.spi.UpstreamProxy#fromSystem()})
 * @param resilience {@code retries}, {@code fallbacks} and {@code circuit-breaker}; default {@link
 *     Resilience#DEFAULTS}
 * @param providerKeyPools every provider's keys in file order ({@code keys:} in {@code
 *     router.yaml}), the same providers as {@code providers}, each list starting with that
 *     provider's key there; a provider given to the constructor without a pool (or an empty map)
 *     gets a pool of its one key. Direct mode with more than one key for a provider hands them out
 *     from {@link io.ironcage.router.core.spi.ProviderKeySource#pooled}
 * @param rateLimits the limits of each agent (of the token in direct mode) of {@code rate-limits};
 *     default {@link RateLimits#NONE}
 */
public record RouterConfig(
        Listen listen,
        String transport,
        Optional<String> token,
        Map<ProviderType, ProviderKey> providers,
        Optional<ControlPlane> controlPlane,
        Budget budget,
        List<ModelPricing> pricingOverrides,
        Optional<Path> analyticsSqlite,
        Timeouts timeouts,
        List<Agent> agents,
        Server server,
        Optional<UpstreamProxy> upstreamProxy,
        Resilience resilience,
        Map<ProviderType, List<ProviderKey>> providerKeyPools,
        RateLimits rateLimits) {

    /** The transport used when none is configured. */
    public static final String DEFAULT_TRANSPORT = "netty";

    /**
     * Validates and copies the components.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if the transport or token is blank, a provider key is filed
     *     under another provider, a pool is empty, has a key twice, does not start with the
     *     provider's key in {@code providers} or names a provider not there, neither keys nor a
     *     control plane are configured, direct mode has no token, server mode has neither a token
     *     nor agents or has both, agents are given in direct mode, or two agents share a token or
     *     an id
     */
    public RouterConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(providers, "providers");
        Objects.requireNonNull(controlPlane, "controlPlane");
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(analyticsSqlite, "analyticsSqlite");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(upstreamProxy, "upstreamProxy");
        Objects.requireNonNull(resilience, "resilience");
        Objects.requireNonNull(providerKeyPools, "providerKeyPools");
        Objects.requireNonNull(rateLimits, "rateLimits");
        pricingOverrides = List.copyOf(pricingOverrides);
        agents = List.copyOf(agents);
        if (transport.isBlank()) {
            throw new IllegalArgumentException("the transport name must not be blank");
        }
        if (token.isPresent() && token.get().isBlank()) {
            throw new IllegalArgumentException("the token must not be blank");
        }
        EnumMap<ProviderType, ProviderKey> keys = new EnumMap<>(ProviderType.class);
        for (Map.Entry<ProviderType, ProviderKey> entry : providers.entrySet()) {
            ProviderKey key = Objects.requireNonNull(entry.getValue(), "provider key");
            if (key.provider() != entry.getKey()) {
                throw new IllegalArgumentException(
                        "the key filed under "
                                + entry.getKey().id()
                                + " belongs to "
                                + key.provider().id());
            }
            keys.put(entry.getKey(), key);
        }
        providers = Collections.unmodifiableMap(keys);
        providerKeyPools = pools(providers, providerKeyPools);
        if (providers.isEmpty() && controlPlane.isEmpty()) {
            throw new IllegalArgumentException(
                    "configure provider keys (direct mode), a control plane (server mode), or"
                            + " both");
        }
        if (controlPlane.isEmpty() && token.isEmpty()) {
            throw new IllegalArgumentException("direct mode needs a token");
        }
        if (controlPlane.isPresent() && token.isEmpty() && agents.isEmpty()) {
            throw new IllegalArgumentException("server mode needs a token or agents");
        }
        if (token.isPresent() && !agents.isEmpty()) {
            throw new IllegalArgumentException("give either a token or agents, not both");
        }
        if (controlPlane.isEmpty() && !agents.isEmpty()) {
            throw new IllegalArgumentException("agents need a control plane (server mode)");
        }
        java.util.Set<String> tokens = new java.util.HashSet<>();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Agent agent : agents) {
            if (!tokens.add(agent.token())) {
                throw new IllegalArgumentException("two agents have the same token");
            }
            if (agent.id().isPresent() && !ids.add(agent.id().get())) {
                throw new IllegalArgumentException("two agents have the id " + agent.id().get());
            }
        }
    }

    /**
     * Creates a configuration with the default retries, no fallbacks, no circuit breakers, one key
     * per provider (no {@code keys:} pools) and no {@code rate-limits}.
     *
     * @param listen where the router listens
     * @param transport the transport's name
     * @param token the caller token
     * @param providers the provider keys of direct mode
     * @param controlPlane the control server of server mode
     * @param budget the budget
     * @param pricingOverrides price overrides
     * @param analyticsSqlite the SQLite file
     * @param timeouts the upstream timeouts
     * @param agents the agents of server mode
     * @param server the router's own HTTP server settings
     * @param upstreamProxy the outbound proxy; empty: the environment decides
     */
    public RouterConfig(
            Listen listen,
            String transport,
            Optional<String> token,
            Map<ProviderType, ProviderKey> providers,
            Optional<ControlPlane> controlPlane,
            Budget budget,
            List<ModelPricing> pricingOverrides,
            Optional<Path> analyticsSqlite,
            Timeouts timeouts,
            List<Agent> agents,
            Server server,
            Optional<UpstreamProxy> upstreamProxy) {
        this(
                listen,
                transport,
                token,
                providers,
                controlPlane,
                budget,
                pricingOverrides,
                analyticsSqlite,
                timeouts,
                agents,
                server,
                upstreamProxy,
                Resilience.DEFAULTS,
                Map.of(),
                RateLimits.NONE);
    }

    /**
     * Creates a configuration without {@code rate-limits}.
     *
     * @param listen where the router listens
     * @param transport the transport's name
     * @param token the caller token
     * @param providers the provider keys of direct mode
     * @param controlPlane the control server of server mode
     * @param budget the budget
     * @param pricingOverrides price overrides
     * @param analyticsSqlite the SQLite file
     * @param timeouts the upstream timeouts
     * @param agents the agents of server mode
     * @param server the router's own HTTP server settings
     * @param upstreamProxy the outbound proxy; empty: the environment decides
     * @param resilience retries, fallbacks and circuit breakers
     * @param providerKeyPools every provider's keys, see the record's component
     */
    public RouterConfig(
            Listen listen,
            String transport,
            Optional<String> token,
            Map<ProviderType, ProviderKey> providers,
            Optional<ControlPlane> controlPlane,
            Budget budget,
            List<ModelPricing> pricingOverrides,
            Optional<Path> analyticsSqlite,
            Timeouts timeouts,
            List<Agent> agents,
            Server server,
            Optional<UpstreamProxy> upstreamProxy,
            Resilience resilience,
            Map<ProviderType, List<ProviderKey>> providerKeyPools) {
        this(
                listen,
                transport,
                token,
                providers,
                controlPlane,
                budget,
                pricingOverrides,
                analyticsSqlite,
                timeouts,
                agents,
                server,
                upstreamProxy,
                resilience,
                providerKeyPools,
                RateLimits.NONE);
    }

    /**
     * Returns whether some provider has more than one key ({@code keys:} with two or more).
     *
     * @return whether direct mode hands keys out from a pool
     */
    public boolean hasKeyPools() {
        return providerKeyPools.values().stream().anyMatch(pool -> pool.size() > 1);
    }

    /** The pools, checked against {@code providers}; a provider without one gets its one key. */
    private static Map<ProviderType, List<ProviderKey>> pools(
            Map<ProviderType, ProviderKey> providers, Map<ProviderType, List<ProviderKey>> given) {
        for (ProviderType type : given.keySet()) {
            if (!providers.containsKey(Objects.requireNonNull(type, "provider"))) {
                throw new IllegalArgumentException(
                        "the key pool of " + type.id() + " has no key in providers");
            }
        }
        EnumMap<ProviderType, List<ProviderKey>> pools = new EnumMap<>(ProviderType.class);
        for (Map.Entry<ProviderType, ProviderKey> entry : providers.entrySet()) {
            ProviderType type = entry.getKey();
            List<ProviderKey> pool =
                    List.copyOf(given.getOrDefault(type, List.of(entry.getValue())));
            if (pool.isEmpty() || !pool.get(0).equals(entry.getValue())) {
                throw new IllegalArgumentException(
                        "the key pool of " + type.id() + " must start with its key in providers");
            }
            if (new java.util.HashSet<>(pool).size() != pool.size()) {
                throw new IllegalArgumentException(
                        "the key pool of " + type.id() + " has the same key twice");
            }
            for (ProviderKey key : pool) {
                if (key.provider() != type) {
                    throw new IllegalArgumentException(
                            "a key in the pool of "
                                    + type.id()
                                    + " belongs to "
                                    + key.provider().id());
                }
            }
            pools.put(type, pool);
        }
        return Collections.unmodifiableMap(pools);
    }

    /**
     * Creates a configuration without {@code upstream-proxy} (the environment decides).
     *
     * @param listen where the router listens
     * @param transport the transport's name
     * @param token the caller token
     * @param providers the provider keys of direct mode
     * @param controlPlane the control server of server mode
     * @param budget the budget
     * @param pricingOverrides price overrides
     * @param analyticsSqlite the SQLite file
     * @param timeouts the upstream timeouts
     * @param agents the agents of server mode
     * @param server the router's own HTTP server settings
     */
    public RouterConfig(
            Listen listen,
            String transport,
            Optional<String> token,
            Map<ProviderType, ProviderKey> providers,
            Optional<ControlPlane> controlPlane,
            Budget budget,
            List<ModelPricing> pricingOverrides,
            Optional<Path> analyticsSqlite,
            Timeouts timeouts,
            List<Agent> agents,
            Server server) {
        this(
                listen,
                transport,
                token,
                providers,
                controlPlane,
                budget,
                pricingOverrides,
                analyticsSqlite,
                timeouts,
                agents,
                server,
                Optional.empty());
    }

    /**
     * Creates a configuration with the default {@link Server} settings.
     *
     * @param listen where the router listens
     * @param transport the transport's name
     * @param token the caller token
     * @param providers the provider keys of direct mode
     * @param controlPlane the control server of server mode
     * @param budget the budget
     * @param pricingOverrides price overrides
     * @param analyticsSqlite the SQLite file
     * @param timeouts the upstream timeouts
     * @param agents the agents of server mode
     */
    public RouterConfig(
            Listen listen,
            String transport,
            Optional<String> token,
            Map<ProviderType, ProviderKey> providers,
            Optional<ControlPlane> controlPlane,
            Budget budget,
            List<ModelPricing> pricingOverrides,
            Optional<Path> analyticsSqlite,
            Timeouts timeouts,
            List<Agent> agents) {
        this(
                listen,
                transport,
                token,
                providers,
                controlPlane,
                budget,
                pricingOverrides,
                analyticsSqlite,
                timeouts,
                agents,
                Server.DEFAULT);
    }

    /**
     * Creates a configuration without agents (one token, or direct mode).
     *
     * @param listen where the router listens
     * @param transport the transport's name
     * @param token the caller token
     * @param providers the provider keys of direct mode
     * @param controlPlane the control server of server mode
     * @param budget the budget
     * @param pricingOverrides price overrides
     * @param analyticsSqlite the SQLite file
     * @param timeouts the upstream timeouts
     */
    public RouterConfig(
            Listen listen,
            String transport,
            Optional<String> token,
            Map<ProviderType, ProviderKey> providers,
            Optional<ControlPlane> controlPlane,
            Budget budget,
            List<ModelPricing> pricingOverrides,
            Optional<Path> analyticsSqlite,
            Timeouts timeouts) {
        this(
                listen,
                transport,
                token,
                providers,
                controlPlane,
                budget,
                pricingOverrides,
                analyticsSqlite,
                timeouts,
                List.of());
    }

    /**
     * An agent of server mode ({@code agents:} in {@code router.yaml}).
     *
     * @param token its IC token: what its callers present, and what the router presents to the
     *     control server for it
     * @param id the id its analytics events carry; empty to take it from the token
     */
    public record Agent(String token, Optional<String> id) {
        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if the token or the id is blank
         */
        public Agent {
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(id, "id");
            if (token.isBlank()) {
                throw new IllegalArgumentException("an agent's token must not be blank");
            }
            if (id.isPresent() && id.get().isBlank()) {
                throw new IllegalArgumentException("an agent's id must not be blank");
            }
        }

        /** Never shows the token. */
        @Override
        public String toString() {
            return "Agent[token=<redacted>, id=" + id.orElse("<from token>") + "]";
        }
    }

    /** Shows every setting except the token; provider keys show their own redacted form. */
    @Override
    public String toString() {
        return "RouterConfig[listen="
                + listen
                + ", transport="
                + transport
                + ", token="
                + (token.isPresent() ? "<redacted>" : "<none>")
                + ", providers="
                + providerKeyPools.values()
                + ", controlPlane="
                + controlPlane.map(ControlPlane::toString).orElse("<none>")
                + ", budget="
                + budget
                + ", pricingOverrides="
                + pricingOverrides.size()
                + " model(s), analyticsSqlite="
                + analyticsSqlite.map(Path::toString).orElse("<memory>")
                + ", timeouts="
                + timeouts
                + ", agents="
                + agents
                + ", server="
                + server
                + ", rateLimits="
                + rateLimits
                + "]";
    }

    /**
     * The address the router listens on ({@code listen: host:port}).
     *
     * @param host a host name or IP address; an IPv6 address without brackets, e.g. {@code ::1}
     * @param port 0–65535; 0 picks any free port
     */
    public record Listen(String host, int port) {
        /** {@code 127.0.0.1:8787}: loopback only. */
        public static final Listen DEFAULT = new Listen("127.0.0.1", 8787);

        /**
         * Validates the components.
         *
         * @throws NullPointerException if {@code host} is {@code null}
         * @throws IllegalArgumentException if {@code host} is blank or {@code port} is out of range
         */
        public Listen {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("the listen host must not be blank");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("the port must be 0-65535, got " + port);
            }
        }

        /**
         * Tells whether only this machine can reach the address: {@code localhost}, an IPv4 address
         * in {@code 127.0.0.0/8}, or {@code ::1}. Any other host, including a host name (not looked
         * up here) and the wildcards {@code 0.0.0.0} and {@code ::}, may be reachable from other
         * machines.
         *
         * @return whether the host is a loopback address
         */
        public boolean isLoopback() {
            if (host.equalsIgnoreCase("localhost")) {
                return true;
            }
            String[] octets = host.split("\\.", -1);
            if (octets.length == 4 && host.matches("[0-9.]+")) {
                for (String octet : octets) {
                    if (octet.isEmpty() || octet.length() > 3 || Integer.parseInt(octet) > 255) {
                        return false;
                    }
                }
                return Integer.parseInt(octets[0]) == 127;
            }
            if (host.indexOf(':') >= 0) {
                try {
                    // an IPv6 literal: parsed, never looked up
                    return InetAddress.getByName(host).isLoopbackAddress();
                } catch (UnknownHostException e) {
                    return false;
                }
            }
            return false;
        }

        /** Shows {@code host:port}, with an IPv6 host in brackets ({@code [::1]:8787}). */
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * The Iron Cage control server of server mode.
     *
     * @param url the server's base URL (http or https)
     * @param keyCacheTtl how long a fetched provider key is reused; {@code 0} fetches it for every
     *     request; default {@link #DEFAULT_KEY_CACHE_TTL}
     * @param leaseSize the budget asked for at each lease handshake; empty for the server's default
     *     ($10)
     * @param syncInterval the time between analytics sync cycles; default {@link
     *     #DEFAULT_SYNC_INTERVAL}
     * @param syncBatchSize the most analytics events read from the store at once; default {@link
     *     #DEFAULT_SYNC_BATCH_SIZE}
     * @param syncConcurrency the most analytics events in flight to the server at once; default
     *     {@link ControlPlaneOptions#DEFAULT_SYNC_CONCURRENCY}
     */
    public record ControlPlane(
            URI url,
            Duration keyCacheTtl,
            Optional<Money> leaseSize,
            Duration syncInterval,
            int syncBatchSize,
            int syncConcurrency) {
        /** 300 seconds, as the reference's Python binding (reference §3.10). */
        public static final Duration DEFAULT_KEY_CACHE_TTL = Duration.ofSeconds(300);

        /** 30 seconds, as the reference's {@code SyncConfig} (reference §8.6). */
        public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(30);

        /** 100 events, as the reference's batch. */
        public static final int DEFAULT_SYNC_BATCH_SIZE = 100;

        /** The largest sync batch: a bigger read only holds more memory. */
        public static final int MAX_SYNC_BATCH_SIZE = 10_000;

        /** The largest lease the server grants at a handshake: $100 (reference §7.2.1). */
        public static final Money MAX_LEASE_SIZE = Money.ofMicros(100_000_000L);

        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if {@code keyCacheTtl} is negative, the lease size is
         *     zero or above {@link #MAX_LEASE_SIZE}, the sync interval is not positive, or the sync
         *     batch size or concurrency is out of range
         */
        public ControlPlane {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(keyCacheTtl, "keyCacheTtl");
            Objects.requireNonNull(leaseSize, "leaseSize");
            Objects.requireNonNull(syncInterval, "syncInterval");
            if (keyCacheTtl.isNegative()) {
                throw new IllegalArgumentException("the key cache TTL must not be negative");
            }
            if (leaseSize.isPresent()
                    && (leaseSize.get().isZero()
                            || leaseSize.get().compareTo(MAX_LEASE_SIZE) > 0)) {
                throw new IllegalArgumentException(
                        "the lease size must be more than $0 and at most $100");
            }
            if (syncInterval.isZero() || syncInterval.isNegative()) {
                throw new IllegalArgumentException("the sync interval must be positive");
            }
            if (syncBatchSize < 1 || syncBatchSize > MAX_SYNC_BATCH_SIZE) {
                throw new IllegalArgumentException(
                        "the sync batch size must be 1 to " + MAX_SYNC_BATCH_SIZE);
            }
            if (syncConcurrency < 1 || syncConcurrency > ControlPlaneOptions.MAX_SYNC_CONCURRENCY) {
                throw new IllegalArgumentException(
                        "the sync concurrency must be 1 to "
                                + ControlPlaneOptions.MAX_SYNC_CONCURRENCY);
            }
        }

        /**
         * Creates the settings with the default sync batch size and concurrency.
         *
         * @param url the server's base URL
         * @param keyCacheTtl the key cache TTL
         * @param leaseSize the lease size, or empty for the server's default
         * @param syncInterval the time between analytics sync cycles
         */
        public ControlPlane(
                URI url, Duration keyCacheTtl, Optional<Money> leaseSize, Duration syncInterval) {
            this(
                    url,
                    keyCacheTtl,
                    leaseSize,
                    syncInterval,
                    DEFAULT_SYNC_BATCH_SIZE,
                    ControlPlaneOptions.DEFAULT_SYNC_CONCURRENCY);
        }

        /**
         * Creates the settings with the default lease size and sync interval.
         *
         * @param url the server's base URL
         * @param keyCacheTtl the key cache TTL
         */
        public ControlPlane(URI url, Duration keyCacheTtl) {
            this(url, keyCacheTtl, Optional.empty(), DEFAULT_SYNC_INTERVAL);
        }
    }

    /** What the router does with a model that has no price while a finite budget is in force. */
    public enum UnpricedModels {
        /** Reject the request with a 400 that says how to add a price (the default). */
        REJECT,
        /** Let it through; its cost is recorded as unknown and not counted against the budget. */
        ALLOW
    }

    /**
     * What the router does with a paid endpoint it does not meter (batch creation, fine-tuning,
     * images, audio, assistants runs, ...) while a finite budget is in force.
     */
    public enum UnmeteredEndpoints {
        /**
         * Refuse the request with a 400 naming the path, since its cost would escape the budget.
         */
        REJECT,
        /** Forward it without a reservation; it costs the budget nothing. */
        ALLOW
    }

    /**
     * The budget.
     *
     * @param limit the hard limit; empty for unlimited (direct mode) or leased from the control
     *     server (server mode)
     * @param unpricedModels what to do with a model that has no price while a limit is in force
     * @param unmeteredEndpoints what to do with a paid endpoint the router does not meter while a
     *     limit is in force
     */
    public record Budget(
            Optional<Money> limit,
            UnpricedModels unpricedModels,
            UnmeteredEndpoints unmeteredEndpoints) {
        /**
         * No limit; unpriced models and unmetered endpoints rejected (when a limit is in force).
         */
        public static final Budget DEFAULT =
                new Budget(Optional.empty(), UnpricedModels.REJECT, UnmeteredEndpoints.REJECT);

        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         */
        public Budget {
            Objects.requireNonNull(limit, "limit");
            Objects.requireNonNull(unpricedModels, "unpricedModels");
            Objects.requireNonNull(unmeteredEndpoints, "unmeteredEndpoints");
        }

        /**
         * Creates a budget that rejects unmetered endpoints while a limit is in force.
         *
         * @param limit the hard limit
         * @param unpricedModels what to do with a model that has no price
         */
        public Budget(Optional<Money> limit, UnpricedModels unpricedModels) {
            this(limit, unpricedModels, UnmeteredEndpoints.REJECT);
        }
    }

    /**
     * Upstream timeouts.
     *
     * @param connect to connect to the upstream; default 10 s
     * @param upstream for the whole upstream exchange, and between events of a stream; default 300
     *     s (reference §3.10)
     */
    public record Timeouts(Duration connect, Duration upstream) {
        /** 10 s to connect, 300 s per exchange. */
        public static final Timeouts DEFAULT =
                new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(300));

        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if a timeout is zero or negative
         */
        public Timeouts {
            requirePositive(connect, "connect");
            requirePositive(upstream, "upstream");
        }
    }

    /**
     * How the router's own HTTP server treats callers ({@code server:} in {@code router.yaml}).
     *
     * @param headerTimeout how long a request's line and headers may take to arrive; default 10 s
     * @param bodyTimeout how long a request's body may take to arrive in all; default 60 s
     * @param maxConcurrentRequests how many requests are handled at once; default 1,024
     * @param maxBodySize the largest request body in bytes; default 10 MiB
     * @param writeTimeout how long a write may wait for a caller that takes none of it; default 60
     *     s
     * @param shutdownGrace how long a stop lets requests and streams in flight finish; default 30 s
     */
    public record Server(
            Duration headerTimeout,
            Duration bodyTimeout,
            int maxConcurrentRequests,
            long maxBodySize,
            Duration writeTimeout,
            Duration shutdownGrace) {
        /** 10 s for the head, 60 s for the body and for a write, 1,024 requests, 10 MiB, 30 s. */
        public static final Server DEFAULT =
                new Server(
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(60),
                        ServerOptions.DEFAULT_MAX_CONCURRENT_REQUESTS,
                        ServerOptions.DEFAULT_MAX_REQUEST_BODY_BYTES,
                        ServerOptions.DEFAULT_WRITE_TIMEOUT,
                        ServerOptions.DEFAULT_SHUTDOWN_GRACE);

        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if a timeout is zero or negative, the grace negative, or
         *     a limit below 1
         */
        public Server {
            requirePositive(headerTimeout, "header");
            requirePositive(bodyTimeout, "body");
            requirePositive(writeTimeout, "write");
            Objects.requireNonNull(shutdownGrace, "shutdownGrace");
            if (shutdownGrace.isNegative()) {
                throw new IllegalArgumentException("the shutdown grace must not be negative");
            }
            if (maxConcurrentRequests < 1) {
                throw new IllegalArgumentException("maxConcurrentRequests must be at least 1");
            }
            if (maxBodySize < 1) {
                throw new IllegalArgumentException("maxBodySize must be at least 1");
            }
        }

        /**
         * Creates settings with the given request timeouts and the other defaults.
         *
         * @param headerTimeout how long a request's line and headers may take to arrive
         * @param bodyTimeout how long a request's body may take to arrive in all
         */
        public Server(Duration headerTimeout, Duration bodyTimeout) {
            this(
                    headerTimeout,
                    bodyTimeout,
                    DEFAULT.maxConcurrentRequests(),
                    DEFAULT.maxBodySize(),
                    DEFAULT.writeTimeout(),
                    DEFAULT.shutdownGrace());
        }
    }

    private static void requirePositive(Duration timeout, String which) {
        Objects.requireNonNull(timeout, which);
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("the " + which + " timeout must be positive");
        }
    }
}
