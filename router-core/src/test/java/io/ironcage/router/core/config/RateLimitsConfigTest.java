package io.ironcage.router.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.agent.RateLimits;
import io.ironcage.router.core.errors.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateLimitsConfigTest {
    private static final String BASE =
            "token: ic-test\nproviders: { openai: { key: sk-test-SECRET } }\n";

    private static RouterConfig parse(String yaml) {
        return RouterConfigLoader.parse(BASE + yaml, Map.of("RPM", "42"), "router.yaml");
    }

    @Test
    void absentMeansNoLimits() {
        assertEquals(RateLimits.NONE, parse("").rateLimits());
        assertEquals(RateLimits.NONE, parse("rate-limits:\n").rateLimits());
    }

    @Test
    void readsEachKey() {
        assertEquals(
                new RateLimits(600, 1_000_000, 64),
                parse(
                                "rate-limits:\n"
                                        + "  requests-per-minute: 600\n"
                                        + "  tokens-per-minute: 1000000\n"
                                        + "  max-concurrent: 64\n")
                        .rateLimits());
        assertEquals(
                new RateLimits(600, 0, 0),
                parse("rate-limits: { requests-per-minute: 600 }\n").rateLimits());
        assertEquals(
                new RateLimits(0, 1_000_000_000_000L, 0),
                parse("rate-limits: { tokens-per-minute: 1000000000000 }\n").rateLimits());
        assertEquals(
                new RateLimits(0, 0, 1),
                parse("rate-limits: { max-concurrent: 1 }\n").rateLimits());
        assertEquals(
                new RateLimits(42, 0, 0),
                parse("rate-limits: { requests-per-minute: '${RPM}' }\n").rateLimits());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "requests-per-minute: 0|rate-limits.requests-per-minute|got 0",
                "requests-per-minute: -5|rate-limits.requests-per-minute|got -5",
                "requests-per-minute: 1.5|rate-limits.requests-per-minute|got 1.5",
                "requests-per-minute: 2000000000|rate-limits.requests-per-minute|up to 1000000000",
                "tokens-per-minute: 0|rate-limits.tokens-per-minute|got 0",
                "tokens-per-minute: 1000000000001|rate-limits.tokens-per-minute|up to",
                "max-concurrent: 0|rate-limits.max-concurrent|got 0",
                "max-concurrent: 100001|rate-limits.max-concurrent|up to 100000",
            })
    void badValuesNameTheKey(String entry, String key, String fragment) {
        ConfigException e =
                assertThrows(ConfigException.class, () -> parse("rate-limits:\n  " + entry + "\n"));
        assertEquals(key, e.key(), e.getMessage());
        assertEquals(4, e.line(), e.getMessage());
        assertTrue(
                e.getMessage().contains(key + ": must be a positive whole number"), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void wrongTypesAndUnknownKeysAreErrors() {
        ConfigException text =
                assertThrows(
                        ConfigException.class,
                        () -> parse("rate-limits:\n  max-concurrent: many\n"));
        assertEquals("rate-limits.max-concurrent", text.key());
        ConfigException unknown =
                assertThrows(
                        ConfigException.class,
                        () -> parse("rate-limits:\n  requests-per-second: 5\n"));
        assertEquals("rate-limits.requests-per-second", unknown.key());
        assertTrue(unknown.getMessage().contains("requests-per-minute"), unknown.getMessage());
        ConfigException notAMap =
                assertThrows(ConfigException.class, () -> parse("rate-limits: 600\n"));
        assertEquals("rate-limits", notAMap.key());
    }

    @Test
    void showsInToString() {
        assertTrue(
                parse("rate-limits: { max-concurrent: 3 }\n")
                        .toString()
                        .contains("rateLimits=RateLimits[requestsPerMinute=0"));
    }
}
