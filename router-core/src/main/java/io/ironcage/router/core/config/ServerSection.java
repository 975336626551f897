package io.ironcage.router.core.config;

import io.ironcage.router.core.config.RouterConfig.Listen;
import io.ironcage.router.core.config.RouterConfig.Server;
import io.ironcage.router.core.config.RouterConfig.Timeouts;
import io.ironcage.router.core.errors.ConfigException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The router's own side: {@code listen}, {@code transport}, {@code timeouts}, {@code server}. */
final class ServerSection {
    private static final Pattern TRANSPORT_NAME = Pattern.compile("[a-z][a-z0-9-]*");
    private static final Pattern SIZE =
            Pattern.compile("(\\d{1,19})\\s*(B|KiB|MiB|GiB|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);
    private static final int MAX_CONCURRENT_REQUESTS = 100_000;
    private static final long MIN_BODY_SIZE = 1L << 10;
    private static final long MAX_BODY_SIZE = 1L << 30;

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

    /** The router's own HTTP server: request timeouts, limits and the shutdown grace. */
    Server server(ConfigNode node) {
        Map<String, ConfigNode> fields =
                keys.section(
                        node,
                        List.of(
                                "header-timeout",
                                "body-timeout",
                                "max-concurrent-requests",
                                "max-body-size",
                                "write-timeout",
                                "shutdown-grace"));
        Server d = Server.DEFAULT;
        return new Server(
                keys.get(fields, "header-timeout", d.headerTimeout(), keys::positive),
                keys.get(fields, "body-timeout", d.bodyTimeout(), keys::positive),
                keys.get(
                        fields,
                        "max-concurrent-requests",
                        d.maxConcurrentRequests(),
                        n -> keys.integer(n, 1, MAX_CONCURRENT_REQUESTS)),
                keys.get(fields, "max-body-size", d.maxBodySize(), this::byteSize),
                keys.get(fields, "write-timeout", d.writeTimeout(), keys::positive),
                // 0s is meaningful: cut what is in flight at once
                keys.get(fields, "shutdown-grace", d.shutdownGrace(), keys::duration));
    }

    /**
     * A size in bytes: a whole number, or one with a unit ({@code 512KiB}, {@code 10MiB}, {@code
     * 1GiB}; {@code KB}, {@code MB}, {@code GB} are powers of 1,000), from 1 KiB to 1 GiB: a body
     * is held in memory whole, and below 1 KiB no chat request fits.
     */
    long byteSize(ConfigNode node) {
        String text;
        if (node.isNumber()) {
            text = node.scalar.toString();
        } else if (node.isString()) {
            text = ((String) node.scalar).strip();
        } else {
            throw keys.error(node, "expected a size such as 10MiB, got " + node.describe() + ".");
        }
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw keys.error(
                    node,
                    "expected a size such as 1048576, 512KiB, 10MiB or 1GiB, got '"
                            + ConfigKeys.shorten(text)
                            + "'.");
        }
        long unit =
                switch (m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT)) {
                    case "KIB" -> 1L << 10;
                    case "MIB" -> 1L << 20;
                    case "GIB" -> 1L << 30;
                    case "KB" -> 1_000L;
                    case "MB" -> 1_000_000L;
                    case "GB" -> 1_000_000_000L;
                    default -> 1L;
                };
        long bytes;
        try {
            bytes = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            bytes = Long.MAX_VALUE;
        }
        if (bytes < MIN_BODY_SIZE || bytes > MAX_BODY_SIZE) {
            throw keys.error(
                    node,
                    "the size must be from 1KiB to 1GiB, got '" + ConfigKeys.shorten(text) + "'.");
        }
        return bytes;
    }
}
