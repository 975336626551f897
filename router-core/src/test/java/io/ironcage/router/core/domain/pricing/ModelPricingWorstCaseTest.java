package io.ironcage.router.core.domain.pricing;

import static io.ironcage.router.core.TestData.shapeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.TestData;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.TokenUsage;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Base64;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The worst case must be a true upper bound of what the provider can bill (ARCHITECTURE.md "The
 * request path" step 4), while the reference's estimate, kept as "expected", is not.
 */
class ModelPricingWorstCaseTest {
    /** The day the tests price at (a table entry's dated prices depend on it). */
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    private static final int USAGES_PER_MODEL = 300;
    private static final int USAGES_PER_MODEL_AND_TRIGGERS = 60;

    /**
     * The tier triggers tried by the tiered property: none, each alone, and all together, as
     * {priorityTier, oneHourCache, audioInput, audioOutput}.
     */
    private static final boolean[][] TRIGGERS = {
        {false, false, false, false},
        {true, false, false, false},
        {false, true, false, false},
        {false, false, true, false},
        {false, false, false, true},
        {true, true, true, true}
    };

    private static final long MILLION = 1_000_000L;

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
        assertEquals(table.models().size() * USAGES_PER_MODEL, checked);
    }

    private static RequestShape randomShape(Random random) {
        return randomShape(random, TRIGGERS[0]);
    }

    /** A random shape with the given triggers; half of the bodies stay below the 200k threshold. */
    private static RequestShape randomShape(Random random, boolean[] triggers) {
        OptionalLong requested =
                random.nextBoolean()
                        ? OptionalLong.of(random.nextInt(200_000))
                        : OptionalLong.empty();
        return new RequestShape(
                random.nextInt(random.nextBoolean() ? 2_000_000 : 200_000),
                0,
                requested,
                requested,
                random.nextBoolean(),
                random.nextInt(4),
                1 + random.nextInt(4),
                triggers[0],
                triggers[1],
                triggers[2],
                triggers[3]);
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
    void worstCaseBoundsEveryUsageBilledAtTheTriggeredTierPricesForEveryBundledModel() {
        Random random = new Random(20_250_929L);
        PricingTable table = PricingTables.bundled();
        int checked = 0;
        for (ModelPricing model : table.models()) {
            for (boolean[] triggers : TRIGGERS) {
                for (int i = 0; i < USAGES_PER_MODEL_AND_TRIGGERS; i++) {
                    RequestShape shape = randomShape(random, triggers);
                    TieredUsage usage =
                            TieredUsage.random(
                                    random,
                                    shape,
                                    model.worstCaseInputTokens(shape),
                                    model.worstCaseOutputTokens(shape),
                                    i);
                    long billed = billedAtTierPrices(model, shape, usage);
                    Money worst = model.worstCase(shape);
                    assertTrue(
                            billed <= worst.micros(),
                            () ->
                                    model.id()
                                            + ": "
                                            + usage
                                            + " billed at its tier prices costs "
                                            + billed
                                            + " µ$, more than the worst case "
                                            + worst
                                            + " of "
                                            + shape);
                    checked++;
                }
            }
        }
        assertEquals(
                table.models().size() * TRIGGERS.length * USAGES_PER_MODEL_AND_TRIGGERS, checked);
    }

    /**
     * A usage split into every token class a tiered request can be billed for; a class whose
     * trigger is not set stays 0.
     */
    private record TieredUsage(
            long input,
            long cacheRead,
            long cacheWrite,
            long cacheWriteOneHour,
            long audioInput,
            long output,
            long audioOutput) {

        long totalInput() {
            return input + cacheRead + cacheWrite + cacheWriteOneHour + audioInput;
        }

        /**
         * A usage within the bounds; every fourth one sits exactly on them, with all input in one
         * class and all output in one class, taking turns.
         */
        static TieredUsage random(
                Random random, RequestShape shape, long inputBound, long outputBound, int i) {
            long[] in = new long[5];
            long[] out = new long[2];
            boolean[] inAllowed = {true, true, true, shape.oneHourCache(), shape.audioInput()};
            boolean[] outAllowed = {true, shape.audioOutput()};
            if (i % 4 == 0) {
                in[allowedClass(inAllowed, i / 4)] = inputBound;
                out[allowedClass(outAllowed, i / 4)] = outputBound;
            } else {
                split(random, (long) (random.nextDouble() * (inputBound + 1)), in, inAllowed);
                split(random, (long) (random.nextDouble() * (outputBound + 1)), out, outAllowed);
            }
            return new TieredUsage(in[0], in[1], in[2], in[3], in[4], out[0], out[1]);
        }

        private static int allowedClass(boolean[] allowed, int turn) {
            int index = turn % allowed.length;
            return allowed[index] ? index : 0;
        }

        private static void split(Random random, long total, long[] parts, boolean[] allowed) {
            long left = Math.min(total, Long.MAX_VALUE - 1);
            for (int k = parts.length - 1; k > 0; k--) {
                if (allowed[k]) {
                    parts[k] = (long) (random.nextDouble() * (left + 1));
                    left -= parts[k];
                }
            }
            parts[0] = left;
        }
    }

    /**
     * What the provider bills for a usage of a request of this shape, computed here from the
     * table's tier prices (not from the worst-case code): a triggered tier replaces the standard
     * price of each token class it lists a price for; long-context prices apply when the usage's
     * input exceeds the model's threshold (200,000 tokens for Claude, 272,000 for gpt-5.4); a
     * 1-hour cache write in a long-context request costs the 1-hour price times the long-context
     * input ratio, exactly.
     */
    private static long billedAtTierPrices(
            ModelPricing model, RequestShape shape, TieredUsage usage) {
        TierPrices tiers = model.tiers();
        boolean priority = shape.priorityTier();
        boolean longContext =
                tiers.longContext()
                        .map(l -> usage.totalInput() > l.aboveInputTokens())
                        .orElse(false);
        TokenPrice input =
                tierPrice(
                        model.input(),
                        priority,
                        tiers.priority().input(),
                        longContext,
                        tiers.longContext().flatMap(l -> l.prices().input()));
        TokenPrice cacheRead =
                tierPrice(
                        model.cacheRead().orElse(input),
                        priority,
                        tiers.priority().cacheRead(),
                        longContext,
                        tiers.longContext().flatMap(l -> l.prices().cacheRead()));
        TokenPrice cacheWrite =
                tierPrice(
                        model.cacheWrite().orElse(input),
                        false,
                        Optional.empty(),
                        longContext,
                        tiers.longContext().flatMap(l -> l.prices().cacheWrite()));
        TokenPrice output =
                tierPrice(
                        model.output(),
                        priority,
                        tiers.priority().output(),
                        longContext,
                        tiers.longContext().flatMap(l -> l.prices().output()));
        long micros =
                input.costMicros(usage.input())
                        + cacheRead.costMicros(usage.cacheRead())
                        + cacheWrite.costMicros(usage.cacheWrite())
                        + tiers.inputAudio().orElse(input).costMicros(usage.audioInput())
                        + output.costMicros(usage.output())
                        + tiers.outputAudio().orElse(output).costMicros(usage.audioOutput());
        // Anthropic bills a 1-hour cache write at 2x the input price where the table lists none
        TokenPrice oneHour =
                tiers.cacheWriteOneHour()
                        .orElse(new TokenPrice(model.input().microsPerMillionTokens() * 2));
        if (longContext && tiers.longContext().flatMap(l -> l.prices().input()).isPresent()) {
            micros +=
                    BigInteger.valueOf(usage.cacheWriteOneHour())
                            .multiply(BigInteger.valueOf(oneHour.microsPerMillionTokens()))
                            .multiply(
                                    BigInteger.valueOf(
                                            tiers.longContext()
                                                    .flatMap(l -> l.prices().input())
                                                    .get()
                                                    .microsPerMillionTokens()))
                            .divide(BigInteger.valueOf(model.input().microsPerMillionTokens()))
                            .divide(BigInteger.valueOf(MILLION))
                            .longValueExact();
        } else {
            micros += oneHour.costMicros(usage.cacheWriteOneHour());
        }
        return micros;
    }

    /** The price of a token class: the highest triggered tier price listed, else the standard. */
    private static TokenPrice tierPrice(
            TokenPrice standard,
            boolean priority,
            Optional<TokenPrice> priorityPrice,
            boolean longContext,
            Optional<TokenPrice> longContextPrice) {
        TokenPrice price = TokenPrice.FREE;
        boolean tiered = false;
        if (priority && priorityPrice.isPresent()) {
            price = price.max(priorityPrice.get());
            tiered = true;
        }
        if (longContext && longContextPrice.isPresent()) {
            price = price.max(longContextPrice.get());
            tiered = true;
        }
        return tiered ? price : standard;
    }

    /** The tier arithmetic below is pinned on the seed table's prices (the reference's). */
    private static ModelPricing seed(String id) {
        return TestData.seedTable().find(id, DAY).orElseThrow();
    }

    private static RequestShape tiered(
            long bodyBytes,
            boolean tools,
            boolean priority,
            boolean oneHourCache,
            boolean audioInput,
            boolean audioOutput) {
        OptionalLong maxTokens = OptionalLong.of(1_000);
        return new RequestShape(
                bodyBytes,
                0,
                maxTokens,
                maxTokens,
                tools,
                0,
                1,
                priority,
                oneHourCache,
                audioInput,
                audioOutput);
    }

    private static TokenPrice usdPerMtok(double usd) {
        return TokenPrice.fromUsdPerMillionTokens(usd);
    }

    @Test
    void priorityTierRaisesGpt4oBy1Point7Times() {
        ModelPricing gpt4o = seed("gpt-4o");
        RequestShape standard = tiered(10_000, false, false, false, false, false);
        RequestShape priority = tiered(10_000, false, true, false, false, false);
        assertEquals(usdPerMtok(2.5), gpt4o.highestInputPrice(standard));
        assertEquals(usdPerMtok(4.25), gpt4o.highestInputPrice(priority));
        assertEquals(usdPerMtok(10), gpt4o.highestOutputPrice(standard));
        assertEquals(usdPerMtok(17), gpt4o.highestOutputPrice(priority));
        // 10,000 × $2.50 + 1,000 × $10 per Mtok, then × 1.7
        assertEquals(Money.ofMicros(25_000 + 10_000), gpt4o.worstCase(standard));
        assertEquals(Money.ofMicros(42_500 + 17_000), gpt4o.worstCase(priority));
        // the table lists gpt-5-nano's priority input at 50 times its standard input: honoured
        ModelPricing nano = seed("gpt-5-nano");
        assertEquals(usdPerMtok(2.5), nano.highestInputPrice(priority));
        assertEquals(nano.output(), nano.highestOutputPrice(priority));
    }

    @Test
    void longContextRaisesClaudeSonnet45InputTwiceAndOutputOneAndAHalfTimesAbove200kTokens() {
        ModelPricing sonnet = seed("claude-sonnet-4-5");
        RequestShape atThreshold = tiered(200_000, false, false, false, false, false);
        RequestShape above = tiered(200_001, false, false, false, false, false);
        assertFalse(sonnet.mayBeLongContext(atThreshold));
        assertTrue(sonnet.mayBeLongContext(above));
        // standard: the highest input price is the $3.75 cache write; long context: $7.50
        assertEquals(usdPerMtok(3.75), sonnet.highestInputPrice(atThreshold));
        assertEquals(usdPerMtok(7.5), sonnet.highestInputPrice(above));
        assertEquals(usdPerMtok(15), sonnet.highestOutputPrice(atThreshold));
        assertEquals(usdPerMtok(22.5), sonnet.highestOutputPrice(above));
        assertEquals(Money.ofMicros(750_000 + 15_000), sonnet.worstCase(atThreshold));
        // 200,001 × 7.5 = 1,500,007.5 → 1,500,007 µ$
        assertEquals(Money.ofMicros(1_500_007 + 22_500), sonnet.worstCase(above));
        // the threshold is on the input bound: the 346 tool-prompt tokens push 199,700 bytes over
        assertTrue(sonnet.mayBeLongContext(tiered(199_700, true, false, false, false, false)));
        // a model without long-context prices is not affected
        ModelPricing gpt4o = seed("gpt-4o");
        assertEquals(usdPerMtok(2.5), gpt4o.highestInputPrice(above));
        assertEquals(usdPerMtok(10), gpt4o.highestOutputPrice(above));
    }

    @Test
    void oneHourCachePricesCacheWritesAtTheOneHourPrice() {
        ModelPricing sonnet4 = seed("claude-sonnet-4-20250514");
        RequestShape fiveMinutes = tiered(10_000, false, false, false, false, false);
        RequestShape oneHour = tiered(10_000, false, false, true, false, false);
        assertEquals(usdPerMtok(3.75), sonnet4.highestInputPrice(fiveMinutes));
        assertEquals(usdPerMtok(6), sonnet4.highestInputPrice(oneHour));
        assertEquals(Money.ofMicros(37_500 + 15_000), sonnet4.worstCase(fiveMinutes));
        assertEquals(Money.ofMicros(60_000 + 15_000), sonnet4.worstCase(oneHour));
        ModelPricing opus = seed("claude-opus-4-5");
        assertEquals(usdPerMtok(6.25), opus.highestInputPrice(fiveMinutes));
        assertEquals(usdPerMtok(10), opus.highestInputPrice(oneHour));
        // the seed table lists no 1-hour price for claude-sonnet-4-5: Anthropic's rule, 2× input
        ModelPricing sonnet45 = seed("claude-sonnet-4-5");
        assertEquals(Optional.empty(), sonnet45.tiers().cacheWriteOneHour());
        assertEquals(usdPerMtok(6), sonnet45.oneHourCacheWritePrice());
        assertEquals(usdPerMtok(6), sonnet45.highestInputPrice(oneHour));
        assertEquals(usdPerMtok(3.75), sonnet45.highestInputPrice(fiveMinutes));
    }

    @Test
    void oneHourCacheWritesInALongContextRequestStackBothMultipliers() {
        ModelPricing sonnet4 = seed("claude-sonnet-4-20250514");
        RequestShape both = tiered(300_000, false, false, true, false, false);
        // $6 (1-hour write) × $6 / $3 (long-context input ratio) = $12, above both listed prices
        assertEquals(usdPerMtok(12), sonnet4.highestInputPrice(both));
        assertEquals(Money.ofMicros(3_600_000 + 22_500), sonnet4.worstCase(both));
    }

    @Test
    void audioRaisesGpt4oAudioPreviewToItsAudioPrices() {
        ModelPricing audio = seed("gpt-4o-audio-preview");
        RequestShape text = tiered(10_000, false, false, false, false, false);
        RequestShape audioIn = tiered(10_000, false, false, false, true, false);
        RequestShape audioOut = tiered(10_000, false, false, false, false, true);
        assertEquals(usdPerMtok(2.5), audio.highestInputPrice(text));
        assertEquals(usdPerMtok(100), audio.highestInputPrice(audioIn));
        assertEquals(usdPerMtok(10), audio.highestOutputPrice(text));
        assertEquals(usdPerMtok(200), audio.highestOutputPrice(audioOut));
        assertEquals(Money.ofMicros(25_000 + 10_000), audio.worstCase(text));
        // input 40×, output 20×
        assertEquals(Money.ofMicros(1_000_000 + 10_000), audio.worstCase(audioIn));
        assertEquals(Money.ofMicros(25_000 + 200_000), audio.worstCase(audioOut));
        // from a realistic body: an input_audio part, and audio output asked for
        RequestShape shape =
                shapeOf(
                        "{\"model\":\"gpt-4o-audio-preview\",\"max_tokens\":1000,"
                                + "\"modalities\":[\"text\",\"audio\"],"
                                + "\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"},"
                                + "\"messages\":[{\"role\":\"user\",\"content\":["
                                + "{\"type\":\"input_audio\","
                                + "\"input_audio\":{\"data\":\"UklGRg==\",\"format\":\"wav\"}}]}]}");
        long bytes = shape.bodyUtf8Bytes();
        assertEquals(Money.ofMicros(bytes * 100 + 200_000), audio.worstCase(shape));
    }

    @Test
    @DisplayName(
            "token-dense CJK text — differs: the reference's estimate undershoots, ours bounds it")
    void cjkTextUndershootsTheReferenceEstimateButNotTheWorstCase() {
        ModelPricing sonnet = PricingTables.bundled().find("claude-sonnet-4-5", DAY).orElseThrow();
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
        ModelPricing mini = PricingTables.bundled().find("gpt-4o-mini", DAY).orElseThrow();
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
        ModelPricing sonnet = PricingTables.bundled().find("claude-sonnet-4-5", DAY).orElseThrow();
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
