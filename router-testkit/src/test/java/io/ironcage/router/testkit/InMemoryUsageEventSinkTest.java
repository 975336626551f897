package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.EventPayload;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.domain.analytics.RouterStopped;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.testkit.contract.UsageEventSinkContract;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class InMemoryUsageEventSinkTest extends UsageEventSinkContract {
    @Override
    protected UsageEventSink createSink() {
        return InMemoryUsageEventSink.create();
    }

    @Override
    protected List<AnalyticsEvent> recorded(UsageEventSink closedSink) {
        return ((InMemoryUsageEventSink) closedSink).events();
    }

    private static AnalyticsEvent event(EventPayload payload) {
        return AnalyticsEvent.of(UUID.randomUUID().toString(), 1, payload);
    }

    @Test
    void keepsArrivalOrderAndFiltersByPayloadType() {
        InMemoryUsageEventSink sink = InMemoryUsageEventSink.create();
        List<AnalyticsEvent> sent = everyShape();
        sent.forEach(sink::record);
        assertEquals(sent, sink.events());
        List<LlmRequestCompleted> completed = sink.eventsOfType(LlmRequestCompleted.class);
        assertEquals(2, completed.size());
        assertEquals(sent.get(0).payload(), completed.get(0));
        assertEquals(List.of(new RouterStarted(54_321)), sink.eventsOfType(RouterStarted.class));
        assertEquals(7, sink.eventsOfType(EventPayload.class).size());
        assertEquals(7, sink.size());
    }

    @Test
    void eventsIsASnapshot() {
        InMemoryUsageEventSink sink = InMemoryUsageEventSink.create();
        sink.record(event(new RouterStarted(1)));
        List<AnalyticsEvent> before = sink.events();
        sink.record(event(new RouterStarted(2)));
        assertEquals(1, before.size());
        assertThrows(UnsupportedOperationException.class, () -> before.add(null));
    }

    @Test
    void aBoundedSinkDropsAndCountsTheNewEventWhenFull() {
        InMemoryUsageEventSink sink = InMemoryUsageEventSink.withCapacity(2);
        AnalyticsEvent first = event(new RouterStarted(1));
        AnalyticsEvent second = event(new RouterStarted(2));
        sink.record(first);
        sink.record(second);
        sink.record(event(new RouterStarted(3)));
        sink.record(event(new RouterStopped(0, Money.ZERO)));
        assertEquals(List.of(first, second), sink.events());
        assertEquals(2, sink.droppedCount());
        assertThrows(IllegalArgumentException.class, () -> InMemoryUsageEventSink.withCapacity(0));
    }

    @Test
    void afterCloseEventsAreDroppedAndCountedAndKeptOnesStay() {
        InMemoryUsageEventSink sink = InMemoryUsageEventSink.create();
        AnalyticsEvent kept = event(new RouterStarted(1));
        sink.record(kept);
        sink.close();
        sink.close();
        sink.record(event(new RouterStopped(1, Money.ZERO)));
        assertTrue(sink.isClosed());
        assertEquals(List.of(kept), sink.events());
        assertEquals(1, sink.droppedCount());
        assertTrue(sink.toString().contains("closed"));
    }

    @Test
    void aNullEventIsDroppedAndCounted() {
        InMemoryUsageEventSink sink = InMemoryUsageEventSink.create();
        sink.record(null);
        assertEquals(1, sink.droppedCount());
        assertEquals(0, sink.size());
    }
}
