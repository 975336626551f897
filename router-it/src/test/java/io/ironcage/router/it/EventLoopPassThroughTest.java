package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.BudgetThresholdReached;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * On the netty transport a plain pass-through request is priced, forwarded, settled, recorded and
 * answered on the event loops, without a worker thread; a stream is relayed from a worker. The
 * thread that records each request's analytics event shows which way it went.
 */
class EventLoopPassThroughTest {
    private static final String TOKEN = "ic-token-loop";

    @StartStop final FakeProvider openAi = FakeProvider.openAi();

    @Test
    void plainRequestsStayOnTheEventLoopAndStreamsUseAWorker() throws Exception {
        Threads sink = new Threads();
        try (LlmRouter router =
                LlmRouter.builder()
                        .transport(new NettyTransportProvider())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi("sk-loop", openAi.baseUri())))
                        .token(TOKEN)
                        .budget(Money.ofMicros(10_000_000))
                        .usageSink(sink)
                        .start()) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (boolean stream : new boolean[] {false, false, false, true, true}) {
                HttpResponse<String> answer =
                        http.send(chat(router, stream), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, answer.statusCode(), answer.body());
            }
            List<String> threads = sink.completedOn;
            assertEquals(5, threads.size(), threads.toString());
            for (String plain : threads.subList(0, 3)) {
                assertTrue(
                        plain.matches("iron-router-netty-(nio|epoll)-\\d+"),
                        "a plain request was settled on " + plain);
            }
            for (String streamed : threads.subList(3, 5)) {
                assertTrue(
                        streamed.matches("iron-router-netty-\\d+"),
                        "a stream was settled on " + streamed);
            }
            assertTrue(sink.costMicros.get() > 0);
            assertEquals(router.totalSpent(), Money.ofMicros(sink.costMicros.get()));
        }
    }

    @Test
    void anAnalyticsStoreThatWouldWaitNeverWaitsOnAnEventLoop() throws Exception {
        openAi.dispatcher(request -> FakeResponse.text("hi").usage(1_000, 10));
        Waiting sink = new Waiting();
        try (LlmRouter router =
                LlmRouter.builder()
                        .transport(new NettyTransportProvider())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi("sk-loop", openAi.baseUri())))
                        .token(TOKEN)
                        .budget(Money.ofMicros(2_000))
                        .thresholds(List.of(10, 20))
                        .usageSink(sink)
                        .start()) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> answer =
                        http.send(chat(router, false), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, answer.statusCode(), answer.body());
            }
            Await.until(
                    Duration.ofSeconds(5),
                    "three completions are kept",
                    () -> sink.completed.get() >= 3);

            assertEquals(3, sink.completed.get(), "every completion kept");
            assertTrue(sink.thresholds.get() > 0, "a threshold was crossed and kept");
            for (String thread : sink.waitedOn) {
                assertFalse(
                        thread.matches("iron-router-netty-(nio|epoll)-\\d+"),
                        "an analytics wait ran on the event loop " + thread);
            }
        }
    }

    /** A store that is always full: it hands every wait back; record() is the wait. */
    private static final class Waiting implements UsageEventSink {
        final List<String> waitedOn = new CopyOnWriteArrayList<>();
        final AtomicInteger completed = new AtomicInteger();
        final AtomicInteger thresholds = new AtomicInteger();

        @Override
        public void record(AnalyticsEvent event) {
            waitedOn.add(Thread.currentThread().getName());
            if (event.payload() instanceof LlmRequestCompleted) {
                completed.incrementAndGet();
            } else if (event.payload() instanceof BudgetThresholdReached) {
                thresholds.incrementAndGet();
            }
        }

        @Override
        public Optional<Runnable> recordWithoutWaiting(AnalyticsEvent event) {
            return Optional.of(() -> record(event));
        }

        @Override
        public long droppedCount() {
            return 0;
        }

        @Override
        public void close() {}
    }

    private static HttpRequest chat(LlmRouter router, boolean stream) {
        return HttpRequest.newBuilder(URI.create(router.baseUrl() + "/chat/completions"))
                .header("authorization", "Bearer " + TOKEN)
                .header("content-type", "application/json")
                .POST(
                        HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,"
                                        + (stream ? "\"stream\":true," : "")
                                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
    }

    /** Keeps the thread each completed request was recorded on, and their cost. */
    private static final class Threads implements UsageEventSink {
        final List<String> completedOn = new CopyOnWriteArrayList<>();
        final AtomicLong costMicros = new AtomicLong();

        @Override
        public void record(AnalyticsEvent event) {
            if (event.payload() instanceof LlmRequestCompleted) {
                completedOn.add(Thread.currentThread().getName());
                costMicros.addAndGet(((LlmRequestCompleted) event.payload()).cost().micros());
            }
        }

        @Override
        public long droppedCount() {
            return 0;
        }

        @Override
        public void close() {}
    }
}
