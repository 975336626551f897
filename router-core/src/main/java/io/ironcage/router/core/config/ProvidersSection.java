package io.ironcage.router.core.config;

import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code providers}: a key, and optionally a base URL, per provider (direct mode). */
final class ProvidersSection {
    private final ConfigKeys keys;

    ProvidersSection(ConfigKeys keys) {
        this.keys = keys;
    }

    /** The keys by provider; none is an error, as is a key filed under another provider. */
    Map<ProviderType, ProviderKey> providers(ConfigNode node) {
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
        Map<ProviderType, ProviderKey> result = new EnumMap<>(ProviderType.class);
        for (Map.Entry<String, ConfigNode> entry : entries.entrySet()) {
            ProviderType type = ProviderType.fromId(entry.getKey()).orElseThrow();
            result.put(type, provider(type, entry.getValue()));
        }
        return result;
    }

    private ProviderKey provider(ProviderType type, ConfigNode node) {
        Map<String, ConfigNode> fields = keys.section(node, List.of("key", "base-url"));
        ConfigNode keyNode = fields.get("key");
        if (keyNode == null) {
            throw keys.error(
                    node.path + ".key",
                    node.line,
                    "the " + type.id() + " provider needs a key, e.g. key: ${ENV_VAR}.");
        }
        String secret = keys.nonBlank(keyNode, type.id() + " key");
        if (type == ProviderType.OPENAI && ProviderType.ofKey(secret) != type) {
            throw keys.error(
                    keyNode,
                    "the openai key looks like an Anthropic key (it starts with sk-ant-); a"
                            + " key is only ever sent to its own provider.");
        }
        Optional<URI> baseUrl =
                keys.get(fields, "base-url", Optional.empty(), n -> Optional.of(keys.url(n)));
        return new ProviderKey(type, secret, baseUrl);
    }
}
