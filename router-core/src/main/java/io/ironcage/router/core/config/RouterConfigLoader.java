package io.ironcage.router.core.config;

import io.ironcage.router.core.agent.RateLimits;
import io.ironcage.router.core.config.RouterConfig.Budget;
import io.ironcage.router.core.config.RouterConfig.ControlPlane;
import io.ironcage.router.core.config.RouterConfig.Listen;
import io.ironcage.router.core.config.RouterConfig.Server;
import io.ironcage.router.core.config.RouterConfig.Timeouts;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.errors.ConfigException;
import io.ironcage.router.core.resilience.Resilience;
import io.ironcage.router.core.spi.UpstreamProxy;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads {@code router.yaml} into a {@link RouterConfig} (README, "Configuration").
 *
 * <pre>{@code
 * listen: 127.0.0.1:8787            # host:port, [::1]:8787 for IPv6; port 0 = any free port
 * transport: netty                  # the name of an installed transport
 * token: ${IC_TOKEN}                # what callers must present; required (or agents)
 * providers:                        # direct mode
 *   openai:    { key: "${OPENAI_API_KEY}",    base-url: https://api.openai.com }
 *   # openai:  { keys: [ "${OPENAI_KEY_A}", "${OPENAI_KEY_B}" ] }   # a pool instead of key
 *   anthropic:                      # block style needs no quotes
 *     key: ${ANTHROPIC_API_KEY}
 *     base-url: https://api.anthropic.com
 * control-plane:                    # server mode; with providers: direct keys with the server
 *   url: https://control.example
 *   key-cache-ttl: 300s             # server mode only: there are no keys to fetch with providers
 *   lease-usd: 10.00                # budget asked for per lease; absent: the server's default
 *   sync-interval: 30s              # analytics sync: how often it drains the store
 *   sync-batch-size: 100            # events read from the store at once
 *   sync-concurrency: 8             # events in flight to the server at once
 * agents:                           # server mode with several agents, instead of token
 *   - token: ${IC_TOKEN_A}
 *   - { token: "${IC_TOKEN_B}", id: agent_7 }
 * budget:
 *   limit-usd: 10.00                # absent: unlimited (direct) or leased (server); with both
 *                                   #   providers and control-plane, a ceiling on the lease
 *   unpriced-models: reject         # reject | allow
 *   unmetered-endpoints: reject     # reject | allow: paid endpoints the router cannot meter
 * pricing:
 *   overrides:
 *     my-model: { input-usd-per-mtok: 1.0, output-usd-per-mtok: 2.0 }
 * analytics:
 *   sqlite: ./iron-router.db        # absent: in memory only
 * timeouts:
 *   connect: 10s
 *   upstream: 300s
 * server:                           # the router's own HTTP server
 *   header-timeout: 10s             # a request's line and headers, in all
 *   body-timeout: 60s               # a request's body, in all
 *   max-concurrent-requests: 1024   # handled at once (streams included); as many more wait
 *   max-body-size: 10MiB            # bytes, or with KiB, MiB, GiB (KB, MB, GB); 1KiB to 1GiB
 *   write-timeout: 60s              # a caller that takes no data this long is cut (and billed)
 *   shutdown-grace: 30s             # on stop: how long requests and streams in flight may finish
 * upstream-proxy:                   # absent: HTTPS_PROXY/HTTP_PROXY/NO_PROXY, else JDK properties
 *   url: http://proxy.corp:3128     # https upstreams through CONNECT, http ones in absolute form
 *   username: alice                 # optional, Basic; password likewise
 *   no-proxy: [localhost, .corp]    # called directly; loopback is proxied unless listed
 * rate-limits:                      # per agent (per token in direct mode); absent: none
 *   requests-per-minute: 600        # fixed one-minute windows; 429 beyond
 *   tokens-per-minute: 1000000      # the worst case at admission, corrected when settled
 *   max-concurrent: 64              # requests in flight at once
 * }</pre>
 *
 * <p>Rules:
 *
 * <ul>
 *   <li><b>Modes.</b> {@code providers} (direct mode), {@code control-plane} (server mode), or both
 *       (direct keys with the control server: the keys are those of {@code providers}, never
 *       fetched, so {@code control-plane.key-cache-ttl} is an error there; leases and analytics
 *       sync are the control server's). Direct mode requires {@code token}, what callers present:
 *       without it the router would accept nobody, or a token nobody knows. Server mode also
 *       requires {@code token}, which the router presents to the control server, or instead {@code
 *       agents}, a list of agents each with its own {@code token} (and optionally the {@code id}
 *       its analytics carry); tokens and ids must differ.
 *   <li><b>Environment variables.</b> {@code ${NAME}} in a string value is replaced by the
 *       variable's value; a variable that is not set is an error naming the key and the variable;
 *       <code>$${</code> is a literal <code>${</code>. Keys are never interpolated. Inside a flow
 *       collection (<code>{ … }</code> or <code>[ … ]</code>) a value with <code>${</code> must be
 *       quoted, since YAML reads its <code>{</code> as the start of a mapping; the syntax error
 *       says so. A number ({@code limit-usd}, the prices in {@code pricing.overrides}) may also
 *       come from a variable: a string that used {@code ${…}} and reads as a decimal number counts
 *       as that number.
 *   <li><b>Strictness.</b> Unknown keys, duplicate keys, wrong types and out-of-range values are
 *       errors ({@link ConfigException}) that name the full key path and the line. A key with no
 *       value ({@code budget:}) is an empty section, but a setting with no value ({@code
 *       limit-usd:}) is an error.
 *   <li><b>Values.</b> Durations are a whole number with a unit: {@code 250ms}, {@code 10s}, {@code
 *       5m}, {@code 1h}. URLs are absolute {@code http}/{@code https} URLs with a host and no user
 *       information, query or fragment; a trailing {@code /} is removed. {@code limit-usd} is a
 *       finite, non-negative number, converted with {@link Money#fromUsdTruncating(double)}. A
 *       provider key must not be blank and must not be another provider's (an {@code sk-ant-} key
 *       under {@code openai}). A provider has either {@code key} (one) or {@code keys}, a non-empty
 *       list of keys without repeats, each checked like {@code key}, handed out round-robin ({@link
 *       RouterConfig#providerKeyPools()}); both is an error. {@code analytics.sqlite} is a path,
 *       relative to the working directory. Key-cache TTL may be {@code 0s}; timeouts must be
 *       positive.
 *   <li><b>Secrets.</b> No error message contains the value of {@code token} or a provider key, nor
 *       an environment variable's value; URLs are not echoed either. YAML syntax errors report the
 *       parser's problem and line without the parser's excerpt of the file, and without it as a
 *       cause.
 * </ul>
 */
public final class RouterConfigLoader {
    private static final List<String> TOP_LEVEL =
            List.of(
                    "listen",
                    "transport",
                    "token",
                    "providers",
                    "control-plane",
                    "budget",
                    "pricing",
                    "analytics",
                    "timeouts",
                    "agents",
                    "server",
                    "upstream-proxy",
                    "retries",
                    "fallbacks",
                    "circuit-breaker",
                    "rate-limits");

    private final ConfigKeys keys;

    private RouterConfigLoader(ConfigKeys keys) {
        this.keys = keys;
    }

    /**
     * Reads a configuration file, interpolating variables from {@link System#getenv()}.
     *
     * @param file the YAML file (UTF-8)
     * @return the configuration
     * @throws ConfigException if the file does not exist, cannot be read or is not a valid
     *     configuration; the message names the file
     */
    public static RouterConfig load(Path file) {
        Objects.requireNonNull(file, "file");
        String name = file.toString();
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(
                    name, "", ConfigException.NO_LINE, "the configuration file does not exist.");
        } catch (CharacterCodingException e) {
            throw new ConfigException(
                    name, "", ConfigException.NO_LINE, "the configuration file is not UTF-8 text.");
        } catch (IOException e) {
            throw new ConfigException(
                    name,
                    "",
                    ConfigException.NO_LINE,
                    "the configuration file could not be read (" + e + ").",
                    e);
        }
        return parse(yaml, System.getenv(), name);
    }

    /**
     * Parses a configuration.
     *
     * @param yaml the YAML text
     * @param env the environment variables {@code ${NAME}} refers to
     * @param sourceName where the text came from, for messages (e.g. a file name)
     * @return the configuration
     * @throws ConfigException if the text is not a valid configuration
     */
    public static RouterConfig parse(String yaml, Map<String, String> env, String sourceName) {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(sourceName, "sourceName");
        ConfigKeys keys = new ConfigKeys(sourceName);
        ConfigNode root = new YamlTree(keys, Map.copyOf(env)).read(yaml);
        return new RouterConfigLoader(keys).config(root);
    }

    /**
     * Reads the sections in a fixed order, whatever the file's, so the first error reported is
     * stable; the rules across sections (the modes, the token) are checked once what they need is
     * read.
     */
    private RouterConfig config(ConfigNode root) {
        Map<String, ConfigNode> top = keys.section(root, TOP_LEVEL);
        ServerSection serverKeys = new ServerSection(keys);
        ControlPlaneSection controlPlaneKeys = new ControlPlaneSection(keys);
        Listen listen = keys.get(top, "listen", Listen.DEFAULT, serverKeys::listen);
        String transport =
                keys.get(top, "transport", RouterConfig.DEFAULT_TRANSPORT, serverKeys::transport);
        Optional<String> token =
                keys.get(
                        top,
                        "token",
                        Optional.empty(),
                        n -> Optional.of(keys.nonBlank(n, "token")));
        Map<ProviderType, List<ProviderKey>> pools =
                keys.get(
                        top,
                        "providers",
                        new EnumMap<>(ProviderType.class),
                        new ProvidersSection(keys)::providers);
        Map<ProviderType, ProviderKey> providers = new EnumMap<>(ProviderType.class);
        pools.forEach((type, pool) -> providers.put(type, pool.get(0)));
        Optional<ControlPlane> controlPlane =
                keys.get(
                        top,
                        "control-plane",
                        Optional.empty(),
                        n -> Optional.of(controlPlaneKeys.controlPlane(n, !providers.isEmpty())));
        if (providers.isEmpty() && controlPlane.isEmpty()) {
            throw keys.error(
                    "",
                    root.line,
                    "neither providers (direct mode) nor control-plane (server mode) is set; set"
                            + " one of them.");
        }
        List<RouterConfig.Agent> agents = List.of();
        if (top.containsKey("agents")) {
            if (controlPlane.isEmpty()) {
                throw keys.error(
                        "agents",
                        root.keyLines.get("agents"),
                        "agents are for server mode; set control-plane, or remove agents.");
            }
            if (token.isPresent()) {
                throw keys.error(
                        "agents",
                        root.keyLines.get("agents"),
                        "token and agents are both set; use token for one agent or agents for"
                                + " several, not both.");
            }
            agents = controlPlaneKeys.agents(top.get("agents"));
        }
        if (controlPlane.isPresent() && token.isEmpty() && agents.isEmpty()) {
            throw keys.error(
                    "token",
                    root.keyLines.get("control-plane"),
                    "server mode (control-plane) needs token, the Iron Cage token the router"
                            + " presents to the control server, or a list of agents.");
        }
        Budget budget = keys.get(top, "budget", Budget.DEFAULT, new BudgetSection(keys)::budget);
        List<ModelPricing> overrides =
                keys.get(top, "pricing", List.of(), new PricingSection(keys)::pricing);
        Optional<Path> sqlite = keys.get(top, "analytics", Optional.empty(), this::analytics);
        Timeouts timeouts = keys.get(top, "timeouts", Timeouts.DEFAULT, serverKeys::timeouts);
        Server server = keys.get(top, "server", Server.DEFAULT, serverKeys::server);
        Optional<UpstreamProxy> upstreamProxy =
                keys.get(
                        top,
                        "upstream-proxy",
                        Optional.empty(),
                        n -> Optional.of(new UpstreamProxySection(keys).upstreamProxy(n)));
        Resilience resilience = new ResilienceSection(keys).resilience(top);
        RateLimits rateLimits =
                keys.get(
                        top,
                        "rate-limits",
                        RateLimits.NONE,
                        new RateLimitsSection(keys)::rateLimits);
        if (controlPlane.isEmpty() && token.isEmpty()) {
            // checked last, so that a mistake elsewhere is reported first
            throw keys.error(
                    "token",
                    root.keyLines.get("providers"),
                    "token is missing: set the token callers must present, e.g. token:"
                            + " ${IC_TOKEN}; the router does not start without one"
                            + (listen.isLoopback()
                                    ? ""
                                    : ", least of all on "
                                            + listen
                                            + ", which other machines may reach")
                            + ".");
        }
        return new RouterConfig(
                listen,
                transport,
                token,
                providers,
                controlPlane,
                budget,
                overrides,
                sqlite,
                timeouts,
                agents,
                server,
                upstreamProxy,
                resilience,
                pools,
                rateLimits);
    }

    /** The {@code analytics} section: the SQLite file, if any. */
    private Optional<Path> analytics(ConfigNode node) {
        Map<String, ConfigNode> analytics = keys.section(node, List.of("sqlite"));
        return keys.get(analytics, "sqlite", Optional.empty(), n -> Optional.of(keys.path(n)));
    }
}
