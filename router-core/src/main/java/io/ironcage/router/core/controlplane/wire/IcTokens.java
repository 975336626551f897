package io.ironcage.router.core.controlplane.wire;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the router may read from an IC token without the server's key: the agent it names, for
 * analytics attribution. The token is a JWT (reference §5.2: claim {@code agent_id}, {@code
 * agent_<n>}); its signature is the control server's business, so nothing here is trusted for
 * access, only for labelling.
 */
public final class IcTokens {
    private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");

    private IcTokens() {}

    /**
     * Returns the {@code agent_id} claim of a JWT-shaped IC token.
     *
     * @param icToken the token
     * @return the agent id, or empty if the token is not a JWT with a plain {@code agent_id}
     */
    public static Optional<String> agentIdClaim(String icToken) {
        Objects.requireNonNull(icToken, "icToken");
        String[] parts = icToken.split("\\.", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
            JsonNode claims = ControlPlaneHttp.JSON.readTree(payload);
            JsonNode id = claims == null ? null : claims.get("agent_id");
            if (id != null && id.isTextual() && AGENT_ID.matcher(id.asText()).matches()) {
                return Optional.of(id.asText());
            }
        } catch (IllegalArgumentException | java.io.IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * Returns the id an agent's events are attributed to when none is configured: the token's
     * {@code agent_id} claim, else {@code agent-} and the first 12 hex digits of the token's
     * SHA-256 (stable across restarts, and not the token).
     *
     * @param icToken the token
     * @return the agent id
     */
    public static String agentId(String icToken) {
        return agentIdClaim(icToken).orElseGet(() -> "agent-" + digest(icToken).substring(0, 12));
    }

    private static String digest(String text) {
        try {
            byte[] hash =
                    MessageDigest.getInstance("SHA-256")
                            .digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
