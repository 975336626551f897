package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.agent.DirectTenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.provider.RequestShapes;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.UsageEventSink;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A stream that breaks before its usage is billed from what was seen: the output as one token per
 * byte of text. That count is an upper bound of the tokens, but so is the request's {@code
 * max_tokens}, which the reservation was made with; the bill must keep to the smaller, or a cut
 * stream of short tokens ("w " is one token and two bytes) costs more than was reserved for it and
 * a budget that was full overspends (PipelineChaosTest caught it under load).
 */
class CutStreamBillingTest {
    /** The day the tests price at (a table entry's dated prices depend on it). */
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    private static final String TOKEN = "ic-cut-token";

    @ParameterizedTest(name = "{0}, max_tokens={1}, {2} deltas of \"w \"")
    @CsvSource({
        "gpt-4o,16,15",
        "gpt-4o,16,29",
        "gpt-4o-mini,20,30",
        "gpt-4o,100,30",
    })
    void aCutStreamIsNeverBilledMoreThanWasReserved(String model, int maxTokens, int deltas)
            throws Exception {
        String body =
                "{\"model\":\""
                        + model
                        + "\",\"max_tokens\":"
                        + maxTokens
                        + ",\"stream\":true"
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the sea.\"}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        PricingTable pricing = PricingTables.bundled();
        Money worstCase =
                pricing.find(model, DAY)
                        .orElseThrow()
                        .worstCase(
                                RequestShapes.of(new ObjectMapper().readTree(bytes), bytes.length));
        // the budget holds exactly this request's worst case: any bill above it is an overspend
        CostController ledger = CostController.withLimit(worstCase);
        ProxyPipeline pipeline =
                new ProxyPipeline(
                        Tenants.single(
                                TOKEN,
                                new DirectTenant(
                                        ProviderKeySource.fixed(
                                                ProviderKey.openAi(
                                                        "sk-cut",
                                                        URI.create("http://127.0.0.1:1"))),
                                        ledger)),
                        new CutStream(deltas),
                        pricing,
                        UsageEventSink.noop(),
                        Clock.systemUTC(),
                        ProxyPipeline.Settings.of(Duration.ofSeconds(5), 1024 * 1024)
                                .withRejectUnpriced(true));
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
                        bytes,
                        false),
                new CapturingSink());
        assertEquals(0, ledger.reserved().micros(), "the reservation was settled");
        assertTrue(ledger.totalSpent().micros() > 0, "the cut stream was billed");
        assertTrue(
                ledger.totalSpent().micros() <= worstCase.micros(),
                "billed " + ledger.totalSpent() + ", reserved " + worstCase);
    }

    /**
     * A Chat Completions stream of {@code deltas} one-token deltas that breaks before its usage.
     */
    private static final class CutStream implements HttpTransport {
        private final int deltas;

        CutStream(int deltas) {
            this.deltas = deltas;
        }

        @Override
        public Response send(Request request) {
            throw new UnsupportedOperationException("streams only");
        }

        @Override
        public StreamingResponse open(Request request) {
            List<byte[]> chunks = new ArrayList<>();
            for (int i = 0; i < deltas; i++) {
                chunks.add(
                        ("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                                        + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                                        + "\"delta\":{\"content\":\"w \"},\"finish_reason\":null}],"
                                        + "\"usage\":null}\n\n")
                                .getBytes(StandardCharsets.UTF_8));
            }
            return new StreamingResponse() {
                private int next;

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
                    if (next < chunks.size()) {
                        return Optional.of(chunks.get(next++));
                    }
                    throw new ForwardException(ForwardException.Kind.BROKEN, "cut", null);
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public void close() {}
    }
}
