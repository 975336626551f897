package io.ironcage.router.core.spi;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import java.util.Objects;
import java.util.Optional;

/** Records every event into two sinks; closes both. See {@link UsageEventSink#tee}. */
final class TeeUsageEventSink implements UsageEventSink {
    private final UsageEventSink first;
    private final UsageEventSink second;

    TeeUsageEventSink(UsageEventSink first, UsageEventSink second) {
        this.first = Objects.requireNonNull(first, "first");
        this.second = Objects.requireNonNull(second, "second");
    }

    @Override
    public void record(AnalyticsEvent event) {
        first.record(event);
        second.record(event);
    }

    /** Each sink's own; what either still has to do, in order. */
    @Override
    public Optional<Runnable> recordWithoutWaiting(AnalyticsEvent event) {
        Optional<Runnable> firstRest = first.recordWithoutWaiting(event);
        Optional<Runnable> secondRest = second.recordWithoutWaiting(event);
        if (firstRest.isEmpty()) {
            return secondRest;
        }
        if (secondRest.isEmpty()) {
            return firstRest;
        }
        return Optional.of(
                () -> {
                    firstRest.get().run();
                    secondRest.get().run();
                });
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
