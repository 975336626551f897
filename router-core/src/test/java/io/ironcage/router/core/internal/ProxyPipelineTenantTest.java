package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.agent.Tenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.UsageEventSink;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's parts of server mode, without a network: tenants by token, the refetch after an
 * upstream 401, and control-plane failures rendered in the caller's format.
 */
class ProxyPipelineTenantTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final URI UPSTREAM = URI.create("http://127.0.0.1:9");
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String ANSWER =
            "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1000,"
                    + "\"completion_tokens\":500,\"total_tokens\":1500}}";
    private static final Clock CLOCK =
            Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    /** Upstream answering 401 to every key but the accepted ones. */
    private static final class Upstream implements HttpTransport {
        final List<Request> requests = new CopyOnWriteArrayList<>();
        final Set<String> accepted;

        Upstream(String... accepted) {
            this.accepted = Set.of(accepted);
        }

        private boolean ok(Request r) {
            String auth = r.headers().first("authorization").orElse("");
            return accepted.contains(auth.replace("Bearer ", ""));
        }

        @Override
        public Response send(Request request) {
            requests.add(request);
            return ok(request)
                    ? new Response(
                            200, HeaderMap.of("content-type", "application/json"), bytes(ANSWER))
                    : new Response(
                            401,
                            HeaderMap.of("content-type", "application/json"),
                            bytes("{\"error\":{\"message\":\"Incorrect API key provided\"}}"));
        }

        @Override
        public StreamingResponse open(Request request) {
            Response r = send(request);
            Deque<byte[]> chunks = new ArrayDeque<>();
            if (r.status() == 200) {
                chunks.add(
                        bytes(
                                "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n"
                                        + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":10,"
                                        + "\"completion_tokens\":5}}\n\ndata: [DONE]\n\n"));
            } else {
                chunks.add(r.body());
            }
            return new StreamingResponse() {
                @Override
                public int status() {
                    return r.status();
                }

                @Override
                public HeaderMap headers() {
                    return HeaderMap.of(
                            "content-type",
                            r.status() == 200 ? "text/event-stream" : "application/json");
                }

                @Override
                public Optional<byte[]> read() {
                    return Optional.ofNullable(chunks.poll());
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public void close() {}
    }

    /** A key source that hands out keys in turn, moving on when told a key was rejected. */
    private static final class RotatingKeys implements ProviderKeySource {
        final Deque<String> secrets;
        final AtomicInteger invalidations = new AtomicInteger();
        final AtomicInteger lookups = new AtomicInteger();
        String current;

        RotatingKeys(String... secrets) {
            this.secrets = new ArrayDeque<>(List.of(secrets));
            this.current = this.secrets.poll();
        }

        @Override
        public Set<ProviderType> providers() {
            return EnumSet.of(ProviderType.OPENAI);
        }

        @Override
        public synchronized Optional<ProviderKey> key(ProviderType provider) {
            lookups.incrementAndGet();
            return Optional.of(ProviderKey.openAi(current, UPSTREAM));
        }

        @Override
        public synchronized void invalidate(ProviderKey rejected) {
            invalidations.incrementAndGet();
            if (rejected.secret().equals(current) && !secrets.isEmpty()) {
                current = secrets.poll();
            }
        }
    }

    private record Agent(
            String id, ProviderKeySource keys, CostController ledger, List<Money> settled)
            implements Tenant {
        @Override
        public Optional<String> agentId() {
            return Optional.ofNullable(id);
        }

        @Override
        public void settled(ProviderType provider, String model, TokenUsage usage, Money cost) {
            settled.add(cost);
        }
    }

    private static final class Events implements UsageEventSink {
        final List<AnalyticsEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void record(AnalyticsEvent event) {
            events.add(event);
        }

        @Override
        public long droppedCount() {
            return 0;
        }

        @Override
        public void close() {}
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ProxyPipeline pipeline(Tenants tenants, HttpTransport upstream, Events events) {
        return new ProxyPipeline(
                tenants,
                upstream,
                PricingTables.bundled(),
                events,
                CLOCK,
                ProxyPipeline.Settings.of(Duration.ofSeconds(5), 1 << 20).withRejectUnpriced(true));
    }

    private static CapturingSink call(
            ProxyPipeline pipeline, String path, String token, String body) {
        CapturingSink answer = new CapturingSink();
        Blocking.handle(
                pipeline,
                new ProxyRequest(
                        "POST",
                        path,
                        "",
                        HeaderMap.of(
                                "authorization",
                                "Bearer " + token,
                                "content-type",
                                "application/json"),
                        bytes(body),
                        false),
                answer);
        return answer;
    }

    /** A tenant stopped (its lease about to be returned) while one of its requests is in flight. */
    private static final class StoppingTenant implements Tenant {
        final CostController ledger = CostController.withLimit(Money.ofMicros(5_000_000));
        final ProviderKeySource keys;
        volatile boolean stopped;
        volatile Money reservedWhenSettled;

        StoppingTenant(boolean stopDuringKeyLookup) {
            ProviderKeySource fixed =
                    ProviderKeySource.fixed(ProviderKey.openAi("sk-live", UPSTREAM));
            this.keys =
                    new ProviderKeySource() {
                        @Override
                        public Set<ProviderType> providers() {
                            return fixed.providers();
                        }

                        @Override
                        public Optional<ProviderKey> key(ProviderType provider) {
                            if (stopDuringKeyLookup) {
                                stopped = true; // AgentRegistry.stop() runs meanwhile
                            }
                            return fixed.key(provider);
                        }
                    };
        }

        @Override
        public Optional<String> agentId() {
            return Optional.of("agent_1");
        }

        @Override
        public ProviderKeySource keys() {
            return keys;
        }

        @Override
        public CostController ledger() {
            return ledger;
        }

        @Override
        public boolean isStopped() {
            return stopped;
        }

        @Override
        public void settled(ProviderType provider, String model, TokenUsage usage, Money cost) {
            reservedWhenSettled = ledger.reserved();
        }
    }

    @Test
    void aTenantStoppedBeforeItsRequestReservedSpendsNothing() {
        Upstream upstream = new Upstream("sk-live");
        StoppingTenant tenant = new StoppingTenant(true);
        ProxyPipeline pipeline = pipeline(Tenants.single("ic-a", tenant), upstream, new Events());

        CapturingSink answer = call(pipeline, "/v1/chat/completions", "ic-a", CHAT);

        assertEquals(401, answer.status(), answer.text());
        assertEquals(0, upstream.requests.size(), "nothing sent once the lease is being returned");
        assertEquals(Money.ZERO, tenant.ledger.reserved());
        assertEquals(Money.ZERO, tenant.ledger.totalSpent());
    }

    @Test
    void aTenantStoppedBeforeAdmissionIsRefusedEvenForAnUnpricedModel() {
        Upstream upstream = new Upstream("sk-live");
        StoppingTenant tenant = new StoppingTenant(false);
        tenant.stopped = true; // stopped after the request authenticated, lease closed
        ProxyPipeline pipeline = pipeline(Tenants.single("ic-a", tenant), upstream, new Events());

        CapturingSink answer =
                call(
                        pipeline,
                        "/v1/chat/completions",
                        "ic-a",
                        "{\"model\":\"gpt-no-such-price\","
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertEquals(401, answer.status(), answer.text());
        assertEquals(0, upstream.requests.size());
    }

    @Test
    void theLeaseHearsOfTheSpendBeforeTheReservationIsReleased() {
        // AgentRegistry.stop() returns the lease once nothing is reserved: by then the lease must
        // know every cost, or the server gets back money that was spent
        StoppingTenant tenant = new StoppingTenant(false);
        ProxyPipeline pipeline =
                pipeline(Tenants.single("ic-a", tenant), new Upstream("sk-live"), new Events());

        CapturingSink answer = call(pipeline, "/v1/chat/completions", "ic-a", CHAT);

        assertEquals(200, answer.status(), answer.text());
        assertFalse(tenant.reservedWhenSettled.isZero(), "settled while still reserved");
        assertEquals(Money.ZERO, tenant.ledger.reserved());
        assertFalse(tenant.ledger.totalSpent().isZero());
    }

    @Test
    void anUpstream401FetchesAFreshKeyAndRetriesOnce() {
        Upstream upstream = new Upstream("sk-fresh");
        RotatingKeys keys = new RotatingKeys("sk-stale", "sk-fresh");
        CostController ledger = CostController.withLimit(Money.ofMicros(5_000_000));
        Agent agent = new Agent("agent_1", keys, ledger, new ArrayList<>());
        ProxyPipeline pipeline = pipeline(Tenants.single("ic-a", agent), upstream, new Events());

        CapturingSink answer = call(pipeline, "/v1/chat/completions", "ic-a", CHAT);

        assertEquals(200, answer.status(), answer.text());
        assertEquals(2, upstream.requests.size());
        assertEquals(
                "Bearer sk-stale",
                upstream.requests.get(0).headers().first("authorization").orElseThrow());
        assertEquals(
                "Bearer sk-fresh",
                upstream.requests.get(1).headers().first("authorization").orElseThrow());
        assertEquals(Money.ZERO, ledger.reserved(), "the reservation was settled");
        assertEquals(1, agent.settled().size(), "billed once");
        assertFalse(ledger.totalSpent().isZero());
    }

    @Test
    void aStreamedRequestIsRetriedWithTheFreshKeyToo() {
        Upstream upstream = new Upstream("sk-fresh");
        RotatingKeys keys = new RotatingKeys("sk-stale", "sk-fresh");
        Agent agent =
                new Agent(
                        null,
                        keys,
                        CostController.withLimit(Money.ofMicros(5_000_000)),
                        new ArrayList<>());
        ProxyPipeline pipeline = pipeline(Tenants.single("ic-a", agent), upstream, new Events());

        CapturingSink answer =
                call(
                        pipeline,
                        "/v1/chat/completions",
                        "ic-a",
                        CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""));

        assertEquals(200, answer.status(), answer.text());
        assertTrue(answer.text().contains("[DONE]"));
        assertEquals(2, upstream.requests.size());
    }

    @Test
    void onlyOneRetryWhenTheFreshKeyIsRejectedToo() throws Exception {
        Upstream upstream = new Upstream();
        RotatingKeys keys = new RotatingKeys("sk-one", "sk-two", "sk-three");
        CostController ledger = CostController.withLimit(Money.ofMicros(5_000_000));
        ProxyPipeline pipeline =
                pipeline(
                        Tenants.single("ic-a", new Agent(null, keys, ledger, new ArrayList<>())),
                        upstream,
                        new Events());

        CapturingSink answer = call(pipeline, "/v1/chat/completions", "ic-a", CHAT);

        assertEquals(502, answer.status());
        assertEquals("provider_authentication_failed", answer.json().at("/error/code").asText());
        assertEquals(2, upstream.requests.size(), "the request went out twice, not three times");
        assertEquals(Money.ZERO, ledger.reserved());
        assertEquals(Money.ZERO, ledger.totalSpent());
    }

    @Test
    void aFixedKeyIsNotRetriedAfter401() {
        Upstream upstream = new Upstream();
        ProxyPipeline pipeline =
                pipeline(
                        Tenants.single(
                                "ic-a",
                                new Agent(
                                        null,
                                        ProviderKeySource.fixed(
                                                ProviderKey.openAi("sk-fixed", UPSTREAM)),
                                        CostController.unlimited(),
                                        new ArrayList<>())),
                        upstream,
                        new Events());

        assertEquals(502, call(pipeline, "/v1/chat/completions", "ic-a", CHAT).status());
        assertEquals(1, upstream.requests.size());
    }

    @Test
    void anUnreachableControlPlaneIsA503InTheCallersFormatWithNoReservationLeft() throws Exception {
        Upstream upstream = new Upstream("sk-x");
        CostController ledger = CostController.withLimit(Money.ofMicros(5_000_000));
        ProviderKeySource unreachable =
                new ProviderKeySource() {
                    @Override
                    public Set<ProviderType> providers() {
                        return EnumSet.allOf(ProviderType.class);
                    }

                    @Override
                    public Optional<ProviderKey> key(ProviderType provider) {
                        throw new ControlPlaneException(
                                "no connection to 127.0.0.1:1 for the provider key request",
                                new ForwardException(ForwardException.Kind.CONNECT, "x", null));
                    }
                };
        ProxyPipeline pipeline =
                pipeline(
                        Tenants.single(
                                "ic-a", new Agent(null, unreachable, ledger, new ArrayList<>())),
                        upstream,
                        new Events());

        CapturingSink openAi = call(pipeline, "/v1/chat/completions", "ic-a", CHAT);
        assertEquals(503, openAi.status());
        assertEquals("control_plane_unreachable", openAi.json().at("/error/code").asText());
        assertTrue(
                openAi.json()
                        .at("/error/message")
                        .asText()
                        .contains("could not be reached: no connection to 127.0.0.1:1"),
                openAi.text());

        CapturingSink anthropic =
                call(
                        pipeline,
                        "/v1/messages",
                        "ic-a",
                        "{\"model\":\"claude-3-5-haiku-20241022\",\"max_tokens\":10,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(503, anthropic.status());
        assertEquals("error", anthropic.json().at("/type").asText());
        assertEquals("api_error", anthropic.json().at("/error/type").asText());
        assertTrue(upstream.requests.isEmpty(), "nothing reached a provider");
        assertEquals(Money.ZERO, ledger.reserved());
    }

    @Test
    void aTenantThatRefusesAdmissionGetsTheControlPlanesRefusalNotA402() throws Exception {
        Upstream upstream = new Upstream("sk-x");
        RotatingKeys keys = new RotatingKeys("sk-x");
        CostController ledger = CostController.withLimit(Money.ZERO);
        Tenant refusing =
                new Tenant() {
                    @Override
                    public Optional<String> agentId() {
                        return Optional.of("agent_9");
                    }

                    @Override
                    public ProviderKeySource keys() {
                        return keys;
                    }

                    @Override
                    public CostController ledger() {
                        return ledger;
                    }

                    @Override
                    public void admit() {
                        throw new ControlPlaneException(403, "Budget limit exceeded");
                    }
                };
        ProxyPipeline pipeline = pipeline(Tenants.single("ic-a", refusing), upstream, new Events());

        CapturingSink answer = call(pipeline, "/v1/chat/completions", "ic-a", CHAT);

        assertEquals(403, answer.status(), answer.text());
        assertEquals("control_plane_refused", answer.json().at("/error/code").asText());
        assertTrue(answer.text().contains("Budget limit exceeded"), answer.text());
        assertEquals(0, keys.lookups.get(), "no key is fetched for a refused request");
        assertTrue(upstream.requests.isEmpty());
    }

    @Test
    void eachTokenUsesItsOwnTenantsKeysBudgetAndAgentId() {
        Upstream upstream = new Upstream("sk-a", "sk-b");
        Agent a =
                new Agent(
                        "agent_1",
                        new RotatingKeys("sk-a"),
                        CostController.withLimit(Money.ofMicros(5_000_000)),
                        new ArrayList<>());
        Agent b =
                new Agent(
                        "agent_2",
                        new RotatingKeys("sk-b"),
                        CostController.withLimit(Money.ofMicros(5_000_000)),
                        new ArrayList<>());
        Tenants tenants = new Tenants();
        tenants.add("ic-a", a);
        tenants.add("ic-b", b);
        Events events = new Events();
        ProxyPipeline pipeline = pipeline(tenants, upstream, events);

        assertEquals(200, call(pipeline, "/v1/chat/completions", "ic-a", CHAT).status());
        assertEquals(200, call(pipeline, "/v1/chat/completions", "ic-b", CHAT).status());
        assertEquals(200, call(pipeline, "/v1/chat/completions", "ic-b", CHAT).status());
        assertEquals(401, call(pipeline, "/v1/chat/completions", "ic-c", CHAT).status());

        assertEquals(
                "Bearer sk-a", upstream.requests.get(0).headers().first("authorization").get());
        assertEquals(
                "Bearer sk-b", upstream.requests.get(1).headers().first("authorization").get());
        assertEquals(1, a.settled().size());
        assertEquals(2, b.settled().size());
        assertEquals(
                b.ledger().totalSpent(), a.ledger().totalSpent().plus(a.ledger().totalSpent()));
        assertEquals(
                List.of(Optional.of("agent_1"), Optional.of("agent_2"), Optional.of("agent_2")),
                events.events.stream().map(AnalyticsEvent::agentId).toList());

        assertTrue(tenants.remove("ic-a"));
        assertEquals(401, call(pipeline, "/v1/chat/completions", "ic-a", CHAT).status());
    }
}
