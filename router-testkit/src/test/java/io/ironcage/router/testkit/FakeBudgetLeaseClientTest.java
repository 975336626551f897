package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import io.ironcage.router.core.spi.BudgetLeaseClient.HandshakeRequest;
import io.ironcage.router.core.spi.BudgetLeaseClient.LeaseGrant;
import io.ironcage.router.core.spi.BudgetLeaseClient.RefreshRequest;
import io.ironcage.router.core.spi.BudgetLeaseClient.RefreshResult;
import io.ironcage.router.testkit.contract.BudgetLeaseClientContract;
import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class FakeBudgetLeaseClientTest extends BudgetLeaseClientContract {
    private static final String TOKEN = "ic-secret-token-for-tests";

    private final FakeBudgetLeaseClient fake = FakeBudgetLeaseClient.create();

    @Override
    protected BudgetLeaseClient createClient() {
        return fake;
    }

    @Override
    protected String newAgent(Money budget) {
        String token = "ic-" + UUID.randomUUID();
        fake.addAgent(token, budget);
        return token;
    }

    private static ControlPlaneException refused(int status, String message, Runnable call) {
        ControlPlaneException e =
                assertThrows(ControlPlaneException.class, () -> call.run(), message);
        assertEquals(status, e.status());
        assertEquals(message, e.serverMessage());
        return e;
    }

    @Test
    void refreshIsApprovedWithANewLeaseThenDeniedWhenTheBudgetIsGone() {
        String agent = fake.addAgent(TOKEN, Money.ofMicros(12_000_000));
        LeaseGrant first = fake.handshake(HandshakeRequest.of(TOKEN, ProviderType.ANTHROPIC));
        RefreshResult approved =
                fake.refresh(RefreshRequest.of(TOKEN, first.leaseId(), Money.ofMicros(1_500_000)));
        RefreshResult.Approved ok = assertInstanceOf(RefreshResult.Approved.class, approved);
        assertEquals(Money.ofMicros(1_500_000), ok.granted());
        assertEquals(Money.ofMicros(500_000), ok.remaining());
        assertEquals("expired", fake.leases().get(0).status(), "the old lease is expired");
        assertEquals("anthropic", fake.leases().get(1).provider());

        refused(
                403,
                "Lease expired",
                () -> fake.refresh(RefreshRequest.of(TOKEN, first.leaseId())));
        fake.refresh(RefreshRequest.of(TOKEN, ok.leaseId(), Money.ofMicros(500_000)));
        String third = fake.leases().get(2).leaseId();
        RefreshResult denied = fake.refresh(RefreshRequest.of(TOKEN, third));
        assertEquals(
                new RefreshResult.Denied("insufficient_budget", Money.ZERO),
                denied,
                "a denial is a value, and the current lease stays active");
        assertEquals("active", fake.leases().get(2).status());
        assertEquals(Money.ZERO, fake.remaining(agent));
    }

    @Test
    void refreshChecksTokenOwnershipAndLimits() {
        fake.addAgent(TOKEN, Money.ofMicros(20_000_000));
        fake.addAgent("other-agent", Money.ofMicros(20_000_000));
        LeaseGrant lease = fake.handshake(HandshakeRequest.of(TOKEN, ProviderType.OPENAI));
        refused(
                403,
                "Unauthorized - lease belongs to different agent",
                () -> fake.refresh(RefreshRequest.of("other-agent", lease.leaseId())));
        refused(
                401,
                "Invalid IC Token",
                () -> fake.refresh(RefreshRequest.of("nope", lease.leaseId())));
        refused(
                404,
                "Lease not found",
                () -> fake.refresh(RefreshRequest.of(TOKEN, "lease_missing")));
        refused(
                400,
                "Invalid requested_budget: exceeds maximum (1000000000 microdollars / $1000.00 USD)",
                () ->
                        fake.refresh(
                                new RefreshRequest(
                                        TOKEN, lease.leaseId(), OptionalLong.of(1_000_000_001))));
    }

    @Test
    void handshakeFollowsTheServersRules() {
        fake.addAgent(TOKEN, Set.of(ProviderType.ANTHROPIC), Money.ofMicros(20_000_000));
        refused(
                404,
                "No API keys configured for provider",
                () -> fake.handshake(HandshakeRequest.of(TOKEN, ProviderType.OPENAI)));
        refused(
                400,
                "Invalid requested_budget: exceeds maximum (100000000 microdollars / $100.00 USD)",
                () ->
                        fake.handshake(
                                HandshakeRequest.of(
                                        TOKEN,
                                        ProviderType.ANTHROPIC,
                                        Money.ofMicros(100_000_001))));
        assertTrue(fake.leases().isEmpty(), "refusals grant nothing");
        assertThrows(IllegalArgumentException.class, () -> fake.addAgent(TOKEN, Money.ZERO));
    }

    @Test
    void reportValidatesAndRespectsLeaseStatus() {
        fake.addAgent(TOKEN, Money.ofMicros(20_000_000));
        String lease = fake.handshake(HandshakeRequest.of(TOKEN, ProviderType.OPENAI)).leaseId();
        refused(
                400,
                "Invalid tokens: must be positive",
                () -> fake.report(lease, "r", 0, Money.ZERO, "m", ProviderType.OPENAI));
        refused(
                400,
                "lease_id cannot be empty",
                () -> fake.report(" ", "r", 1, Money.ZERO, "m", ProviderType.OPENAI));
        fake.revokeLease(lease);
        refused(
                403,
                "Lease has been revoked",
                () -> fake.report(lease, "r", 1, Money.ZERO, "m", ProviderType.OPENAI));
        refused(400, "Lease is not active", () -> fake.returnUnused(lease, Money.ZERO));
    }

    @Test
    void failNextThrowsOnceWithoutChangingState() {
        String agent = fake.addAgent(TOKEN, Money.ofMicros(20_000_000));
        ControlPlaneException down =
                new ControlPlaneException("connection refused", new IOException("refused"));
        fake.failNext(down).failNext(new ControlPlaneException(500, "Database error"));
        ControlPlaneException first =
                assertThrows(
                        ControlPlaneException.class,
                        () -> fake.handshake(HandshakeRequest.of(TOKEN, ProviderType.OPENAI)));
        assertSame(down, first);
        assertTrue(first.isNoResponse());
        refused(
                500,
                "Database error",
                () -> fake.handshake(HandshakeRequest.of(TOKEN, ProviderType.OPENAI)));
        assertEquals(Money.ofMicros(20_000_000), fake.remaining(agent));
        assertTrue(fake.leases().isEmpty());
        assertEquals(
                Money.ofMicros(10_000_000),
                fake.handshake(HandshakeRequest.of(TOKEN, ProviderType.OPENAI)).granted());
    }

    @Test
    void callsAreRecordedWithoutShowingTheToken() {
        fake.addAgent(TOKEN, Money.ofMicros(20_000_000));
        String lease = fake.handshake(HandshakeRequest.of(TOKEN, ProviderType.OPENAI)).leaseId();
        fake.report(lease, "req_1", 12, Money.ofMicros(34), "gpt-4o", ProviderType.OPENAI);
        fake.refresh(RefreshRequest.of(TOKEN, lease));
        assertThrows(ControlPlaneException.class, () -> fake.returnUnused("lease_x", Money.ZERO));
        List<FakeBudgetLeaseClient.Call> calls = fake.calls();
        assertEquals(4, calls.size(), "refused calls are recorded too");
        assertEquals(
                new FakeBudgetLeaseClient.ReportCall(
                        lease, "req_1", 12, Money.ofMicros(34), "gpt-4o", ProviderType.OPENAI),
                calls.get(1));
        assertEquals(
                List.of(new FakeBudgetLeaseClient.ReturnCall("lease_x", Money.ZERO)),
                fake.calls(FakeBudgetLeaseClient.ReturnCall.class));
        assertEquals(
                TOKEN,
                fake.calls(FakeBudgetLeaseClient.HandshakeCall.class).get(0).request().icToken());
        assertFalse(calls.toString().contains(TOKEN));
        assertFalse(fake.toString().contains(TOKEN));
    }

    @Test
    void aClosedFakeRefusesCalls() {
        fake.addAgent(TOKEN, Money.ofMicros(1));
        fake.close();
        fake.close();
        assertThrows(
                IllegalStateException.class,
                () -> fake.handshake(HandshakeRequest.of(TOKEN, ProviderType.OPENAI)));
        assertTrue(fake.calls().isEmpty());
    }

    @Test
    void sharesItsRulesWithFakeControlPlane() {
        assertEquals(
                FakeControlPlane.DEFAULT_HANDSHAKE_MICROS, BudgetLedger.DEFAULT_REQUEST_MICROS);
        assertEquals(FakeControlPlane.MAX_HANDSHAKE_MICROS, BudgetLedger.MAX_HANDSHAKE_MICROS);
    }
}
