package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.testkit.junit.StartStop;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Answers that report a service tier, 1-hour cache writes or a long context are billed at those
 * prices, through the router on both transports; every figure is computed by hand from the bundled
 * table's prices (gpt-4o priority 4.25 / 17 / 2.125 $/Mtok for input / output / cache read;
 * gpt-5-mini flex 0.125 / 1 / 0.0125; claude-sonnet-4-5 input 3, output 15, cache read 0.3,
 * 5-minute write 3.75, 1-hour write 6 (twice the input), and above 200,000 input tokens 6 / 22.5 /
 * 0.6 / 7.5).
 */
class TierBillingEndToEndTest {
    private static final String TOKEN = "ic-token-TIERS-1";

    @StartStop final FakeProvider openAi = FakeProvider.openAi();
    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    private InMemoryUsageEventSink events;
    private LlmRouter router;

    private void start(Supplier<TransportProvider> transport) {
        events = InMemoryUsageEventSink.create();
        router =
                LlmRouter.builder()
                        .transport(transport.get())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi("sk-tiers-openai", openAi.baseUri()),
                                        ProviderKey.anthropic("sk-ant-tiers", anthropic.baseUri())))
                        .budget(Money.fromUsdTruncating(5.00))
                        .token(TOKEN)
                        .usageSink(events)
                        .start();
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
    }

    private HttpResponse<String> post(String path, String body) {
        return RawCalls.post(router.baseUri(), TOKEN, path, body);
    }

    /** The one request's bill, in the ledger and in its event, with nothing left reserved. */
    private void assertBilled(long micros) {
        Await.until(
                Duration.ofSeconds(10),
                "the request is settled",
                () ->
                        router.budgetStatus().reserved().isZero()
                                && events.eventsOfType(LlmRequestCompleted.class).size() == 1);
        assertEquals(Money.ofMicros(micros), router.totalSpent());
        List<LlmRequestCompleted> done = events.eventsOfType(LlmRequestCompleted.class);
        assertEquals(micros, done.get(0).cost().micros());
    }

    private static String chatAnswer(String model, String tier, String usage) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\""
                + model
                + "\",\"service_tier\":\""
                + tier
                + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"Hi\"},\"finish_reason\":\"stop\"}],\"usage\":"
                + usage
                + "}";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void anAnswerServedAtPriorityIsBilledAtThePriorityPrices(
            String name, Supplier<TransportProvider> transport) {
        start(transport);
        openAi.enqueue(
                FakeResponse.raw(
                        200,
                        "application/json",
                        chatAnswer(
                                "gpt-4o-2024-08-06",
                                "priority",
                                "{\"prompt_tokens\":1000,\"completion_tokens\":300,"
                                        + "\"prompt_tokens_details\":{\"cached_tokens\":200},"
                                        + "\"completion_tokens_details\":{\"reasoning_tokens\":100}}")));
        HttpResponse<String> answer =
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"service_tier\":\"priority\",\"max_tokens\":500,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(200, answer.statusCode(), answer.body());
        // 800 × 4.25 + 200 × 2.125 + 300 × 17 = 3,400 + 425 + 5,100 (standard: 5,250)
        assertBilled(8_925);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void anAnswerServedAtFlexIsBilledAtTheFlexPrices(
            String name, Supplier<TransportProvider> transport) {
        start(transport);
        openAi.enqueue(
                FakeResponse.raw(
                        200,
                        "application/json",
                        chatAnswer(
                                "gpt-5-mini-2025-08-07",
                                "flex",
                                "{\"prompt_tokens\":10000,\"completion_tokens\":4000,"
                                        + "\"prompt_tokens_details\":{\"cached_tokens\":2000},"
                                        + "\"completion_tokens_details\":{\"reasoning_tokens\":3000}}")));
        HttpResponse<String> answer =
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-5-mini\",\"service_tier\":\"flex\","
                                + "\"max_completion_tokens\":8000,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(200, answer.statusCode(), answer.body());
        // 8,000 × 0.125 + 2,000 × 0.0125 + 4,000 × 1 = 1,000 + 25 + 4,000 (standard: 10,050)
        assertBilled(5_025);
    }

    private static final String ONE_HOUR_REQUEST =
            "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,\"system\":[{\"type\":\"text\","
                    + "\"text\":\"You are terse.\",\"cache_control\":{\"type\":\"ephemeral\","
                    + "\"ttl\":\"1h\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    private static final String ONE_HOUR_USAGE =
            "\"input_tokens\":100,\"cache_read_input_tokens\":2000,"
                    + "\"cache_creation_input_tokens\":1500,\"cache_creation\":"
                    + "{\"ephemeral_5m_input_tokens\":500,\"ephemeral_1h_input_tokens\":1000}";

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void oneHourCacheWritesAreBilledAtTheOneHourPrice(
            String name, Supplier<TransportProvider> transport) {
        start(transport);
        anthropic.enqueue(
                FakeResponse.raw(
                        200,
                        "application/json",
                        "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
                                + "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":"
                                + "\"text\",\"text\":\"Hi\"}],\"stop_reason\":\"end_turn\","
                                + "\"usage\":{"
                                + ONE_HOUR_USAGE
                                + ",\"output_tokens\":400,\"service_tier\":\"standard\"}}"));
        HttpResponse<String> answer = post("/v1/messages", ONE_HOUR_REQUEST);
        assertEquals(200, answer.statusCode(), answer.body());
        // 100 × 3 + 2,000 × 0.3 + 500 × 3.75 + 1,000 × 6 + 400 × 15
        // = 300 + 600 + 1,875 + 6,000 + 6,000
        assertBilled(14_775);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void oneHourCacheWritesInAStreamAreBilledAtTheOneHourPrice(
            String name, Supplier<TransportProvider> transport) {
        start(transport);
        String sse =
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":"
                        + "\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
                        + "\"claude-sonnet-4-5-20250929\",\"content\":[],\"usage\":{"
                        + ONE_HOUR_USAGE
                        + ",\"output_tokens\":1}}}\n\n"
                        + "event: content_block_start\ndata: {\"type\":\"content_block_start\","
                        + "\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
                        + "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
                        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
                        + "\"index\":0}\n\n"
                        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
                        + "{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":400}}\n\n"
                        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        anthropic.enqueue(FakeResponse.raw(200, "text/event-stream", sse));
        HttpResponse<String> answer =
                post(
                        "/v1/messages",
                        ONE_HOUR_REQUEST.replace("{\"model\"", "{\"stream\":true,\"model\""));
        assertEquals(200, answer.statusCode(), answer.body());
        assertBilled(14_775);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void aLongContextAnswerIsBilledWhollyAtTheLongContextPrices(
            String name, Supplier<TransportProvider> transport) {
        start(transport);
        // the provider's usage is what it bills, even when it says more than the body could hold
        anthropic.enqueue(
                FakeResponse.raw(
                        200,
                        "application/json",
                        "{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\","
                                + "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":"
                                + "\"text\",\"text\":\"Hi\"}],\"stop_reason\":\"end_turn\","
                                + "\"usage\":{\"input_tokens\":150000,\"cache_read_input_tokens\":"
                                + "50001,\"cache_creation_input_tokens\":0,\"output_tokens\":1000}}"));
        HttpResponse<String> answer =
                post(
                        "/v1/messages",
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(200, answer.statusCode(), answer.body());
        // 200,001 input tokens > 200,000: 150,000 × 6 + 50,001 × 0.6 + 1,000 × 22.5
        // = 900,000 + 30,000 (30,000.6 truncated) + 22,500
        assertBilled(952_500);
    }
}
