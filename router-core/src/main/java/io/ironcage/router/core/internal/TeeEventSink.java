package io.ironcage.router.core.internal;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.spi.UsageEventSink;
import java.util.Objects;

/** Records every event into two sinks; closes both. */
public final class TeeEventSink implements UsageEventSink {
    private final UsageEventSink first;
    private final UsageEventSink second;

    /**
     * Creates the tee.
     *
     * @param first the first sink
     * @param second the second sink
     */
    public TeeEventSink(UsageEventSink first, UsageEventSink second) {
        this.first = Objects.requireNonNull(first, "first");
        this.second = Objects.requireNonNull(second, "second");
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
