package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ironcage.router.core.agent.DirectTenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What the ledger holds while a request is upstream: an OpenAI chat request reserves its counted
 * input tokens, not its bytes; a Claude request, whose tokenizer is not public, still its bytes.
 */
class CountedReservationPipelineTest {
    private static final String TOKEN = "ic-counted-token";

    /** Prices of the test's own: 2 µ$ and 8 µ$ a token for gpt-4o, 3 µ$ and 15 µ$ for Claude. */
    private static final PricingTable PRICES =
            PricingTables.bundled()
                    .withOverrides(
                            List.of(
                                    ModelPricing.ofUsdPerMillionTokens("gpt-4o", 2, 8),
                                    ModelPricing.ofUsdPerMillionTokens(
                                            "claude-sonnet-4-5", 3, 15)));

    private final CostController ledger = CostController.withLimit(Money.ofMicros(1_000_000));
    private final List<Long> reservedWhileUpstream = new CopyOnWriteArrayList<>();
    private final List<AnalyticsEvent> events = new CopyOnWriteArrayList<>();

    private ProxyPipeline pipeline(String answer) {
        HttpTransport upstream =
                new HttpTransport() {
                    @Override
                    public Response send(Request request) {
                        reservedWhileUpstream.add(ledger.reserved().micros());
                        return new Response(
                                200,
                                HeaderMap.of("content-type", "application/json"),
                                answer.getBytes(StandardCharsets.UTF_8));
                    }

                    @Override
                    public StreamingResponse open(Request request) {
                        throw new UnsupportedOperationException("no streams here");
                    }

                    @Override
                    public void close() {}
                };
        return new ProxyPipeline(
                Tenants.single(
                        TOKEN,
                        new DirectTenant(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi(
                                                "sk-counted", URI.create("http://127.0.0.1:1")),
                                        ProviderKey.anthropic(
                                                "sk-ant-counted",
                                                URI.create("http://127.0.0.1:2"))),
                                ledger)),
                upstream,
                PRICES,
                new ListSink(events),
                Clock.systemUTC(),
                ProxyPipeline.Settings.of(Duration.ofSeconds(5), 1024 * 1024)
                        .withRejectUnpriced(true));
    }

    private static CapturingSink post(ProxyPipeline pipeline, String path, String body) {
        CapturingSink answer = new CapturingSink();
        Blocking.handle(
                pipeline,
                new ProxyRequest(
                        "POST",
                        path,
                        "",
                        HeaderMap.of("authorization", "Bearer " + TOKEN),
                        body.getBytes(StandardCharsets.UTF_8),
                        false),
                answer);
        return answer;
    }

    @Test
    void anOpenAiChatRequestReservesItsCountedTokensNotItsBytes() {
        String body =
                "{\"model\":\"gpt-4o\",\"max_tokens\":100,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}";
        CapturingSink answer =
                post(
                        pipeline(
                                "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":"
                                        + "\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":"
                                        + "9,\"completion_tokens\":3,\"total_tokens\":12}}"),
                        "/v1/chat/completions",
                        body);
        assertEquals(200, answer.status(), answer.text());
        // 3 framing + "user" 1 + "hello world" 2 + 3 priming = 9 tokens; 9 + ⌈5%⌉ + 16 = 26;
        // 26 × 2 µ$ + 100 × 8 µ$ = 852 µ$ (by bytes it would be 88 × 2 + 800 = 976 µ$)
        assertEquals(88, body.length());
        assertEquals(List.of(852L), reservedWhileUpstream);
        // billed as reported: 9 × 2 + 3 × 8
        assertEquals(42, ledger.totalSpent().micros());
        assertEquals(0, ledger.reserved().micros());
    }

    @Test
    void aClaudeRequestStillReservesItsBytes() {
        String body =
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}";
        CapturingSink answer =
                post(
                        pipeline(
                                "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
                                        + "\"content\":[],\"model\":\"claude-sonnet-4-5\","
                                        + "\"stop_reason\":\"end_turn\",\"usage\":"
                                        + "{\"input_tokens\":10,\"output_tokens\":3}}"),
                        "/v1/messages",
                        body);
        assertEquals(200, answer.status(), answer.text());
        // 99 bytes × 3 µ$ + 100 × 15 µ$
        assertEquals(99, body.length());
        assertEquals(List.of(99L * 3 + 1_500), reservedWhileUpstream);
        assertEquals(10 * 3 + 3 * 15, ledger.totalSpent().micros());
    }

    @Test
    void aMessagesCallerOfAnOpenAiModelIsBoundedByItsBytes() {
        // translated: the body sent is not the one received, so the caller's bytes bound it
        String body =
                "{\"model\":\"gpt-4o\",\"max_tokens\":100,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}";
        CapturingSink answer =
                post(
                        pipeline(
                                "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":"
                                        + "\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":"
                                        + "{\"role\":\"assistant\",\"content\":\"hi\"},"
                                        + "\"finish_reason\":\"stop\"}],\"usage\":{"
                                        + "\"prompt_tokens\":9,\"completion_tokens\":1,"
                                        + "\"total_tokens\":10}}"),
                        "/v1/messages",
                        body);
        assertEquals(200, answer.status(), answer.text());
        assertEquals(List.of(88L * 2 + 800), reservedWhileUpstream);
    }
}
