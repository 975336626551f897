package io.ironcage.router.analytics.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.testkit.contract.UsageEventSinkContract;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
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

    @Test
    void capsModelNamesAt256CharsOnACodePointBoundary() {
        String exact = "x/" + "a".repeat(254);
        String tooLong = "x/" + "b".repeat(400);
        // a surrogate pair at chars 255 and 256: cutting at 256 would split it
        String straddling = "x/" + "c".repeat(253) + "\ud83d\ude00" + "tail";
        List<AnalyticsEvent> sent =
                List.of(
                        event(1, exact, false),
                        event(2, tooLong, false),
                        event(3, straddling, false),
                        event(4, tooLong, true));
        Path file = dir.resolve("capped.db");
        try (SqliteUsageEventSink sink = SqliteUsageEventSink.open(file)) {
            sent.forEach(sink::record);
        }
        try (SqliteUsageEventSink reopened = SqliteUsageEventSink.open(file)) {
            var models =
                    reopened.events().stream()
                            .collect(
                                    Collectors.toMap(
                                            AnalyticsEvent::eventId, e -> model(e), (a, b) -> a));
            assertEquals(exact, models.get(sent.get(0).eventId()), "256 chars are kept");
            assertEquals(tooLong.substring(0, 256), models.get(sent.get(1).eventId()));
            assertEquals("x/" + "c".repeat(253), models.get(sent.get(2).eventId()));
            assertEquals(tooLong.substring(0, 256), models.get(sent.get(3).eventId()), "failed");
        }
    }

    @Test
    void capCutsOnlyWhatIsTooLong() {
        Function<String, String> cap = s -> EventRows.capped(s, 4);
        String short4 = "abcd";
        assertSame(short4, cap.apply(short4));
        assertEquals("abcd", cap.apply("abcde"));
        assertEquals("abc", cap.apply("abc\ud83d\ude00"), "not mid-surrogate");
        assertEquals("ab\ud83d\ude00", cap.apply("ab\ud83d\ude00z"), "a whole pair fits");
        assertEquals(256, EventRows.MAX_MODEL_LENGTH);
    }

    private static String model(AnalyticsEvent event) {
        if (event.payload() instanceof LlmRequestCompleted) {
            return ((LlmRequestCompleted) event.payload()).meta().model();
        }
        return ((LlmRequestFailed) event.payload()).meta().model();
    }

    private static AnalyticsEvent event(int n, String model, boolean failed) {
        long ms = 1_764_201_600_000L + n;
        LlmModelMeta meta = LlmModelMeta.of(ProviderType.OPENAI, model);
        return AnalyticsEvent.of(
                AnalyticsEvent.newEventId(ms),
                ms,
                failed
                        ? LlmRequestFailed.of(meta, "502", "upstream 502", RequestMeta.of(502, 3))
                        : LlmRequestCompleted.priced(
                                meta,
                                TokenUsage.of(1, 1),
                                Money.ofMicros(1),
                                RequestMeta.of(200, 3)));
    }
}
