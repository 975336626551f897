package io.ironcage.router.core.controlplane.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One fetch of an agent's provider key from the Iron Cage control server ({@code POST
 * /api/v1/agents/provider-key} with {@code {"ic_token"}}, reference §5.2): the request and the
 * reading of its answer, nothing cached. The cache is {@code ControlPlaneKeySource}'s.
 *
 * <p>Failures are {@link ControlPlaneException}s with the server's status, {@code error} and {@code
 * code}; the IC token and the key never appear in a message. Thread-safe.
 */
public final class ProviderKeyClient {
    /** The endpoint, reference §5.2. */
    public static final String PATH = "/api/v1/agents/provider-key";

    private final ControlPlaneHttp http;

    private ProviderKeyClient(URI url, HttpTransport transport, Duration timeout) {
        this.http = new ControlPlaneHttp(url, transport, timeout);
    }

    /**
     * Returns a client.
     *
     * @param url the control server's base URL
     * @param transport the HTTP client; not closed by this client
     * @param timeout the timeout of one fetch, positive
     * @return the client
     */
    public static ProviderKeyClient create(URI url, HttpTransport transport, Duration timeout) {
        return new ProviderKeyClient(url, transport, timeout);
    }

    /**
     * Returns the control server's base URL.
     *
     * @return the URL
     */
    public URI baseUrl() {
        return http.baseUrl();
    }

    /**
     * Fetches the agent's key.
     *
     * @param icToken the agent's IC token
     * @return the key, with the provider the server names and its base URL, if any
     * @throws ControlPlaneException if the server could not be reached, refused, or answered
     *     without a usable key
     */
    public ProviderKey fetch(String icToken) {
        Objects.requireNonNull(icToken, "icToken");
        ObjectNode body = ControlPlaneHttp.JSON.createObjectNode().put("ic_token", icToken);
        JsonNode json =
                http.postForObject(
                        PATH, body, HeaderMap.empty(), "the provider key request", icToken);
        int status = 200;
        Optional<String> secret = ControlPlaneHttp.text(json, "provider_key");
        if (secret.isEmpty() || secret.get().isBlank()) {
            throw ControlPlaneHttp.malformed(status, "the provider key answer has no provider_key");
        }
        String providerName = ControlPlaneHttp.text(json, "provider").orElse("");
        ProviderType provider =
                ProviderType.fromId(providerName)
                        .orElseThrow(
                                () ->
                                        ControlPlaneHttp.malformed(
                                                status,
                                                "the key's provider '"
                                                        + ControlPlaneHttp.clean(
                                                                providerName, icToken)
                                                        + "' is not openai or anthropic"));
        Optional<URI> baseUrl = Optional.empty();
        JsonNode base = json.get("base_url");
        if (base != null && !base.isNull()) {
            baseUrl = Optional.of(baseUrl(base, status));
        }
        return new ProviderKey(provider, secret.get(), baseUrl);
    }

    private static URI baseUrl(JsonNode node, int status) {
        String problem = "the key's base_url is not an absolute http or https URL";
        if (!node.isTextual()) {
            throw ControlPlaneHttp.malformed(status, problem);
        }
        try {
            URI uri = new URI(node.asText().strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https"))
                    || uri.getHost() == null
                    || uri.getRawUserInfo() != null) {
                throw ControlPlaneHttp.malformed(status, problem);
            }
            return uri;
        } catch (URISyntaxException e) {
            throw ControlPlaneHttp.malformed(status, problem);
        }
    }

    /** Shows the server only. */
    @Override
    public String toString() {
        return "ProviderKeyClient[" + http.baseUrl() + "]";
    }
}
