package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.agent.RateLimitState;
import io.ironcage.router.core.agent.RateLimited;
import io.ironcage.router.core.domain.ProviderType;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateLimitedResponseTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RateLimitState BOTH =
            new RateLimitState(3, 0, Duration.ofMillis(40_500), 1_000, 200, Duration.ofSeconds(48));

    @Test
    void openAiFormatWithRetryAfterAndRateLimitHeaders() throws Exception {
        ErrorResponse r =
                ErrorResponses.rateLimited(
                        ProviderType.OPENAI,
                        new RateLimited(
                                RateLimited.Limit.REQUESTS, Duration.ofMillis(40_500), 0, BOTH));
        assertEquals(429, r.status());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals("requests", error.get("type").asText());
        assertEquals("rate_limit_exceeded", error.get("code").asText());
        assertTrue(error.get("param").isNull());
        assertTrue(error.get("message").asText().contains("3 per minute"));
        assertEquals(Optional.of("application/json"), r.headers().first("content-type"));
        assertEquals(Optional.of("41"), r.headers().first("retry-after"));
        assertEquals(Optional.of("3"), r.headers().first("x-ratelimit-limit-requests"));
        assertEquals(Optional.of("0"), r.headers().first("x-ratelimit-remaining-requests"));
        assertEquals(Optional.of("40.5s"), r.headers().first("x-ratelimit-reset-requests"));
        assertEquals(Optional.of("1000"), r.headers().first("x-ratelimit-limit-tokens"));
        assertEquals(Optional.of("200"), r.headers().first("x-ratelimit-remaining-tokens"));
        assertEquals(Optional.of("48s"), r.headers().first("x-ratelimit-reset-tokens"));
    }

    @Test
    void anthropicFormatAndTokensType() throws Exception {
        RateLimitState tokensOnly =
                new RateLimitState(0, 0, Duration.ZERO, 1_000, 200, Duration.ofSeconds(48));
        ErrorResponse r =
                ErrorResponses.rateLimited(
                        ProviderType.ANTHROPIC,
                        new RateLimited(
                                RateLimited.Limit.TOKENS, Duration.ofSeconds(6), 300, tokensOnly));
        JsonNode body = JSON.readTree(r.body());
        assertEquals("error", body.get("type").asText());
        assertEquals("rate_limit_error", body.get("error").get("type").asText());
        assertTrue(body.get("error").get("message").asText().contains("up to 300"));
        assertEquals(Optional.of("6"), r.headers().first("retry-after"));
        assertFalse(r.headers().contains("x-ratelimit-limit-requests"));
        assertEquals(Optional.of("1000"), r.headers().first("x-ratelimit-limit-tokens"));
        ErrorResponse openAi =
                ErrorResponses.rateLimited(
                        ProviderType.OPENAI,
                        new RateLimited(
                                RateLimited.Limit.TOKENS_TOO_LARGE,
                                Duration.ofMinutes(1),
                                5_000,
                                tokensOnly));
        assertEquals("tokens", JSON.readTree(openAi.body()).get("error").get("type").asText());
        assertEquals(Optional.of("60"), openAi.headers().first("retry-after"));
    }

    @Test
    void concurrencyIsARequestsLimit() throws Exception {
        ErrorResponse r =
                ErrorResponses.rateLimited(
                        ProviderType.OPENAI,
                        new RateLimited(
                                RateLimited.Limit.CONCURRENCY,
                                Duration.ofSeconds(1),
                                0,
                                new RateLimitState(0, 0, Duration.ZERO, 0, 0, Duration.ZERO)));
        assertEquals("requests", JSON.readTree(r.body()).get("error").get("type").asText());
        assertEquals(Optional.of("1"), r.headers().first("retry-after"));
        assertFalse(r.headers().contains("x-ratelimit-limit-tokens"));
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0ms",
        "120, 120ms",
        "999, 999ms",
        "1000, 1s",
        "1500, 1.5s",
        "1050, 1.05s",
        "59999, 59.999s",
        "60000, 1m0s",
        "360000, 6m0s",
        "61500, 1m1.5s",
        "3600000, 1h0m0s",
        "3725000, 1h2m5s"
    })
    void durationsInOpenAisFormat(long millis, String expected) {
        assertEquals(expected, ErrorResponses.openAiDuration(Duration.ofMillis(millis)));
    }

    @ParameterizedTest
    @CsvSource({"0, 1", "1, 1", "1000, 1", "1001, 2", "40500, 41", "60000, 60"})
    void retryAfterIsWholeSecondsRoundedUpAtLeastOne(long millis, long seconds) {
        assertEquals(seconds, ErrorResponses.ceilSeconds(Duration.ofMillis(millis)));
    }
}
