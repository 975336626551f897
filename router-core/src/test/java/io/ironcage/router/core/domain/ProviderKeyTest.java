package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProviderKeyTest {
    @Test
    void providerIsDetectedFromThePrefix() {
        assertEquals(ProviderType.ANTHROPIC, ProviderKey.of("sk-ant-api03-secret").provider());
        assertEquals(ProviderType.OPENAI, ProviderKey.of("sk-proj-secret").provider());
    }

    @Test
    void toStringNeverShowsTheSecret() {
        ProviderKey key =
                ProviderKey.anthropic("sk-ant-api03-TOPSECRET", URI.create("http://127.0.0.1:1"));
        String text = key.toString();
        assertFalse(text.contains("TOPSECRET"), text);
        assertTrue(text.contains("anthropic"), text);
        assertTrue(text.contains("<redacted>"), text);
    }

    @Test
    void effectiveBaseUrlFallsBackToThePublicApi() {
        assertEquals(
                URI.create("https://api.openai.com"), ProviderKey.of("sk-x").effectiveBaseUrl());
        URI local = URI.create("http://127.0.0.1:9999");
        assertEquals(local, ProviderKey.openAi("sk-x", local).effectiveBaseUrl());
    }

    @Test
    void blankSecretIsRejectedWithoutEchoingIt() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new ProviderKey(ProviderType.OPENAI, "  ", Optional.empty()));
        assertEquals("the openai key must not be blank", e.getMessage());
    }

    @Test
    void providerIdsRoundTripIgnoringCase() {
        for (ProviderType type : ProviderType.values()) {
            assertEquals(
                    Optional.of(type),
                    ProviderType.fromId(type.id().toUpperCase(java.util.Locale.ROOT)));
        }
        assertEquals(Optional.empty(), ProviderType.fromId("gemini"));
        assertEquals(Optional.empty(), ProviderType.fromId(null));
    }
}
