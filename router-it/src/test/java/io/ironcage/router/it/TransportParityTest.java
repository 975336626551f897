package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.resilience.RetryOptions;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.MutableClock;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Both transports give the caller the same bytes for the same exchange: the same requests go
 * through a router on each transport, in front of fakes that answer deterministically (fixed clock,
 * fresh ids), and every status, header (but {@code Date}) and body byte must match (but the random
 * id the core gives a translated answer).
 */
class TransportParityTest {
    private static final String TOKEN = "ic-parity-token";
    private static final String OPENAI_KEY = "sk-parity-openai";
    private static final String ANTHROPIC_KEY = "sk-ant-parity";
    private static final String CHAT = "/v1/chat/completions";
    private static final String MESSAGES = "/v1/messages";
    private static final Pattern RANDOM_ID =
            Pattern.compile(
                    "(chatcmpl-|msg_)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern ROUTER_REQUEST_ID = Pattern.compile("^req_[0-9a-f]{24}$");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** What the caller saw. */
    record Exchange(String name, int status, Map<String, List<String>> headers, String body) {}

    @Test
    void bothTransportsGiveTheCallerTheSameBytes() throws Exception {
        Run jdk = run(new JdkHttpTransportProvider());
        Run netty = run(new NettyTransportProvider());

        assertEquals(jdk.exchanges().size(), netty.exchanges().size());
        for (int i = 0; i < jdk.exchanges().size(); i++) {
            Exchange expected = jdk.exchanges().get(i);
            Exchange actual = netty.exchanges().get(i);
            String name = expected.name();
            assertEquals(expected.status(), actual.status(), name + ": status");
            assertEquals(expected.headers(), actual.headers(), name + ": headers");
            assertEquals(expected.body(), actual.body(), name + ": body");
        }
        assertEquals(jdk.spent(), netty.spent(), "both routers billed the same");
        assertEquals(
                List.of(
                        200, 200, 200, 200, 200, 429, 500, 402, 404, 413, 401, 400, 431, 200, 200,
                        200, 404),
                jdk.exchanges().stream().map(Exchange::status).toList(),
                "the set covers plain, streamed, error, 402, 404, 413 and model-list answers");
        assertTrue(jdk.exchanges().get(1).body().contains("data: [DONE]"), "a real stream");
    }

    /** The exchanges of one router and what it spent. */
    record Run(List<Exchange> exchanges, Money spent) {}

    private static Run run(TransportProvider transport) throws Exception {
        MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        try (FakeProvider openAi =
                        FakeProvider.of(ProviderType.OPENAI, clock).requireKey(OPENAI_KEY).start();
                FakeProvider anthropic =
                        FakeProvider.of(ProviderType.ANTHROPIC, clock)
                                .requireKey(ANTHROPIC_KEY)
                                .start();
                LlmRouter router =
                        LlmRouter.builder()
                                .transport(transport)
                                .providerKeys(
                                        ProviderKeySource.fixed(
                                                ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                                                ProviderKey.anthropic(
                                                        ANTHROPIC_KEY, anthropic.baseUri())))
                                .budget(Money.fromUsdTruncating(0.50))
                                .token(TOKEN)
                                .clock(clock)
                                .maxRequestBodyBytes(4096)
                                .retries(RetryOptions.NONE) // the provider's errors as they are
                                .start()) {
            URI base = router.baseUri();
            List<Exchange> seen = new ArrayList<>();

            openAi.enqueue(FakeResponse.text("Hello, parity!").usage(12, 4));
            seen.add(call(base, "plain", "POST", CHAT, chat("gpt-4o-mini", false)));

            openAi.enqueue(FakeResponse.text("one two three four").usage(10, 4));
            seen.add(call(base, "streamed", "POST", CHAT, chat("gpt-4o-mini", true)));

            anthropic.enqueue(FakeResponse.text("Hi from Claude").usage(9, 5));
            seen.add(call(base, "anthropic", "POST", MESSAGES, message(100, false)));

            anthropic.enqueue(FakeResponse.toolCall("get_weather", "{\"city\":\"Rome\"}"));
            seen.add(call(base, "anthropic streamed", "POST", MESSAGES, message(100, true)));

            anthropic.enqueue(FakeResponse.text("Bonjour").usage(7, 3));
            seen.add(call(base, "translated", "POST", CHAT, chat("claude-haiku-4-5", false)));

            openAi.enqueue(FakeResponse.error(429, "rate_limit_exceeded", "slow down"));
            seen.add(call(base, "upstream 429", "POST", CHAT, chat("gpt-4o-mini", false)));

            openAi.enqueue(FakeResponse.error(500, "server_error", "boom"));
            seen.add(call(base, "upstream 500 streamed", "POST", CHAT, chat("gpt-4o-mini", true)));

            seen.add(call(base, "budget 402", "POST", MESSAGES, message(64_000, false)));
            seen.add(call(base, "no such API 404", "POST", "/not-an-api", "{}"));
            seen.add(
                    call(
                            base,
                            "too large 413",
                            "POST",
                            CHAT,
                            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
                                    + "\"content\":\""
                                    + "x".repeat(5000)
                                    + "\"}]}"));
            seen.add(
                    call(
                            base,
                            "wrong token 401",
                            "POST",
                            CHAT,
                            chat("gpt-4o-mini", false),
                            "authorization",
                            "Bearer ic-wrong"));
            seen.add(call(base, "bad JSON 400", "POST", CHAT, "{not json"));
            seen.add(
                    call(
                            base,
                            "headers 431",
                            "POST",
                            CHAT,
                            chat("gpt-4o-mini", false),
                            "x-padding",
                            "p".repeat(40_000)));
            seen.add(call(base, "health", "GET", "/", ""));

            seen.add(call(base, "models of both providers", "GET", "/v1/models", ""));
            anthropic.enqueue(FakeResponse.error(500, "api_error", "down"));
            seen.add(
                    call(
                            base,
                            "models, Anthropic missing",
                            "GET",
                            "/v1/models",
                            "",
                            "anthropic-version",
                            "2023-06-01"));
            seen.add(call(base, "one model 404", "GET", "/v1/models/claude-nope", ""));
            return new Run(seen, router.totalSpent());
        }
    }

    private static String chat(String model, boolean stream) {
        return "{\"model\":\""
                + model
                + "\",\"stream\":"
                + stream
                + ",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }

    private static String message(int maxTokens, boolean stream) {
        return "{\"model\":\"claude-sonnet-4-5\",\"stream\":"
                + stream
                + ",\"max_tokens\":"
                + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }

    private static Exchange call(
            URI base, String name, String method, String path, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(base.resolve(path))
                        .timeout(Duration.ofSeconds(10))
                        .method(
                                method,
                                body.isEmpty()
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body));
        if (!body.isEmpty()) {
            request.header("content-type", "application/json");
        }
        request.header("authorization", "Bearer " + TOKEN);
        if (path.equals(MESSAGES)) {
            request.header("anthropic-version", "2023-06-01");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        HttpResponse<byte[]> response =
                HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        Map<String, List<String>> seen = new TreeMap<>(response.headers().map());
        seen.remove("date"); // the time of the answer
        // each routed request gets a random id of its own, whatever the transport
        seen.computeIfPresent(
                "x-iron-router-request-id",
                (header, ids) ->
                        ids.stream()
                                .map(id -> ROUTER_REQUEST_ID.matcher(id).replaceAll("req_<id>"))
                                .toList());
        String bytes = new String(response.body(), StandardCharsets.ISO_8859_1);
        // a translated answer gets a random id from the core, whatever the transport
        return new Exchange(
                name, response.statusCode(), seen, RANDOM_ID.matcher(bytes).replaceAll("$1<uuid>"));
    }
}
