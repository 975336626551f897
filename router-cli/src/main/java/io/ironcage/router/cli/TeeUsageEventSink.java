package io.ironcage.router.cli;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.spi.UsageEventSink;

/** Records every event into two sinks (the demo: SQLite for keeps, memory for its live table). */
final class TeeUsageEventSink implements UsageEventSink {
    private final UsageEventSink first;
    private final UsageEventSink second;

    TeeUsageEventSink(UsageEventSink first, UsageEventSink second) {
        this.first = first;
        this.second = second;
    }

    @Override
    public void record(AnalyticsEvent event) {
        first.record(event);
        second.record(event);
    }

    @Override
    public long droppedCount() {
        return first.droppedCount() + second.droppedCount();
    }

    @Override
    public void close() {
        try {
            first.close();
        } finally {
            second.close();
        }
    }
}
