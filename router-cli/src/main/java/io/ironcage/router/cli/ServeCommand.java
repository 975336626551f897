package io.ironcage.router.cli;

import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.agent.AgentMetrics;
import io.ironcage.router.core.config.RouterConfig;
import io.ironcage.router.core.config.RouterConfigLoader;
import io.ironcage.router.core.domain.budget.BudgetStatus;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code iron-router serve --config router.yaml}: runs the router as a sidecar until SIGINT or
 * SIGTERM, then closes it and prints what was spent.
 *
 * <p>Without {@code --config} the file comes from {@code IRON_ROUTER_CONFIG}; without that either,
 * {@code OPENAI_API_KEY} and/or {@code ANTHROPIC_API_KEY} start a router on those keys with a
 * generated token, printed once with the lines an agent needs (never the provider keys).
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = IronRouter.Version.class,
        description = {
            "Run the router from a router.yaml until Ctrl-C (SIGINT) or SIGTERM.",
            "Logs one line with the URL when it is ready; on exit prints what was spent.",
            "Without --config: the file IRON_ROUTER_CONFIG names; without that, OPENAI_API_KEY",
            "and/or ANTHROPIC_API_KEY start a router on those keys (no budget limit) with a",
            "generated token, printed once with the environment lines an agent needs.",
            "On SIGTERM the router accepts no new connection, answers new requests 503, lets",
            "requests and streams in flight finish within server.shutdown-grace (30s), then",
            "settles, reports and returns budget leases.",
            ""
        },
        footer = {
            "",
            "router.yaml keys: listen (host:port; port 0 = any free port; an address other",
            "machines may reach is logged as a warning), transport (netty, the default, or jdk),",
            "token (required, or agents in server mode), providers.openai / providers.anthropic",
            "(key, base-url), budget (limit-usd, unpriced-models, unmetered-endpoints),",
            "pricing.overrides, analytics.sqlite (a new file is created 0600), timeouts (connect,",
            "upstream), server (header-timeout, body-timeout, max-concurrent-requests,",
            "max-body-size, write-timeout, shutdown-grace).",
            "Server mode: control-plane (url, key-cache-ttl, lease-usd, sync-interval) instead of",
            "providers, with token or a list of agents (token, id); keys and budget leases come",
            "from the Iron Cage control server, and leases are returned when the router stops.",
            "$${ENV_VAR} in a value is replaced from the environment; inside { } or [ ] quote it:",
            "key: \"$${ENV_VAR}\".",
            "",
            "Exit codes: 0 stopped cleanly; 1 could not start (e.g. port taken, transport",
            "missing); 2 usage or configuration error (the message names the key and line)."
        })
