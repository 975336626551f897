package io.ironcage.router.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import io.ironcage.router.core.spi.BudgetLeaseClient.HandshakeRequest;
import io.ironcage.router.core.spi.BudgetLeaseClient.LeaseGrant;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The {@link BudgetLeaseClient} contract: Protocol 005 as the Iron Cage server implements it
 * (reference §7.2). Extend it with a factory for the client and a way to create an agent with a
 * budget on the server it talks to:
 *
 * <pre>{@code
 * class ControlPlaneBudgetLeaseClientTest extends BudgetLeaseClientContract {
 *     @StartStop final FakeControlPlane server = FakeControlPlane.create();
 *
 *     @Override protected BudgetLeaseClient createClient() {
 *         return new ControlPlaneBudgetLeaseClient(server.baseUri(), transport);
 *     }
 *
 *     @Override protected String newAgent(Money budget) {
 *         String token = "ic-" + UUID.randomUUID();
 *         server.addAgent(token, provider(), "sk-test", budget.micros());
 *         return token;
 *     }
 * }
 * }</pre>
 *
 * <p>Checks: a handshake grants {@code min(remaining, requested)} (default 10,000,000 µ$) and
 * reports what is left; an exhausted budget and an unknown token are refused; a report within the
 * lease is accepted and one beyond it refused; a return restores exactly {@code granted − spent},
 * once; an unknown lease is refused; refusals are {@link ControlPlaneException}s with the server's
 * status and message, and never show the IC token.
 */
public abstract class BudgetLeaseClientContract {
    private BudgetLeaseClient client;

    /** Creates the contract; subclasses supply the factory methods. */
    protected BudgetLeaseClientContract() {}

    /**
     * Returns a new client; called once per test.
     *
     * @return the client under test
     */
    protected abstract BudgetLeaseClient createClient();

    /**
     * Creates an agent with a budget on the server the client talks to, able to lease for {@link
     * #provider()}.
     *
     * @param budget the agent's budget
     * @return the agent's IC token (unique per call)
     */
    protected abstract String newAgent(Money budget);

    /**
     * Returns the provider the contract leases for. OpenAI by default.
     *
     * @return the provider
     */
    protected ProviderType provider() {
        return ProviderType.OPENAI;
    }

    @BeforeEach
    final void createClientUnderTest() {
        client = createClient();
    }

    @AfterEach
    final void closeClientUnderTest() {
        if (client != null) {
            client.close();
        }
    }

    /**
     * Returns the client of the current test.
     *
     * @return the client
     */
    protected final BudgetLeaseClient client() {
        return client;
    }

    private LeaseGrant handshake(String token, long micros) {
        return client.handshake(HandshakeRequest.of(token, provider(), Money.ofMicros(micros)));
    }

    @Test
    final void handshakeGrantsTheRequestAndReportsWhatIsLeft() {
        String token = newAgent(Money.ofMicros(25_000_000));
        LeaseGrant grant = handshake(token, 4_000_000);
        assertEquals(Money.ofMicros(4_000_000), grant.granted());
        assertEquals(Optional.of(Money.ofMicros(21_000_000)), grant.remaining());
        assertFalse(grant.leaseId().isBlank());

        LeaseGrant second = client.handshake(HandshakeRequest.of(token, provider()));
        assertEquals(Money.ofMicros(10_000_000), second.granted(), "the default request is $10");
        assertEquals(Optional.of(Money.ofMicros(11_000_000)), second.remaining());
        assertNotEquals(grant.leaseId(), second.leaseId());
    }

    @Test
    final void handshakeGrantsAtMostWhatIsLeft() {
        String token = newAgent(Money.ofMicros(3_000_000));
        LeaseGrant grant = handshake(token, 10_000_000);
        assertEquals(Money.ofMicros(3_000_000), grant.granted());
        assertEquals(Optional.of(Money.ZERO), grant.remaining());
    }

    @Test
    final void anExhaustedBudgetIsRefused() {
        String token = newAgent(Money.ofMicros(1_000_000));
        handshake(token, 1_000_000);
        assertRefused(403, "Budget limit exceeded", () -> handshake(token, 1));
        String broke = newAgent(Money.ZERO);
        assertRefused(403, "Budget limit exceeded", () -> handshake(broke, 1));
    }

    @Test
    final void reportsAreAcceptedWithinTheLeaseAndRefusedBeyondIt() {
        String token = newAgent(Money.ofMicros(25_000_000));
        LeaseGrant grant = handshake(token, 1_000);
        BudgetLeaseClient.ReportResult result =
                client.report(
                        grant.leaseId(), "req_1", 10, Money.ofMicros(600), "gpt-4o", provider());
        assertEquals(Money.ofMicros(24_999_000), result.remaining());
        assertRefused(
                403,
                "Insufficient lease budget",
                () ->
                        client.report(
                                grant.leaseId(),
                                "req_2",
                                10,
                                Money.ofMicros(401),
                                "gpt-4o",
                                provider()));
    }

    @Test
    final void returnRestoresExactlyGrantedMinusSpent() {
        String token = newAgent(Money.ofMicros(25_000_000));
        LeaseGrant grant = handshake(token, 4_000_000);
        Money returned = client.returnUnused(grant.leaseId(), Money.ofMicros(1_500_000));
        assertEquals(Money.ofMicros(2_500_000), returned);
        LeaseGrant rest = handshake(token, 100_000_000);
        assertEquals(
                Money.ofMicros(23_500_000),
                rest.granted(),
                "the agent has 21,000,000 + 2,500,000 left after the return");
        assertEquals(Optional.of(Money.ZERO), rest.remaining());
    }

    @Test
    final void returnRestoresNothingWhenAllWasSpent() {
        String token = newAgent(Money.ofMicros(5_000_000));
        LeaseGrant grant = handshake(token, 2_000_000);
        assertEquals(Money.ZERO, client.returnUnused(grant.leaseId(), Money.ofMicros(2_500_000)));
        assertEquals(Money.ofMicros(3_000_000), handshake(token, 100_000_000).granted());
    }

    @Test
    final void aLeaseIsReturnedOnce() {
        String token = newAgent(Money.ofMicros(25_000_000));
        LeaseGrant grant = handshake(token, 4_000_000);
        client.returnUnused(grant.leaseId(), Money.ZERO);
        assertRefused(
                400, "Lease is not active", () -> client.returnUnused(grant.leaseId(), Money.ZERO));
        assertEquals(
                Money.ofMicros(25_000_000),
                handshake(token, 100_000_000).granted(),
                "the second return restored nothing");
    }

    @Test
    final void anUnknownLeaseIsRefused() {
        String unknown = "lease_" + UUID.randomUUID();
        assertRefused(404, "Lease not found", () -> client.returnUnused(unknown, Money.ZERO));
        assertRefused(
                404,
                "Lease not found",
                () -> client.report(unknown, "req_1", 1, Money.ZERO, "gpt-4o", provider()));
    }

    @Test
    final void anUnknownTokenIsRefusedWithoutShowingIt() {
        newAgent(Money.ofMicros(1_000_000));
        String token = "ic-contract-unknown-" + UUID.randomUUID();
        ControlPlaneException e =
                assertRefused(401, "Invalid IC Token", () -> handshake(token, 1_000));
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertFalse(trace.toString().contains(token), "the IC token appears in the exception");
    }

    private static ControlPlaneException assertRefused(
            int status, String message, Executable call) {
        ControlPlaneException e = assertThrows(ControlPlaneException.class, call);
        assertEquals(status, e.status(), e.getMessage());
        assertEquals(message, e.serverMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        return e;
    }
}
