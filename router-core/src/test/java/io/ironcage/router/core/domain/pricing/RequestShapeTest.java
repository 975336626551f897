package io.ironcage.router.core.domain.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RequestShapeTest {

    @Test
    void referenceInputEstimateIsBytesOverFourPlusTenPercentPlusHundred() {
        assertEquals(1000, RequestShape.referenceInputTokenEstimate(0));
        assertEquals(100, RequestShape.referenceInputTokenEstimate(3));
        assertEquals(101, RequestShape.referenceInputTokenEstimate(6));
        assertEquals(197, RequestShape.referenceInputTokenEstimate(358));
        assertEquals(3_400, RequestShape.referenceInputTokenEstimate(12_000));
    }

    @Test
    void theShortConstructorTriggersNoTier() {
        OptionalLong none = OptionalLong.empty();
        assertEquals(
                new RequestShape(10, 2, none, none, true, 1, 2, false, false, false, false),
                new RequestShape(10, 2, none, none, true, 1, 2));
    }

    @Test
    void rejectsNegativeCountsAndFewerThanOneChoice() {
        OptionalLong none = OptionalLong.empty();
        assertThrows(
                IllegalArgumentException.class,
                () -> new RequestShape(-1, 0, none, none, false, 0, 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new RequestShape(0, -1, none, none, false, 0, 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new RequestShape(0, 0, OptionalLong.of(-1), none, false, 0, 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new RequestShape(0, 0, none, none, false, -1, 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new RequestShape(0, 0, none, none, false, 0, 0));
        assertThrows(
                NullPointerException.class, () -> new RequestShape(0, 0, null, none, false, 0, 1));
        assertThrows(
                IllegalArgumentException.class, () -> RequestShape.referenceInputTokenEstimate(-1));
    }
}
