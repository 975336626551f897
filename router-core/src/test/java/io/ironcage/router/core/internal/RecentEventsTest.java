package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.spi.UsageEventSink;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RecentEventsTest {
    private static AnalyticsEvent event(int port) {
        return AnalyticsEvent.of(UUID.randomUUID().toString(), port, new RouterStarted(port));
    }

    @Test
    void keepsTheMostRecentEventsAndPassesEveryOneOn() {
        List<AnalyticsEvent> passed = new ArrayList<>();
        UsageEventSink next =
                new UsageEventSink() {
                    @Override
                    public void record(AnalyticsEvent event) {
                        passed.add(event);
                    }

                    @Override
                    public long droppedCount() {
                        return 7;
                    }

                    @Override
                    public void close() {}
                };
        RecentEvents recent = new RecentEvents(3, next);
        for (int port = 1; port <= 5; port++) {
            recent.record(event(port));
        }
        List<AnalyticsEvent> kept = recent.snapshot();
        assertEquals(3, kept.size());
        assertEquals(3, ((RouterStarted) kept.get(0).payload()).port(), "the oldest gave way");
        assertEquals(5, ((RouterStarted) kept.get(2).payload()).port());
        assertEquals(5, passed.size(), "the next sink gets every event");
        assertEquals(7, recent.droppedCount(), "drops are the next sink's");
        assertThrows(IllegalArgumentException.class, () -> new RecentEvents(0, next));
    }
}
