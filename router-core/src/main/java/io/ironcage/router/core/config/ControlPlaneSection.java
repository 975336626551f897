package io.ironcage.router.core.config;

import io.ironcage.router.core.config.RouterConfig.ControlPlane;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Server mode: {@code control-plane} and its {@code agents}. */
final class ControlPlaneSection {
    private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");

    private final ConfigKeys keys;

    ControlPlaneSection(ConfigKeys keys) {
        this.keys = keys;
    }

    /**
     * The control server and how to use it; with {@code directKeys} (providers are set) there are
     * no keys to fetch, so a key-cache TTL is an error.
     */
    ControlPlane controlPlane(ConfigNode node, boolean directKeys) {
        Map<String, ConfigNode> fields =
                keys.section(
                        node,
                        List.of(
                                "url",
                                "key-cache-ttl",
                                "lease-usd",
                                "sync-interval",
                                "sync-batch-size",
                                "sync-concurrency"));
        if (directKeys && fields.containsKey("key-cache-ttl")) {
            throw keys.error(
                    fields.get("key-cache-ttl"),
                    "providers are set, so provider keys come from there and are never fetched"
                            + " from the control server; remove key-cache-ttl.");
        }
        if (!fields.containsKey("url")) {
            throw keys.error(
                    node.path + ".url",
                    node.line,
                    "server mode needs the control server's url, e.g. url: https://control.example.");
        }
        URI url = keys.url(fields.get("url"));
        Duration ttl =
                keys.get(
                        fields,
                        "key-cache-ttl",
                        ControlPlane.DEFAULT_KEY_CACHE_TTL,
                        keys::duration);
        Optional<Money> lease = keys.get(fields, "lease-usd", Optional.empty(), this::lease);
        Duration sync =
                keys.get(
                        fields,
                        "sync-interval",
                        ControlPlane.DEFAULT_SYNC_INTERVAL,
                        keys::positive);
        int batch =
                keys.get(
                        fields,
                        "sync-batch-size",
                        ControlPlane.DEFAULT_SYNC_BATCH_SIZE,
                        n -> keys.integer(n, 1, ControlPlane.MAX_SYNC_BATCH_SIZE));
        int concurrency =
                keys.get(
                        fields,
                        "sync-concurrency",
                        ControlPlaneOptions.DEFAULT_SYNC_CONCURRENCY,
                        n -> keys.integer(n, 1, ControlPlaneOptions.MAX_SYNC_CONCURRENCY));
        return new ControlPlane(url, ttl, lease, sync, batch, concurrency);
    }

    private Optional<Money> lease(ConfigNode node) {
        double usd = keys.number(node);
        Money amount;
        try {
            amount = Money.fromUsdTruncating(usd);
        } catch (IllegalArgumentException e) {
            amount = Money.ZERO;
        }
        if (amount.isZero() || amount.compareTo(ControlPlane.MAX_LEASE_SIZE) > 0) {
            throw keys.error(
                    node,
                    "the lease must be more than $0 and at most $100 (the server's"
                            + " maximum), got "
                            + usd
                            + ".");
        }
        return Optional.of(amount);
    }

    /** The agents, each with its own token and id. */
    List<RouterConfig.Agent> agents(ConfigNode node) {
        if (!node.isList()) {
            throw keys.error(
                    node,
                    "agents must be a list, e.g. agents: [ { token: ${IC_TOKEN_A} } ], got "
                            + node.describe()
                            + ".");
        }
        if (node.items.isEmpty()) {
            throw keys.error(node, "agents lists no agent; add one with a token, or remove it.");
        }
        List<RouterConfig.Agent> agents = new ArrayList<>();
        Map<String, String> tokens = new LinkedHashMap<>();
        Map<String, String> ids = new LinkedHashMap<>();
        for (ConfigNode item : node.items) {
            Map<String, ConfigNode> fields = keys.section(item, List.of("token", "id"));
            ConfigNode tokenNode = fields.get("token");
            if (tokenNode == null) {
                throw keys.error(
                        item.path + ".token",
                        item.line,
                        "each agent needs its IC token, e.g. token: ${IC_TOKEN}.");
            }
            String agentToken = keys.nonBlank(tokenNode, "token");
            if (tokens.containsKey(agentToken)) {
                throw keys.error(
                        tokenNode,
                        "this token is already the token of "
                                + tokens.get(agentToken)
                                + "; each agent needs its own (the value is not shown).");
            }
            tokens.put(agentToken, item.path);
            Optional<String> id = Optional.empty();
            if (fields.containsKey("id")) {
                ConfigNode idNode = fields.get("id");
                String value = keys.string(idNode);
                if (!AGENT_ID.matcher(value).matches()) {
                    throw keys.error(
                            idNode,
                            "an agent id is 1 to 100 letters, digits, _ . : or -, e.g. agent_7,"
                                    + " got '"
                                    + ConfigKeys.shorten(value)
                                    + "'.");
                }
                if (ids.containsKey(value)) {
                    throw keys.error(
                            idNode,
                            "the id " + value + " is already used by " + ids.get(value) + ".");
                }
                ids.put(value, item.path);
                id = Optional.of(value);
            }
            agents.add(new RouterConfig.Agent(agentToken, id));
        }
        return List.copyOf(agents);
    }
}
