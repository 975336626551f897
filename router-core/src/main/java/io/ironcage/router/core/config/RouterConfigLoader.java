package io.ironcage.router.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.ironcage.router.core.config.RouterConfig.Budget;
import io.ironcage.router.core.config.RouterConfig.ControlPlane;
import io.ironcage.router.core.config.RouterConfig.Listen;
import io.ironcage.router.core.config.RouterConfig.Server;
import io.ironcage.router.core.config.RouterConfig.Timeouts;
import io.ironcage.router.core.config.RouterConfig.UnmeteredEndpoints;
import io.ironcage.router.core.config.RouterConfig.UnpricedModels;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.errors.ConfigException;
import io.ironcage.router.core.errors.PricingParseException;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads {@code router.yaml} into a {@link RouterConfig} (README, "Configuration").
 *
 * <pre>{@code
 * listen: 127.0.0.1:8787            # host:port, [::1]:8787 for IPv6; port 0 = any free port
 * transport: netty                  # the name of an installed transport
 * token: ${IC_TOKEN}                # what callers must present; required (or agents)
 * providers:                        # direct mode
 *   openai:    { key: "${OPENAI_API_KEY}",    base-url: https://api.openai.com }
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
 *       under {@code openai}). {@code analytics.sqlite} is a path, relative to the working
 *       directory. Key-cache TTL may be {@code 0s}; timeouts must be positive.
 *   <li><b>Secrets.</b> No error message contains the value of {@code token} or a provider key, nor
 *       an environment variable's value; URLs are not echoed either. YAML syntax errors report the
 *       parser's problem and line without the parser's excerpt of the file, and without it as a
 *       cause.
 * </ul>
 */
public final class RouterConfigLoader {
    private static final YAMLFactory YAML =
            YAMLFactory.builder().enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");
    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern TRANSPORT_NAME = Pattern.compile("[a-z][a-z0-9-]*");
    private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");
    private static final Pattern DECIMAL =
            Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

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
                    "server");

    private final String source;
    private final Map<String, String> env;

    private RouterConfigLoader(String source, Map<String, String> env) {
        this.source = source;
        this.env = env;
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
        return new RouterConfigLoader(sourceName, Map.copyOf(env)).read(yaml);
    }

    // --- the YAML tree, with lines ---

    /** A YAML value with the line it starts on. */
    private static final class Node {
        final String path;
        final int line;
        final JsonToken token; // START_OBJECT, START_ARRAY, VALUE_NULL or a scalar
        final Object scalar; // String, Number or Boolean for scalars
        final boolean interpolated;
        final Map<String, Node> entries = new LinkedHashMap<>();
        final Map<String, Integer> keyLines = new LinkedHashMap<>();
        final List<Node> items = new ArrayList<>();

        Node(String path, int line, JsonToken token, Object scalar, boolean interpolated) {
            this.path = path;
            this.line = line;
            this.token = token;
            this.scalar = scalar;
            this.interpolated = interpolated;
        }

        boolean isMap() {
            return token == JsonToken.START_OBJECT;
        }

        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        boolean isString() {
            return token == JsonToken.VALUE_STRING;
        }

        String describe() {
            switch (token) {
                case START_OBJECT:
                    return "a mapping";
                case START_ARRAY:
                    return "a list";
                case VALUE_NULL:
                    return "nothing";
                case VALUE_TRUE:
                case VALUE_FALSE:
                    return "true or false";
                case VALUE_NUMBER_INT:
                case VALUE_NUMBER_FLOAT:
                    return "a number";
                default:
                    return "a string";
            }
        }
    }

    private RouterConfig read(String yaml) {
        Node root;
        try (JsonParser parser = YAML.createParser(yaml)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw error(
                        "",
                        ConfigException.NO_LINE,
                        "the configuration is empty; it needs providers (direct mode) or"
                                + " control-plane (server mode).");
            }
            root = node(parser, "");
            if (parser.nextToken() != null) {
                throw error(
                        "",
                        parser.currentTokenLocation().getLineNr(),
                        "the configuration holds more than one YAML document; use one.");
            }
        } catch (JsonProcessingException e) {
            throw syntaxError(e, yaml);
        } catch (IOException e) {
            throw new ConfigException(
                    source, "", ConfigException.NO_LINE, "the configuration could not be read.", e);
        }
        return config(root);
    }

    private Node node(JsonParser parser, String path) throws IOException {
        JsonToken token = parser.currentToken();
        int line = parser.currentTokenLocation().getLineNr();
        switch (token) {
            case START_OBJECT:
                {
                    Node map = new Node(path, line, token, null, false);
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String name = parser.currentName();
                        int keyLine = parser.currentTokenLocation().getLineNr();
                        String childPath = path.isEmpty() ? name : path + "." + name;
                        if (map.entries.containsKey(name)) {
                            throw error(
                                    childPath,
                                    keyLine,
                                    "the key is given twice (first on line "
                                            + map.keyLines.get(name)
                                            + ").");
                        }
                        parser.nextToken();
                        map.keyLines.put(name, keyLine);
                        map.entries.put(name, node(parser, childPath));
                    }
                    return map;
                }
            case START_ARRAY:
                {
                    Node list = new Node(path, line, token, null, false);
                    while (parser.nextToken() != JsonToken.END_ARRAY) {
                        list.items.add(node(parser, path + "[" + list.items.size() + "]"));
                    }
                    return list;
                }
            case VALUE_STRING:
                {
                    String raw = parser.getText();
                    return new Node(
                            path, line, token, interpolate(raw, path, line), raw.contains("${"));
                }
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                try {
                    return new Node(path, line, token, parser.getNumberValue(), false);
                } catch (JsonProcessingException e) {
                    throw error(path, line, "the number is out of range.");
                }
            case VALUE_TRUE:
            case VALUE_FALSE:
                return new Node(path, line, token, token == JsonToken.VALUE_TRUE, false);
            case VALUE_NULL:
                return new Node(path, line, token, null, false);
            default:
                throw error(path, line, "this kind of YAML value is not supported here.");
        }
    }

    /**
     * Replaces {@code ${NAME}} with the variable's value; <code>$${</code> is a literal <code>${
     * </code>.
     */
    private String interpolate(String raw, String path, int line) {
        if (raw.indexOf('$') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '$' && raw.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && raw.startsWith("${", i)) {
                int end = raw.indexOf('}', i + 2);
                String name = end < 0 ? "" : raw.substring(i + 2, end);
                if (!VARIABLE_NAME.matcher(name).matches()) {
                    throw error(
                            path,
                            line,
                            "the value has a malformed variable reference; write ${NAME} with a"
                                    + " letter or _ first, then letters, digits or _, or $${ for a"
                                    + " literal ${.");
                }
                String value = env.get(name);
                if (value == null) {
                    throw error(path, line, "the environment variable " + name + " is not set.");
                }
                out.append(value);
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    // --- the configuration ---

    private RouterConfig config(Node root) {
        Map<String, Node> top = section(root, TOP_LEVEL);
        Listen listen = Listen.DEFAULT;
        if (top.containsKey("listen")) {
            listen = listen(top.get("listen"));
        }
        String transport = RouterConfig.DEFAULT_TRANSPORT;
        if (top.containsKey("transport")) {
            Node node = top.get("transport");
            transport = string(node);
            if (!TRANSPORT_NAME.matcher(transport).matches()) {
                throw error(
                        node,
                        "the transport must be a transport name such as netty or jdk, got '"
                                + shorten(transport)
                                + "'.");
            }
        }
        Optional<String> token = Optional.empty();
        if (top.containsKey("token")) {
            Node node = top.get("token");
            String value = string(node);
            if (value.isBlank()) {
                throw error(node, "the token is empty" + emptyHint(node) + ".");
            }
            token = Optional.of(value);
        }
        Map<ProviderType, ProviderKey> providers = new EnumMap<>(ProviderType.class);
        if (top.containsKey("providers")) {
            providers = providers(top.get("providers"));
        }
        Optional<ControlPlane> controlPlane = Optional.empty();
        if (top.containsKey("control-plane")) {
            controlPlane =
                    Optional.of(controlPlane(top.get("control-plane"), !providers.isEmpty()));
        }
        if (providers.isEmpty() && controlPlane.isEmpty()) {
            throw error(
                    "",
                    root.line,
                    "neither providers (direct mode) nor control-plane (server mode) is set; set"
                            + " one of them.");
        }
        List<RouterConfig.Agent> agents = List.of();
        if (top.containsKey("agents")) {
            if (controlPlane.isEmpty()) {
                throw error(
                        "agents",
                        root.keyLines.get("agents"),
                        "agents are for server mode; set control-plane, or remove agents.");
            }
            if (token.isPresent()) {
                throw error(
                        "agents",
                        root.keyLines.get("agents"),
                        "token and agents are both set; use token for one agent or agents for"
                                + " several, not both.");
            }
            agents = agents(top.get("agents"));
        }
        if (controlPlane.isPresent() && token.isEmpty() && agents.isEmpty()) {
            throw error(
                    "token",
                    root.keyLines.get("control-plane"),
                    "server mode (control-plane) needs token, the Iron Cage token the router"
                            + " presents to the control server, or a list of agents.");
        }
        Budget budget = Budget.DEFAULT;
        if (top.containsKey("budget")) {
            budget = budget(top.get("budget"));
        }
        List<ModelPricing> overrides = List.of();
        if (top.containsKey("pricing")) {
            Map<String, Node> pricing = section(top.get("pricing"), List.of("overrides"));
            if (pricing.containsKey("overrides")) {
                overrides = overrides(pricing.get("overrides"));
            }
        }
        Optional<Path> sqlite = Optional.empty();
        if (top.containsKey("analytics")) {
            Map<String, Node> analytics = section(top.get("analytics"), List.of("sqlite"));
            if (analytics.containsKey("sqlite")) {
                sqlite = Optional.of(path(analytics.get("sqlite")));
            }
        }
        Timeouts timeouts = Timeouts.DEFAULT;
        if (top.containsKey("timeouts")) {
            Map<String, Node> section =
                    section(top.get("timeouts"), List.of("connect", "upstream"));
            Duration connect = timeouts.connect();
            Duration upstream = timeouts.upstream();
            if (section.containsKey("connect")) {
                connect = positive(section.get("connect"));
            }
            if (section.containsKey("upstream")) {
                upstream = positive(section.get("upstream"));
            }
            timeouts = new Timeouts(connect, upstream);
        }
        Server server = Server.DEFAULT;
        if (top.containsKey("server")) {
            server = server(top.get("server"));
        }
        if (controlPlane.isEmpty() && token.isEmpty()) {
            // checked last, so that a mistake elsewhere is reported first
            throw error(
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
                server);
    }

    private List<RouterConfig.Agent> agents(Node node) {
        if (node.token != JsonToken.START_ARRAY) {
            throw error(
                    node,
                    "agents must be a list, e.g. agents: [ { token: ${IC_TOKEN_A} } ], got "
                            + node.describe()
                            + ".");
        }
        if (node.items.isEmpty()) {
            throw error(node, "agents lists no agent; add one with a token, or remove it.");
        }
        List<RouterConfig.Agent> agents = new ArrayList<>();
        Map<String, String> tokens = new LinkedHashMap<>();
        Map<String, String> ids = new LinkedHashMap<>();
        for (Node item : node.items) {
            Map<String, Node> fields = section(item, List.of("token", "id"));
            Node tokenNode = fields.get("token");
            if (tokenNode == null) {
                throw error(
                        item.path + ".token",
                        item.line,
                        "each agent needs its IC token, e.g. token: ${IC_TOKEN}.");
            }
            String agentToken = string(tokenNode);
            if (agentToken.isBlank()) {
                throw error(tokenNode, "the token is empty" + emptyHint(tokenNode) + ".");
            }
            if (tokens.containsKey(agentToken)) {
                throw error(
                        tokenNode,
                        "this token is already the token of "
                                + tokens.get(agentToken)
                                + "; each agent needs its own (the value is not shown).");
            }
            tokens.put(agentToken, item.path);
            Optional<String> id = Optional.empty();
            if (fields.containsKey("id")) {
                Node idNode = fields.get("id");
                String value = string(idNode);
                if (!AGENT_ID.matcher(value).matches()) {
                    throw error(
                            idNode,
                            "an agent id is 1 to 100 letters, digits, _ . : or -, e.g. agent_7,"
                                    + " got '"
                                    + shorten(value)
                                    + "'.");
                }
                if (ids.containsKey(value)) {
                    throw error(
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

    private Listen listen(Node node) {
        String value = string(node);
        String host;
        String port;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                throw listenError(node, value);
            }
            host = value.substring(1, close);
            port = value.substring(close + 2);
        } else {
            int colon = value.lastIndexOf(':');
            if (colon < 0) {
                throw listenError(node, value);
            }
            host = value.substring(0, colon);
            port = value.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw error(
                        node,
                        "an IPv6 listen address needs brackets, e.g. [::1]:8787, got '"
                                + shorten(value)
                                + "'.");
            }
        }
        if (host.isEmpty() || !host.chars().allMatch(c -> c > ' ' && c < 127 && c != '/')) {
            throw listenError(node, value);
        }
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) {
            throw error(
                    node,
                    "the port must be a number from 0 to 65535 (0 = any free port), got '"
                            + shorten(value)
                            + "'.");
        }
        return new Listen(host, Integer.parseInt(port));
    }

    private ConfigException listenError(Node node, String value) {
        return error(
                node,
                "listen must be host:port, e.g. 127.0.0.1:8787 or [::1]:8787, got '"
                        + shorten(value)
                        + "'.");
    }

    private Map<ProviderType, ProviderKey> providers(Node node) {
        List<String> known = new ArrayList<>();
        for (ProviderType type : ProviderType.values()) {
            known.add(type.id());
        }
        Map<String, Node> entries = section(node, known);
        if (entries.isEmpty()) {
            throw error(
                    node,
                    "providers lists no provider; add openai or anthropic with a key, or remove"
                            + " it.");
        }
        Map<ProviderType, ProviderKey> keys = new EnumMap<>(ProviderType.class);
        for (Map.Entry<String, Node> entry : entries.entrySet()) {
            ProviderType type = ProviderType.fromId(entry.getKey()).orElseThrow();
            Map<String, Node> fields = section(entry.getValue(), List.of("key", "base-url"));
            Node keyNode = fields.get("key");
            if (keyNode == null) {
                throw error(
                        entry.getValue().path + ".key",
                        entry.getValue().line,
                        "the " + type.id() + " provider needs a key, e.g. key: ${ENV_VAR}.");
            }
            String secret = string(keyNode);
            if (secret.isBlank()) {
                throw error(
                        keyNode, "the " + type.id() + " key is empty" + emptyHint(keyNode) + ".");
            }
            if (type == ProviderType.OPENAI && ProviderType.ofKey(secret) != type) {
                throw error(
                        keyNode,
                        "the openai key looks like an Anthropic key (it starts with sk-ant-); a"
                                + " key is only ever sent to its own provider.");
            }
            Optional<URI> baseUrl = Optional.empty();
            if (fields.containsKey("base-url")) {
                baseUrl = Optional.of(url(fields.get("base-url")));
            }
            keys.put(type, new ProviderKey(type, secret, baseUrl));
        }
        return keys;
    }

    private ControlPlane controlPlane(Node node, boolean directKeys) {
        Map<String, Node> fields =
                section(
                        node,
                        List.of(
                                "url",
                                "key-cache-ttl",
                                "lease-usd",
                                "sync-interval",
                                "sync-batch-size",
                                "sync-concurrency"));
        if (directKeys && fields.containsKey("key-cache-ttl")) {
            throw error(
                    fields.get("key-cache-ttl"),
                    "providers are set, so provider keys come from there and are never fetched"
                            + " from the control server; remove key-cache-ttl.");
        }
        if (!fields.containsKey("url")) {
            throw error(
                    node.path + ".url",
                    node.line,
                    "server mode needs the control server's url, e.g. url: https://control.example.");
        }
        URI url = url(fields.get("url"));
        Duration ttl = ControlPlane.DEFAULT_KEY_CACHE_TTL;
        if (fields.containsKey("key-cache-ttl")) {
            ttl = duration(fields.get("key-cache-ttl"));
        }
        Optional<Money> lease = Optional.empty();
        if (fields.containsKey("lease-usd")) {
            Node leaseNode = fields.get("lease-usd");
            double usd = number(leaseNode);
            Money amount;
            try {
                amount = Money.fromUsdTruncating(usd);
            } catch (IllegalArgumentException e) {
                amount = Money.ZERO;
            }
            if (amount.isZero() || amount.compareTo(ControlPlane.MAX_LEASE_SIZE) > 0) {
                throw error(
                        leaseNode,
                        "the lease must be more than $0 and at most $100 (the server's"
                                + " maximum), got "
                                + usd
                                + ".");
            }
            lease = Optional.of(amount);
        }
        Duration sync = ControlPlane.DEFAULT_SYNC_INTERVAL;
        if (fields.containsKey("sync-interval")) {
            sync = positive(fields.get("sync-interval"));
        }
        int batch = ControlPlane.DEFAULT_SYNC_BATCH_SIZE;
        if (fields.containsKey("sync-batch-size")) {
            batch = integer(fields.get("sync-batch-size"), 1, ControlPlane.MAX_SYNC_BATCH_SIZE);
        }
        int concurrency = ControlPlaneOptions.DEFAULT_SYNC_CONCURRENCY;
        if (fields.containsKey("sync-concurrency")) {
            concurrency =
                    integer(
                            fields.get("sync-concurrency"),
                            1,
                            ControlPlaneOptions.MAX_SYNC_CONCURRENCY);
        }
        return new ControlPlane(url, ttl, lease, sync, batch, concurrency);
    }

    private Budget budget(Node node) {
        Map<String, Node> fields =
                section(node, List.of("limit-usd", "unpriced-models", "unmetered-endpoints"));
        Optional<Money> limit = Optional.empty();
        if (fields.containsKey("limit-usd")) {
            Node limitNode = fields.get("limit-usd");
            double usd = number(limitNode);
            try {
                limit = Optional.of(Money.fromUsdTruncating(usd));
            } catch (IllegalArgumentException e) {
                throw error(
                        limitNode,
                        "the budget must be a finite, non-negative number of dollars, got "
                                + usd
                                + ".");
            }
        }
        UnpricedModels unpriced = UnpricedModels.REJECT;
        if (fields.containsKey("unpriced-models")) {
            Node unpricedNode = fields.get("unpriced-models");
            String value = string(unpricedNode);
            if (value.equals("reject")) {
                unpriced = UnpricedModels.REJECT;
            } else if (value.equals("allow")) {
                unpriced = UnpricedModels.ALLOW;
            } else {
                throw error(
                        unpricedNode,
                        "unpriced-models must be reject or allow, got '" + shorten(value) + "'.");
            }
        }
        UnmeteredEndpoints unmetered = UnmeteredEndpoints.REJECT;
        if (fields.containsKey("unmetered-endpoints")) {
            Node unmeteredNode = fields.get("unmetered-endpoints");
            String value = string(unmeteredNode);
            if (value.equals("reject")) {
                unmetered = UnmeteredEndpoints.REJECT;
            } else if (value.equals("allow")) {
                unmetered = UnmeteredEndpoints.ALLOW;
            } else {
                throw error(
                        unmeteredNode,
                        "unmetered-endpoints must be reject or allow, got '"
                                + shorten(value)
                                + "'.");
            }
        }
        return new Budget(limit, unpriced, unmetered);
    }

    private Server server(Node node) {
        Map<String, Node> fields = section(node, List.of("header-timeout", "body-timeout"));
        Duration header = Server.DEFAULT.headerTimeout();
        Duration body = Server.DEFAULT.bodyTimeout();
        if (fields.containsKey("header-timeout")) {
            header = positive(fields.get("header-timeout"));
        }
        if (fields.containsKey("body-timeout")) {
            body = positive(fields.get("body-timeout"));
        }
        return new Server(header, body);
    }

    private List<ModelPricing> overrides(Node node) {
        Map<String, Node> models = section(node, null);
        List<ModelPricing> result = new ArrayList<>();
        for (Map.Entry<String, Node> entry : models.entrySet()) {
            String model = entry.getKey();
            Node value = entry.getValue();
            ObjectNode single = JsonNodeFactory.instance.objectNode();
            single.set(model, json(value));
            try {
                result.addAll(PricingTables.parseOverrides(single));
            } catch (PricingParseException e) {
                String key = value.path;
                int line = node.keyLines.get(model);
                if (value.isMap()) {
                    for (Map.Entry<String, Node> field : value.entries.entrySet()) {
                        if (e.getMessage().contains("field '" + field.getKey() + "'")) {
                            key = field.getValue().path;
                            line = field.getValue().line;
                            break;
                        }
                    }
                }
                throw new ConfigException(source, key, line, sentence(e.getMessage()), e);
            }
        }
        return List.copyOf(result);
    }

    private JsonNode json(Node node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        switch (node.token) {
            case START_OBJECT:
                {
                    ObjectNode object = f.objectNode();
                    node.entries.forEach((k, v) -> object.set(k, json(v)));
                    return object;
                }
            case START_ARRAY:
                {
                    ArrayNode array = f.arrayNode();
                    node.items.forEach(v -> array.add(json(v)));
                    return array;
                }
            case VALUE_NULL:
                return f.nullNode();
            case VALUE_TRUE:
            case VALUE_FALSE:
                return f.booleanNode((Boolean) node.scalar);
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return numberNode((Number) node.scalar);
            default:
                String text = (String) node.scalar;
                if (node.interpolated && DECIMAL.matcher(text).matches()) {
                    return f.numberNode(new BigDecimal(text));
                }
                return f.textNode(text);
        }
    }

    private static JsonNode numberNode(Number number) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (number instanceof Integer || number instanceof Long || number instanceof Short) {
            return f.numberNode(number.longValue());
        }
        if (number instanceof java.math.BigInteger) {
            return f.numberNode((java.math.BigInteger) number);
        }
        if (number instanceof BigDecimal) {
            return f.numberNode((BigDecimal) number);
        }
        return f.numberNode(number.doubleValue());
    }

    private Path path(Node node) {
        String value = string(node);
        if (value.isBlank()) {
            throw error(node, "the path is empty.");
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw error(node, "the value is not a valid file path (" + e.getReason() + ").");
        }
    }

    // --- typed values ---

    /** The entries of a mapping; {@code null} is an empty one. Unknown keys are errors. */
    private Map<String, Node> section(Node node, List<String> allowed) {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isMap()) {
            throw error(node, "expected a mapping, got " + node.describe() + ".");
        }
        if (allowed != null) {
            for (String name : node.entries.keySet()) {
                if (!allowed.contains(name)) {
                    String where = node.path.isEmpty() ? name : node.path + "." + name;
                    throw error(
                            where,
                            node.keyLines.get(name),
                            "unknown key '"
                                    + shorten(name)
                                    + "'; known keys here are "
                                    + String.join(", ", allowed)
                                    + ".");
                }
            }
        }
        return node.entries;
    }

    private String string(Node node) {
        if (!node.isString()) {
            throw error(
                    node,
                    "expected a string, got "
                            + node.describe()
                            + (node.isNull() ? "" : "; put the value in quotes")
                            + ".");
        }
        return (String) node.scalar;
    }

    private double number(Node node) {
        if (node.token == JsonToken.VALUE_NUMBER_INT
                || node.token == JsonToken.VALUE_NUMBER_FLOAT) {
            return ((Number) node.scalar).doubleValue();
        }
        if (node.isString() && node.interpolated) {
            String text = ((String) node.scalar).strip();
            if (DECIMAL.matcher(text).matches()) {
                return Double.parseDouble(text);
            }
            throw error(node, "expected a number; the environment variable's value is not one.");
        }
        throw error(node, "expected a number, got " + node.describe() + ".");
    }

    private Duration duration(Node node) {
        if (!node.isString()) {
            throw error(
                    node,
                    "expected a duration such as 250ms, 10s, 5m or 1h, got "
                            + node.describe()
                            + ".");
        }
        String text = ((String) node.scalar).strip();
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw error(
                    node,
                    "expected a duration such as 250ms, 10s, 5m or 1h, got '"
                            + shorten(text)
                            + "'.");
        }
        long amount = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            default:
                return Duration.ofHours(amount);
        }
    }

    /** A whole number from {@code min} to {@code max}. */
    private int integer(Node node, int min, int max) {
        double value = number(node);
        if (value != Math.rint(value) || value < min || value > max) {
            throw error(
                    node,
                    "expected a whole number from "
                            + min
                            + " to "
                            + max
                            + ", got "
                            + (value == Math.rint(value) && Math.abs(value) < 1e15
                                    ? Long.toString((long) value)
                                    : Double.toString(value))
                            + ".");
        }
        return (int) value;
    }

    private Duration positive(Node node) {
        Duration duration = duration(node);
        if (duration.isZero()) {
            throw error(node, "the duration must be longer than 0.");
        }
        return duration;
    }

    private URI url(Node node) {
        String text = string(node).strip();
        String problem =
                "expected an absolute http or https URL with a host and no user information,"
                        + " query or fragment, e.g. https://api.openai.com; the value is not shown.";
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw error(node, problem);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https"))
                || uri.getHost() == null
                || uri.getRawUserInfo() != null
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw error(node, problem);
        }
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text);
    }

    // --- errors ---

    private ConfigException error(Node node, String problem) {
        return error(node.path, node.line, problem);
    }

    private ConfigException error(String key, int line, String problem) {
        return new ConfigException(source, key, line, problem);
    }

    private ConfigException syntaxError(JsonProcessingException e, String yaml) {
        int line =
                e.getLocation() == null
                        ? ConfigException.NO_LINE
                        : Math.max(ConfigException.NO_LINE, e.getLocation().getLineNr());
        String problem = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException) {
                MarkedYAMLException marked = (MarkedYAMLException) t;
                problem = marked.getProblem();
                if (marked.getProblemMark() != null) {
                    line = marked.getProblemMark().getLine() + 1;
                }
                break;
            }
        }
        // The parser's own message quotes the offending line, which may hold a secret: not used,
        // and the exception is not attached as the cause.
        return new ConfigException(
                source,
                "",
                line,
                "the configuration is not valid YAML"
                        + (problem == null ? "" : " (" + problem + ")")
                        + (variableInFlowCollection(problem, yaml, line)
                                ? "; ${…} inside { … } or [ … ] is read as the start of a"
                                        + " mapping: quote it, key: \"${VAR}\", or use block"
                                        + " style, one key per line"
                                : "")
                        + ".");
    }

    /**
     * Whether a syntax error is YAML tripping over an unquoted {@code ${VAR}} in a flow collection:
     * the parser expected {@code ,} or a closing bracket but got the variable's {@code {}.
     */
    private static boolean variableInFlowCollection(String problem, String yaml, int line) {
        if (problem == null || !problem.endsWith("but got {") || line < 1) {
            return false;
        }
        String[] lines = yaml.split("\\R", -1);
        return line <= lines.length && lines[line - 1].contains("${");
    }

    private static String emptyHint(Node node) {
        return node.interpolated ? " (check the environment variable it names)" : "";
    }

    private static String shorten(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }

    private static String sentence(String text) {
        return text.endsWith(".") ? text : text + ".";
    }
}
