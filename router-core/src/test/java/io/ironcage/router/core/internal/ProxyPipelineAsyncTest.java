package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.agent.DirectTenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.UsageEventSink;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ProxyPipeline#handle}: a plain request runs on the calling thread and the thread that
 * completes the upstream call, never on a worker; what may block (a stream, a key fetch, the retry
 * after a 401) moves to the worker executor; every path settles or releases its reservation.
 */
class ProxyPipelineAsyncTest {
    private static final String TOKEN = "ic-async-token";
    private static final URI UPSTREAM = URI.create("http://127.0.0.1:1");
    private static final String COMPLETION =
            "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\","
                    + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,"
                    + "\"completion_tokens\":5,\"total_tokens\":15}}";

    private final ExecutorService loop =
            Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-loop"));
    private final ExecutorService pool =
            Executors.newCachedThreadPool(r -> new Thread(r, "fake-worker"));
    private final AtomicInteger workerTasks = new AtomicInteger();
    private final Executor workers =
            task -> {
                workerTasks.incrementAndGet();
                pool.execute(task);
            };
    private final CostController ledger = CostController.withLimit(Money.ofMicros(1_000_000));

    /** Opened once handle has returned: the fake loop answers only then. */
    private final CountDownLatch returned = new CountDownLatch(1);

    @AfterEach
    void stop() {
        loop.shutdownNow();
        pool.shutdownNow();
    }

    @Test
    void aPlainRequestIsAnsweredFromTheThreadThatCompletesTheUpstreamCallWithoutAWorker()
            throws Exception {
        AsyncUpstream upstream = new AsyncUpstream(request -> json(200, COMPLETION));
        CapturingSink sink = new CapturingSink();

        run(pipeline(ProviderKeySource.fixed(key("sk-a")), upstream), request(false), sink);

        assertEquals(200, sink.status());
        assertEquals("fake-loop", sink.thread());
        assertEquals(0, workerTasks.get());
        assertEquals(0, upstream.blockingSends.get());
        assertTrue(ledger.totalSpent().micros() > 0, "settled from the usage");
        assertEquals(0, ledger.reserved().micros());
    }

    @Test
    void anEventTheSinkWouldWaitForIsRecordedOnAWorkerWhileTheAnswerStaysOnTheLoop()
            throws Exception {
        ThreadsSink full = new ThreadsSink(true); // "no room now": every wait handed back
        AsyncUpstream upstream = new AsyncUpstream(request -> json(200, COMPLETION));
        CapturingSink sink = new CapturingSink();

        run(pipeline(ProviderKeySource.fixed(key("sk-a")), upstream, full), request(false), sink);

        assertEquals(200, sink.status());
        assertEquals("fake-loop", sink.thread());
        pool.shutdown();
        assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
        assertEquals(List.of("fake-worker"), full.recordedOn);
    }

    @Test
    void aLargeBodyIsPricedOnAWorkerSinceCountingItsTokensTakesAWhile() throws Exception {
        AsyncUpstream upstream = new AsyncUpstream(request -> json(200, COMPLETION));
        CapturingSink sink = new CapturingSink();
        String prompt = "Summarise the attached notes in three bullet points. ".repeat(400);
        String body =
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":50,\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\""
                        + prompt
                        + "\"}]}";
        assertTrue(body.length() > Admission.COUNT_ON_LOOP_MAX_BYTES);
        ProxyRequest large =
                new ProxyRequest(
                        "POST",
                        "/v1/chat/completions",
                        "",
                        HeaderMap.of(
                                "authorization",
                                "Bearer " + TOKEN,
                                "content-type",
                                "application/json"),
                        body.getBytes(StandardCharsets.UTF_8),
                        false);

        run(pipeline(ProviderKeySource.fixed(key("sk-a")), upstream), large, sink);

        assertEquals(200, sink.status());
        assertEquals(1, workerTasks.get(), "admitted on a worker, not on the loop");
        // the worker only counted: the upstream call after it does not hold a worker for the
        // provider's answer
        assertEquals(1, upstream.asyncSends.get());
        assertEquals(0, upstream.blockingSends.get());
        assertEquals(0, ledger.reserved().micros());
    }

