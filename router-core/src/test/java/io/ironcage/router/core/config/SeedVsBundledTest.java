package io.ironcage.router.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ironcage.router.core.TestData;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.domain.pricing.TierPrices;
import io.ironcage.router.core.domain.pricing.TokenPrice;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Every model the seed LiteLLM table priced, looked up in the bundled price database, with every
 * figure that differs: a maintainer reviews this listing whenever the database is regenerated.
 * Prices are $/Mtok, limits tokens, the web-search fee µ$ per call.
 */
class SeedVsBundledTest {
    private static final LocalDate DAY = LocalDate.of(2026, 12, 7);
    private static final String GOLDEN = "/io/ironcage/router/core/config/seed-vs-bundled.txt";

    @Test
    void theListingOfSeedModelsAndTheirChangedFiguresIsTheReviewedOne() throws IOException {
        String listing = listing(TestData.seedTable(), PricingTables.bundled());
        Path written = Path.of("target", "seed-vs-bundled.txt");
        Files.createDirectories(written.getParent());
        Files.writeString(written, listing, StandardCharsets.UTF_8);
        assertEquals(
                TestData.read(GOLDEN),
                listing,
                () ->
                        "the seed models' prices in the bundled table changed; review the listing"
                                + " below (also in router-core/"
                                + written
                                + ") and copy it to src/test/resources"
                                + GOLDEN
                                + " if it is right:\n"
                                + listing);
    }

    static String listing(PricingTable seed, PricingTable bundled) {
        StringBuilder out = new StringBuilder();
        out.append("# seed model → bundled entry on ")
                .append(DAY)
                .append("; then each figure that differs, seed → bundled\n");
        for (String id : seed.modelIds()) {
            ModelPricing old = seed.find(id, DAY).orElseThrow();
            Optional<ModelPricing> found = bundled.find(id, DAY);
            if (found.isEmpty()) {
                out.append(id).append(" → not priced\n");
                continue;
            }
            ModelPricing now = found.get();
            out.append(id).append(" → ").append(now.id()).append('\n');
            diff(out, "input", price(old.input()), price(now.input()));
            diff(out, "output", price(old.output()), price(now.output()));
            diff(out, "cache read", price(old.cacheReadPrice()), price(now.cacheReadPrice()));
            diff(out, "cache write", price(old.cacheWritePrice()), price(now.cacheWritePrice()));
            diff(
                    out,
                    "cache write 1h",
                    price(old.oneHourCacheWritePrice()),
                    price(now.oneHourCacheWritePrice()));
            diff(
                    out,
                    "max output",
                    Long.toString(old.effectiveMaxOutputTokens()),
                    Long.toString(now.effectiveMaxOutputTokens()));
            diff(out, "context window", count(old.maxInputTokens()), count(now.maxInputTokens()));
            diff(
                    out,
                    "tool prompt tokens",
                    Long.toString(old.toolUseSystemPromptTokens()),
                    Long.toString(now.toolUseSystemPromptTokens()));
            diff(
                    out,
                    "web search µ$",
                    count(old.webSearchMicrosPerCall()),
                    count(now.webSearchMicrosPerCall()));
            TierPrices o = old.tiers();
            TierPrices n = now.tiers();
            diff(out, "long context", longContext(o), longContext(n));
            diff(out, "priority", classPrices(o.priority()), classPrices(n.priority()));
            diff(out, "flex", classPrices(o.flex()), classPrices(n.flex()));
            diff(out, "audio input", price(o.inputAudio()), price(n.inputAudio()));
            diff(out, "audio output", price(o.outputAudio()), price(n.outputAudio()));
        }
        return out.toString();
    }

    private static void diff(StringBuilder out, String field, String old, String now) {
        if (!old.equals(now)) {
            out.append("  ").append(field).append(": ").append(old).append(" → ").append(now);
            out.append('\n');
        }
    }

    private static String price(TokenPrice price) {
        return BigDecimal.valueOf(price.microsPerMillionTokens(), 6)
                .stripTrailingZeros()
                .toPlainString();
    }

    private static String price(Optional<TokenPrice> price) {
        return price.map(SeedVsBundledTest::price).orElse("none");
    }

    private static String count(OptionalLong value) {
        return value.isPresent() ? Long.toString(value.getAsLong()) : "none";
    }

    private static String longContext(TierPrices tiers) {
        return tiers.longContext()
                .map(lc -> "above " + lc.aboveInputTokens() + " " + classPrices(lc.prices()))
                .orElse("none");
    }

    private static String classPrices(TierPrices.ClassPrices p) {
        if (p.isEmpty()) {
            return "none";
        }
        return "in "
                + price(p.input())
                + " out "
                + price(p.output())
                + " cache read "
                + price(p.cacheRead())
                + " cache write "
                + price(p.cacheWrite());
    }
}
