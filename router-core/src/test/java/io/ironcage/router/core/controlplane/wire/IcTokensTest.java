package io.ironcage.router.core.controlplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IcTokensTest {
    private static String jwt(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8))
                + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8))
                + ".c2lnbmF0dXJl";
    }

    @Test
    void theAgentIdComesFromTheTokensClaim() {
        String token = jwt("{\"agent_id\":\"agent_42\",\"iss\":\"iron-control-panel\"}");
        assertEquals(Optional.of("agent_42"), IcTokens.agentIdClaim(token));
        assertEquals("agent_42", IcTokens.agentId(token));
    }

    @Test
    void anOpaqueTokenGetsAStableIdThatIsNotTheToken() {
        String token = "ic-opaque-SECRET-token";
        String id = IcTokens.agentId(token);
        assertEquals(id, IcTokens.agentId(token), "stable across restarts");
        assertTrue(id.matches("agent-[0-9a-f]{12}"), id);
        assertFalse(id.contains("SECRET"));
        assertFalse(IcTokens.agentId("another").equals(id));
    }

    @Test
    void malformedOrOddClaimsAreIgnored() {
        assertEquals(Optional.empty(), IcTokens.agentIdClaim("a.b"));
        assertEquals(Optional.empty(), IcTokens.agentIdClaim("a.%%%.c"));
        assertEquals(Optional.empty(), IcTokens.agentIdClaim(jwt("[1]")));
        assertEquals(Optional.empty(), IcTokens.agentIdClaim(jwt("{\"agent_id\":7}")));
        assertEquals(Optional.empty(), IcTokens.agentIdClaim(jwt("{\"agent_id\":\"a b\\n\"}")));
        assertEquals(Optional.empty(), IcTokens.agentIdClaim(jwt("not json")));
    }
}
