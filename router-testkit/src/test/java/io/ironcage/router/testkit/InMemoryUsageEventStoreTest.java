package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.spi.UsageEventStore;
import io.ironcage.router.testkit.contract.UsageEventStoreContract;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The UsageEventStore contract, run against the in-memory sink (not durable: no reopen). */
class InMemoryUsageEventStoreTest extends UsageEventStoreContract {
    @Override
    protected UsageEventStore createStore() {
        return InMemoryUsageEventSink.create();
    }

    @Test
    void keepsTheRejectionReasonAndAnEventIdOnce() {
        InMemoryUsageEventSink sink = (InMemoryUsageEventSink) store();
        AnalyticsEvent event =
                AnalyticsEvent.of(
                        UUID.randomUUID().toString(),
                        1,
                        LlmRequestCompleted.priced(
                                LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                                TokenUsage.of(1, 1),
                                Money.ofMicros(1),
                                RequestMeta.of(200, 1)));
        sink.record(event);
        sink.record(event);
        assertEquals(List.of(event), sink.events());
        assertEquals(1, sink.size());
        assertEquals(0, sink.droppedCount());
        assertNull(sink.rejectionReason(event.eventId()));
        sink.markRejected(event.eventId(), "400 bad");
        assertEquals("400 bad", sink.rejectionReason(event.eventId()));
    }
}
