package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MoneyTest {

    @Test
    void fromUsdTruncatingCopiesTheRoutersTruncationVectors() {
        assertEquals(50_000, Money.fromUsdTruncating(0.05).micros());
        assertEquals(8_199_999, Money.fromUsdTruncating(8.2).micros());
        assertEquals(1_004_999, Money.fromUsdTruncating(1.005).micros());
        assertEquals(0, Money.fromUsdTruncating(0.0).micros());
    }

    @Test
    void fromUsdRoundedRoundsWhereTruncationWouldLoseAMicroDollar() {
        assertEquals(8_200_000, Money.fromUsdRounded(8.2).micros());
        assertEquals(1_005_000, Money.fromUsdRounded(1.005).micros());
    }

    @Test
    void conversionsRejectNanNegativeAndInfiniteWithAClearMessage() {
        double[] bad = {
            Double.NaN, -0.01, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e13
        };
        for (double usd : bad) {
            IllegalArgumentException truncating =
                    assertThrows(
                            IllegalArgumentException.class, () -> Money.fromUsdTruncating(usd));
            assertTrue(
                    truncating.getMessage().contains(String.valueOf(usd)), truncating.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Money.fromUsdRounded(usd));
        }
        assertTrue(
                assertThrows(
                                IllegalArgumentException.class,
                                () -> Money.fromUsdTruncating(Double.NaN))
                        .getMessage()
                        .contains("finite"));
        assertTrue(
                assertThrows(IllegalArgumentException.class, () -> Money.fromUsdTruncating(-1))
                        .getMessage()
                        .contains("must not be negative"));
    }

    @Test
    void toUsdStringRoundsTheBinaryValueHalfToEvenLikeRust() {
        assertEquals("0.12", Money.ofMicros(125_000).toUsdString(2));
        assertEquals("0.01", Money.ofMicros(5_000).toUsdString(2));
        assertEquals("0.009845", Money.ofMicros(9_845).toUsdString(6));
        assertEquals("8.199999", Money.ofMicros(8_199_999).toUsdString(6));
    }

    @Test
    void arithmeticNeverWrapsOrGoesNegative() {
        assertThrows(
                ArithmeticException.class,
                () -> Money.ofMicros(Long.MAX_VALUE).plus(Money.ofMicros(1)));
        assertThrows(
                IllegalArgumentException.class, () -> Money.ofMicros(1).minus(Money.ofMicros(2)));
        assertEquals(Money.ZERO, Money.ofMicros(1).minusOrZero(Money.ofMicros(2)));
        assertThrows(IllegalArgumentException.class, () -> Money.ofMicros(-1));
    }
}
