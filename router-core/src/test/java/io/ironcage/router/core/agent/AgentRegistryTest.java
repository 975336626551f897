package io.ironcage.router.core.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.spi.ProviderKeySource;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The agents of a router: starting one talks to the control plane, and must not stall the rest. */
class AgentRegistryTest {
    private static final ProviderKeySource KEYS =
            ProviderKeySource.fixed(new ProviderKey(ProviderType.OPENAI, "sk-x", Optional.empty()));

    @Test
    void anAgentStartingSlowlyDoesNotBlockTheOthers() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AgentRegistry registry =
                new AgentRegistry(
                        new Tenants(),
                        (spec, id) -> {
                            if (id.equals("slow")) {
                                entered.countDown(); // the key fetch and lease handshake
                                try {
                                    release.await(30, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                            return new Agent(
                                    id, spec.icToken(), KEYS, CostController.unlimited(), null);
                        },
                        Clock.systemUTC(),
                        Duration.ofMillis(10));
        registry.start(AgentSpec.of("ic-fast-token").withAgentId("fast"));
        CompletableFuture<Agent> slow =
                CompletableFuture.supplyAsync(
                        () -> registry.start(AgentSpec.of("ic-slow-token").withAgentId("slow")));
        try {
            assertTrue(entered.await(10, TimeUnit.SECONDS));

            CompletableFuture<List<Agent>> all = CompletableFuture.supplyAsync(registry::all);
            CompletableFuture<Optional<String>> token =
                    CompletableFuture.supplyAsync(() -> registry.tokenOf("fast"));
            assertEquals(1, all.get(2, TimeUnit.SECONDS).size(), "not blocked by the slow start");
            assertEquals(Optional.of("ic-fast-token"), token.get(2, TimeUnit.SECONDS));
        } finally {
            release.countDown();
        }
        assertEquals("slow", slow.get(10, TimeUnit.SECONDS).id());
        assertEquals(2, registry.all().size());
    }

    @Test
    void twoStartsOfOneIdLeaveOneAgent() throws Exception {
        AgentRegistry registry =
                new AgentRegistry(
                        new Tenants(),
                        (spec, id) ->
                                new Agent(
                                        id, spec.icToken(), KEYS, CostController.unlimited(), null),
                        Clock.systemUTC(),
                        Duration.ofMillis(10));
        registry.start(AgentSpec.of("ic-one-token").withAgentId("a"));
        ExecutionException e =
                assertThrows(
                        ExecutionException.class,
                        () ->
                                CompletableFuture.supplyAsync(
                                                () ->
                                                        registry.start(
                                                                AgentSpec.of("ic-two-token")
                                                                        .withAgentId("a")))
                                        .get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
        assertEquals(1, registry.all().size());
    }
}
