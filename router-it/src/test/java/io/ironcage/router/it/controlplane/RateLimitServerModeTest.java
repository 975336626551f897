package io.ironcage.router.it.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.agent.AgentSpec;
import io.ironcage.router.core.agent.RateLimits;
import io.ironcage.router.core.controlplane.ControlPlaneOptions;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.testkit.FakeControlPlane;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.MutableClock;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Server mode: every agent has its own rate limits, built from the same settings. */
class RateLimitServerModeTest {
    private static final String TOKEN_A = "ic-RATES-A-secret-0001";
    private static final String TOKEN_B = "ic-RATES-B-secret-0002";
    private static final String KEY = "sk-proj-RATES-secret";
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"max_tokens\":20,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @StartStop final FakeControlPlane server = FakeControlPlane.create();
    @StartStop final FakeProvider provider = FakeProvider.openAi();

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    private LlmRouter router;

    @AfterEach
    void close() {
        if (router != null) {
            router.close();
        }
    }

    private int post(String token) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(
                                            URI.create(router.baseUri() + "/v1/chat/completions"))
                                    .timeout(Duration.ofSeconds(10))
                                    .header("authorization", "Bearer " + token)
                                    .header("content-type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(CHAT))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void eachAgentCountsItsOwnRequests() {
        for (String token : new String[] {TOKEN_A, TOKEN_B}) {
            server.addAgent(
                    token,
                    Optional.of(ProviderType.OPENAI),
                    Optional.of(KEY),
                    Optional.of(provider.baseUri()),
                    25_000_000);
        }
        router =
                LlmRouter.builder()
                        .transport(new JdkHttpTransportProvider())
                        .controlPlane(
                                ControlPlaneOptions.builder(server.baseUri())
                                        .timeout(Duration.ofSeconds(2))
                                        .leaseSize(Money.ofMicros(1_000_000))
                                        .build())
                        .agent(AgentSpec.of(TOKEN_A).withAgentId("agent_a"))
                        .agent(AgentSpec.of(TOKEN_B).withAgentId("agent_b"))
                        .clock(clock)
                        .rateLimits(RateLimits.NONE.withRequestsPerMinute(2))
                        .start();

        assertEquals(200, post(TOKEN_A));
        assertEquals(200, post(TOKEN_A));
        assertEquals(429, post(TOKEN_A));
        assertEquals(200, post(TOKEN_B), "agent b has its own window");
        assertEquals(200, post(TOKEN_B));
        assertEquals(429, post(TOKEN_B));
        assertEquals(4, provider.requestCount());
        assertEquals(1, router.agents().metrics("agent_a").orElseThrow().failures());

        clock.advance(Duration.ofMinutes(1));
        assertEquals(200, post(TOKEN_A));
        assertEquals(200, post(TOKEN_B));
    }
}
