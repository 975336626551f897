package io.ironcage.router.core.domain.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.budget.ThresholdCrossing;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class AnalyticsEventTest {
    private static final String ID = "0b6f3c1e-2f4a-4c55-9a57-0d3b1f1e2a77";
    private static final LlmModelMeta META = LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o");

    private static RequestMeta ok() {
        return new RequestMeta(Optional.of("req_1"), 120, OptionalLong.of(40), true, false, 200);
    }

    @Test
    void eventTypesAreTheServersSnakeCaseNames() {
        List<EventPayload> payloads =
                List.of(
                        LlmRequestCompleted.priced(
                                META, TokenUsage.of(1, 2), Money.ofMicros(3), ok()),
                        LlmRequestFailed.of(META, "429", "slow down", RequestMeta.of(429, 5)),
                        new BudgetThresholdReached(80, Money.ofMicros(8), Money.ofMicros(10)),
                        new RouterStarted(8080),
                        new RouterStopped(2, Money.ofMicros(3)));
        List<String> types = payloads.stream().map(EventPayload::eventType).toList();
        assertEquals(
                List.of(
                        "llm_request_completed",
                        "llm_request_failed",
                        "budget_threshold_reached",
                        "router_started",
                        "router_stopped"),
                types);
        assertEquals("router_started", AnalyticsEvent.of(ID, 1, new RouterStarted(1)).eventType());
    }

    @Test
    void eventIdMustBeACanonicalUuid() {
        RouterStarted started = new RouterStarted(1);
        assertEquals(ID, AnalyticsEvent.of(ID, 0, started).eventId());
        for (String bad :
                List.of("", "x", ID.toUpperCase(java.util.Locale.ROOT), "1-1-1-1-1", ID + "0")) {
            assertThrows(IllegalArgumentException.class, () -> AnalyticsEvent.of(bad, 0, started));
        }
        assertThrows(NullPointerException.class, () -> AnalyticsEvent.of(null, 0, started));
        assertThrows(NullPointerException.class, () -> AnalyticsEvent.of(ID, 0, null));
    }

    @Test
    void newEventIdsAreCanonicalTimeOrderedVersion7Uuids() {
        long t = 1_767_225_600_123L; // 2026-01-01T00:00:00.123Z
        String id = AnalyticsEvent.newEventId(t);
        java.util.UUID uuid = java.util.UUID.fromString(id);
        assertEquals(id, uuid.toString(), "canonical lowercase");
        assertEquals(7, uuid.version());
        assertEquals(2, uuid.variant(), "RFC 9562 variant");
        assertEquals(t, uuid.getMostSignificantBits() >>> 16, "the first 48 bits are the time");
        assertEquals(id, AnalyticsEvent.of(id, t, new RouterStarted(1)).eventId());

        // later milliseconds sort later, as text too: a store's index is appended to
        String previous = AnalyticsEvent.newEventId(t);
        for (long ms = t + 1; ms < t + 2_000; ms++) {
            String next = AnalyticsEvent.newEventId(ms);
            assertTrue(next.compareTo(previous) > 0, next + " after " + previous);
            previous = next;
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(AnalyticsEvent.newEventId(t));
        }
        assertEquals(100_000, ids.size(), "ids within one millisecond are distinct");
        assertTrue(AnalyticsEvent.newEventId(0).startsWith("00000000-0000-7"));
        assertThrows(IllegalArgumentException.class, () -> AnalyticsEvent.newEventId(-1));
        assertThrows(IllegalArgumentException.class, () -> AnalyticsEvent.newEventId(1L << 48));
    }

    @Test
    void timestampAndAgentAreValidated() {
        RouterStarted started = new RouterStarted(1);
        assertThrows(IllegalArgumentException.class, () -> AnalyticsEvent.of(ID, -1, started));
        assertThrows(
                IllegalArgumentException.class,
                () -> new AnalyticsEvent(ID, 0, Optional.of(" "), started));
        AnalyticsEvent event = AnalyticsEvent.of(ID, 7, started).withAgentId("agent_3");
        assertEquals(Optional.of("agent_3"), event.agentId());
        assertEquals(7, event.timestampMs());
    }

    @Test
    void completedCarriesEveryStepNineField() {
        TokenUsage usage = new TokenUsage(10, 20, 30, 40);
        LlmRequestCompleted done =
                LlmRequestCompleted.priced(
                        META.withProviderId("pk_1"), usage, Money.ofMicros(99), ok());
        assertEquals("openai", done.provider());
        assertEquals(Optional.of("pk_1"), done.providerId());
        assertEquals("gpt-4o", done.model());
        assertEquals(usage, done.usage());
        assertEquals(Optional.of("req_1"), done.request().requestId());
        assertEquals(OptionalLong.of(40), done.request().timeToFirstByteMs());
        assertTrue(done.request().streamed());
        assertTrue(done.priced());
    }

    @Test
    void completedNeedsA2xxStatusAndUnpricedMeansFree() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        LlmRequestCompleted.priced(
                                META, TokenUsage.NONE, Money.ZERO, RequestMeta.of(500, 1)));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new LlmRequestCompleted(
                                META, TokenUsage.NONE, Money.ofMicros(1), false, ok()));
        LlmRequestCompleted unpriced =
                LlmRequestCompleted.unpriced(META, TokenUsage.of(1, 1), ok());
        assertFalse(unpriced.priced());
        assertEquals(Money.ZERO, unpriced.cost());
    }

    @Test
    void providerIsOneOfTheServersThreeWireIds() {
        assertEquals("unknown", new LlmModelMeta("unknown", Optional.empty(), "m").provider());
        assertEquals("anthropic", LlmModelMeta.of(ProviderType.ANTHROPIC, "c").provider());
        for (String bad : List.of("OpenAI", "gemini", "", "other")) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> new LlmModelMeta(bad, Optional.empty(), "m"));
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> new LlmModelMeta("openai", Optional.of(""), "m"));
        assertEquals("", new LlmModelMeta("openai", Optional.empty(), "").model());
    }

    @Test
    void requestMetaIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> RequestMeta.of(99, 1));
        assertThrows(IllegalArgumentException.class, () -> RequestMeta.of(600, 1));
        assertThrows(IllegalArgumentException.class, () -> RequestMeta.of(200, -1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new RequestMeta(Optional.empty(), 10, OptionalLong.of(11), true, false, 200));
        assertThrows(
                IllegalArgumentException.class,
                () -> new RequestMeta(Optional.empty(), 10, OptionalLong.of(-1), true, false, 200));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new RequestMeta(
                                Optional.of(" "), 10, OptionalLong.empty(), true, false, 200));
        assertEquals(
                10,
                new RequestMeta(Optional.empty(), 10, OptionalLong.of(10), true, true, 200)
                        .timeToFirstByteMs()
                        .getAsLong());
    }

    @Test
    void failedRedactsKeysAndTokensFromTheMessage() {
        String openAi =
                "Incorrect API key provided: sk-proj-****abcd. You can find your API key at"
                        + " https://platform.openai.com/account/api-keys.";
        LlmRequestFailed failed = LlmRequestFailed.of(META, "401", openAi, RequestMeta.of(401, 3));
        String message = failed.errorMessage().orElseThrow();
        assertEquals(
                "Incorrect API key provided: <redacted>. You can find your API key at"
                        + " https://platform.openai.com/account/api-keys.",
                message);

        String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJhZ2VudF9pZCI6ImFnZW50XzEifQ.c2lnbmF0dXJl";
        String anthropicKey = "sk-ant-api03-AbCdEf123456_xyz";
        LlmRequestFailed leaky =
                LlmRequestFailed.of(
                        META,
                        "403",
                        "token " + jwt + " key " + anthropicKey + " header Bearer " + jwt,
                        RequestMeta.of(403, 3));
        AnalyticsEvent event = AnalyticsEvent.of(ID, 1, leaky).withAgentId("agent_1");
        for (String secret : List.of(jwt, anthropicKey, "api03", "eyJ")) {
            assertFalse(leaky.errorMessage().orElseThrow().contains(secret), secret);
            assertFalse(event.toString().contains(secret), secret);
        }
        assertEquals(
                "token <redacted> key <redacted> header <redacted>",
                leaky.errorMessage().orElseThrow());
        assertEquals(
                Optional.of("Rate limit reached for gpt-4o in organization org-123"),
                LlmRequestFailed.of(
                                META,
                                "429",
                                "Rate limit reached for gpt-4o in organization org-123",
                                RequestMeta.of(429, 1))
                        .errorMessage(),
                "ordinary text is kept");
    }

    @Test
    void lifecyclePayloadsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new RouterStarted(0));
        assertThrows(IllegalArgumentException.class, () -> new RouterStarted(65_536));
        assertThrows(IllegalArgumentException.class, () -> new RouterStopped(-1, Money.ZERO));
        assertThrows(NullPointerException.class, () -> new RouterStopped(0, null));
        assertThrows(
                IllegalArgumentException.class,
                () -> new BudgetThresholdReached(0, Money.ZERO, Money.ZERO));
        BudgetThresholdReached reached =
                BudgetThresholdReached.of(
                        new ThresholdCrossing(80, Money.ofMicros(800), Money.ofMicros(1_000)));
        assertEquals(
                new BudgetThresholdReached(80, Money.ofMicros(800), Money.ofMicros(1_000)),
                reached);
    }
}
