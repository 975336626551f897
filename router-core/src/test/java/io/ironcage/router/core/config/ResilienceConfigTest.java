package io.ironcage.router.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.errors.ConfigException;
import io.ironcage.router.core.resilience.CircuitBreakerOptions;
import io.ironcage.router.core.resilience.Resilience;
import io.ironcage.router.core.resilience.RetryOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code retries}, {@code fallbacks} and {@code circuit-breaker} in {@code router.yaml}. */
class ResilienceConfigTest {
    private static final String MINIMAL = "providers: { openai: { key: sk-test } }\ntoken: ic-t\n";

    private static Resilience parse(String yaml) {
        return RouterConfigLoader.parse(MINIMAL + yaml, Map.of(), "router.yaml").resilience();
    }

    private static ConfigException error(String yaml, String key) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertEquals(key, e.key(), e.getMessage());
        return e;
    }

    @Test
    void absentMeansTheDefaults() {
        Resilience none = parse("");
        assertEquals(Resilience.DEFAULTS, none);
        assertEquals(3, none.retries().maxAttempts());
        assertEquals(
                List.of("429", "500", "502", "503", "504", "529", "connect", "timeout"),
                none.retries().retryOn());
        assertEquals(Duration.ofMillis(250), none.retries().initialBackoff());
        assertEquals(Duration.ofSeconds(8), none.retries().maxBackoff());
        assertEquals(Duration.ofSeconds(30), none.retries().maxRetryAfter());
        assertEquals(Optional.empty(), none.circuitBreaker());
        assertEquals(Map.of(), none.fallbacks());
    }

    @Test
    void readsEveryKey() {
        Resilience r =
                parse(
                        String.join(
                                "\n",
                                "retries:",
                                "  max-attempts: 5",
                                "  initial-backoff: 100ms",
                                "  max-backoff: 2s",
                                "  retry-on: [429, 503, connect]",
                                "  max-retry-after: 10s",
                                "fallbacks:",
                                "  gpt-4o-mini: [claude-haiku-4-5]",
                                "  claude-sonnet-4-5: [gpt-4o, claude-haiku-4-5]",
                                "circuit-breaker:",
                                "  failure-rate-percent: 40",
                                "  window: 10",
                                "  open-for: 1m",
                                ""));
        RetryOptions retries = r.retries();
        assertEquals(5, retries.maxAttempts());
        assertEquals(Duration.ofMillis(100), retries.initialBackoff());
        assertEquals(Duration.ofSeconds(2), retries.maxBackoff());
        assertEquals(Set.of(429, 503), retries.retryOnStatus());
        assertTrue(retries.retryOnConnect());
        assertEquals(false, retries.retryOnTimeout());
        assertEquals(Duration.ofSeconds(10), retries.maxRetryAfter());
        assertEquals(
                List.of("claude-sonnet-4-5", "gpt-4o", "claude-haiku-4-5"),
                r.candidates("claude-sonnet-4-5"));
        assertEquals(List.of("gpt-4o-mini", "claude-haiku-4-5"), r.candidates("gpt-4o-mini"));
        assertEquals(List.of("gpt-4o"), r.candidates("gpt-4o"));
        assertEquals(
                Optional.of(new CircuitBreakerOptions(40, 10, Duration.ofMinutes(1))),
                r.circuitBreaker());
    }

    @Test
    void maxAttemptsOfOneIsNoRetryAndAnEmptyBreakerSectionTakesTheDefaults() {
        Resilience r = parse("retries: { max-attempts: 1 }\ncircuit-breaker: {}\n");
        assertEquals(1, r.retries().maxAttempts());
        assertEquals(Optional.of(CircuitBreakerOptions.DEFAULTS), r.circuitBreaker());
    }

    @Test
    void badValuesAreErrorsNamingTheKey() {
        error("retries: { max-attempts: 0 }\n", "retries.max-attempts");
        error("retries: { max-attempts: 11 }\n", "retries.max-attempts");
        error("retries: { initial-backoff: 0s }\n", "retries.initial-backoff");
        error("retries: { initial-backoff: 10s, max-backoff: 1s }\n", "retries.max-backoff");
        error("retries: { retry-on: 429 }\n", "retries.retry-on");
        ConfigException never = error("retries: { retry-on: [429, 400] }\n", "retries.retry-on[1]");
        assertTrue(never.getMessage().contains("never retried"), never.getMessage());
        error("retries: { retry-on: [soon] }\n", "retries.retry-on[0]");
        error("retries: { max-retry-after: later }\n", "retries.max-retry-after");
        error("retries: { attempts: 3 }\n", "retries.attempts");
        error("fallbacks: { gpt-4o: claude-haiku-4-5 }\n", "fallbacks.gpt-4o");
        error("fallbacks: { gpt-4o: [] }\n", "fallbacks.gpt-4o");
        error("fallbacks: { gpt-4o: [gpt-4o] }\n", "fallbacks.gpt-4o");
        error("fallbacks: { gpt-4o: [a, a] }\n", "fallbacks.gpt-4o");
        error(
                "circuit-breaker: { failure-rate-percent: 0 }\n",
                "circuit-breaker.failure-rate-percent");
        error("circuit-breaker: { window: 0 }\n", "circuit-breaker.window");
        error("circuit-breaker: { open-for: 0s }\n", "circuit-breaker.open-for");
    }
}
