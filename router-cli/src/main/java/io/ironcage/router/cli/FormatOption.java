package io.ironcage.router.cli;

import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The {@code --format table|csv|json} option the reading commands share. */
final class FormatOption {
    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            defaultValue = "table",
            converter = Converter.class,
            description = "table (default, for people), csv (RFC 4180) or json (for tools).")
    ReportFormats.Format format;

    /** Parses a format name, case-insensitively. */
    static final class Converter implements CommandLine.ITypeConverter<ReportFormats.Format> {
        @Override
        public ReportFormats.Format convert(String value) {
            try {
                return ReportFormats.Format.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not one of table, csv, json");
            }
        }
    }
}
