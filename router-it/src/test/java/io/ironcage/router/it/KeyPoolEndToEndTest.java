package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.resilience.RetryOptions;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.MutableClock;
import io.ironcage.router.testkit.RecordedRequest;
import io.ironcage.router.testkit.junit.StartStop;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A pool of two OpenAI keys through the router on both transports: requests take turns, a key the
 * provider answered 429 to cools down for its {@code retry-after} on the router's clock (the caller
 * gets the 429: there is no retry), and no key ever reaches the caller.
 */
class KeyPoolEndToEndTest {
    private static final String TOKEN = "ic-token-POOL-1";
    private static final String KEY_A = "sk-proj-pool-A-SECRET";
    private static final String KEY_B = "sk-proj-pool-B-SECRET";
    private static final String CHAT =
            "{\"model\":\"gpt-4o\",\"max_tokens\":20,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    private static final String STREAM =
            "{\"model\":\"gpt-4o\",\"max_tokens\":20,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    private static final Duration WAIT = Duration.ofSeconds(5);

    @StartStop final FakeProvider openAi = FakeProvider.openAi();

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-03-01T12:00:00Z"));
    private LlmRouter router;

    private void start(Supplier<TransportProvider> transport) {
        router =
                LlmRouter.builder()
                        .transport(transport.get())
                        .clock(clock)
                        .providerKeys(
                                ProviderKeySource.pooled(
                                        clock,
                                        ProviderKey.openAi(KEY_A, openAi.baseUri()),
                                        ProviderKey.openAi(KEY_B, openAi.baseUri())))
                        .token(TOKEN)
                        // the caller sees each 429: how the pool cools a key, retries aside
                        // (ResilienceEndToEndTest retries a 429 with the other key)
                        .retries(RetryOptions.NONE)
                        .start();
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
    }

    /** Sends one request and returns the key the provider saw it with. */
    private String send(String body, int expectedStatus) {
        HttpResponse<String> answer =
                RawCalls.post(router.baseUri(), TOKEN, "/v1/chat/completions", body);
        assertEquals(expectedStatus, answer.statusCode(), answer.body());
        assertNoKey(answer);
        RecordedRequest seen = openAi.takeRequest(WAIT);
        String auth = seen.header("authorization").orElseThrow();
        assertTrue(auth.startsWith("Bearer "), "a bearer key");
        return auth.substring("Bearer ".length());
    }

    private static void assertNoKey(HttpResponse<String> answer) {
        for (String key : List.of(KEY_A, KEY_B, "SECRET")) {
            assertFalse(answer.body().contains(key), "a key in the body");
            answer.headers()
                    .map()
                    .forEach(
                            (name, values) ->
                                    assertFalse(
                                            name.contains(key)
                                                    || values.stream()
                                                            .anyMatch(v -> v.contains(key)),
                                            "a key in header " + name));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void requestsTakeTurnsWithThePoolsKeys(String name, Supplier<TransportProvider> transport) {
        start(transport);
        Map<String, Integer> counts = new HashMap<>();
        String previous = null;
        for (int i = 0; i < 10; i++) {
            String key = send(i % 2 == 0 ? CHAT : STREAM, 200);
            assertNotEquals(previous, key, "request " + i + " took the same key as the last");
            previous = key;
            counts.merge(key, 1, Integer::sum);
        }
        assertEquals(Map.of(KEY_A, 5, KEY_B, 5), counts);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void aKeyAnswered429CoolsDownForItsRetryAfter(
            String name, Supplier<TransportProvider> transport) {
        start(transport);
        openAi.enqueue(
                FakeResponse.error(429, "rate_limit_error", "Rate limit reached")
                        .header("retry-after", "30"));
        String limited = send(CHAT, 429); // passed on as it is: no retry yet
        String other = limited.equals(KEY_A) ? KEY_B : KEY_A;
        for (int i = 0; i < 6; i++) {
            assertEquals(other, send(i % 2 == 0 ? CHAT : STREAM, 200), "request " + i);
        }
        clock.advance(Duration.ofSeconds(29));
        assertEquals(other, send(CHAT, 200), "1 s of the cooldown left");
        assertEquals(other, send(STREAM, 200), "1 s of the cooldown left");
        clock.advance(Duration.ofSeconds(1));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 4; i++) {
            counts.merge(send(CHAT, 200), 1, Integer::sum);
        }
        assertEquals(Map.of(KEY_A, 2, KEY_B, 2), counts, "the cooled key is back in turn");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void aStreamAnswered429CoolsItsKeyForRetryAfterMs(
            String name, Supplier<TransportProvider> transport) {
        start(transport);
        openAi.enqueue(
                FakeResponse.error(429, "rate_limit_error", "Rate limit reached")
                        .header("retry-after-ms", "1500")
                        .header("retry-after", "60")); // the milliseconds win
        String limited = send(STREAM, 429);
        String other = limited.equals(KEY_A) ? KEY_B : KEY_A;
        assertEquals(other, send(STREAM, 200));
        assertEquals(other, send(CHAT, 200));
        clock.advance(Duration.ofMillis(1500));
        String next = send(CHAT, 200);
        String after = send(CHAT, 200);
        assertNotEquals(next, after, "both keys take turns again");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void a429WithoutRetryAfterCoolsTheKeyForOneSecond(
            String name, Supplier<TransportProvider> transport) {
        start(transport);
        openAi.enqueue(FakeResponse.error(429, "rate_limit_error", "Rate limit reached"));
        String limited = send(CHAT, 429);
        String other = limited.equals(KEY_A) ? KEY_B : KEY_A;
        assertEquals(other, send(CHAT, 200));
        assertEquals(other, send(CHAT, 200));
        clock.advance(Duration.ofSeconds(1));
        assertNotEquals(send(CHAT, 200), send(CHAT, 200), "both keys take turns again");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ironcage.router.it.RawCalls#transports")
    void aKeyTheProviderRefusesIsRetriedOnceWithThePoolsNextKey(
            String name, Supplier<TransportProvider> transport) {
        start(transport);
        openAi.requireKey(KEY_B); // A is refused with 401
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> answer =
                    RawCalls.post(
                            router.baseUri(),
                            TOKEN,
                            "/v1/chat/completions",
                            i % 2 == 0 ? CHAT : STREAM);
            assertEquals(200, answer.statusCode(), answer.body());
            assertNoKey(answer);
        }
        // a request that took A was sent once more at once, with B (the retry takes the next
        // turn, so which requests start with A depends on the counter); B never needed a retry
        List<String> seen = new ArrayList<>();
        for (int i = 0, n = openAi.requestCount(); i < n; i++) {
            seen.add(openAi.takeRequest(WAIT).header("authorization").orElseThrow());
        }
        assertEquals(4, seen.stream().filter(("Bearer " + KEY_B)::equals).count(), "" + seen);
        assertTrue(seen.contains("Bearer " + KEY_A), "A had turns: " + seen);
        for (int i = 0; i < seen.size(); i++) {
            if (seen.get(i).equals("Bearer " + KEY_A)) {
                assertEquals("Bearer " + KEY_B, seen.get(i + 1), "A's request retried: " + seen);
            }
        }
    }
}
