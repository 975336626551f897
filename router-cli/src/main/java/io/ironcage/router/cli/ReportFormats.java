package io.ironcage.router.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.analytics.sqlite.UsageQuery;
import io.ironcage.router.analytics.sqlite.UsageQuery.GroupBy;
import io.ironcage.router.analytics.sqlite.UsageReport;
import io.ironcage.router.core.domain.Money;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Renders a {@link UsageReport} as an aligned table (people), RFC 4180 CSV or JSON (tools). Money
 * is formatted from micro-dollars with exact decimal arithmetic, never through a {@code double}.
 */
final class ReportFormats {
    /** The output formats of {@code iron-router report}. */
    enum Format {
        TABLE,
        CSV,
        JSON
    }

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    private static final String[] CSV_HEADER = {
        "scope",
        "group",
        "requests",
        "failures",
        "success_rate_percent",
        "spend_usd",
        "spend_micros",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "avg_cost_per_request_micros",
        "latency_p50_ms",
        "latency_p95_ms"
    };

    private ReportFormats() {}

    /**
     * Renders the report.
     *
     * @param report the report
     * @param format the format
     * @return the text, ending with a line break
     */
    static String render(UsageReport report, Format format) {
        switch (format) {
            case TABLE:
                return table(report);
            case CSV:
                return csv(report);
            case JSON:
                return json(report);
            default:
                throw new IllegalArgumentException("unknown format " + format);
        }
    }

