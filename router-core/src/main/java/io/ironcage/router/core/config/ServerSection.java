package io.ironcage.router.core.config;

import io.ironcage.router.core.config.RouterConfig.Listen;
import io.ironcage.router.core.config.RouterConfig.Server;
import io.ironcage.router.core.config.RouterConfig.Timeouts;
import io.ironcage.router.core.errors.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The router's own side: {@code listen}, {@code transport}, {@code timeouts}, {@code server}. */
final class ServerSection {
    private static final Pattern TRANSPORT_NAME = Pattern.compile("[a-z][a-z0-9-]*");

    private final ConfigKeys keys;

    ServerSection(ConfigKeys keys) {
        this.keys = keys;
    }

    /** {@code host:port}, {@code [v6]:port} for IPv6. */
    Listen listen(ConfigNode node) {
        String value = keys.string(node);
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
                throw keys.error(
                        node,
                        "an IPv6 listen address needs brackets, e.g. [::1]:8787, got '"
                                + ConfigKeys.shorten(value)
                                + "'.");
            }
        }
        if (host.isEmpty() || !host.chars().allMatch(c -> c > ' ' && c < 127 && c != '/')) {
            throw listenError(node, value);
        }
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) {
            throw keys.error(
                    node,
                    "the port must be a number from 0 to 65535 (0 = any free port), got '"
                            + ConfigKeys.shorten(value)
                            + "'.");
        }
        return new Listen(host, Integer.parseInt(port));
    }

    private ConfigException listenError(ConfigNode node, String value) {
        return keys.error(
                node,
                "listen must be host:port, e.g. 127.0.0.1:8787 or [::1]:8787, got '"
                        + ConfigKeys.shorten(value)
                        + "'.");
    }

    /** A transport's name; whether it is installed is checked when the router starts. */
    String transport(ConfigNode node) {
        String transport = keys.string(node);
        if (!TRANSPORT_NAME.matcher(transport).matches()) {
            throw keys.error(
                    node,
                    "the transport must be a transport name such as netty or jdk, got '"
                            + ConfigKeys.shorten(transport)
                            + "'.");
        }
        return transport;
    }

    /** The upstream timeouts. */
    Timeouts timeouts(ConfigNode node) {
        Map<String, ConfigNode> fields = keys.section(node, List.of("connect", "upstream"));
        return new Timeouts(
                keys.get(fields, "connect", Timeouts.DEFAULT.connect(), keys::positive),
                keys.get(fields, "upstream", Timeouts.DEFAULT.upstream(), keys::positive));
    }

    /** The request timeouts of the router's own HTTP server. */
    Server server(ConfigNode node) {
        Map<String, ConfigNode> fields =
                keys.section(node, List.of("header-timeout", "body-timeout"));
        return new Server(
                keys.get(fields, "header-timeout", Server.DEFAULT.headerTimeout(), keys::positive),
                keys.get(fields, "body-timeout", Server.DEFAULT.bodyTimeout(), keys::positive));
    }
}
