package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.spi.UsageEventStore.SyncState;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MemoryEventStoreTest {
    private static AnalyticsEvent completed(long ts) {
        return AnalyticsEvent.of(
                UUID.randomUUID().toString(),
                ts,
                LlmRequestCompleted.priced(
                        LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o"),
                        TokenUsage.of(1, 1),
                        Money.ofMicros(1),
                        RequestMeta.of(200, 1)));
    }

    @Test
    void keepsOnlyWhatTheServerTakesUntilItIsSyncedOrRejected() {
        MemoryEventStore store = new MemoryEventStore(10);
        AnalyticsEvent late = completed(20);
        AnalyticsEvent early = completed(10);
        AnalyticsEvent started =
                AnalyticsEvent.of(UUID.randomUUID().toString(), 1, new RouterStarted(1));
        store.record(late);
        store.record(early);
        store.record(started);

        assertEquals(List.of(early, late), store.unsynced(10), "oldest first, no lifecycle event");
        assertNull(store.syncState(started.eventId()));
        store.markSynced(List.of(early.eventId()));
        store.markRejected(late.eventId(), "400 bad");
        assertEquals(SyncState.SYNCED, store.syncState(early.eventId()));
        assertEquals(SyncState.REJECTED, store.syncState(late.eventId()));
        assertTrue(store.unsynced(10).isEmpty());
        store.record(early); // the same event again is not sent twice
        assertTrue(store.unsynced(10).isEmpty());
    }

    @Test
    void aFullStoreDropsAndCountsNewEvents() {
        MemoryEventStore store = new MemoryEventStore(2);
        store.record(completed(1));
        store.record(completed(2));
        store.record(completed(3));
        store.record(null);
        assertEquals(2, store.unsynced(10).size());
        assertEquals(2, store.droppedCount());
        store.close();
        store.record(completed(4));
        assertEquals(3, store.droppedCount());
    }
}
