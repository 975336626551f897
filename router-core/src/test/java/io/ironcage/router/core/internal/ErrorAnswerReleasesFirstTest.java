package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ironcage.router.core.agent.DirectTenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An error answer reaches the caller only after the request's reservation is released and its
 * failure event recorded, as a successful one only after it is settled: a caller that sends its
 * next request as soon as it has the error sees the whole budget again (a race TransportParityTest
 * caught), and one that reads the analytics sees the failure (a race the translated-streaming
 * end-to-end test caught).
 */
class ErrorAnswerReleasesFirstTest {
    private static final String TOKEN = "ic-release-token";

    @ParameterizedTest(name = "{0}, streamed={1}")
    @CsvSource({"500,false", "500,true", "429,false", "connect,false", "connect,true"})
    void theReservationIsReleasedBeforeTheErrorIsSent(String failure, boolean stream) {
        CostController ledger = CostController.withLimit(Money.ofMicros(500_000));
        AtomicInteger recorded = new AtomicInteger();
        UsageEventSink events =
                new UsageEventSink() {
                    @Override
                    public void record(AnalyticsEvent event) {
                        recorded.incrementAndGet();
                    }

                    @Override
                    public long droppedCount() {
                        return 0;
                    }

                    @Override
                    public void close() {}
                };
        List<Integer> eventsWhenAnswered = new ArrayList<>();
        Supplier<HttpTransport.Response> answer =
                () -> {
                    if (failure.equals("connect")) {
                        throw new ForwardException(
                                ForwardException.Kind.CONNECT, "chaos: refused", null);
                    }
                    return new HttpTransport.Response(
                            Integer.parseInt(failure),
                            HeaderMap.of("content-type", "application/json"),
                            "{\"error\":{\"message\":\"no\",\"type\":\"server_error\"}}"
                                    .getBytes(StandardCharsets.UTF_8));
                };
        ProxyPipeline pipeline =
                new ProxyPipeline(
                        Tenants.single(
                                TOKEN,
                                new DirectTenant(
                                        ProviderKeySource.fixed(
                                                ProviderKey.openAi(
                                                        "sk-release",
                                                        URI.create("http://127.0.0.1:1"))),
                                        ledger)),
                        new Failing(answer),
                        PricingTables.bundled(),
                        events,
                        Clock.systemUTC(),
                        ProxyPipeline.Settings.of(Duration.ofSeconds(5), 1024 * 1024)
                                .withRejectUnpriced(true));
        List<Long> reservedWhenAnswered = new ArrayList<>();
        CapturingSink sink =
                new CapturingSink()
                        .onAnswer(
                                status -> {
                                    reservedWhenAnswered.add(ledger.reserved().micros());
                                    eventsWhenAnswered.add(recorded.get());
                                });
        String body =
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":50"
                        + (stream ? ",\"stream\":true" : "")
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        Blocking.handle(
                pipeline,
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
                        false),
                sink);
        assertEquals(List.of(0L), reservedWhenAnswered, "nothing reserved when the error left");
        assertEquals(List.of(1), eventsWhenAnswered, "the failure recorded when the error left");
        assertEquals(0, ledger.totalSpent().micros());
    }

    /** An upstream that fails the same way for plain and streamed calls. */
    private static final class Failing implements HttpTransport {
        private final Supplier<Response> answer;

        Failing(Supplier<Response> answer) {
            this.answer = answer;
        }

        @Override
        public Response send(Request request) {
            return answer.get();
        }

        @Override
        public StreamingResponse open(Request request) {
            Response r = answer.get();
            return new StreamingResponse() {
                private boolean read;

                @Override
                public int status() {
                    return r.status();
                }

                @Override
                public HeaderMap headers() {
                    return r.headers();
                }

                @Override
                public Optional<byte[]> read() {
                    if (read) {
                        return Optional.empty();
                    }
                    read = true;
                    return Optional.of(r.body());
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public void close() {}
    }
}