    @Test
    void aStreamMovesToAWorker() throws Exception {
        AsyncUpstream upstream = new AsyncUpstream(request -> json(200, COMPLETION));
        CapturingSink sink = new CapturingSink();

        run(pipeline(ProviderKeySource.fixed(key("sk-a")), upstream), request(true), sink);

        assertEquals(200, sink.status());
        assertEquals("fake-worker", sink.thread());
        assertEquals(1, workerTasks.get());
        assertEquals(0, ledger.reserved().micros());
    }

    @Test
    void aKeyThatMustBeFetchedIsFetchedOnAWorker() throws Exception {
        SlowKeys keys = new SlowKeys();
        AsyncUpstream upstream = new AsyncUpstream(request -> json(200, COMPLETION));
        CapturingSink sink = new CapturingSink();

        run(pipeline(keys, upstream), request(false), sink);

        assertEquals(200, sink.status());
        assertEquals(List.of("fake-worker"), keys.fetchThreads);
        assertEquals(0, ledger.reserved().micros());
    }

    @Test
    void theRetryAfterA401RunsOnAWorkerWithTheFreshKey() throws Exception {
        SlowKeys keys = new SlowKeys();
        keys.ready = true;
        AsyncUpstream upstream =
                new AsyncUpstream(
                        request ->
                                request.headers()
                                                .first("authorization")
                                                .orElse("")
                                                .endsWith("sk-first")
                                        ? json(401, "{\"error\":{\"message\":\"bad key\"}}")
                                        : json(200, COMPLETION));
        CapturingSink sink = new CapturingSink();

        run(pipeline(keys, upstream), request(false), sink);

        assertEquals(200, sink.status());
        assertEquals("fake-worker", sink.thread(), "the retry's answer is given on the worker");
        assertEquals(1, upstream.asyncSends.get(), "the first try, from the calling thread");
        assertEquals(1, upstream.blockingSends.get(), "the retry, from the worker");
        assertEquals(1, keys.invalidations.get());
        assertTrue(keys.fetchThreads.contains("fake-worker"), keys.fetchThreads.toString());
        assertEquals(0, ledger.reserved().micros());
    }

