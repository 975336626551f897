package io.ironcage.router.core.config;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import java.net.URI;
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
 * (PRODUCT.md, "Configuration").
 *
 * <p>Exactly one mode is configured: <b>direct mode</b> (provider keys in {@link #providers()}) or
 * <b>server mode</b> ({@link #controlPlane()}, which also needs the {@link #token()} the router
 * presents to the control server). {@link #toString()} never shows the token or a provider key.
 *
 * @param listen where the router listens; default {@link Listen#DEFAULT}
 * @param transport the name of the HTTP transport; default {@value #DEFAULT_TRANSPORT}; checked
 *     against the installed transports when the router starts
 * @param token the Iron Cage token callers must present (and, in server mode, the one sent to the
 *     control server); empty when not configured
 * @param providers the provider keys of direct mode, at most one per provider; empty in server mode
 * @param controlPlane the control server of server mode; empty in direct mode
 * @param budget the budget; default {@link Budget#DEFAULT}
 * @param pricingOverrides prices that replace or extend the bundled pricing table, in file order
 * @param analyticsSqlite the SQLite file for analytics events; empty to keep them in memory only
 * @param timeouts the upstream timeouts; default {@link Timeouts#DEFAULT}
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
        Timeouts timeouts) {

    /** The transport used when none is configured. */
    public static final String DEFAULT_TRANSPORT = "netty";

    /**
     * Validates and copies the components.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if the transport or token is blank, a provider key is filed
     *     under another provider, both or neither mode is configured, or server mode has no token
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
        pricingOverrides = List.copyOf(pricingOverrides);
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
        if (providers.isEmpty() == controlPlane.isEmpty()) {
            throw new IllegalArgumentException(
                    "configure either provider keys (direct mode) or a control plane (server"
                            + " mode), not both and not neither");
        }
        if (controlPlane.isPresent() && token.isEmpty()) {
            throw new IllegalArgumentException("server mode needs a token");
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
                + providers.values()
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
     */
    public record ControlPlane(URI url, Duration keyCacheTtl) {
        /** 300 seconds, as the reference's Python binding (reference §3.10). */
        public static final Duration DEFAULT_KEY_CACHE_TTL = Duration.ofSeconds(300);

        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if {@code keyCacheTtl} is negative
         */
        public ControlPlane {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(keyCacheTtl, "keyCacheTtl");
            if (keyCacheTtl.isNegative()) {
                throw new IllegalArgumentException("the key cache TTL must not be negative");
            }
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
     * The budget.
     *
     * @param limit the hard limit; empty for unlimited (direct mode) or leased from the control
     *     server (server mode)
     * @param unpricedModels what to do with a model that has no price while a limit is in force
     */
    public record Budget(Optional<Money> limit, UnpricedModels unpricedModels) {
        /** No limit; unpriced models rejected (when a limit is in force). */
        public static final Budget DEFAULT = new Budget(Optional.empty(), UnpricedModels.REJECT);

        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         */
        public Budget {
            Objects.requireNonNull(limit, "limit");
            Objects.requireNonNull(unpricedModels, "unpricedModels");
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
            Objects.requireNonNull(connect, "connect");
            Objects.requireNonNull(upstream, "upstream");
            if (connect.isZero() || connect.isNegative()) {
                throw new IllegalArgumentException("the connect timeout must be positive");
            }
            if (upstream.isZero() || upstream.isNegative()) {
                throw new IllegalArgumentException("the upstream timeout must be positive");
            }
        }
    }
}
