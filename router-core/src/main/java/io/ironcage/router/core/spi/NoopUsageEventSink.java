package io.ironcage.router.core.spi;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;

/** {@link UsageEventSink#noop()}: discards everything. Stateless, so one instance serves all. */
final class NoopUsageEventSink implements UsageEventSink {
    static final NoopUsageEventSink INSTANCE = new NoopUsageEventSink();

    private NoopUsageEventSink() {}

    @Override
    public void record(AnalyticsEvent event) {
        // discarded on purpose
    }

    @Override
    public long droppedCount() {
        return 0;
    }

    @Override
    public void close() {
        // nothing to release
    }

    @Override
    public String toString() {
        return "UsageEventSink.noop()";
    }
}
