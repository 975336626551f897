package io.ironcage.router.core.domain.pricing;

import static io.ironcage.router.core.TestData.shapeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.TokenUsage;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The worst case must be a true upper bound of what the provider can bill (PRODUCT.md "The request
 * path" step 4), while the reference's estimate, kept as "expected", is not.
 */
class ModelPricingWorstCaseTest {
    private static final int USAGES_PER_MODEL = 300;

    @Test
    void worstCaseBoundsEveryUsageWithinTheShapeForEveryBundledModel() {
        Random random = new Random(20_250_514L);
        PricingTable table = PricingTables.bundled();
        int checked = 0;
        for (ModelPricing model : table.models()) {
            for (int i = 0; i < USAGES_PER_MODEL; i++) {
                RequestShape shape = randomShape(random);
                long inputBound = model.worstCaseInputTokens(shape);
                long outputBound = model.worstCaseOutputTokens(shape);
                Money worst = model.worstCase(shape);
                TokenUsage usage = randomUsage(random, inputBound, outputBound, i);
                Money actual = model.cost(usage);
                assertTrue(
                        actual.compareTo(worst) <= 0,
                        () ->
                                model.id()
                                        + ": cost "
                                        + actual
                                        + " of "
                                        + usage
                                        + " exceeds the worst case "
                                        + worst
                                        + " of "
                                        + shape);
                checked++;
            }
        }
        assertEquals(table.size() * USAGES_PER_MODEL, checked);
    }

    private static RequestShape randomShape(Random random) {
        OptionalLong requested =
                random.nextBoolean()
                        ? OptionalLong.of(random.nextInt(200_000))
                        : OptionalLong.empty();
        return new RequestShape(
                random.nextInt(2_000_000),
                0,
                requested,
                requested,
                random.nextBoolean(),
                random.nextInt(4),
                1 + random.nextInt(4));
    }

    /** A usage within the bounds; every fourth one sits exactly on them, all as cache writes. */
    private static TokenUsage randomUsage(Random random, long inputBound, long outputBound, int i) {
        if (i % 4 == 0) {
            return new TokenUsage(0, outputBound, 0, inputBound);
        }
        long total = (long) (random.nextDouble() * (inputBound + 1));
        long cacheRead = (long) (random.nextDouble() * (total + 1));
        long cacheWrite = (long) (random.nextDouble() * (total - cacheRead + 1));
        long input = total - cacheRead - cacheWrite;
        long output = (long) (random.nextDouble() * (outputBound + 1));
        return new TokenUsage(input, Math.min(output, outputBound), cacheRead, cacheWrite);
    }

    @Test
    @DisplayName(
            "token-dense CJK text — differs: the reference's estimate undershoots, ours bounds it")
    void cjkTextUndershootsTheReferenceEstimateButNotTheWorstCase() {
        ModelPricing sonnet = PricingTables.bundled().find("claude-sonnet-4-5").orElseThrow();
        String text = "漢".repeat(4_000);
        String body =
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\""
                        + text
                        + "\"}]}";
        RequestShape shape = shapeOf(body);
        assertEquals(12_000, shape.promptTextUtf8Bytes());
        assertEquals(3_400, shape.referenceInputTokenEstimate());
        // a CJK character is at least one token for the providers' tokenizers (rare ones are 2-3)
        TokenUsage billed = TokenUsage.of(4_000, 100);
        assertTrue(sonnet.cost(billed).compareTo(sonnet.expected(shape)) > 0);
        assertTrue(sonnet.cost(billed).compareTo(sonnet.worstCase(shape)) <= 0);
        // even one token per UTF-8 byte, all written to the cache, stays within the worst case
        TokenUsage extreme = new TokenUsage(0, 100, 0, shape.bodyUtf8Bytes());
        assertTrue(sonnet.cost(extreme).compareTo(sonnet.worstCase(shape)) <= 0);
    }

    @Test
    @DisplayName(
            "random base64 text — differs: the reference's estimate undershoots, ours bounds it")
    void base64TextUndershootsTheReferenceEstimateButNotTheWorstCase() {
        ModelPricing mini = PricingTables.bundled().find("gpt-4o-mini").orElseThrow();
        byte[] noise = new byte[9_000];
        new Random(7).nextBytes(noise);
        String text = Base64.getEncoder().encodeToString(noise);
        String body =
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\""
                        + text
                        + "\"}]}";
        RequestShape shape = shapeOf(body);
        assertEquals(text.getBytes(StandardCharsets.US_ASCII).length, shape.promptTextUtf8Bytes());
        // random base64 tokenizes to about one token per 2-3 bytes: 12,000 bytes ≈ 4,800 tokens
        TokenUsage billed = TokenUsage.of(12_000 * 2 / 5, 100);
        assertTrue(shape.referenceInputTokenEstimate() < billed.inputTokens());
        assertTrue(mini.cost(billed).compareTo(mini.expected(shape)) > 0);
        assertTrue(mini.cost(billed).compareTo(mini.worstCase(shape)) <= 0);
    }

    @Test
    void worstCaseCoversTheToolPromptAndImagesTheReferenceIgnores() {
        ModelPricing sonnet = PricingTables.bundled().find("claude-sonnet-4-5").orElseThrow();
        String body =
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"tools\":[{\"name\":\"t\"}],"
                        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\","
                        + "\"source\":{\"type\":\"url\",\"url\":\"https://x/a.png\"}}]}]}";
        RequestShape shape = shapeOf(body);
        // a 1.15-megapixel image (≈1,600 tokens) plus the 346-token tool prompt plus the body
        TokenUsage billed = TokenUsage.of(1_600 + 346 + body.length(), 10);
        assertTrue(sonnet.cost(billed).compareTo(sonnet.expected(shape)) > 0);
        assertTrue(sonnet.cost(billed).compareTo(sonnet.worstCase(shape)) <= 0);
    }
}
