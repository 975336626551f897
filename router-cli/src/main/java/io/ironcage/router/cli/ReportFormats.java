package io.ironcage.router.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
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
 *
 * <p><b>Group keys are untrusted text.</b> A model name is whatever a request asked for, stored
 * verbatim, so it may hold terminal escape sequences, a CR, bidi overrides or a spreadsheet
 * formula. The table and CSV show such characters as escapes ({@link #visible}) and CSV neutralises
 * formula cells ({@link #csvText}); JSON keeps the exact value, written with those characters as
 * <code>&#92;uXXXX</code> escapes so the raw output is safe on a terminal too.
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

    /**
     * JSON escapes for what Jackson writes raw by default but a terminal acts on: DEL, C1 controls,
     * format characters (bidi controls), line and paragraph separators, and surrogates (so
     * characters beyond the BMP come as an escaped pair, and a lone surrogate survives). The JSON
     * value stays exact; only its spelling changes.
     */
    private static final CharacterEscapes TERMINAL_SAFE =
            new CharacterEscapes() {
                private static final long serialVersionUID = 1L;

                private final int[] ascii = asciiEscapes();

                @Override
                public int[] getEscapeCodesForAscii() {
                    return ascii;
                }

                @Override
                public SerializableString getEscapeSequence(int ch) {
                    return invisible(ch)
                            ? new SerializedString(String.format(Locale.ROOT, "\\u%04X", ch))
                            : null;
                }
            };

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

    /** The first characters that make a spreadsheet read a cell as a formula (OWASP). */
    private static final String FORMULA_STARTS = "=+-@\t\r";

    private ReportFormats() {}

    /**
     * Returns text from the store as it is safe to print: model names and agent ids come from
     * requests and configuration, and a raw ESC, CR, NUL or bidi override in them would drive the
     * reader's terminal (ANSI/OSC sequences, a forged line, reordered text). Every control
     * character (C0, DEL, C1), format character (bidi controls such as U+202E, zero-width
     * characters), line or paragraph separator and unpaired surrogate becomes a visible escape:
     * {@code \t}, {@code \n}, {@code \r}, {@code \xHH} below U+0100, <code>&#92;uHHHH</code> in the
     * BMP, {@code \UHHHHHHHH} beyond it. A backslash becomes {@code \\}, so an escape in the output
     * always stands for an escaped character. Other text, non-ASCII included, is unchanged.
     *
     * @param text the raw text
     * @return the text with those characters escaped; {@code text} itself if it has none
     */
    static String visible(String text) {
        int first = 0;
        while (first < text.length() && !escaped(text.codePointAt(first))) {
            first += Character.charCount(text.codePointAt(first));
        }
        if (first == text.length()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (!escaped(c)) {
                out.appendCodePoint(c);
            } else if (c == '\\') {
                out.append("\\\\");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c < 0x100) {
                out.append(String.format(Locale.ROOT, "\\x%02x", c));
            } else if (c < 0x10000) {
                out.append(String.format(Locale.ROOT, "\\u%04x", c));
            } else {
                out.append(String.format(Locale.ROOT, "\\U%08x", c));
            }
        }
        return out.toString();
    }

    /** Whether {@link #visible} escapes a code point (a lone surrogate comes as itself). */
    private static boolean escaped(int c) {
        return c == '\\' || invisible(c);
    }

    /**
     * Whether a code point acts on a terminal or on the text around it instead of showing: a
     * control (C0, DEL, C1), a format character (bidi controls, zero-width characters), a line or
     * paragraph separator, or a surrogate code unit.
     */
    private static boolean invisible(int c) {
        switch (Character.getType(c)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
            case Character.SURROGATE:
                return true;
            default:
                return false;
        }
    }

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
            lines.add(tableRow(visible(row.group().orElse("(none)")), row));
        }
        lines.add(tableRow("TOTAL", report.total()));
        int[] widths = new int[lines.get(0).length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], width(line[i]));
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
                String pad = " ".repeat(widths[i] - width(line[i]));
                text.append(i == 0 ? line[i] + pad : pad + line[i]);
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
        if (report.total().requests() == 0) {
            out.append('\n').append("No LLM requests in this range.\n");
        }
        return out.toString();
    }

    /** The columns a cell takes: one per code point (cells are {@link #visible} text). */
    private static int width(String cell) {
        return cell.codePointCount(0, cell.length());
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
     * group} field; absent percentiles are empty fields. The {@code group} field is {@link
     * #csvText}: escaped and formula-safe.
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
            csvText(row.group().orElse("")),
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
     * Returns a text cell (a group key) as safe for a spreadsheet and a terminal: control and bidi
     * characters escaped as in the table ({@link #visible}; the exact value is in the JSON), and a
     * cell that starts with {@code =}, {@code +}, {@code -}, {@code @}, tab or CR prefixed with a
     * single quote, so a spreadsheet shows it as text instead of running it as a formula (OWASP CSV
     * injection). Only text cells go through here: numeric cells stay numbers.
     *
     * @param raw the value as stored
     * @return the field's value, before RFC 4180 quoting
     */
    static String csvText(String raw) {
        String text = visible(raw);
        return !raw.isEmpty() && FORMULA_STARTS.indexOf(raw.charAt(0)) >= 0 ? "'" + text : text;
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
            return JSON.writer(printer).with(TERMINAL_SAFE).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON", e);
        }
    }

    private static int[] asciiEscapes() {
        int[] codes = CharacterEscapes.standardAsciiEscapesForJSON();
        codes[0x7f] = CharacterEscapes.ESCAPE_STANDARD;
        return codes;
    }

    private static ObjectNode jsonRow(UsageReport.Row row) {
        ObjectNode node = JSON.createObjectNode();
        node.put("group", row.group().orElse(null));
        node.put("requests", row.requests());
        node.put("caller_requests", row.callerRequests());
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
