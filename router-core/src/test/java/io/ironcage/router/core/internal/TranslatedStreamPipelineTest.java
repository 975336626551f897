package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.agent.DirectTenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.UsageEventSink;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's handling of translated streams whose upstream misbehaves, which no SDK-level test
 * can produce: an event that breaks the provider's protocol, and a stream that ends without its end
 * marker. Both end the caller's stream with one clean error event in its format, are billed from
 * the upstream's own events, and are recorded as failed.
 */
class TranslatedStreamPipelineTest {
    /** The day the tests price at (a table entry's dated prices depend on it). */
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    private static final String TOKEN = "ic-test-token";
    private static final String CLAUDE = "claude-sonnet-4-5";

    private final List<AnalyticsEvent> recorded = new ArrayList<>();
    private final CostController ledger = CostController.withLimit(Money.ofMicros(10_000_000));
    private List<String> upstreamEvents = List.of();
    private final List<Boolean> upstreamClosed = new ArrayList<>();

    private ProxyPipeline pipeline() {
        return new ProxyPipeline(
                Tenants.single(
                        TOKEN,
                        new DirectTenant(
                                ProviderKeySource.fixed(
                                        ProviderKey.anthropic(
                                                "sk-ant-test", URI.create("http://127.0.0.1:1"))),
                                ledger)),
                new Upstream(),
                PricingTables.bundled(),
                new UsageEventSink() {
                    @Override
                    public void record(AnalyticsEvent event) {
                        recorded.add(event);
                    }

                    @Override
                    public long droppedCount() {
                        return 0;
                    }

                    @Override
                    public void close() {}
                },
                Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC),
                ProxyPipeline.Settings.of(Duration.ofSeconds(5), 1024 * 1024)
                        .withRejectUnpriced(true));
    }

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    private static final String START =
            event(
                    "message_start",
                    "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\""
                            + CLAUDE
                            + "\",\"usage\":{\"input_tokens\":100,\"output_tokens\":1}}}");
    private static final String BLOCK =
            event(
                    "content_block_start",
                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
    private static final String DELTA =
            event(
                    "content_block_delta",
                    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}");
    private static final String MESSAGE_DELTA =
            event(
                    "message_delta",
                    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":20}}");
    private static final String STOP = event("message_stop", "{\"type\":\"message_stop\"}");

    private CapturingSink streamFromAnOpenAiCaller() {
        CapturingSink answer = new CapturingSink();
        Blocking.handle(
                pipeline(),
                new ProxyRequest(
                        "POST",
                        "/v1/chat/completions",
                        "",
                        HeaderMap.of(
                                "authorization",
                                "Bearer " + TOKEN,
                                "content-type",
                                "application/json"),
                        ("{\"model\":\""
                                        + CLAUDE
                                        + "\",\"stream\":true,\"max_tokens\":100,"
                                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                                .getBytes(StandardCharsets.UTF_8),
                        false),
                answer);
        return answer;
    }

    private static long cost(TokenUsage usage) {
        return PricingTables.bundled().find(CLAUDE, DAY).orElseThrow().cost(usage).micros();
    }

    private LlmRequestFailed onlyFailure() {
        assertEquals(1, recorded.size(), recorded.toString());
        return (LlmRequestFailed) recorded.get(0).payload();
    }

    @Test
    void anUntranslatableEventEndsTheCallersStreamAndTheUpstreamUsageIsStillBilled() {
        String broken =
                event(
                        "content_block_delta",
                        "{\"type\":\"content_block_delta\",\"index\":7,\"delta\":{\"type\":\"text_delta\",\"text\":\"?\"}}");
        upstreamEvents = List.of(START, BLOCK, DELTA, broken, DELTA, MESSAGE_DELTA, STOP);
        CapturingSink answer = streamFromAnOpenAiCaller();

        assertEquals(200, answer.status());
        assertTrue(answer.closed() || answer.aborted(), "the caller's stream was ended");
        String[] events = answer.text().trim().split("\n\n");
        assertEquals(3, events.length, answer.text());
        assertTrue(events[0].contains("\"role\":\"assistant\""), events[0]);
        assertTrue(events[1].contains("\"content\":\"Hello\""), events[1]);
        assertTrue(events[2].startsWith("data: {\"error\":"), events[2]);
        assertTrue(events[2].contains("untranslatable_stream"), events[2]);
        assertFalse(answer.text().contains("[DONE]"));

        assertEquals(
                Money.ofMicros(cost(TokenUsage.of(100, 20))),
                ledger.totalSpent(),
                "billed from the upstream's own usage, read after the caller's stream ended");
        assertEquals(Money.ZERO, ledger.reserved());
        LlmRequestFailed failed = onlyFailure();
        assertEquals(502, failed.request().status());
        assertTrue(failed.request().translated() && failed.request().streamed());
        assertTrue(upstreamClosed.get(0), "the upstream response was closed");
    }

    @Test
    void anUpstreamStreamWithoutItsEndMarkerEndsWithABrokenStreamError() {
        upstreamEvents = List.of(START, BLOCK, DELTA);
        CapturingSink answer = streamFromAnOpenAiCaller();

        String[] events = answer.text().trim().split("\n\n");
        String last = events[events.length - 1];
        assertTrue(last.contains("upstream_stream_broken"), answer.text());
        assertTrue(answer.closed() || answer.aborted());
        assertEquals(
                Money.ofMicros(cost(TokenUsage.of(100, 5))),
                ledger.totalSpent(),
                "the input the stream reported, one token per byte of text seen");
        assertEquals(Money.ZERO, ledger.reserved());
        assertEquals(502, onlyFailure().request().status());
    }

    @Test
    void aCompleteTranslatedStreamIsACompletedEventWithTheUpstreamsUsage() {
        upstreamEvents = List.of(START, BLOCK, DELTA, MESSAGE_DELTA, STOP);
        CapturingSink answer = streamFromAnOpenAiCaller();
        assertTrue(answer.text().endsWith("data: [DONE]\n\n"), answer.text());
        assertEquals(
                "text/event-stream; charset=utf-8",
                answer.headers().first("content-type").orElse(""));
        assertEquals(Money.ofMicros(cost(TokenUsage.of(100, 20))), ledger.totalSpent());
        assertEquals(1, recorded.size());
        assertFalse(recorded.get(0).payload() instanceof LlmRequestFailed);
    }

    /** An Anthropic upstream that sends the scripted events one byte-chunk each. */
    private final class Upstream implements HttpTransport {
        @Override
        public Response send(Request request) {
            throw new AssertionError("a streamed request is opened, not sent");
        }

        @Override
        public StreamingResponse open(Request request) {
            Iterator<String> next = upstreamEvents.iterator();
            int index = upstreamClosed.size();
            upstreamClosed.add(false);
            return new StreamingResponse() {
                @Override
                public int status() {
                    return 200;
                }

                @Override
                public HeaderMap headers() {
                    return HeaderMap.of("content-type", "text/event-stream", "request-id", "r1");
                }

                @Override
                public Optional<byte[]> read() {
                    return next.hasNext()
                            ? Optional.of(next.next().getBytes(StandardCharsets.UTF_8))
                            : Optional.empty();
                }

                @Override
                public void close() {
                    upstreamClosed.set(index, true);
                }
            };
        }

        @Override
        public void close() {}
    }
}
