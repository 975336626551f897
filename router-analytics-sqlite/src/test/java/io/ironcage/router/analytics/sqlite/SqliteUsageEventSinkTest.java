package io.ironcage.router.analytics.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.testkit.contract.UsageEventSinkContract;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The UsageEventSink contract, run against a SQLite file, plus the field-by-field round trip. */
class SqliteUsageEventSinkTest extends UsageEventSinkContract {
    @TempDir Path dir;

    @Override
    protected UsageEventSink createSink() {
        return SqliteUsageEventSink.open(dir.resolve("events.db"));
    }

    @Override
    protected List<AnalyticsEvent> recorded(UsageEventSink closedSink) {
        return ((SqliteUsageEventSink) closedSink).events();
    }

    @Test
    void roundTripsEveryPayloadTypeFieldByField() {
        List<AnalyticsEvent> sent = everyShape();
        Path file = dir.resolve("round-trip.db");
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            sent.forEach(sink::record);
        }
        try (SqliteUsageEventSink reopened = SqliteUsageEventSink.open(file)) {
            List<AnalyticsEvent> back = reopened.events();
            assertEquals(sent.size(), back.size());
            for (AnalyticsEvent event : sent) {
                AnalyticsEvent read =
                        back.stream()
                                .filter(e -> e.eventId().equals(event.eventId()))
                                .findFirst()
                                .orElseThrow();
                // records compare component by component, nested records included
                assertEquals(event.timestampMs(), read.timestampMs());
                assertEquals(event.agentId(), read.agentId());
                assertEquals(event.payload().getClass(), read.payload().getClass());
                assertEquals(event.payload(), read.payload());
                assertEquals(event, read);
            }
            assertEquals(12_345, reopened.totalCostMicros(), "only completed requests cost");
            assertEquals(0, reopened.droppedCount());
        }
    }
}
