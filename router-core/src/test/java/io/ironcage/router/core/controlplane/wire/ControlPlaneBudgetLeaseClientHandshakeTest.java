package io.ironcage.router.core.controlplane.wire;

import static io.ironcage.router.core.controlplane.ScriptedTransport.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.controlplane.ScriptedTransport;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient.HandshakeRequest;
import io.ironcage.router.core.spi.BudgetLeaseClient.LeaseGrant;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a handshake answer must hold: {@code lease_id} and {@code budget_granted} are the lease;
 * {@code budget_remaining} is informative and its absence must not cost the agent its lease.
 */
class ControlPlaneBudgetLeaseClientHandshakeTest {
    private static final String TOKEN = "ic-handshake-secret-token";

    private static LeaseGrant handshake(String answer) {
        ControlPlaneBudgetLeaseClient client =
                ControlPlaneBudgetLeaseClient.create(
                        URI.create("http://127.0.0.1:1"),
                        new ScriptedTransport(r -> json(200, answer)));
        return client.handshake(HandshakeRequest.of(TOKEN, ProviderType.OPENAI));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"lease_id\":\"lease_1\",\"budget_granted\":2500000}",
                "{\"lease_id\":\"lease_1\",\"budget_granted\":2500000,\"budget_remaining\":null}",
                "{\"lease_id\":\"lease_1\",\"budget_granted\":2500000,\"budget_remaining\":\"x\"}",
                "{\"lease_id\":\"lease_1\",\"budget_granted\":2500000,\"budget_remaining\":-1}"
            })
    void anAnswerWithoutAReadableRemainingStillGrantsTheLease(String answer) {
        LeaseGrant grant = handshake(answer);

        assertEquals("lease_1", grant.leaseId());
        assertEquals(Money.ofMicros(2_500_000), grant.granted());
        assertEquals(Optional.empty(), grant.remaining(), "not invented: the server did not say");
        assertEquals(Money.ofMicros(2_500_000), grant.toLease().granted());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"lease_id\":\"lease_1\",\"budget_granted\":2500000,\"budget_remaining\":7500000}"
            })
    void aRemainingThatIsThereIsKept(String answer) {
        assertEquals(Optional.of(Money.ofMicros(7_500_000)), handshake(answer).remaining());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"budget_granted\":1,\"budget_remaining\":1}|lease_id",
                "{\"lease_id\":\"\",\"budget_granted\":1,\"budget_remaining\":1}|lease_id",
                "{\"lease_id\":7,\"budget_granted\":1,\"budget_remaining\":1}|lease_id",
                "{\"lease_id\":\"lease_1\",\"budget_remaining\":1}|budget_granted",
                "{\"lease_id\":\"lease_1\",\"budget_granted\":\"1\"}|budget_granted",
                "{\"lease_id\":\"lease_1\",\"budget_granted\":1.5}|budget_granted",
                "{\"lease_id\":\"lease_1\",\"budget_granted\":-1}|budget_granted"
            })
    void anAnswerWithoutAUsableLeaseIdOrGrantIsAClearError(String answer, String field) {
        ControlPlaneException e =
                assertThrows(ControlPlaneException.class, () -> handshake(answer));

        assertEquals(200, e.status());
        assertTrue(e.getMessage().contains("malformed"), e.getMessage());
        assertTrue(e.getMessage().contains(field), e.getMessage());
        assertFalse(e.getMessage().contains(TOKEN), "never the token");
    }
}
