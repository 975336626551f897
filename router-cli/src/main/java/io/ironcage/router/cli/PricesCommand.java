package io.ironcage.router.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.config.RouterConfigLoader;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.domain.pricing.TierPrices;
import io.ironcage.router.core.domain.pricing.TokenPrice;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code iron-router prices [MODEL...]}: what the router charges a model per token class, and which
 * entry of the price table a model name matched (a dated snapshot or a {@code provider/} prefix
 * finds its model's entry), so that a bill can be checked by hand. Prices are US dollars per
 * million tokens, exact (the table holds micro-dollars per million tokens).
 */
@Command(
        name = "prices",
        mixinStandardHelpOptions = true,
        versionProvider = IronRouter.Version.class,
        sortOptions = false,
        description = {
            "Show what the router charges per token class for each MODEL (every priced model"
                    + " without one), and the price-table entry each name matched.",
            ""
        },
        footer = {
            "",
            "Prices are US dollars per million tokens; a bill is tokens x price, each token class"
                    + " truncated to the micro-dollar.",
            "",
            "Examples:",
            "  iron-router prices gpt-4o-mini claude-sonnet-4-5-20250929",
            "  iron-router prices --config router.yaml --format json",
            "",
            "Exit codes: 0 ok (an unpriced model is shown as such); 2 bad option or configuration."
        })
public final class PricesCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Parameters(
            paramLabel = "MODEL",
            arity = "0..*",
            description = "Model names as a request sends them; none: every priced model.")
    List<String> models = new ArrayList<>();

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "A router.yaml whose pricing.overrides apply, as `serve` would; default: the"
                            + " bundled table alone.")
    Path config;

    @Mixin FormatOption format = new FormatOption();

    /** Today's date in UTC picks a model's dated prices; tests set a fixed clock. */
    Clock clock = Clock.systemUTC();

    /** Creates the command as the {@code iron-router} jar runs it. */
    public PricesCommand() {}

    /**
     * Looks the models up and prints their prices.
     *
     * @return the exit code, 0
     */
    @Override
    public Integer call() {
        PricingTable table = PricingTables.bundled();
        if (config != null) {
            table = table.withOverrides(RouterConfigLoader.load(config).pricingOverrides());
        }
        List<String> asked = models.isEmpty() ? table.modelIds() : models;
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        List<Row> rows = new ArrayList<>();
        for (String model : asked) {
            rows.add(new Row(model, table.find(model, today)));
        }
        PrintWriter out = spec.commandLine().getOut();
        switch (format.format) {
            case JSON:
                out.print(json(rows));
                break;
            case CSV:
                out.print(csv(rows));
                break;
            default:
                out.print(table(rows));
        }
        out.flush();
        return 0;
    }

    /** A model as asked, and the entry it matched. */
    record Row(String model, Optional<ModelPricing> price) {}

    /** The header and a line per model, as text. */
    private static List<String[]> cells(List<Row> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(
                new String[] {
                    "model",
                    "entry",
                    "provider",
                    "input",
                    "output",
                    "cache read",
                    "cache write",
                    "max input",
                    "max output"
                });
        for (Row row : rows) {
            if (row.price().isEmpty()) {
                cells.add(new String[] {row.model(), "(not priced)", "", "", "", "", "", "", ""});
                continue;
            }
            ModelPricing p = row.price().get();
            cells.add(
                    new String[] {
                        row.model(),
                        p.id(),
                        p.provider().map(t -> t.id()).orElse(""),
                        usd(p.input()),
                        usd(p.output()),
                        p.cacheRead().map(PricesCommand::usd).orElse(""),
                        p.cacheWrite().map(PricesCommand::usd).orElse(""),
                        count(p.maxInputTokens()),
                        count(p.maxOutputTokens())
                    });
        }
        return cells;
    }

    static String table(List<Row> rows) {
        List<String[]> cells = cells(rows);
        int[] widths = new int[cells.get(0).length];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], ReportFormats.visible(line[i]).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] line : cells) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                String cell = ReportFormats.visible(line[i]);
                // names left, numbers right
                String padded =
                        i < 3
                                ? String.format(Locale.ROOT, "%-" + widths[i] + "s", cell)
                                : String.format(Locale.ROOT, "%" + widths[i] + "s", cell);
                text.append(i == 0 ? "" : "  ").append(padded);
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
        out.append("US dollars per million tokens.\n");
        return out.toString();
    }

    /** RFC 4180: CRLF line breaks, text cells guarded against spreadsheet formulas. */
    static String csv(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        for (String[] line : cells(rows)) {
            for (int i = 0; i < line.length; i++) {
                String cell = i < 3 ? ReportFormats.csvText(line[i]) : line[i].replace(",", "");
                out.append(i == 0 ? "" : ",").append(ReportFormats.csvField(cell));
            }
            out.append("\r\n");
        }
        return out.toString();
    }

    static String json(List<Row> rows) {
        ArrayNode all = JSON.createArrayNode();
        for (Row row : rows) {
            ObjectNode entry = all.addObject().put("model", row.model());
            if (row.price().isEmpty()) {
                entry.putNull("entry");
                continue;
            }
            ModelPricing p = row.price().get();
            entry.put("entry", p.id());
            p.provider().ifPresent(t -> entry.put("provider", t.id()));
            ObjectNode usd = entry.putObject("usd_per_million_tokens");
            usd.put("input", dollars(p.input()));
            usd.put("output", dollars(p.output()));
            p.cacheRead().ifPresent(t -> usd.put("cache_read", dollars(t)));
            p.cacheWrite().ifPresent(t -> usd.put("cache_write", dollars(t)));
            TierPrices tiers = p.tiers();
            tiers.cacheWriteOneHour().ifPresent(t -> usd.put("cache_write_1h", dollars(t)));
            tiers.inputAudio().ifPresent(t -> usd.put("input_audio", dollars(t)));
            tiers.outputAudio().ifPresent(t -> usd.put("output_audio", dollars(t)));
            classPrices(entry, "priority", tiers.priority());
            classPrices(entry, "flex", tiers.flex());
            tiers.longContext()
                    .ifPresent(
                            lc -> {
                                ObjectNode node = classPrices(entry, "long_context", lc.prices());
                                node.put("above_input_tokens", lc.aboveInputTokens());
                            });
            p.maxInputTokens().ifPresent(n -> entry.put("max_input_tokens", n));
            p.maxOutputTokens().ifPresent(n -> entry.put("max_output_tokens", n));
            p.webSearchMicrosPerCall().ifPresent(n -> entry.put("web_search_micros_per_call", n));
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(all) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("prices could not be written as JSON", e);
        }
    }

    /** A tier's prices in dollars per million tokens, under {@code name}. */
    private static ObjectNode classPrices(
            ObjectNode entry, String name, TierPrices.ClassPrices prices) {
        ObjectNode node = JSON.createObjectNode();
        prices.input().ifPresent(t -> node.put("input", dollars(t)));
        prices.output().ifPresent(t -> node.put("output", dollars(t)));
        prices.cacheRead().ifPresent(t -> node.put("cache_read", dollars(t)));
        prices.cacheWrite().ifPresent(t -> node.put("cache_write", dollars(t)));
        if (!prices.isEmpty()) {
            entry.putObject("usd_per_million_tokens_" + name).setAll(node);
            return (ObjectNode) entry.get("usd_per_million_tokens_" + name);
        }
        return node;
    }

    /** A price in dollars per million tokens, exactly as the table holds it. */
    private static BigDecimal dollars(TokenPrice price) {
        return BigDecimal.valueOf(price.microsPerMillionTokens(), 6).stripTrailingZeros();
    }

    private static String usd(TokenPrice price) {
        return dollars(price).toPlainString();
    }

    private static String count(OptionalLong tokens) {
        return tokens.isPresent() ? String.format(Locale.ROOT, "%,d", tokens.getAsLong()) : "";
    }
}
