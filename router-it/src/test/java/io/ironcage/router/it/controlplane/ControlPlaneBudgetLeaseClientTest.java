package io.ironcage.router.it.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.core.controlplane.wire.ControlPlaneBudgetLeaseClient;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import io.ironcage.router.core.spi.BudgetLeaseClient.HandshakeRequest;
import io.ironcage.router.core.spi.BudgetLeaseClient.LeaseGrant;
import io.ironcage.router.core.spi.BudgetLeaseClient.RefreshRequest;
import io.ironcage.router.core.spi.BudgetLeaseClient.RefreshResult;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeControlPlane.Endpoint;
import io.ironcage.router.testkit.FakeControlPlane.Fault;
import io.ironcage.router.testkit.RecordedRequest;
import io.ironcage.router.testkit.contract.BudgetLeaseClientContract;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The HTTP Protocol 005 client: the testkit contract, then every failure the server can cause. */
class ControlPlaneBudgetLeaseClientTest extends BudgetLeaseClientContract {
    private static final String TOKEN = "ic-LEASE-secret-token-31337";

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    private final HttpTransport transport =
            new JdkHttpTransportProvider().httpTransport(Duration.ofSeconds(2));

    @AfterEach
    void closeTransport() {
        transport.close();
    }

    @Override
    protected BudgetLeaseClient createClient() {
        return ControlPlaneBudgetLeaseClient.create(server.baseUri(), transport);
    }

    @Override
    protected String newAgent(Money budget) {
        String token = "ic-" + UUID.randomUUID();
        server.addAgent(token, provider(), "sk-test", budget.micros());
        return token;
    }

    private ControlPlaneBudgetLeaseClient client(Duration timeout) {
        return ControlPlaneBudgetLeaseClient.builder(server.baseUri(), transport)
                .timeout(timeout)
                .build();
    }

    private LeaseGrant handshake(BudgetLeaseClient c) {
        return c.handshake(
                HandshakeRequest.of(TOKEN, ProviderType.ANTHROPIC, Money.ofMicros(1_000)));
    }

    private static ControlPlaneException refused(int status, Executable call) {
        ControlPlaneException e = assertThrows(ControlPlaneException.class, call);
        assertEquals(status, e.status(), e.getMessage());
        Secrets.assertAbsent(e, TOKEN);
        return e;
    }

    @Test
    void theHandshakeIsForTheKeysProviderWithTheTokenAsBearer() {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 5_000_000);
        LeaseGrant grant = handshake(client());

        assertEquals(Money.ofMicros(1_000), grant.granted());
        RecordedRequest sent = server.takeRequest(Duration.ofSeconds(2));
        assertEquals(Endpoint.HANDSHAKE.path(), sent.path());
        assertEquals("Bearer " + TOKEN, sent.header("authorization").orElseThrow());
        JsonNode body = sent.bodyJson();
        assertEquals("anthropic", body.get("provider").asText());
        assertEquals(1_000, body.get("requested_budget").asLong());
        assertEquals(TOKEN, body.get("ic_token").asText());
    }

    @Test
    void malformedJsonFromTheServerIsAClearError() {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 5_000_000);
        BudgetLeaseClient c = client();
        for (Endpoint endpoint : new Endpoint[] {Endpoint.HANDSHAKE, Endpoint.RETURN}) {
            server.failNext(endpoint, 1, Fault.malformedJson());
        }
        ControlPlaneException e = refused(200, () -> handshake(c));
        assertTrue(e.getMessage().contains("malformed"), e.getMessage());
        LeaseGrant grant = handshake(c);
        refused(200, () -> c.returnUnused(grant.leaseId(), Money.ZERO));
    }

    @Test
    void serverErrorsCarryTheServersStatusAndMessage() {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 5_000_000);
        server.failNext(Endpoint.HANDSHAKE, 1, Fault.status(500, "{\"error\":\"Database error\"}"));
        ControlPlaneException e = refused(500, () -> handshake(client()));
        assertEquals("Database error", e.serverMessage());
        server.failNext(Endpoint.REPORT, 1, Fault.status(503, "<html>down</html>"));
        LeaseGrant grant = handshake(client());
        ControlPlaneException report =
                refused(
                        503,
                        () ->
                                client().report(
                                                grant.leaseId(),
                                                "req_1",
                                                1,
                                                Money.ofMicros(1),
                                                "claude-3-5-haiku",
                                                ProviderType.ANTHROPIC));
        assertEquals("the answer had no error message", report.serverMessage());
    }

    @Test
    void aServerThatDoesNotAnswerTimesOutWithStatusZero() {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 5_000_000);
        server.failNext(Endpoint.HANDSHAKE, 1, Fault.hang());
        ControlPlaneException e = refused(0, () -> handshake(client(Duration.ofMillis(300))));
        assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
        assertInstanceOf(io.ironcage.router.core.errors.ForwardException.class, e.getCause());
    }

    @Test
    void aServerThatIsGoneIsReportedAndOneThatCameBackAnswers() {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 5_000_000);
        BudgetLeaseClient c = client();
        server.goOffline();
        ControlPlaneException e = refused(0, () -> handshake(c));
        assertTrue(e.getMessage().contains("no connection to 127.0.0.1"), e.getMessage());
        server.goOnline();
        assertEquals(Money.ofMicros(1_000), handshake(c).granted());
    }

    @Test
    void refreshNeedsAUserAccessTokenAndIsApprovedOrDenied() {
        server.addAgent(TOKEN, ProviderType.ANTHROPIC, "sk-ant-x", 1_400);
        LeaseGrant grant = handshake(client());
        ControlPlaneException e =
                refused(401, () -> client().refresh(RefreshRequest.of(TOKEN, grant.leaseId())));
        assertEquals("Missing authentication token", e.serverMessage());
        assertEquals("AUTH_MISSING_TOKEN", e.code().orElseThrow());

        server.userAccessToken("user-jwt");
        BudgetLeaseClient withUser =
                ControlPlaneBudgetLeaseClient.builder(server.baseUri(), transport)
                        .userAccessToken("user-jwt")
                        .build();
        RefreshResult approved =
                withUser.refresh(RefreshRequest.of(TOKEN, grant.leaseId(), Money.ofMicros(400)));
        RefreshResult.Approved ok = assertInstanceOf(RefreshResult.Approved.class, approved);
        assertEquals(Money.ofMicros(400), ok.granted());
        RefreshResult denied =
                withUser.refresh(RefreshRequest.of(TOKEN, ok.leaseId(), Money.ofMicros(400)));
        RefreshResult.Denied no = assertInstanceOf(RefreshResult.Denied.class, denied);
        assertEquals(RefreshResult.Denied.INSUFFICIENT_BUDGET, no.reason());
        assertEquals(Money.ZERO, no.remaining());
    }

    @Test
    void aClosedClientRefusesCalls() {
        BudgetLeaseClient c = client();
        c.close();
        assertThrows(IllegalStateException.class, () -> handshake(c));
        assertTrue(c.toString().contains("127.0.0.1"));
    }
}
