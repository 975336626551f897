package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** A close while another is running returns only once that one is done. */
class ConcurrentCloseTest {

    /** A sink whose close waits until the test lets it finish. */
    private static final class SlowSink implements UsageEventSink {
        final CountDownLatch closing = new CountDownLatch(1);
        final CountDownLatch mayFinish = new CountDownLatch(1);
        volatile boolean closed;

        @Override
        public void record(AnalyticsEvent event) {}

        @Override
        public long droppedCount() {
            return 0;
        }

        @Override
        public void close() {
            closing.countDown();
            try {
                mayFinish.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closed = true;
        }
    }

    @Test
    void aSecondCloseWaitsForTheFirst() throws Exception {
        SlowSink sink = new SlowSink();
        LlmRouter router =
                LlmRouter.builder()
                        .transport(new NettyTransportProvider())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi(
                                                "sk-close", URI.create("http://127.0.0.1:9"))))
                        .token("ic-token-close")
                        .usageSink(sink)
                        .start();
        Thread first = new Thread(router::close, "first-close");
        first.start();
        Await.until(
                Duration.ofSeconds(10),
                "the first close reaches the sink",
                () -> sink.closing.getCount() == 0);
        Thread second = new Thread(router::close, "second-close");
        second.start();
        // the second close waits on the first rather than returning while it still runs
        Await.until(
                Duration.ofSeconds(10),
                "the second close is waiting",
                () -> second.getState() == Thread.State.WAITING);
        assertEquals(false, sink.closed);
        sink.mayFinish.countDown();
        first.join(10_000);
        second.join(10_000);
        assertEquals(Thread.State.TERMINATED, first.getState());
        assertEquals(Thread.State.TERMINATED, second.getState());
        assertEquals(true, sink.closed);
    }
}
