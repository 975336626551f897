package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.core.spi.UpstreamProxy;
import io.ironcage.router.testkit.Await;
import io.ironcage.router.testkit.FakeForwardProxy;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.junit.StartStop;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The router behind an egress proxy, on both transports: requests reach the provider through it,
 * and a proxy that refuses is a 502 in the caller's format naming the proxy (never its password),
 * with nothing left reserved and the router still serving.
 */
class UpstreamProxyEndToEndTest {
    private static final String TOKEN = "ic-token-PROXY-1";
    private static final String PASSWORD = "pr0xy-PASSWORD";

    @StartStop final FakeProvider openAi = FakeProvider.openAi();
    @StartStop final FakeProvider anthropic = FakeProvider.anthropic();

    private FakeForwardProxy proxy;
    private LlmRouter router;

    private void start(Supplier<TransportProvider> transport, String password) {
        proxy = FakeForwardProxy.start().requireCredentials("alice", PASSWORD);
        router =
                LlmRouter.builder()
                        .transport(transport.get())
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi("sk-proxy-openai", openAi.baseUri()),
                                        ProviderKey.anthropic("sk-ant-proxy", anthropic.baseUri())))
                        .upstreamProxy(UpstreamProxy.of(proxy.url(), "alice", password, List.of()))
                        .budget(Money.fromUsdTruncating(5.00))
                        .token(TOKEN)
                        .start();
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private HttpResponse<String> post(String path, String body) {
        return RawCalls.post(router.baseUri(), TOKEN, path, body);
    }

    private static final String CHAT =
            "{\"model\":\"gpt-4o\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"hi\"}]}";
    private static final String MESSAGES =
            "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"hi\"}]}";

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void aPlainHttpUpstreamThroughTheProxyIsWarnedAboutWithoutItsKey(
            String name, Supplier<TransportProvider> transport) {
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(
                new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            start(transport, PASSWORD); // the fakes are plain http on 127.0.0.1
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(
                log.contains(
                        "http://127.0.0.1:"
                                + openAi.baseUri().getPort()
                                + " is called over"
                                + " plain http through the upstream proxy"),
                log);
        assertFalse(log.contains("sk-proxy-openai"), log);
        assertFalse(log.contains(PASSWORD), log);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void requestsGoThroughTheProxy(String name, Supplier<TransportProvider> transport) {
        start(transport, PASSWORD);
        HttpResponse<String> answer = post("/v1/chat/completions", CHAT);
        assertEquals(200, answer.statusCode(), answer.body());
        FakeForwardProxy.Seen seen = proxy.awaitSeen(1, Duration.ofSeconds(5)).get(0);
        assertEquals(openAi.baseUri() + "/v1/chat/completions", seen.target());
        assertEquals(1, openAi.requestCount());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void aRefusingProxyIsA502InTheCallersFormatNamingTheProxy(
            String name, Supplier<TransportProvider> transport) {
        start(transport, "wrong-" + PASSWORD);
        String where = "127.0.0.1:" + proxy.port();

        HttpResponse<String> openAiAnswer = post("/v1/chat/completions", CHAT);
        assertEquals(502, openAiAnswer.statusCode(), openAiAnswer.body());
        assertTrue(
                openAiAnswer.body().contains("\"code\":\"upstream_unreachable\""),
                openAiAnswer.body());
        assertTrue(openAiAnswer.body().contains(where), openAiAnswer.body());
        assertTrue(openAiAnswer.body().contains("407"), openAiAnswer.body());
        assertFalse(openAiAnswer.body().contains(PASSWORD), openAiAnswer.body());

        HttpResponse<String> anthropicAnswer = post("/v1/messages", MESSAGES);
        assertEquals(502, anthropicAnswer.statusCode(), anthropicAnswer.body());
        assertTrue(
                anthropicAnswer.body().contains("\"type\":\"api_error\""), anthropicAnswer.body());
        assertTrue(anthropicAnswer.body().contains(where), anthropicAnswer.body());

        Await.until(
                Duration.ofSeconds(5),
                "nothing left reserved",
                () -> router.budgetStatus().reserved().isZero());
        assertEquals(Money.ZERO, router.totalSpent());
        assertEquals(0, openAi.requestCount());
        assertEquals(0, anthropic.requestCount());
        // still serving: the same router answers the next request the same way
        assertEquals(502, post("/v1/chat/completions", CHAT).statusCode());
    }
}
