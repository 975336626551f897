package io.ironcage.router.core.agent;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ironcage.router.core.controlplane.BudgetLeaseManager;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.controlplane.StubLeaseClient;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.spi.ProviderKeySource;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An agent's admission once its lease is closed. */
class AgentTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** Grants every handshake; accepts reports and returns. */
    private static final class Granting extends StubLeaseClient {
        @Override
        public LeaseGrant handshake(HandshakeRequest request) {
            return new LeaseGrant(
                    "lease_1", Money.ofMicros(1_000_000), Money.ZERO, Optional.empty());
        }

        @Override
        public Money returnUnused(String leaseId, Money spent) {
            return Money.ofMicros(1_000_000).minusOrZero(spent);
        }
    }

    private Agent agentWithClosedLease() {
        CostController ledger = CostController.withLimit(Money.ZERO);
        BudgetLeaseManager lease =
                BudgetLeaseManager.builder(
                                new Granting(), "ic-agent-token", () -> ProviderType.OPENAI, ledger)
                        .clock(Clock.systemUTC())
                        .scheduler(scheduler)
                        .options(ControlPlaneOptions.of(URI.create("http://127.0.0.1:1")))
                        .build();
        lease.start();
        Agent agent =
                new Agent(
                        "agent_1",
                        "ic-agent-token",
                        ProviderKeySource.fixed(
                                new ProviderKey(ProviderType.OPENAI, "sk-x", Optional.empty())),
                        ledger,
                        lease);
        lease.close();
        return agent;
    }

    @Test
    void aStoppedAgentWhoseLeaseIsClosedLeavesTheRefusalToThePipeline() {
        Agent agent = agentWithClosedLease();
        agent.markStopped(); // as AgentRegistry does, before it closes the lease

        assertDoesNotThrow(agent::admit, "the pipeline answers 401 for a stopped tenant");
    }

    @Test
    void aRunningAgentWhoseLeaseWasClosedIsABug() {
        Agent agent = agentWithClosedLease();

        assertThrows(IllegalStateException.class, agent::admit);
    }
}
