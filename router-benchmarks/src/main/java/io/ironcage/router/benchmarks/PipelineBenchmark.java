package io.ironcage.router.benchmarks;

import io.ironcage.router.core.agent.DirectTenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.internal.ProxyPipeline;
import io.ironcage.router.core.resilience.CircuitBreakerOptions;
import io.ironcage.router.core.resilience.Resilience;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.RequestHead;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.testkit.CapturingResponseSink;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The request pipeline's own CPU cost per request, with an in-memory upstream and sink (no
 * sockets): auth, parse, route, price, reserve, forward, relay, settle, record. What the router
 * adds on top of the transport.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
public class PipelineBenchmark {
    /**
     * {@code off}: each request tried once; {@code on}: retries, a fallback and a circuit breaker
     * configured, none of them needed (nothing fails), to show what the attempt loop costs.
     */
    @Param({"off", "on"})
    public String resilience;

    private ScheduledExecutorService delays;

    private static final String TOKEN = "ic-bench-token";

    /** The benchmark thread may block: the pipeline runs everything on it. */
    private static final Executor HERE = ProxyHandler.CALLING_THREAD;

    private ProxyPipeline pipeline;
    private ProxyRequest plain;
    private ProxyRequest streamed;
    private RequestHead head;
    private byte[] completion;
    private List<byte[]> chunks;

    /** Builds the pipeline, a ~1 KB chat request and canned upstream answers. */
    @Setup
    public void setUp() {
        StringBuilder prompt = new StringBuilder();
        while (prompt.length() < 900) {
            prompt.append("Tell me something short about the sea. ");
        }
        byte[] body =
                ("{\"model\":\"gpt-4o-mini\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\",\"content\":\""
                                + prompt
                                + "\"}]}")
                        .getBytes(StandardCharsets.UTF_8);
        byte[] streamBody =
                ("{\"model\":\"gpt-4o-mini\",\"max_tokens\":256,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                                + prompt
                                + "\"}]}")
                        .getBytes(StandardCharsets.UTF_8);
        HeaderMap headers =
                HeaderMap.of(
                        "authorization", "Bearer " + TOKEN, "content-type", "application/json");
        plain = new ProxyRequest("POST", "/v1/chat/completions", "", headers, body, false);
        streamed = new ProxyRequest("POST", "/v1/chat/completions", "", headers, streamBody, false);
        head = new RequestHead("POST", "/v1/chat/completions", "", headers);
        completion =
                ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\","
                                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"The sea is salty.\"},"
                                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":220,\"completion_tokens\":6,"
                                + "\"total_tokens\":226}}")
                        .getBytes(StandardCharsets.UTF_8);
        chunks = new ArrayList<>();
        String head =
                "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",";
        chunks.add(
                ("data: "
                                + head
                                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n")
                        .getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 18; i++) {
            chunks.add(
                    ("data: "
                                    + head
                                    + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},\"finish_reason\":null}],\"usage\":null}\n\n")
                            .getBytes(StandardCharsets.UTF_8));
        }
        chunks.add(
                ("data: "
                                + head
                                + "\"choices\":[],\"usage\":{\"prompt_tokens\":220,\"completion_tokens\":18,\"total_tokens\":238}}\n\ndata: [DONE]\n\n")
                        .getBytes(StandardCharsets.UTF_8));
        pipeline =
                new ProxyPipeline(
                        Tenants.single(
                                TOKEN,
                                new DirectTenant(
                                        ProviderKeySource.fixed(
                                                ProviderKey.openAi(
                                                        "sk-bench",
                                                        URI.create("http://127.0.0.1:1"))),
                                        CostController.withLimit(
                                                Money.ofMicros(Long.MAX_VALUE / 4)))),
                        new CannedUpstream(),
                        PricingTables.bundled(),
                        UsageEventSink.noop(),
                        Clock.systemUTC(),
                        resilience.equals("on")
                                ? ProxyPipeline.Settings.of(
                                                Duration.ofSeconds(30), 10 * 1024 * 1024)
                                        .withRejectUnpriced(true)
                                        .withResilience(
                                                Resilience.DEFAULTS
                                                        .withFallbacks(
                                                                Map.of(
                                                                        "gpt-4o-mini",
                                                                        List.of("gpt-4o")))
                                                        .withCircuitBreaker(
                                                                Optional.of(
                                                                        CircuitBreakerOptions
                                                                                .DEFAULTS)),
                                                delays())
                                : ProxyPipeline.Settings.of(
                                                Duration.ofSeconds(30), 10 * 1024 * 1024)
                                        .withRejectUnpriced(true));
    }

    private ScheduledExecutorService delays() {
        delays =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "bench-delays");
                            t.setDaemon(true);
                            return t;
                        });
        return delays;
    }

    /** Stops the scheduler of the {@code on} runs. */
    @TearDown
    public void stopDelays() {
        if (delays != null) {
            delays.shutdownNow();
        }
    }

    /**
     * A plain chat completion through the whole pipeline.
     *
     * @param hole consumes the response
     */
    @Benchmark
    public void plainRequest(Blackhole hole) {
        pipeline.handle(plain, CapturingResponseSink.discarding(hole::consume), HERE)
                .toCompletableFuture()
                .join();
    }

    /**
     * The checks a transport asks for on a request's head before it reads the body (target, token,
     * endpoint); the part of {@link #plainRequest} that a served request pays twice.
     *
     * @param hole consumes the decision
     */
    @Benchmark
    public void headCheck(Blackhole hole) {
        hole.consume(pipeline.onHead(head));
    }

    /**
     * A streamed chat completion of 20 events through the whole pipeline.
     *
     * @param hole consumes the response
     */
    @Benchmark
    public void streamedRequest20Events(Blackhole hole) {
        pipeline.handle(streamed, CapturingResponseSink.discarding(hole::consume), HERE)
                .toCompletableFuture()
                .join();
    }

    private final class CannedUpstream implements HttpTransport {
        @Override
        public Response send(Request request) {
            return new Response(200, HeaderMap.of("content-type", "application/json"), completion);
        }

        @Override
        public StreamingResponse open(Request request) {
            Iterator<byte[]> next = chunks.iterator();
            return new StreamingResponse() {
                @Override
                public int status() {
                    return 200;
                }

                @Override
                public HeaderMap headers() {
                    return HeaderMap.of("content-type", "text/event-stream");
                }

                @Override
                public Optional<byte[]> read() {
                    return next.hasNext() ? Optional.of(next.next()) : Optional.empty();
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public void close() {}
    }
}