    /**
     * An aligned table: a caption naming the range, one line per group and a total line.
     *
     * @param report the report
     * @return lines separated by {@code \n}
     */
    static String table(UsageReport report) {
        GroupBy by = report.query().groupBy();
        List<String[]> lines = new ArrayList<>();
        lines.add(
                new String[] {
                    by == GroupBy.NONE ? "" : by.name().toLowerCase(Locale.ROOT),
                    "requests",
                    "failures",
                    "success",
                    "spend",
                    "input",
                    "output",
                    "cache read",
                    "cache write",
                    "p50 ms",
                    "p95 ms"
                });
        for (UsageReport.Row row : report.rows()) {
            lines.add(tableRow(row.group().orElse("(none)"), row));
        }
        lines.add(tableRow("TOTAL", report.total()));
        int[] widths = new int[lines.get(0).length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("Usage ")
                .append(
                        by == GroupBy.NONE
                                ? "in total"
                                : "by " + by.name().toLowerCase(Locale.ROOT))
                .append(", ")
                .append(range(report.query()))
                .append('\n')
                .append('\n');
        for (int l = 0; l < lines.size(); l++) {
            if (l == lines.size() - 1) {
                int total = (widths.length - 1) * 2;
                for (int w : widths) {
                    total += w;
                }
                out.append("-".repeat(total)).append('\n');
            }
            String[] line = lines.get(l);
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                if (i > 0) {
                    text.append("  ");
                }
                String pad = " ".repeat(widths[i] - line[i].length());
                text.append(i == 0 ? line[i] + pad : pad + line[i]);
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
        if (report.total().requests() == 0) {
            out.append('\n').append("No LLM requests in this range.\n");
        }
        return out.toString();
    }

    private static String[] tableRow(String label, UsageReport.Row row) {
        return new String[] {
            label,
            grouped(row.requests()),
            grouped(row.failures()),
            row.requests() == 0 ? "-" : successPercent(row, 1).toPlainString() + " %",
            "$" + usd(row.spend()).toPlainString(),
            grouped(row.inputTokens()),
            grouped(row.outputTokens()),
            grouped(row.cacheReadTokens()),
            grouped(row.cacheWriteTokens()),
            latency(row.latencyP50Ms()),
            latency(row.latencyP95Ms())
        };
    }

    private static String range(UsageQuery query) {
        if (query.since().isEmpty() && query.until().isEmpty()) {
            return "all time (UTC)";
        }
        if (query.until().isEmpty()) {
            return "since " + query.since().get() + " (UTC)";
        }
        if (query.since().isEmpty()) {
            return "before " + query.until().get() + " (UTC)";
        }
        return "from " + query.since().get() + " to before " + query.until().get() + " (UTC)";
    }

    /**
     * RFC 4180 CSV: a header line, one line per group ({@code scope} = {@code group}) and the total
     * ({@code scope} = {@code total}, empty {@code group}); CRLF line breaks; fields with a comma,
     * quote or line break are quoted, quotes doubled. A group without a key has an empty {@code
     * group} field; absent percentiles are empty fields.
     *
     * @param report the report
     * @return the CSV text
     */
    static String csv(UsageReport report) {
        StringBuilder out = new StringBuilder();
        csvLine(out, CSV_HEADER);
        for (UsageReport.Row row : report.rows()) {
            csvLine(out, csvRow("group", row));
        }
        csvLine(out, csvRow("total", report.total()));
        return out.toString();
    }

    private static String[] csvRow(String scope, UsageReport.Row row) {
        return new String[] {
            scope,
            row.group().orElse(""),
            Long.toString(row.requests()),
            Long.toString(row.failures()),
            successPercent(row, 2).toPlainString(),
            usd(row.spend()).toPlainString(),
            Long.toString(row.spend().micros()),
            Long.toString(row.inputTokens()),
            Long.toString(row.outputTokens()),
            Long.toString(row.cacheReadTokens()),
            Long.toString(row.cacheWriteTokens()),
            Long.toString(row.averageCostPerRequest().micros()),
            optional(row.latencyP50Ms()),
            optional(row.latencyP95Ms())
        };
    }

    private static void csvLine(StringBuilder out, String[] fields) {
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(csvField(fields[i]));
        }
        out.append("\r\n");
    }

    /**
     * Quotes a field if RFC 4180 requires it.
     *
     * @param field the raw value
     * @return the field as written
     */
    static String csvField(String field) {
        if (field.indexOf(',') < 0
                && field.indexOf('"') < 0
                && field.indexOf('\r') < 0
                && field.indexOf('\n') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }

    /**
     * JSON: the range ({@code null} ends are open), the grouping, the groups and the total. Money
     * as exact decimal dollars ({@code spend_usd}) and integer micro-dollars ({@code
     * spend_micros}); absent percentiles and keys are {@code null}.
     *
     * @param report the report
     * @return pretty-printed JSON with {@code \n} line breaks and a final line break
     */
    static String json(UsageReport report) {
        ObjectNode root = JSON.createObjectNode();
        UsageQuery query = report.query();
        root.put("since", query.since().map(Object::toString).orElse(null));
        root.put("until", query.until().map(Object::toString).orElse(null));
        root.put("group_by", query.groupBy().name().toLowerCase(Locale.ROOT));
        ArrayNode groups = root.putArray("groups");
        for (UsageReport.Row row : report.rows()) {
            groups.add(jsonRow(row));
        }
        root.set("total", jsonRow(report.total()));
        DefaultPrettyPrinter printer =
                new DefaultPrettyPrinter()
                        .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                        .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return JSON.writer(printer).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON", e);
        }
    }

    private static ObjectNode jsonRow(UsageReport.Row row) {
        ObjectNode node = JSON.createObjectNode();
        node.put("group", row.group().orElse(null));
        node.put("requests", row.requests());
        node.put("failures", row.failures());
        node.put("success_rate_percent", successPercent(row, 2));
        node.put("spend_usd", usd(row.spend()));
        node.put("spend_micros", row.spend().micros());
        node.put("input_tokens", row.inputTokens());
        node.put("output_tokens", row.outputTokens());
        node.put("cache_read_tokens", row.cacheReadTokens());
        node.put("cache_write_tokens", row.cacheWriteTokens());
        node.put("total_tokens", row.totalTokens());
        node.put("avg_cost_per_request_usd", usd(row.averageCostPerRequest()));
        node.put("avg_tokens_per_request", ratio(row.totalTokens(), row.requests(), 2));
        putOptional(node, "latency_p50_ms", row.latencyP50Ms());
        putOptional(node, "latency_p95_ms", row.latencyP95Ms());
        return node;
    }

    private static void putOptional(ObjectNode node, String name, OptionalLong value) {
        if (value.isPresent()) {
            node.put(name, value.getAsLong());
        } else {
            node.putNull(name);
        }
    }

    /** Exact dollars: micro-dollars with the decimal point moved six places. */
    private static BigDecimal usd(Money money) {
        return BigDecimal.valueOf(money.micros(), 6);
    }

    /** The success rate in percent, rounded half-even; 100 without requests (reference 8.3). */
    private static BigDecimal successPercent(UsageReport.Row row, int decimals) {
        if (row.requests() == 0) {
            return BigDecimal.valueOf(100).setScale(decimals);
        }
        return ratio(Math.multiplyExact(row.successes(), 100L), row.requests(), decimals);
    }

    private static BigDecimal ratio(long numerator, long denominator, int decimals) {
        if (denominator == 0) {
            return BigDecimal.ZERO.setScale(decimals);
        }
        return BigDecimal.valueOf(numerator)
                .divide(BigDecimal.valueOf(denominator), decimals, RoundingMode.HALF_EVEN);
    }

    private static String grouped(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    private static String latency(OptionalLong value) {
        return value.isPresent() ? grouped(value.getAsLong()) : "-";
    }

    private static String optional(OptionalLong value) {
        return value.isPresent() ? Long.toString(value.getAsLong()) : "";
    }
}
