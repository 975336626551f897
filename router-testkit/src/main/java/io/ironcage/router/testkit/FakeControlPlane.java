package io.ironcage.router.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ironcage.router.core.domain.ProviderType;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fake Iron Cage control server on {@code 127.0.0.1}: the endpoints the router calls, with the
 * real server's wire format (integer micro-dollars, {@code /api/v1/...}; reference §5.2, §7.2,
 * §8.6) and state (agents, budgets, leases, analytics events).
 *
 * <pre>{@code
 * try (FakeControlPlane server = FakeControlPlane.create().start()) {
 *     server.addAgent("ic-token-1", ProviderType.OPENAI, "sk-test", 5_000_000);
 *     // ... a router in server mode talks to server.baseUri() ...
 *     assertEquals(1, server.leases().size());
 * }
 * }</pre>
 *
 * <p>Endpoints: {@code POST /api/v1/agents/provider-key}, {@code /api/v1/budget/handshake} (grants
 * {@code min(remaining, requested)}, default $10), {@code /api/v1/budget/report}, {@code
 * /api/v1/budget/refresh} (like the real server, it requires a user access token, see {@link
 * #userAccessToken(String)}), {@code /api/v1/budget/return} (restores {@code granted − spent}),
 * {@code /api/v1/analytics/events} (202 accepted, 200 duplicate by {@code event_id}). Errors carry
 * the real server's statuses and bodies. Any endpoint can be made to fail for its next calls
 * ({@link #failNext(Endpoint, int, Fault)}), and the whole server can disappear and come back
 * ({@link #goOffline()}, {@link #goOnline()}); every call is recorded.
 */
public final class FakeControlPlane implements AutoCloseable {
    /** The endpoints, for fault injection and verification. */
    public enum Endpoint {
        /** {@code POST /api/v1/agents/provider-key}. */
        PROVIDER_KEY("/api/v1/agents/provider-key"),
        /** {@code POST /api/v1/budget/handshake}. */
        HANDSHAKE("/api/v1/budget/handshake"),
        /** {@code POST /api/v1/budget/report}. */
        REPORT("/api/v1/budget/report"),
        /** {@code POST /api/v1/budget/refresh}. */
        REFRESH("/api/v1/budget/refresh"),
        /** {@code POST /api/v1/budget/return}. */
        RETURN("/api/v1/budget/return"),
        /** {@code POST /api/v1/analytics/events}. */
        ANALYTICS_EVENTS("/api/v1/analytics/events");

        private final String path;

        Endpoint(String path) {
            this.path = path;
        }

        /**
         * Returns the endpoint's path.
         *
         * @return the path, e.g. {@code /api/v1/budget/handshake}
         */
        public String path() {
            return path;
        }

        static Optional<Endpoint> ofPath(String path) {
            for (Endpoint e : values()) {
                if (e.path.equals(path)) {
                    return Optional.of(e);
                }
            }
            return Optional.empty();
        }
    }

    /** How an endpoint misbehaves, for {@link #failNext(Endpoint, int, Fault)}. */
    public static final class Fault {
        private final int status;
        private final String body;
        private final Duration delay;
        private final boolean hang;
        private final CountDownLatch gate;

        private Fault(int status, String body, Duration delay, boolean hang) {
            this(status, body, delay, hang, null);
        }

        private Fault(int status, String body, Duration delay, boolean hang, CountDownLatch gate) {
            this.status = status;
            this.body = body;
            this.delay = delay;
            this.hang = hang;
            this.gate = gate;
        }

        /**
         * Answers with this status and body instead of the real answer.
         *
         * @param status the HTTP status
         * @param body the body (sent as {@code application/json})
         * @return the fault
         */
        public static Fault status(int status, String body) {
            return new Fault(status, Objects.requireNonNull(body, "body"), Duration.ZERO, false);
        }

        /**
         * Answers 200 with a body that is not JSON.
         *
         * @return the fault
         */
        public static Fault malformedJson() {
            return new Fault(200, "{\"lease_id\": ", Duration.ZERO, false);
        }

        /**
         * Waits, then answers normally.
         *
         * @param delay how long
         * @return the fault
         */
        public static Fault delay(Duration delay) {
            return new Fault(0, null, Objects.requireNonNull(delay, "delay"), false);
        }

        /**
         * Waits until {@code gate} opens (or the fake is closed), then answers normally: holds
         * calls so that a test can see how many a client has in flight at once.
         *
         * @param gate opened by the test
         * @return the fault
         */
        public static Fault until(CountDownLatch gate) {
            return new Fault(0, null, Duration.ZERO, false, Objects.requireNonNull(gate, "gate"));
        }

        /**
         * Never answers (until the fake is closed).
         *
         * @return the fault
         */
        public static Fault hang() {
            return new Fault(0, null, Duration.ZERO, true);
        }

        @Override
        public String toString() {
            return hang
                    ? "Fault[hang]"
                    : gate != null
                            ? "Fault[until a gate opens]"
                            : body == null ? "Fault[delay " + delay + "]" : "Fault[" + status + "]";
        }
    }

    /**
     * An agent known to the fake server.
     *
     * @param agentId the id, {@code agent_<n>}
     * @param icToken the token the agent presents
     * @param provider the provider of its assigned key, if one is assigned
     * @param providerKey the assigned key, if any
     * @param baseUrl the key's base URL, if any
     */
    public record Agent(
            String agentId,
            String icToken,
            Optional<ProviderType> provider,
            Optional<String> providerKey,
            Optional<URI> baseUrl) {
        /** Validates the components. */
        public Agent {
            Objects.requireNonNull(agentId, "agentId");
            Objects.requireNonNull(icToken, "icToken");
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(providerKey, "providerKey");
            Objects.requireNonNull(baseUrl, "baseUrl");
        }

        /** Never shows the token or the key. */
        @Override
        public String toString() {
            return "Agent["
                    + agentId
                    + ", provider="
                    + provider.map(ProviderType::id).orElse("none")
                    + "]";
        }
    }

    /**
     * A lease as the fake server sees it.
     *
     * @param leaseId {@code lease_<uuid>}
     * @param agentId the agent it was granted to
     * @param provider the provider named at handshake
     * @param grantedMicros the amount granted
     * @param reportedSpentMicros the sum of reported costs
     * @param status {@code active}, {@code expired}, {@code revoked} or {@code closed}
     * @param returnedMicros what {@code return} restored to the agent, once closed
     */
    public record Lease(
            String leaseId,
            String agentId,
            String provider,
            long grantedMicros,
            long reportedSpentMicros,
            String status,
            long returnedMicros) {
        Lease withSpent(long spent) {
            return new Lease(
                    leaseId, agentId, provider, grantedMicros, spent, status, returnedMicros);
        }

        Lease withStatus(String newStatus, long returned) {
            return new Lease(
                    leaseId,
                    agentId,
                    provider,
                    grantedMicros,
                    reportedSpentMicros,
                    newStatus,
                    returned);
        }
    }

    /** Default handshake grant, as the real server's {@code DEFAULT_HANDSHAKE_BUDGET} ($10). */
    public static final long DEFAULT_HANDSHAKE_MICROS = BudgetLedger.DEFAULT_REQUEST_MICROS;

    /** The largest handshake request, as the real server's {@code MAX_HANDSHAKE_BUDGET} ($100). */
    public static final long MAX_HANDSHAKE_MICROS = BudgetLedger.MAX_HANDSHAKE_MICROS;

    private final Object lock = new Object();
    private final Map<String, Agent> agentsByToken = new HashMap<>();
    private final BudgetLedger ledger = new BudgetLedger();
    private final Map<String, JsonNode> events = new LinkedHashMap<>();
    private final Map<Endpoint, Deque<Fault>> faults = new EnumMap<>(Endpoint.class);
    private final BlockingQueue<RecordedRequest> requests = new LinkedBlockingQueue<>();
    private final Map<Endpoint, Integer> calls = new EnumMap<>(Endpoint.class);
    private final Map<Endpoint, Integer> awaiting = new EnumMap<>(Endpoint.class);
    private final Map<Endpoint, Integer> mostAwaiting = new EnumMap<>(Endpoint.class);
    private final Set<java.net.InetSocketAddress> clients = new java.util.HashSet<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile String userAccessToken;
    private LoopbackServer server;
    private volatile URI address;
    private boolean offline;

    private FakeControlPlane() {}

    /**
     * Returns an unstarted fake control server with no agents.
     *
     * @return the fake
     */
    public static FakeControlPlane create() {
        return new FakeControlPlane();
    }

    /**
     * Binds {@code 127.0.0.1} on a free port and starts serving.
     *
     * @return this fake
     * @throws IllegalStateException if already started or closed
     */
    public synchronized FakeControlPlane start() {
        if (server != null || closed.getCount() == 0) {
            throw new IllegalStateException("a FakeControlPlane starts once and is not reusable");
        }
        server = LoopbackServer.start("fake-control-plane", this::handle);
        address = server.baseUri();
        return this;
    }

    /**
     * Makes the server disappear: the port is closed, so calls are refused as when the control
     * server is down; calls in progress are cut off. Agents, budgets, leases and events are kept
     * for {@link #goOnline()}.
     *
     * @return this fake
     * @throws IllegalStateException if not started, or closed
     */
    public synchronized FakeControlPlane goOffline() {
        requireRunning();
        if (!offline) {
            server.close();
            offline = true;
        }
        return this;
    }

    /**
     * Brings the server back after {@link #goOffline()}, on the same address and with the same
     * state.
     *
     * @return this fake
     * @throws IllegalStateException if not started, or closed
     * @throws java.io.UncheckedIOException if the port was taken meanwhile
     */
    public synchronized FakeControlPlane goOnline() {
        requireRunning();
        if (offline) {
            server = LoopbackServer.start("fake-control-plane", this::handle, address.getPort());
            offline = false;
        }
        return this;
    }

    private void requireRunning() {
        if (server == null || closed.getCount() == 0) {
            throw new IllegalStateException("the FakeControlPlane is not running");
        }
    }

    /**
     * Returns the server URL to configure, e.g. {@code http://127.0.0.1:54321}.
     *
     * @return the base URI
     * @throws IllegalStateException if not started
     */
    public URI baseUri() {
        URI a = address;
        if (a == null) {
            throw new IllegalStateException("start() the FakeControlPlane first");
        }
        return a;
    }

    /**
     * Adds an agent with an assigned provider key and a budget.
     *
     * @param icToken the token the agent will present
     * @param provider the provider of its key
     * @param providerKey the key handed out by {@code provider-key}
     * @param budgetMicros the agent's budget in micro-dollars
     * @return the agent
     */
    public Agent addAgent(
            String icToken, ProviderType provider, String providerKey, long budgetMicros) {
        return addAgent(
                icToken,
                Optional.of(provider),
                Optional.of(providerKey),
                Optional.empty(),
                budgetMicros);
    }

    /**
     * Adds an agent with everything spelled out; an agent without a key gets 403 {@code
     * NO_PROVIDER_ASSIGNED} from {@code provider-key}.
     *
     * @param icToken the token the agent will present
     * @param provider the provider of its key, if one is assigned
     * @param providerKey the key, if one is assigned
     * @param baseUrl the key's base URL, if any (e.g. a {@link FakeProvider}'s)
     * @param budgetMicros the agent's budget in micro-dollars
     * @return the agent
     */
    public Agent addAgent(
            String icToken,
            Optional<ProviderType> provider,
            Optional<String> providerKey,
            Optional<URI> baseUrl,
            long budgetMicros) {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(providerKey, "providerKey");
        Objects.requireNonNull(baseUrl, "baseUrl");
        synchronized (lock) {
            String agentId =
                    ledger.addAgent(icToken, provider.map(Set::of).orElse(Set.of()), budgetMicros);
            Agent agent = new Agent(agentId, icToken, provider, providerKey, baseUrl);
            agentsByToken.put(icToken, agent);
            return agent;
        }
    }

    /**
     * Sets the user access token that {@code refresh} requires as {@code Authorization: Bearer}.
     * Without one, every refresh gets the real server's 401 (an IC token is not a user token).
     *
     * @param token the token
     * @return this fake
     */
    public FakeControlPlane userAccessToken(String token) {
        this.userAccessToken = Objects.requireNonNull(token, "token");
        return this;
    }

    /**
     * Returns the budget an agent has left (allocated − granted + returned).
     *
     * @param agentId the agent
     * @return micro-dollars
     */
    public long remainingMicros(String agentId) {
        return ledger.remainingMicros(agentId);
    }

    /**
     * Returns every lease ever granted, in grant order.
     *
     * @return the leases
     */
    public List<Lease> leases() {
        return ledger.leases();
    }

    /**
     * Marks a lease expired, as the server would after its time ran out.
     *
     * @param leaseId the lease
     */
    public void expireLease(String leaseId) {
        setLeaseStatus(leaseId, "expired");
    }

    /**
     * Marks a lease revoked.
     *
     * @param leaseId the lease
     */
    public void revokeLease(String leaseId) {
        setLeaseStatus(leaseId, "revoked");
    }

    /**
     * Returns the analytics events accepted so far (duplicates counted once), in arrival order.
     *
     * @return the events as sent
     */
    public List<JsonNode> analyticsEvents() {
        synchronized (lock) {
            return List.copyOf(events.values());
        }
    }

    /**
     * Makes an endpoint misbehave for its next calls, after any faults queued before.
     *
     * @param endpoint the endpoint
     * @param times how many calls, {@code >= 1}
     * @param fault what happens instead of the real answer
     * @return this fake
     */
    public FakeControlPlane failNext(Endpoint endpoint, int times, Fault fault) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, got " + times);
        }
        synchronized (lock) {
            Deque<Fault> queue = faults.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
            for (int i = 0; i < times; i++) {
                queue.add(Objects.requireNonNull(fault, "fault"));
            }
        }
        return this;
    }

    /**
     * Returns how many calls an endpoint received, faulty or not.
     *
     * @param endpoint the endpoint
     * @return the count
     */
    public int callCount(Endpoint endpoint) {
        synchronized (lock) {
            return calls.getOrDefault(endpoint, 0);
        }
    }

    /**
     * Returns how many calls of an endpoint have arrived and not yet been answered.
     *
     * @param endpoint the endpoint
     * @return the count now
     */
    public int callsAwaitingAnswer(Endpoint endpoint) {
        synchronized (lock) {
            return awaiting.getOrDefault(endpoint, 0);
        }
    }

    /**
     * Returns how many client connections (distinct client addresses and ports) have sent calls:
     * fewer than the calls when a client keeps its connections alive.
     *
     * @return the count so far
     */
    public int connectionsSeen() {
        synchronized (lock) {
            return clients.size();
        }
    }

    /**
     * Returns the most calls of an endpoint that were waiting for their answer at the same time: a
     * call counts from its arrival until just before its answer is written, so a client that waits
     * for an answer before its next call is never seen twice.
     *
     * @param endpoint the endpoint
     * @return the most at once so far
     */
    public int mostCallsAtOnce(Endpoint endpoint) {
        synchronized (lock) {
            return mostAwaiting.getOrDefault(endpoint, 0);
        }
    }

    /**
     * Takes the oldest recorded call, waiting for one to arrive.
     *
     * @param timeout how long to wait
     * @return the request
     * @throws AssertionError if none arrives in time
     */
    public RecordedRequest takeRequest(Duration timeout) {
        try {
            RecordedRequest request = requests.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (request == null) {
                throw new AssertionError(
                        "no request reached the fake control plane within " + timeout);
            }
            return request;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a request", e);
        }
    }

    /** Stops serving, ends hanging calls and frees the port. Idempotent. */
    @Override
    public synchronized void close() {
        closed.countDown();
        if (server != null && !offline) {
            server.close();
        }
    }

    @Override
    public String toString() {
        return "FakeControlPlane["
                + (address == null ? "not started" : address.toString())
                + (offline ? ", offline" : "")
                + "]";
    }

    // --- handling ------------------------------------------------------------------------------

    /** An answer: status and JSON body. */
    private record Answer(int status, String body) {}

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            RecordedRequest request = LoopbackServer.read(exchange);
            requests.add(request);
            synchronized (lock) {
                clients.add(exchange.getRemoteAddress());
            }
            Optional<Endpoint> endpoint = Endpoint.ofPath(request.path());
            if (endpoint.isEmpty() || !"POST".equals(request.method())) {
                LoopbackServer.sendJson(exchange, 404, "{\"error\":\"Not Found\"}");
                return;
            }
            Fault fault;
            synchronized (lock) {
                calls.merge(endpoint.get(), 1, Integer::sum);
                int now = awaiting.merge(endpoint.get(), 1, Integer::sum);
                mostAwaiting.merge(endpoint.get(), now, Math::max);
                Deque<Fault> queue = faults.get(endpoint.get());
                fault = queue == null ? null : queue.poll();
            }
            Answer answer;
            try {
                if (fault != null && fault.hang) {
                    LoopbackServer.await(closed);
                    return;
                }
                if (fault != null && fault.body != null) {
                    answer = new Answer(fault.status, fault.body);
                } else {
                    if (fault != null && fault.gate != null) {
                        LoopbackServer.awaitEither(fault.gate, closed);
                    } else if (fault != null) {
                        LoopbackServer.pause(fault.delay);
                    }
                    answer = answer(endpoint.get(), request);
                }
            } finally {
                synchronized (lock) {
                    awaiting.merge(endpoint.get(), -1, Integer::sum);
                }
            }
            LoopbackServer.sendJson(exchange, answer.status, answer.body);
        }
    }

    private Answer answer(Endpoint endpoint, RecordedRequest request) {
        JsonNode body;
        try {
            body = WireFormat.JSON.readTree(request.body());
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.isObject()) {
            return error(400, "Invalid JSON body");
        }
        synchronized (lock) {
            switch (endpoint) {
                case PROVIDER_KEY:
                    return providerKey(body);
                case HANDSHAKE:
                    return handshake(body);
                case REPORT:
                    return report(body);
                case REFRESH:
                    return refresh(body, request);
                case RETURN:
                    return returnLease(body);
                default:
                    return analyticsEvent(body);
            }
        }
    }

    private static Answer json(int status, ObjectNode node) {
        return new Answer(status, WireFormat.write(node));
    }

    private static Answer error(int status, String message) {
        return json(status, WireFormat.object().put("error", message));
    }

    private static Answer coded(int status, String error, String code) {
        return json(status, WireFormat.object().put("error", error).put("code", code));
    }

    private static Optional<String> text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        return node != null && node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    }

    private Answer providerKey(JsonNode body) {
        String token = text(body, "ic_token").orElse("");
        if (token.isBlank()) {
            return coded(400, "ic_token cannot be empty", "INVALID_TOKEN");
        }
        if (token.length() > 2000) {
            return coded(400, "ic_token too long (max 2000 characters)", "INVALID_TOKEN");
        }
        Agent agent = agentsByToken.get(token);
        if (agent == null) {
            return coded(401, "Invalid IC Token", "UNAUTHORIZED");
        }
        if (agent.providerKey().isEmpty() || agent.provider().isEmpty()) {
            return coded(403, "Agent has no provider assigned", "NO_PROVIDER_ASSIGNED");
        }
        ObjectNode ok = WireFormat.object();
        ok.put("provider_key", agent.providerKey().get())
                .put("provider", agent.provider().get().id());
        agent.baseUrl().ifPresent(url -> ok.put("base_url", url.toString()));
        return json(200, ok);
    }

    private Answer handshake(JsonNode body) {
        String token = text(body, "ic_token").orElse("");
        String provider = text(body, "provider").orElse("");
        if (token.isBlank()) {
            return error(400, "ic_token cannot be empty");
        }
        if (provider.isBlank()) {
            return error(400, "provider cannot be empty");
        }
        long requested = DEFAULT_HANDSHAKE_MICROS;
        JsonNode req = body.get("requested_budget");
        if (req != null && !req.isNull()) {
            if (!req.canConvertToExactIntegral()) {
                return error(400, "Invalid requested_budget: must be an integer");
            }
            requested = req.asLong();
        }
        BudgetLedger.Outcome<BudgetLedger.Grant> outcome =
                ledger.handshake(token, provider, requested);
        if (outcome.refusal().isPresent()) {
            return refused(outcome.refusal().get());
        }
        BudgetLedger.Grant grant = outcome.value();
        ObjectNode ok = WireFormat.object();
        ok.put("ip_token", "AES256:ZmFrZQ==:ZmFrZQ==:ZmFrZQ==")
                .put("lease_id", grant.leaseId())
                .put("budget_granted", grant.grantedMicros())
                .put("budget_remaining", grant.remainingMicros())
                .putNull("expires_at");
        return json(200, ok);
    }

    private static Answer refused(BudgetLedger.Refusal refusal) {
        ObjectNode body = WireFormat.object().put("error", refusal.message());
        refusal.extra().forEach(body::put);
        return json(refusal.status(), body);
    }

    /** The node as a long, or {@code invalid} when it is missing or not an integer. */
    private static long integral(JsonNode node, long invalid) {
        return node != null && node.canConvertToExactIntegral() ? node.asLong() : invalid;
    }

    private Answer report(JsonNode body) {
        String leaseId = text(body, "lease_id").orElse("");
        if (leaseId.isBlank()) {
            return error(400, "lease_id cannot be empty");
        }
        BudgetLedger.Outcome<Long> outcome =
                ledger.report(
                        leaseId,
                        integral(body.get("tokens"), 0),
                        integral(body.get("cost_microdollars"), -1));
        if (outcome.refusal().isPresent()) {
            return refused(outcome.refusal().get());
        }
        ObjectNode ok = WireFormat.object();
        ok.put("success", true).put("budget_remaining", outcome.value());
        return json(200, ok);
    }

    private Answer refresh(JsonNode body, RecordedRequest request) {
        Optional<String> auth = request.header("authorization");
        if (auth.isEmpty() || !auth.get().startsWith("Bearer ")) {
            return json(401, authError("AUTH_MISSING_TOKEN", "Missing authentication token"));
        }
        String expected = userAccessToken;
        if (expected == null || !auth.get().equals("Bearer " + expected)) {
            return json(
                    401,
                    authError("AUTH_INVALID_TOKEN", "Invalid or expired authentication token"));
        }
        String token = text(body, "ic_token").orElse("");
        String leaseId = text(body, "current_lease_id").orElse("");
        if (token.isBlank()) {
            return error(400, "ic_token cannot be empty");
        }
        if (leaseId.isBlank()) {
            return error(400, "current_lease_id cannot be empty");
        }
        long requested = DEFAULT_HANDSHAKE_MICROS;
        JsonNode req = body.get("requested_budget");
        if (req != null && !req.isNull()) {
            requested = integral(req, 0);
        }
        BudgetLedger.Outcome<BudgetLedger.Refreshed> outcome =
                ledger.refresh(token, leaseId, requested);
        if (outcome.refusal().isPresent()) {
            return refused(outcome.refusal().get());
        }
        BudgetLedger.Refreshed refreshed = outcome.value();
        ObjectNode out = WireFormat.object();
        if (refreshed.leaseId().isEmpty()) {
            out.put("status", "denied")
                    .putNull("budget_granted")
                    .put("budget_remaining", refreshed.remainingMicros())
                    .putNull("lease_id")
                    .put("reason", "insufficient_budget");
            return json(200, out);
        }
        out.put("status", "approved")
                .put("budget_granted", refreshed.grantedMicros())
                .put("budget_remaining", refreshed.remainingMicros())
                .put("lease_id", refreshed.leaseId().get())
                .putNull("reason");
        return json(200, out);
    }

    private static ObjectNode authError(String code, String message) {
        ObjectNode body = WireFormat.object();
        body.putObject("error").put("code", code).put("message", message);
        return body;
    }

    private Answer returnLease(JsonNode body) {
        String leaseId = text(body, "lease_id").orElse("");
        if (leaseId.isBlank()) {
            return error(400, "lease_id cannot be empty");
        }
        long spent = 0;
        JsonNode spentNode = body.get("spent_microdollars");
        if (spentNode != null && !spentNode.isNull()) {
            spent = integral(spentNode, -1);
        }
        BudgetLedger.Outcome<Long> outcome = ledger.returnLease(leaseId, spent);
        if (outcome.refusal().isPresent()) {
            return refused(outcome.refusal().get());
        }
        ObjectNode ok = WireFormat.object();
        ok.put("success", true).put("returned", outcome.value());
        return json(200, ok);
    }

    private Answer analyticsEvent(JsonNode body) {
        String token = text(body, "ic_token").orElse("");
        if (!agentsByToken.containsKey(token)) {
            return json(
                    401,
                    WireFormat.object()
                            .put("error", "UNAUTHORIZED")
                            .put("message", "Invalid or expired IC token"));
        }
        String eventId = text(body, "event_id").orElse("");
        if (eventId.isBlank()) {
            return validation("event_id is required");
        }
        String type = text(body, "event_type").orElse("");
        if (!type.equals("llm_request_completed") && !type.equals("llm_request_failed")) {
            return validation("Invalid event_type: " + type);
        }
        String provider = text(body, "provider").orElse("");
        if (!List.of("openai", "anthropic", "unknown").contains(provider)) {
            return validation("Invalid provider: " + provider);
        }
        if (type.equals("llm_request_completed")
                && (!body.path("input_tokens").canConvertToExactIntegral()
                        || !body.path("output_tokens").canConvertToExactIntegral())) {
            return validation(
                    "input_tokens and output_tokens are required for llm_request_completed");
        }
        ObjectNode out = WireFormat.object().put("event_id", eventId);
        if (events.containsKey(eventId)) {
            return json(200, out.put("status", "duplicate"));
        }
        events.put(eventId, body);
        return json(202, out.put("status", "accepted"));
    }

    private static Answer validation(String message) {
        return json(
                400, WireFormat.object().put("error", "VALIDATION_ERROR").put("message", message));
    }

    private void setLeaseStatus(String leaseId, String status) {
        ledger.setLeaseStatus(leaseId, status);
    }
}
