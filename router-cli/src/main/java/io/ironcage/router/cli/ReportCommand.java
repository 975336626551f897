package io.ironcage.router.cli;

import io.ironcage.router.analytics.sqlite.UsageQuery;
import io.ironcage.router.analytics.sqlite.UsageQuery.GroupBy;
import io.ironcage.router.analytics.sqlite.UsageReport;
import io.ironcage.router.core.errors.LlmRouterException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code iron-router report --db FILE}: spend, requests, failures, tokens and latency from a SQLite
 * analytics store, as an aligned table, CSV or JSON. Reads the file without ever creating or
 * changing it, so it is safe next to a running router.
 */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        versionProvider = IronRouter.Version.class,
        sortOptions = false,
        description = {
            "Show spend, requests, failures, tokens and latency from a SQLite analytics store"
                    + " (analytics.sqlite of router.yaml, or demo's --db), by model, provider,"
                    + " agent or day.",
            "Reads the file only: safe while a router is writing to it.",
            ""
        },
        footer = {
            "",
            "Times are UTC; the range is [--since, --until): --since 2026-11-01 --until 2026-12-01"
                    + " is November.",
            "Spend is exact (micro-dollars); p50/p95 latency are nearest-rank percentiles over"
                    + " every request, failed ones included.",
            "",
            "Examples:",
            "  iron-router report --db iron-router.db --by model",
            "  iron-router report --db iron-router.db --since 2026-11-27 --format csv",
            "",
            "Exit codes: 0 ok; 2 bad option, or a file that is missing, not SQLite or not an Iron"
                    + " Router analytics store."
        })
public final class ReportCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--db",
            required = true,
            paramLabel = "FILE",
            description = "The SQLite analytics store to read.")
    Path db;

    @Option(
            names = "--since",
            paramLabel = "TIME",
            converter = TimeConverter.class,
            description =
                    "Only requests at or after TIME: a date (2026-11-27, midnight UTC) or an"
                            + " instant (2026-11-27T10:00:00Z).")
    Instant since;

    @Option(
            names = "--until",
            paramLabel = "TIME",
            converter = TimeConverter.class,
            description = "Only requests before TIME (excluded); same forms as --since.")
    Instant until;

    @Option(
            names = "--by",
            paramLabel = "GROUP",
            defaultValue = "none",
            converter = GroupConverter.class,
            description =
                    "Group by model, provider, agent or day (UTC); none (default) shows the"
                            + " total only.")
    GroupBy by;

    @Mixin FormatOption format = new FormatOption();

    /** Creates the command as the {@code iron-router} jar runs it. */
    public ReportCommand() {}

    /**
     * Reads the store and prints the report.
     *
     * @return the exit code: 0, or 2 when the file cannot be used
     */
    @Override
    public Integer call() {
        if (since != null && until != null && !since.isBefore(until)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--since ("
                            + since
                            + ") must be before --until ("
                            + until
                            + "): the range is [--since, --until)");
        }
        UsageQuery query =
                new UsageQuery(Optional.ofNullable(since), Optional.ofNullable(until), by);
        UsageReport report;
        try {
            report = UsageReport.read(db, query);
        } catch (LlmRouterException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("iron-router: " + e.getMessage());
            err.flush();
            return IronRouter.EXIT_USAGE;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(ReportFormats.render(report, format.format));
        out.flush();
        return 0;
    }

    /** Parses {@code 2026-11-27} (midnight UTC) or an ISO-8601 instant or offset date-time. */
    static final class TimeConverter implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            String text = value.trim();
            try {
                if (text.length() == 10) {
                    return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
                }
                if (text.endsWith("Z") || text.endsWith("z")) {
                    return Instant.parse(text.toUpperCase(Locale.ROOT));
                }
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException(
                        "'"
                                + value
                                + "' is neither a date (2026-11-27) nor an instant"
                                + " (2026-11-27T10:00:00Z)");
            }
        }
    }

    /** Parses a grouping name, case-insensitively. */
    static final class GroupConverter implements CommandLine.ITypeConverter<GroupBy> {
        @Override
        public GroupBy convert(String value) {
            try {
                return GroupBy.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not one of model, provider, agent, day, none");
            }
        }
    }
}
