package io.ironcage.router.core.spi;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import org.junit.jupiter.api.Test;

class UsageEventSinkTest {
    @Test
    void noopDiscardsWithoutCountingAndNeverThrows() {
        UsageEventSink sink = UsageEventSink.noop();
        assertSame(sink, UsageEventSink.noop());
        assertDoesNotThrow(
                () -> {
                    sink.record(
                            AnalyticsEvent.of(
                                    "0b6f3c1e-2f4a-4c55-9a57-0d3b1f1e2a77",
                                    1,
                                    new RouterStarted(1)));
                    sink.record(null);
                    sink.close();
                    sink.close();
                    sink.record(null);
                });
        assertEquals(0, sink.droppedCount());
        assertEquals("UsageEventSink.noop()", sink.toString());
    }
}
