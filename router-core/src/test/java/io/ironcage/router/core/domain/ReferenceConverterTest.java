package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.pricing.TokenPrice;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Ports of the reference's {@code iron_cost/tests/converter_test.rs} (reference Appendix B). {@code
 * usd_to_micros} is {@link Money#fromUsdRounded}, {@code micros_to_usd} is {@link Money#toUsd}, the
 * per-token pair is {@link TokenPrice#fromUsdPerToken} and {@link TokenPrice#usdPerToken}.
 */
class ReferenceConverterTest {

    @Test
    @DisplayName("usd_to_micros_converts_correctly")
    void usdToMicrosConvertsCorrectly() {
        assertEquals(1_000_000, Money.fromUsdRounded(1.0).micros());
        assertEquals(500_000, Money.fromUsdRounded(0.5).micros());
        assertEquals(1, Money.fromUsdRounded(0.000_001).micros());
        assertEquals(0, Money.fromUsdRounded(0.0).micros());
    }

    @Test
    @DisplayName("micros_to_usd_converts_correctly")
    void microsToUsdConvertsCorrectly() {
        assertEquals(1.0, Money.ofMicros(1_000_000).toUsd());
        assertEquals(0.5, Money.ofMicros(500_000).toUsd());
        assertEquals(0.000_001, Money.ofMicros(1).toUsd());
        assertEquals(0.0, Money.ofMicros(0).toUsd());
    }

    @Test
    @DisplayName("roundtrip_preserves_precision")
    void roundtripPreservesPrecision() {
        double original = 123.456_789;
        double back = Money.fromUsdRounded(original).toUsd();
        assertTrue(Math.abs(original - back) < 0.000_001, "round trip gave " + back);
    }

    @Test
    @DisplayName("negative_clamps_to_zero — differs: we reject negative amounts")
    void negativeAmountsAreRejectedInsteadOfClampedToZero() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Money.fromUsdRounded(-1.0));
        assertTrue(e.getMessage().contains("must not be negative"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Money.fromUsdRounded(-0.5));
        assertThrows(IllegalArgumentException.class, () -> TokenPrice.fromUsdPerToken(-0.001));
    }

    @Test
    @DisplayName("usd_per_token_to_micros_per_mtok_converts_correctly")
    void usdPerTokenToMicrosPerMtokConvertsCorrectly() {
        assertEquals(1_250_000, TokenPrice.fromUsdPerToken(0.000_001_25).microsPerMillionTokens());
        assertEquals(10_000_000, TokenPrice.fromUsdPerToken(0.00001).microsPerMillionTokens());
        assertEquals(1_000_000_000, TokenPrice.fromUsdPerToken(0.001).microsPerMillionTokens());
    }

    @Test
    @DisplayName("micros_per_mtok_to_usd_per_token_converts_correctly")
    void microsPerMtokToUsdPerTokenConvertsCorrectly() {
        assertEquals(0.000_001_25, new TokenPrice(1_250_000).usdPerToken(), Math.ulp(1e-6));
        assertEquals(0.00001, new TokenPrice(10_000_000).usdPerToken(), Math.ulp(1e-5));
    }

    @Test
    @DisplayName("per_token_roundtrip_conversion")
    void perTokenRoundtripConversion() {
        double original = 0.000_001_25;
        assertEquals(original, TokenPrice.fromUsdPerToken(original).usdPerToken(), Math.ulp(1.0));
    }
}
