package io.ironcage.router.core.config;

import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code providers}: a key ({@code key:}) or a pool of them ({@code keys:}), and optionally a base
 * URL, per provider (direct mode).
 */
final class ProvidersSection {
    private final ConfigKeys keys;

    ProvidersSection(ConfigKeys keys) {
        this.keys = keys;
    }

    /**
     * The keys by provider, each provider's in file order; none is an error, as is a key filed
     * under another provider.
     */
    Map<ProviderType, List<ProviderKey>> providers(ConfigNode node) {
        List<String> known = new ArrayList<>();
        for (ProviderType type : ProviderType.values()) {
            known.add(type.id());
        }
        Map<String, ConfigNode> entries = keys.section(node, known);
        if (entries.isEmpty()) {
            throw keys.error(
                    node,
                    "providers lists no provider; add openai or anthropic with a key, or remove"
                            + " it.");
        }
        Map<ProviderType, List<ProviderKey>> result = new EnumMap<>(ProviderType.class);
        for (Map.Entry<String, ConfigNode> entry : entries.entrySet()) {
            ProviderType type = ProviderType.fromId(entry.getKey()).orElseThrow();
            result.put(type, provider(type, entry.getValue()));
        }
        return result;
    }

    private List<ProviderKey> provider(ProviderType type, ConfigNode node) {
        Map<String, ConfigNode> fields = keys.section(node, List.of("key", "keys", "base-url"));
        ConfigNode keyNode = fields.get("key");
        ConfigNode poolNode = fields.get("keys");
        if (keyNode != null && poolNode != null) {
            throw keys.error(
                    poolNode,
                    "the "
                            + type.id()
                            + " provider has both key and keys; give one key with key, or a pool"
                            + " with keys.");
        }
        if (keyNode == null && poolNode == null) {
            throw keys.error(
                    node.path + ".key",
                    node.line,
                    "the "
                            + type.id()
                            + " provider needs a key, e.g. key: ${ENV_VAR}, or a pool of them,"
                            + " e.g. keys: [ \"${KEY_A}\", \"${KEY_B}\" ].");
        }
        Optional<URI> baseUrl =
                keys.get(fields, "base-url", Optional.empty(), n -> Optional.of(keys.url(n)));
        if (keyNode != null) {
            return List.of(new ProviderKey(type, secret(type, keyNode), baseUrl));
        }
        if (!poolNode.isList()) {
            throw keys.error(
                    poolNode,
                    "keys must be a list, e.g. keys: [ \"${KEY_A}\", \"${KEY_B}\" ], got "
                            + poolNode.describe()
                            + "; use key for a single key.");
        }
        if (poolNode.items.isEmpty()) {
            throw keys.error(
                    poolNode, "keys lists no key; add at least one, or use key for a single key.");
        }
        List<ProviderKey> pool = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (ConfigNode item : poolNode.items) {
            String secret = secret(type, item);
            String first = seen.putIfAbsent(secret, item.path);
            if (first != null) {
                throw keys.error(
                        item,
                        "this key is the same as "
                                + first
                                + "; list each key once (the value is not shown).");
            }
            pool.add(new ProviderKey(type, secret, baseUrl));
        }
        return List.copyOf(pool);
    }

    /** One key, checked: not blank, and not another provider's (never echoed). */
    private String secret(ProviderType type, ConfigNode keyNode) {
        String secret = keys.nonBlank(keyNode, type.id() + " key");
        if (type == ProviderType.OPENAI && ProviderType.ofKey(secret) != type) {
            throw keys.error(
                    keyNode,
                    "the openai key looks like an Anthropic key (it starts with sk-ant-); a"
                            + " key is only ever sent to its own provider.");
        }
        return secret;
    }
}
