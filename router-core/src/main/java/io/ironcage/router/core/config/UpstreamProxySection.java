package io.ironcage.router.core.config;

import io.ironcage.router.core.spi.UpstreamProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code upstream-proxy} section: the outbound proxy for every upstream. Without it the router
 * reads the process's environment when it starts ({@link UpstreamProxy#fromSystem()}).
 *
 * <pre>{@code
 * upstream-proxy:
 *   url: http://proxy.corp:3128
 *   username: alice                 # optional, Basic
 *   password: ${PROXY_PASSWORD}     # optional
 *   no-proxy: [localhost, .corp]    # called directly
 * }</pre>
 */
final class UpstreamProxySection {
    private final ConfigKeys keys;

    UpstreamProxySection(ConfigKeys keys) {
        this.keys = keys;
    }

    UpstreamProxy upstreamProxy(ConfigNode node) {
        Map<String, ConfigNode> fields =
                keys.section(node, List.of("url", "username", "password", "no-proxy"));
        ConfigNode url = fields.get("url");
        if (url == null) {
            throw keys.error(
                    node, "upstream-proxy needs url, e.g. url: http://proxy.example.com:3128.");
        }
        String address = keys.nonBlank(url, "proxy URL");
        String username = keys.get(fields, "username", null, n -> keys.nonBlank(n, "username"));
        String password = keys.get(fields, "password", null, keys::string);
        List<String> noProxy = keys.get(fields, "no-proxy", List.of(), this::hosts);
        if (password != null && username == null) {
            throw keys.error(fields.get("password"), "a password needs a username.");
        }
        try {
            UpstreamProxy.of(address, null, null, List.of()); // the URL alone, for its message
        } catch (IllegalArgumentException e) {
            throw keys.error(url, e.getMessage() + ".");
        }
        try {
            return UpstreamProxy.of(address, username, password, noProxy);
        } catch (IllegalArgumentException e) {
            throw keys.error(fields.get("no-proxy"), e.getMessage() + ".");
        }
    }

    private List<String> hosts(ConfigNode node) {
        if (!node.isList()) {
            throw keys.error(node, "expected a list of hosts, e.g. [localhost, .corp].");
        }
        List<String> hosts = new ArrayList<>();
        for (ConfigNode item : node.items) {
            hosts.add(keys.nonBlank(item, "no-proxy host"));
        }
        return hosts;
    }
}
