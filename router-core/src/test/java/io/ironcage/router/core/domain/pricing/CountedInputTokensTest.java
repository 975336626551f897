package io.ironcage.router.core.domain.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * A counted input bound replaces the body's bytes in the worst case only when it is smaller, and
 * everything else of the worst case (images, tools, stored input) is kept.
 */
class CountedInputTokensTest {
    private static final OptionalLong NONE = OptionalLong.empty();

    /** $2 per million input tokens, $8 per million output tokens: 2 µ$ and 8 µ$ a token. */
    private static final ModelPricing MODEL = ModelPricing.ofUsdPerMillionTokens("m", 2, 8);

    private static RequestShape shape(long bytes, boolean tools, int images) {
        return new RequestShape(bytes, 0, OptionalLong.of(100), NONE, tools, images, 1);
    }

    @Test
    void aSmallerCountReplacesTheBytes() {
        RequestShape bytes = shape(4_000, false, 0);
        RequestShape counted = bytes.withCountedInputTokens(OptionalLong.of(1_100));
        assertEquals(4_000, bytes.textInputTokensBound());
        assertEquals(1_100, counted.textInputTokensBound());
        assertEquals(1_100, MODEL.worstCaseInputTokens(counted));
        // 1,100 × 2 µ$ + 100 × 8 µ$
        assertEquals(3_000, MODEL.worstCase(counted).micros());
        assertEquals(8_800, MODEL.worstCase(bytes).micros());
    }

    @Test
    void aLargerCountNeverRaisesTheBound() {
        RequestShape counted = shape(50, false, 0).withCountedInputTokens(OptionalLong.of(80));
        assertEquals(50, counted.textInputTokensBound());
        assertEquals(50, MODEL.worstCaseInputTokens(counted));
    }

    @Test
    void imagesToolsAndStoredInputAreAddedAsBefore() {
        ModelPricing withWindow =
                new ModelPricing(
                                "w",
                                Optional.empty(),
                                TokenPrice.fromUsdPerMillionTokens(2),
                                TokenPrice.fromUsdPerMillionTokens(8),
                                Optional.empty(),
                                Optional.empty(),
                                OptionalLong.of(4_096),
                                OptionalLong.empty(),
                                300)
                        .withContextWindowAtLeast(128_000);
        RequestShape counted = shape(9_000, true, 2).withCountedInputTokens(OptionalLong.of(500));
        // 500 counted + 300 tool prompt + 2 images × 50,000
        assertEquals(
                500 + 300 + 2 * RequestShape.IMAGE_TOKEN_ALLOWANCE,
                withWindow.worstCaseInputTokens(counted));
        RequestShape stored =
                new RequestShape(
                                9_000,
                                0,
                                OptionalLong.of(100),
                                NONE,
                                false,
                                0,
                                1,
                                false,
                                false,
                                false,
                                false,
                                new ServerSideUse(
                                        Optional.of("previous_response_id"),
                                        Optional.empty(),
                                        OptionalLong.empty(),
                                        "",
                                        Optional.empty()))
                        .withCountedInputTokens(OptionalLong.of(500));
        assertEquals(128_000, withWindow.worstCaseInputTokens(stored));
    }

    @Test
    void theOldConstructorsCountNothingAndANegativeCountIsRefused() {
        assertEquals(NONE, shape(10, false, 0).countedInputTokens());
        assertEquals(
                shape(10, false, 0),
                shape(10, false, 0).withCountedInputTokens(NONE),
                "without a count the shape is the byte-bounded one");
        assertThrows(
                IllegalArgumentException.class,
                () -> shape(10, false, 0).withCountedInputTokens(OptionalLong.of(-1)));
        assertThrows(
                NullPointerException.class, () -> shape(10, false, 0).withCountedInputTokens(null));
    }
}
