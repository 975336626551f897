package io.ironcage.router.core.spi;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

    @Test
    void teeRecordsIntoBothInOrderSumsDropsAndClosesBothEvenIfTheFirstFails() {
        List<String> calls = new ArrayList<>();
        UsageEventSink first = new Recording("first", calls, 2, true);
        UsageEventSink second = new Recording("second", calls, 3, false);
        UsageEventSink tee = UsageEventSink.tee(first, second);
        AnalyticsEvent event =
                AnalyticsEvent.of("0b6f3c1e-2f4a-4c55-9a57-0d3b1f1e2a77", 1, new RouterStarted(1));
        tee.record(event);
        assertEquals(List.of("first record", "second record"), calls);
        assertEquals(5, tee.droppedCount());
        assertThrows(IllegalStateException.class, tee::close);
        assertTrue(calls.contains("second close"), "the second is closed even so: " + calls);
        assertThrows(NullPointerException.class, () -> UsageEventSink.tee(first, null));
    }

    @Test
    void recordWithoutWaitingRecordsAtOnceByDefaultAndATeeHandsBackOnlyWhatWouldWait() {
        List<String> calls = new ArrayList<>();
        AnalyticsEvent event =
                AnalyticsEvent.of("0b6f3c1e-2f4a-4c55-9a57-0d3b1f1e2a77", 1, new RouterStarted(1));
        UsageEventSink prompt = new Recording("prompt", calls, 0, false);
        assertEquals(Optional.empty(), prompt.recordWithoutWaiting(event));
        assertEquals(List.of("prompt record"), calls);

        calls.clear();
        UsageEventSink waiting =
                new Recording("waiting", calls, 0, false) {
                    @Override
                    public Optional<Runnable> recordWithoutWaiting(AnalyticsEvent e) {
                        return Optional.of(() -> record(e));
                    }
                };
        UsageEventSink bothWays = UsageEventSink.tee(waiting, prompt);
        Optional<Runnable> rest = bothWays.recordWithoutWaiting(event);
        assertEquals(List.of("prompt record"), calls, "the prompt one now");
        assertTrue(rest.isPresent());
        rest.get().run();
        assertEquals(List.of("prompt record", "waiting record"), calls, "the other one later");

        calls.clear();
        Optional<Runnable> both = UsageEventSink.tee(waiting, waiting).recordWithoutWaiting(event);
        assertEquals(List.of(), calls);
        both.orElseThrow().run();
        assertEquals(List.of("waiting record", "waiting record"), calls);
        assertEquals(
                Optional.empty(), UsageEventSink.tee(prompt, prompt).recordWithoutWaiting(event));
    }

    private static class Recording implements UsageEventSink {
        private final String name;
        private final List<String> calls;
        private final long dropped;
        private final boolean failsOnClose;

        Recording(String name, List<String> calls, long dropped, boolean failsOnClose) {
            this.name = name;
            this.calls = calls;
            this.dropped = dropped;
            this.failsOnClose = failsOnClose;
        }

        @Override
        public void record(AnalyticsEvent event) {
            calls.add(name + " record");
        }

        @Override
        public long droppedCount() {
            return dropped;
        }

        @Override
        public void close() {
            calls.add(name + " close");
            if (failsOnClose) {
                throw new IllegalStateException(name + " failed to close");
            }
        }
    }
}