public final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Spec CommandSpec spec;

    /** The variable that names the router.yaml when {@code --config} is not given. */
    static final String CONFIG_VARIABLE = "IRON_ROUTER_CONFIG";

    /** How long closing may take beyond the shutdown grace: settling, reports, lease returns. */
    private static final Duration CLOSE_MARGIN = Duration.ofSeconds(60);

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            description = {
                "The router.yaml to run; default: the file $${IRON_ROUTER_CONFIG} names, else a",
                "router on $${OPENAI_API_KEY} / $${ANTHROPIC_API_KEY} with a generated token."
            })
    Path config;

    @Option(
            names = "--listen",
            paramLabel = "HOST:PORT",
            description = {
                "Where a router started from the environment listens (default 127.0.0.1:8787);",
                "with a router.yaml, its listen key says."
            })
    String listen;

    private final StopSignal stop;
    private final Consumer<LlmRouter> onReady;
    private final Map<String, String> env;

    /** Creates the command as the {@code iron-router} jar runs it. */
    public ServeCommand() {
        this(new StopSignal(), router -> {}, System.getenv());
    }

    ServeCommand(StopSignal stop, Consumer<LlmRouter> onReady) {
        this(stop, onReady, System.getenv());
    }

    ServeCommand(StopSignal stop, Consumer<LlmRouter> onReady, Map<String, String> env) {
        this.stop = Objects.requireNonNull(stop, "stop");
        this.onReady = Objects.requireNonNull(onReady, "onReady");
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    }

    /**
     * Starts the router and serves until asked to stop.
     *
     * @return the exit code, 0 after a clean stop
     */
    @Override
    public Integer call() {
        EnvStart envStart = null;
        RouterConfig parsed;
        Path file = config != null ? config : configFromEnv();
        if (file != null) {
            if (listen != null) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--listen is for a router started from the environment; with a"
                                + " router.yaml, set its listen key.");
            }
            parsed = RouterConfigLoader.load(file);
        } else {
            envStart = EnvStart.from(env, listen);
            if (envStart == null) {
                throw new ParameterException(
                        spec.commandLine(),
                        "no configuration: pass --config FILE, set "
                                + CONFIG_VARIABLE
                                + " to a router.yaml, or set OPENAI_API_KEY and/or"
                                + " ANTHROPIC_API_KEY to start on those keys with a generated"
                                + " token.");
            }
            parsed = envStart.config();
        }
        SqliteUsageEventSink sqlite =
                parsed.analyticsSqlite().map(SqliteUsageEventSink::open).orElse(null);
        LlmRouter router;
        try {
            router =
                    sqlite == null
                            ? LlmRouter.fromConfig(parsed)
                            : LlmRouter.fromConfig(parsed, sqlite);
        } catch (RuntimeException e) {
            if (sqlite != null) {
                sqlite.close();
            }
            throw e;
        }
        LOG.info(
                "iron-router listening on {} ({} transport; OpenAI SDKs: {}); usage events {}{};"
                        + " press Ctrl-C to stop",
                router.baseUri(),
                parsed.transport(),
                router.baseUrl(),
                sqlite == null ? "not stored (no analytics.sqlite)" : "in " + sqlite.file(),
                parsed.controlPlane().isPresent()
                        ? (parsed.providers().isEmpty()
                                        ? "; server mode with "
                                        : "; direct keys with the control server, ")
                                + router.agents().list().size()
                                + " agent(s)"
                        : "");
        PrintWriter out = spec.commandLine().getOut();
        if (envStart != null) {
            envStart.printStart(out, router);
        }
        onReady.accept(router);
        // the shutdown hook waits for the whole close: the grace, then settling and lease returns
        stop.awaitThen(
                parsed.server().shutdownGrace().plus(CLOSE_MARGIN),
                () -> {
                    router.close();
                    List<AgentMetrics> agents = router.agents().list();
                    if (agents.isEmpty()) {
                        out.println("iron-router: stopped. " + spendSummary(router.budgetStatus()));
                    } else {
                        out.println(
                                "iron-router: stopped. Spent $"
                                        + router.totalSpent().toUsdString(6)
                                        + " across "
                                        + agents.size()
                                        + " agent(s); unused budget leases were returned.");
                        agents.forEach(agent -> out.println("  " + agentSummary(agent)));
                    }
                    out.flush();
                });
        return 0;
    }

    /** {@code IRON_ROUTER_CONFIG} as a path, or null when it is not set. */
    private Path configFromEnv() {
        String named = env.get(CONFIG_VARIABLE);
        if (named == null || named.isBlank()) {
            return null;
        }
        try {
            return Path.of(named.strip());
        } catch (InvalidPathException e) {
            throw new ParameterException(
                    spec.commandLine(), CONFIG_VARIABLE + " is not a valid file path.");
        }
    }

    /**
     * Describes one agent's spend and requests in one line.
     *
     * @param agent the agent's metrics
     * @return e.g. {@code agent_1: spent $0.001200 in 3 requests (1 failed)}
     */
    static String agentSummary(AgentMetrics agent) {
        return agent.agentId()
                + ": spent $"
                + agent.spent().toUsdString(6)
                + " in "
                + agent.requests()
                + " requests ("
                + agent.failures()
                + " failed)";
    }

    /**
     * Describes spend against the budget in one sentence.
     *
     * @param status the router's budget status
     * @return e.g. {@code Spent $0.001200 of a $5.000000 budget.}
     */
    static String spendSummary(BudgetStatus status) {
        return "Spent $"
                + status.spent().toUsdString(6)
                + status.limit()
                        .map(limit -> " of a $" + limit.toUsdString(6) + " budget.")
                        .orElse(" (no budget limit).");
    }
}