    @Test
    void afterA401NothingRunsOnTheLoopAsIfItMayBlockEvenWhenTheWorkerFinishesFirst()
            throws Exception {
        ThreadsSink events = new ThreadsSink(false); // kept without waiting
        // a worker that is done before execute returns: the loop then attaches to a finished stage
        Executor eager =
                task -> {
                    try {
                        pool.submit(task).get(5, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                };
        AsyncUpstream upstream =
                new AsyncUpstream(request -> json(401, "{\"error\":{\"message\":\"bad key\"}}"));
        CapturingSink sink = new CapturingSink();

        CompletionStage<Void> done =
                pipeline(ProviderKeySource.fixed(key("sk-a")), upstream, events)
                        .handle(request(false), sink, eager);
        returned.countDown();
        done.toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertEquals(502, sink.status(), "the provider refused the router's key");
        assertEquals("fake-worker", sink.thread());
        assertEquals(List.of("fake-worker"), events.recordedOn, "record() only where it may wait");
        assertEquals(0, ledger.reserved().micros());
    }

    @Test
    void anUpstreamFailureIsA502InTheCallersFormatWithTheReservationReleased() throws Exception {
        AsyncUpstream upstream =
                new AsyncUpstream(
                        request -> {
                            throw new ForwardException(
                                    ForwardException.Kind.CONNECT, "refused", null);
                        });
        CapturingSink sink = new CapturingSink();

        run(pipeline(ProviderKeySource.fixed(key("sk-a")), upstream), request(false), sink);

        assertEquals(502, sink.status());
        assertTrue(sink.text().contains("\"error\""), sink.text());
        assertEquals(0, ledger.reserved().micros());
        assertEquals(0, ledger.totalSpent().micros());
    }

    @Test
    void aTransportThatThrowsFailsTheStageAndReleasesTheReservation() {
        HttpTransport throwing =
                new AsyncUpstream(request -> json(200, COMPLETION)) {
                    @Override
                    public CompletionStage<Response> sendAsync(Request request, Executor blocking) {
                        throw new IllegalArgumentException("a header the transport refuses");
                    }
                };
        CapturingSink sink = new CapturingSink();

        CompletionStage<Void> done =
                pipeline(ProviderKeySource.fixed(key("sk-a")), throwing)
                        .handle(request(false), sink, workers);

        ExecutionException failure =
                assertThrows(
                        ExecutionException.class,
                        () -> done.toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertTrue(failure.getCause() instanceof IllegalArgumentException, failure.toString());
        assertEquals(0, sink.status(), "the transport answers its own 500");
        assertEquals(0, ledger.reserved().micros());
    }

    @Test
    void anUnpricedModelsUpstreamErrorIsPassedOnBothWays() throws Exception {
        // an unpriced request holds no reservation: the error paths must not need one
        for (boolean async : new boolean[] {false, true}) {
            AsyncUpstream upstream =
                    new AsyncUpstream(
                            request ->
                                    json(500, "{\"error\":{\"message\":\"down\",\"type\":\"x\"}}"));
            ProxyPipeline pipeline =
                    new ProxyPipeline(
                            Tenants.single(
                                    TOKEN,
                                    new DirectTenant(
                                            ProviderKeySource.fixed(key("sk-a")),
                                            CostController.unlimited())),
                            upstream,
                            PricingTables.bundled(),
                            UsageEventSink.noop(),
                            Clock.systemUTC(),
                            ProxyPipeline.Settings.of(Duration.ofSeconds(5), 1024 * 1024)
                                    .withRejectUnpriced(false));
            CapturingSink sink = new CapturingSink();
            ProxyRequest request = request("gpt-unpriced-model", false);
            if (async) {
                run(pipeline, request, sink);
            } else {
                upstream.blockingOnly = true;
                Blocking.handle(pipeline, request, sink);
            }
            assertEquals(500, sink.status(), "async=" + async);
            assertTrue(sink.text().contains("down"), sink.text());
        }
    }

    @Test
    void theCallingThreadRunsEverythingWithTheBlockingSend() {
        // an upstream that could send without blocking: on a transport's blocking thread the
        // pipeline still sends blocking, so nothing runs on the upstream client's threads
        AsyncUpstream upstream = new AsyncUpstream(request -> json(200, COMPLETION));
        CapturingSink sink = new CapturingSink();

        Blocking.handle(
                pipeline(ProviderKeySource.fixed(key("sk-a")), upstream), request(false), sink);

        assertEquals(200, sink.status());
        assertEquals(Thread.currentThread().getName(), sink.thread());
        assertEquals(1, upstream.blockingSends.get());
        assertEquals(0, upstream.asyncSends.get());
        assertEquals(0, ledger.reserved().micros());
    }

    private void run(ProxyPipeline pipeline, ProxyRequest request, CapturingSink sink)
            throws Exception {
        CompletionStage<Void> done = pipeline.handle(request, sink, workers);
        returned.countDown();
        done.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private ProxyPipeline pipeline(ProviderKeySource keys, HttpTransport upstream) {
        return pipeline(keys, upstream, UsageEventSink.noop());
    }

    private ProxyPipeline pipeline(
            ProviderKeySource keys, HttpTransport upstream, UsageEventSink events) {
        return new ProxyPipeline(
                Tenants.single(TOKEN, new DirectTenant(keys, ledger)),
                upstream,
                PricingTables.bundled(),
                events,
                Clock.systemUTC(),
                ProxyPipeline.Settings.of(Duration.ofSeconds(5), 1024 * 1024)
                        .withRejectUnpriced(true));
    }

    private static ProviderKey key(String secret) {
        return ProviderKey.openAi(secret, UPSTREAM);
    }

    private static ProxyRequest request(boolean stream) {
        return request("gpt-4o-mini", stream);
    }

    private static ProxyRequest request(String model, boolean stream) {
        String body =
                "{\"model\":\""
                        + model
                        + "\",\"max_tokens\":50"
                        + (stream ? ",\"stream\":true" : "")
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        return new ProxyRequest(
                "POST",
                "/v1/chat/completions",
                "",
                HeaderMap.of(
                        "authorization", "Bearer " + TOKEN, "content-type", "application/json"),
                body.getBytes(StandardCharsets.UTF_8),
                false);
    }

    private static HttpTransport.Response json(int status, String body) {
        return new HttpTransport.Response(
                status,
                HeaderMap.of("content-type", "application/json"),
                body.getBytes(StandardCharsets.UTF_8));
    }

    /** Completes sendAsync on the "fake-loop" thread, as an event loop would. */
    private class AsyncUpstream implements HttpTransport {
        final Function<Request, Response> answer;
        final AtomicInteger asyncSends = new AtomicInteger();
        final AtomicInteger blockingSends = new AtomicInteger();

        /** Sends with the interface's default: {@link #send} on the executor it is given. */
        volatile boolean blockingOnly;

        AsyncUpstream(Function<Request, Response> answer) {
            this.answer = answer;
        }

        @Override
        public CompletionStage<Response> sendAsync(Request request, Executor blocking) {
            if (blockingOnly) {
                return HttpTransport.super.sendAsync(request, blocking);
            }
            asyncSends.incrementAndGet();
            CompletableFuture<Response> answered = new CompletableFuture<>();
            loop.execute(
                    () -> {
                        try {
                            returned.await();
                            answered.complete(answer.apply(request));
                        } catch (InterruptedException | RuntimeException e) {
                            answered.completeExceptionally(e);
                        }
                    });
            return answered;
        }

        @Override
        public Response send(Request request) {
            blockingSends.incrementAndGet();
            return answer.apply(request);
        }

        @Override
        public StreamingResponse open(Request request) {
            Response whole = answer.apply(request);
            byte[] events =
                    ("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                                    + "\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":"
                                    + "{\"prompt_tokens\":10,\"completion_tokens\":5,"
                                    + "\"total_tokens\":15}}\n\ndata: [DONE]\n\n")
                            .getBytes(StandardCharsets.UTF_8);
            return new StreamingResponse() {
                private boolean read;

                @Override
                public int status() {
                    return whole.status();
                }

                @Override
                public HeaderMap headers() {
                    return HeaderMap.of("content-type", "text/event-stream");
                }

                @Override
                public Optional<byte[]> read() {
                    if (read) {
                        return Optional.empty();
                    }
                    read = true;
                    return Optional.of(events);
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public void close() {}
    }

    /** A key source that must fetch (not ready) until told otherwise; rotates on a 401. */
    private static final class SlowKeys implements ProviderKeySource {
        final List<String> fetchThreads = new ArrayList<>();
        final AtomicInteger invalidations = new AtomicInteger();
        volatile boolean ready;
        private String current = "sk-first";

        @Override
        public Set<ProviderType> providers() {
            return EnumSet.of(ProviderType.OPENAI);
        }

        @Override
        public synchronized Optional<ProviderKey> keyIfReady(ProviderType provider) {
            return ready ? Optional.of(ProxyPipelineAsyncTest.key(current)) : Optional.empty();
        }

        @Override
        public synchronized Optional<ProviderKey> key(ProviderType provider) {
            fetchThreads.add(Thread.currentThread().getName());
            return Optional.of(ProxyPipelineAsyncTest.key(current));
        }

        @Override
        public synchronized void invalidate(ProviderKey rejected) {
            invalidations.incrementAndGet();
            current = "sk-second";
        }
    }

    /** Notes the thread of each record(), the call that may wait; full: hands every wait back. */
    private static final class ThreadsSink implements UsageEventSink {
        final List<String> recordedOn = new CopyOnWriteArrayList<>();
        private final boolean full;

        ThreadsSink(boolean full) {
            this.full = full;
        }

        @Override
        public void record(AnalyticsEvent event) {
            recordedOn.add(Thread.currentThread().getName());
        }

        @Override
        public Optional<Runnable> recordWithoutWaiting(AnalyticsEvent event) {
            return full ? Optional.of(() -> record(event)) : Optional.empty();
        }

        @Override
        public long droppedCount() {
            return 0;
        }

        @Override
        public void close() {}
    }
}
