package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.testkit.FakeControlPlane.Endpoint;
import io.ironcage.router.testkit.FakeControlPlane.Fault;
import io.ironcage.router.testkit.junit.StartStop;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeControlPlaneTest {
    private static final String TOKEN = "ic-token-agent-1";

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    private FakeControlPlane.Agent agent;

    @BeforeEach
    void addAgent() {
        agent =
                server.addAgent(
                        TOKEN,
                        Optional.of(ProviderType.ANTHROPIC),
                        Optional.of("sk-ant-secret"),
                        Optional.of(URI.create("http://127.0.0.1:9")),
                        25_000_000);
    }

    private HttpResponse<String> post(Endpoint endpoint, String body, String... headers) {
        return Http.post(server.baseUri(), endpoint.path(), body, headers);
    }

    private static JsonNode json(HttpResponse<String> response) {
        return Http.json(response.body());
    }

    private String handshake(long requested) {
        HttpResponse<String> response =
                post(
                        Endpoint.HANDSHAKE,
                        "{\"ic_token\":\""
                                + TOKEN
                                + "\",\"provider\":\"anthropic\",\"requested_budget\":"
                                + requested
                                + "}");
        assertEquals(200, response.statusCode(), response.body());
        return json(response).path("lease_id").asText();
    }

    @Test
    void providerKeyIsHandedOutForAKnownToken() {
        HttpResponse<String> response =
                post(Endpoint.PROVIDER_KEY, "{\"ic_token\":\"" + TOKEN + "\"}");
        assertEquals(200, response.statusCode());
        JsonNode body = json(response);
        assertEquals("sk-ant-secret", body.path("provider_key").asText());
        assertEquals("anthropic", body.path("provider").asText());
        assertEquals("http://127.0.0.1:9", body.path("base_url").asText());
    }

    @Test
    void providerKeyErrorsUseTheServersBodies() {
        server.addAgent("no-key", Optional.empty(), Optional.empty(), Optional.empty(), 0);
        assertCoded(
                post(Endpoint.PROVIDER_KEY, "{\"ic_token\":\"  \"}"),
                400,
                "ic_token cannot be empty",
                "INVALID_TOKEN");
        assertCoded(
                post(Endpoint.PROVIDER_KEY, "{\"ic_token\":\"nope\"}"),
                401,
                "Invalid IC Token",
                "UNAUTHORIZED");
        assertCoded(
                post(Endpoint.PROVIDER_KEY, "{\"ic_token\":\"no-key\"}"),
                403,
                "Agent has no provider assigned",
                "NO_PROVIDER_ASSIGNED");
        assertEquals(400, post(Endpoint.PROVIDER_KEY, "not json").statusCode());
    }

    private static void assertCoded(
            HttpResponse<String> response, int status, String error, String code) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(error, json(response).path("error").asText());
        assertEquals(code, json(response).path("code").asText());
    }

    @Test
    void handshakeGrantsTheSmallerOfRemainingAndRequested() {
        HttpResponse<String> first =
                post(
                        Endpoint.HANDSHAKE,
                        "{\"ic_token\":\"" + TOKEN + "\",\"provider\":\"anthropic\"}");
        JsonNode body = json(first);
        assertEquals(10_000_000, body.path("budget_granted").asLong(), "default request is $10");
        assertEquals(15_000_000, body.path("budget_remaining").asLong());
        assertTrue(body.path("lease_id").asText().startsWith("lease_"));
        assertTrue(body.path("expires_at").isNull());
        assertTrue(body.path("ip_token").asText().startsWith("AES256:"));

        JsonNode second =
                json(
                        post(
                                Endpoint.HANDSHAKE,
                                "{\"ic_token\":\""
                                        + TOKEN
                                        + "\",\"provider\":\"anthropic\",\"requested_budget\":100000000}"));
        assertEquals(15_000_000, second.path("budget_granted").asLong());
        assertEquals(0, server.remainingMicros(agent.agentId()));

        HttpResponse<String> exhausted =
                post(
                        Endpoint.HANDSHAKE,
                        "{\"ic_token\":\"" + TOKEN + "\",\"provider\":\"anthropic\"}");
        assertEquals(403, exhausted.statusCode());
        assertEquals("Budget limit exceeded", json(exhausted).path("error").asText());
        assertEquals(25_000_000, json(exhausted).path("total_allocated").asLong());
        assertEquals(0, json(exhausted).path("budget_remaining").asLong());
        assertEquals(2, server.leases().size());
    }

    @Test
    void handshakeValidatesLikeTheServer() {
        assertError(
                post(Endpoint.HANDSHAKE, "{\"ic_token\":\"\",\"provider\":\"openai\"}"),
                400,
                "ic_token cannot be empty");
        assertError(
                post(Endpoint.HANDSHAKE, "{\"ic_token\":\"x\",\"provider\":\"\"}"),
                400,
                "provider cannot be empty");
        assertError(
                post(
                        Endpoint.HANDSHAKE,
                        "{\"ic_token\":\"x\",\"provider\":\"openai\",\"requested_budget\":0}"),
                400,
                "Invalid requested_budget: must be positive");
        assertError(
                post(
                        Endpoint.HANDSHAKE,
                        "{\"ic_token\":\"x\",\"provider\":\"openai\",\"requested_budget\":100000001}"),
                400,
                "Invalid requested_budget: exceeds maximum (100000000 microdollars / $100.00 USD)");
        assertError(
                post(Endpoint.HANDSHAKE, "{\"ic_token\":\"x\",\"provider\":\"openai\"}"),
                401,
                "Invalid IC Token");
        assertError(
                post(
                        Endpoint.HANDSHAKE,
                        "{\"ic_token\":\"" + TOKEN + "\",\"provider\":\"gemini\"}"),
                400,
                "Unsupported provider: gemini");
        assertError(
                post(
                        Endpoint.HANDSHAKE,
                        "{\"ic_token\":\"" + TOKEN + "\",\"provider\":\"openai\"}"),
                404,
                "No API keys configured for provider");
        assertEquals(
                25_000_000,
                server.remainingMicros(agent.agentId()),
                "failed handshakes grant nothing");
    }

    private static void assertError(HttpResponse<String> response, int status, String error) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(error, json(response).path("error").asText());
    }

    @Test
    void reportsAccumulateAndCannotExceedTheLease() {
        String lease = handshake(1_000);
        String report =
                "{\"lease_id\":\""
                        + lease
                        + "\",\"request_id\":\"r1\",\"tokens\":10,\"cost_microdollars\":%d,\"model\":\"m\",\"provider\":\"anthropic\"}";
        HttpResponse<String> ok = post(Endpoint.REPORT, String.format(report, 600));
        assertEquals(200, ok.statusCode());
        assertTrue(json(ok).path("success").asBoolean());
        assertEquals(24_999_000, json(ok).path("budget_remaining").asLong());
        assertError(
                post(Endpoint.REPORT, String.format(report, 401)),
                403,
                "Insufficient lease budget");
        assertEquals(600, server.leases().get(0).reportedSpentMicros());
        assertError(
                post(Endpoint.REPORT, String.format(report, -1)),
                400,
                "Invalid cost_microdollars: must be non-negative");
        assertError(
                post(Endpoint.REPORT, String.format(report, 1).replace(lease, "lease_nope")),
                404,
                "Lease not found");
        server.revokeLease(lease);
        assertError(post(Endpoint.REPORT, String.format(report, 1)), 403, "Lease has been revoked");
    }

    @Test
    void returnRestoresGrantedMinusSpentOnce() {
        String lease = handshake(4_000_000);
        assertEquals(21_000_000, server.remainingMicros(agent.agentId()));
        HttpResponse<String> returned =
                post(
                        Endpoint.RETURN,
                        "{\"lease_id\":\"" + lease + "\",\"spent_microdollars\":1500000}");
        assertEquals(200, returned.statusCode());
        assertEquals(2_500_000, json(returned).path("returned").asLong());
        assertEquals(23_500_000, server.remainingMicros(agent.agentId()));
        assertEquals("closed", server.leases().get(0).status());
        assertError(
                post(Endpoint.RETURN, "{\"lease_id\":\"" + lease + "\"}"),
                400,
                "Lease is not active");
        assertError(post(Endpoint.RETURN, "{\"lease_id\":\"lease_x\"}"), 404, "Lease not found");
        assertError(post(Endpoint.RETURN, "{\"lease_id\":\" \"}"), 400, "lease_id cannot be empty");
    }

    @Test
    void refreshNeedsAUserTokenLikeTheRealServer() {
        String lease = handshake(1_000_000);
        String body =
                "{\"ic_token\":\""
                        + TOKEN
                        + "\",\"current_lease_id\":\""
                        + lease
                        + "\",\"requested_budget\":2000000}";
        HttpResponse<String> missing =
                post(Endpoint.REFRESH, body, "authorization", "Bearer " + TOKEN);
        assertEquals(401, missing.statusCode());
        assertEquals("AUTH_INVALID_TOKEN", json(missing).at("/error/code").asText());
        assertEquals(
                "AUTH_MISSING_TOKEN",
                json(post(Endpoint.REFRESH, body)).at("/error/code").asText());

        server.userAccessToken("user-jwt");
        HttpResponse<String> approved =
                post(Endpoint.REFRESH, body, "authorization", "Bearer user-jwt");
        assertEquals(200, approved.statusCode());
        JsonNode answer = json(approved);
        assertEquals("approved", answer.path("status").asText());
        assertEquals(2_000_000, answer.path("budget_granted").asLong());
        assertEquals("expired", server.leases().get(0).status(), "the old lease is expired");
        assertEquals("active", server.leases().get(1).status());

        String drain =
                body.replace(lease, answer.path("lease_id").asText())
                        .replace("2000000", "100000000");
        assertEquals(
                "approved",
                json(post(Endpoint.REFRESH, drain, "authorization", "Bearer user-jwt"))
                        .path("status")
                        .asText());
        String again =
                drain.replace(answer.path("lease_id").asText(), server.leases().get(2).leaseId());
        JsonNode denied = json(post(Endpoint.REFRESH, again, "authorization", "Bearer user-jwt"));
        assertEquals("denied", denied.path("status").asText());
        assertEquals("insufficient_budget", denied.path("reason").asText());
        assertTrue(denied.path("lease_id").isNull());
    }

    @Test
    void analyticsEventsAreAcceptedOnceAndValidated() {
        String event =
                "{\"ic_token\":\""
                        + TOKEN
                        + "\",\"event_id\":\"e-1\",\"timestamp_ms\":1,\"event_type\":\"llm_request_completed\","
                        + "\"model\":\"claude-sonnet-4-5\",\"provider\":\"anthropic\",\"input_tokens\":10,\"output_tokens\":5,\"cost_micros\":105}";
        HttpResponse<String> first = post(Endpoint.ANALYTICS_EVENTS, event);
        assertEquals(202, first.statusCode());
        assertEquals("accepted", json(first).path("status").asText());
        HttpResponse<String> again = post(Endpoint.ANALYTICS_EVENTS, event);
        assertEquals(200, again.statusCode());
        assertEquals("duplicate", json(again).path("status").asText());
        assertEquals(1, server.analyticsEvents().size());
        assertEquals(105, server.analyticsEvents().get(0).path("cost_micros").asLong());

        HttpResponse<String> badToken =
                post(Endpoint.ANALYTICS_EVENTS, event.replace(TOKEN, "nope"));
        assertEquals(401, badToken.statusCode());
        assertEquals("UNAUTHORIZED", json(badToken).path("error").asText());
        HttpResponse<String> lifecycle =
                post(
                        Endpoint.ANALYTICS_EVENTS,
                        event.replace("llm_request_completed", "router_started")
                                .replace("e-1", "e-2"));
        assertEquals(400, lifecycle.statusCode());
        assertEquals("VALIDATION_ERROR", json(lifecycle).path("error").asText());
        HttpResponse<String> noTokens =
                post(
                        Endpoint.ANALYTICS_EVENTS,
                        event.replace("\"input_tokens\":10,", "").replace("e-1", "e-3"));
        assertEquals(400, noTokens.statusCode());
        assertEquals(1, server.analyticsEvents().size());
    }

    @Test
    void faultsApplyToTheNextCallsThenTheEndpointRecovers() {
        server.failNext(
                Endpoint.PROVIDER_KEY,
                2,
                Fault.status(500, "{\"error\":\"Database error\",\"code\":\"INTERNAL_ERROR\"}"));
        server.failNext(Endpoint.PROVIDER_KEY, 1, Fault.malformedJson());
        String body = "{\"ic_token\":\"" + TOKEN + "\"}";
        assertCoded(post(Endpoint.PROVIDER_KEY, body), 500, "Database error", "INTERNAL_ERROR");
        assertEquals(500, post(Endpoint.PROVIDER_KEY, body).statusCode());
        HttpResponse<String> malformed = post(Endpoint.PROVIDER_KEY, body);
        assertEquals(200, malformed.statusCode());
        assertThrows(java.io.UncheckedIOException.class, () -> Http.json(malformed.body()));
        assertEquals(200, post(Endpoint.PROVIDER_KEY, body).statusCode());
        assertEquals(4, server.callCount(Endpoint.PROVIDER_KEY));
        assertEquals(0, server.callCount(Endpoint.HANDSHAKE));
    }

    @Test
    void aHangingEndpointTimesTheClientOutAndOthersKeepServing() {
        server.failNext(Endpoint.HANDSHAKE, 1, Fault.hang());
        server.failNext(Endpoint.RETURN, 1, Fault.delay(Duration.ofMillis(200)));
        HttpRequest hanging =
                HttpRequest.newBuilder(server.baseUri().resolve(Endpoint.HANDSHAKE.path()))
                        .timeout(Duration.ofMillis(300))
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        "{\"ic_token\":\""
                                                + TOKEN
                                                + "\",\"provider\":\"anthropic\"}"))
                        .build();
        assertThrows(java.io.UncheckedIOException.class, () -> Http.send(hanging));
        assertEquals(
                200, post(Endpoint.PROVIDER_KEY, "{\"ic_token\":\"" + TOKEN + "\"}").statusCode());
        long start = System.nanoTime();
        assertEquals(404, post(Endpoint.RETURN, "{\"lease_id\":\"lease_x\"}").statusCode());
        assertTrue(
                System.nanoTime() - start >= Duration.ofMillis(200).toNanos(), "the delay applied");
        assertTrue(server.leases().isEmpty(), "the hung handshake granted nothing");
    }

    @Test
    void callsAreRecordedWithoutShowingSecrets() {
        post(Endpoint.PROVIDER_KEY, "{\"ic_token\":\"" + TOKEN + "\"}");
        RecordedRequest call = server.takeRequest(Duration.ofSeconds(2));
        assertEquals(Endpoint.PROVIDER_KEY.path(), call.path());
        assertEquals(TOKEN, call.bodyJson().path("ic_token").asText());
        assertFalse(call.toString().contains(TOKEN));
        assertFalse(agent.toString().contains(TOKEN));
        assertFalse(agent.toString().contains("sk-ant-secret"));
        assertEquals(404, Http.get(server.baseUri(), "/api/v1/unknown").statusCode());
    }

    @Test
    void theServerCanDisappearAndComeBackWithItsState() {
        String leaseId = handshake(1_000_000);
        URI address = server.baseUri();

        server.goOffline();
        assertThrows(
                java.io.UncheckedIOException.class,
                () -> post(Endpoint.PROVIDER_KEY, "{\"ic_token\":\"" + TOKEN + "\"}"),
                "calls are refused while the server is offline");
        assertTrue(server.toString().contains("offline"));

        server.goOnline();
        assertEquals(address, server.baseUri(), "same address");
        HttpResponse<String> back =
                post(
                        Endpoint.RETURN,
                        "{\"lease_id\":\"" + leaseId + "\",\"spent_microdollars\":0}");
        assertEquals(200, back.statusCode(), back.body());
        assertEquals(1_000_000, json(back).path("returned").asLong(), "the lease survived");
    }
}
