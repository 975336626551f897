package io.ironcage.router.core.controlplane.wire;

import static io.ironcage.router.core.controlplane.ScriptedTransport.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.controlplane.ScriptedTransport;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.errors.ForwardException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** What one posted event comes back as: a status, and for an error answer the server's refusal. */
class AnalyticsEventClientTest {
    private static final String TOKEN = "ic-analytics-secret-token";
    private static final AnalyticsEvent EVENT =
            AnalyticsEvent.of(
                    "0190c6a4-5b2e-7d3f-8a1b-2c3d4e5f6a7b",
                    1_700_000_000_000L,
                    LlmRequestCompleted.priced(
                            LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                            TokenUsage.of(10, 5),
                            Money.ofMicros(1_500),
                            RequestMeta.of(200, 12)));

    private static AnalyticsEventClient client(ScriptedTransport transport) {
        return AnalyticsEventClient.create(
                URI.create("http://127.0.0.1:1/"), transport, Duration.ofSeconds(10));
    }

    @Test
    void anAcknowledgedEventHasNoRefusal() {
        ScriptedTransport transport = new ScriptedTransport(r -> json(202, "{}"));

        AnalyticsEventClient.Answer answer =
                client(transport).post(EVENT, TOKEN, Duration.ofSeconds(1));

        assertEquals(202, answer.status());
        assertTrue(answer.isSuccess());
        assertTrue(answer.refusal().isEmpty());
        assertEquals(
                URI.create("http://127.0.0.1:1" + AnalyticsEventClient.PATH),
                transport.requests().get(0).uri());
        String body = ScriptedTransport.body(transport.requests().get(0));
        assertTrue(body.contains("\"cost_micros\":1500"), body);
        assertTrue(body.contains("\"event_type\":\"llm_request_completed\""), body);
    }

    @Test
    void completedAndFailedEventsCarryTheRouterRequestIdAndTheAttempt() {
        RequestMeta second =
                new RequestMeta(
                        "req_00112233445566778899aabb",
                        2,
                        Optional.of("upstream-7"),
                        30,
                        OptionalLong.empty(),
                        false,
                        false,
                        200);
        AnalyticsEvent completed =
                AnalyticsEvent.of(
                        "0190c6a4-5b2e-7d3f-8a1b-2c3d4e5f6a70",
                        1_700_000_000_000L,
                        LlmRequestCompleted.priced(
                                LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                                TokenUsage.of(10, 5),
                                Money.ofMicros(1_500),
                                second));
        AnalyticsEvent failed =
                AnalyticsEvent.of(
                        "0190c6a4-5b2e-7d3f-8a1b-2c3d4e5f6a71",
                        1_700_000_000_000L,
                        LlmRequestFailed.of(
                                LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o"),
                                "429",
                                "slow down",
                                second.withAttempt("req_00112233445566778899aabb", 1)));

        var completedJson = AnalyticsEventClient.toWire(completed, TOKEN);
        var failedJson = AnalyticsEventClient.toWire(failed, TOKEN);

        assertEquals(
                "req_00112233445566778899aabb", completedJson.get("router_request_id").asText());
        assertEquals(2, completedJson.get("attempt").asInt());
        assertTrue(completedJson.get("attempt").isInt(), "a JSON number");
        assertEquals("req_00112233445566778899aabb", failedJson.get("router_request_id").asText());
        assertEquals(1, failedJson.get("attempt").asInt());
    }

    @Test
    void anEventWithoutARouterRequestIdSendsNoneRatherThanThePlaceholder() {
        var json = AnalyticsEventClient.toWire(EVENT, TOKEN);

        assertFalse(json.has("router_request_id"), json.toString());
        assertEquals(1, json.get("attempt").asInt());
    }

    @Test
    void aRefusalCarriesTheServersMessageWithoutTheToken() {
        ScriptedTransport transport =
                new ScriptedTransport(
                        r ->
                                json(
                                        422,
                                        "{\"error\":\"VALIDATION\",\"message\":\"bad event for "
                                                + TOKEN
                                                + "\"}"));

        AnalyticsEventClient.Answer answer =
                client(transport).post(EVENT, TOKEN, Duration.ofSeconds(1));

        assertEquals(422, answer.status());
        assertFalse(answer.isSuccess());
        ControlPlaneException refusal = answer.refusal().orElseThrow();
        assertEquals(422, refusal.status());
        assertEquals("VALIDATION", refusal.code().orElseThrow());
        assertTrue(refusal.getMessage().contains("bad event for"), refusal.getMessage());
        assertFalse(refusal.getMessage().contains(TOKEN), "never the token");
    }

    @Test
    void noAnswerIsAControlPlaneException() {
        ScriptedTransport transport =
                new ScriptedTransport(
                        r -> {
                            throw new ForwardException(
                                    ForwardException.Kind.CONNECT, "refused", null);
                        });

        ControlPlaneException e =
                assertThrows(
                        ControlPlaneException.class,
                        () -> client(transport).post(EVENT, TOKEN, Duration.ofSeconds(1)));

        assertTrue(e.isNoResponse());
        assertTrue(e.getMessage().contains("the analytics event"), e.getMessage());
        assertFalse(e.getMessage().contains(TOKEN), "never the token");
    }
}
