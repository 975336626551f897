package io.ironcage.router.testkit;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An in-memory {@link BudgetLeaseClient}: Protocol 005 with the Iron Cage server's rules and
 * answers, without HTTP. It shares its ledger code with {@link FakeControlPlane}, so grants,
 * refusals, statuses and messages are the same as over the wire: an agent budget per IC token,
 * handshake grants {@code min(remaining, requested)} (default 10,000,000 µ$, at most 100,000,000),
 * report enforces the lease's budget, refresh is approved or denied, return restores {@code granted
 * − spent} once. Refusals are {@link ControlPlaneException}s with the server's status and {@code
 * error} message. Unlike the real server, refresh needs no user access token.
 *
 * <pre>{@code
 * FakeBudgetLeaseClient leases = FakeBudgetLeaseClient.create();
 * String agent = leases.addAgent("ic-token", Money.ofMicros(5_000_000));
 * // ... code under test handshakes, reports and returns through `leases` ...
 * assertEquals(5_000_000, leases.remaining(agent).micros());
 * }</pre>
 *
 * <p>Every call is recorded ({@link #calls()}), including refused and failed ones; {@link
 * #failNext(ControlPlaneException)} makes the next call throw without touching the ledger.
 * Thread-safe. After {@link #close()} every call throws {@link IllegalStateException}.
 */
public final class FakeBudgetLeaseClient implements BudgetLeaseClient {
    /** A call the fake received, with its arguments. IC tokens never show in {@code toString}. */
    public sealed interface Call permits HandshakeCall, ReportCall, RefreshCall, ReturnCall {}

    /**
     * A {@link #handshake(HandshakeRequest)} call.
     *
     * @param request the request
     */
    public record HandshakeCall(HandshakeRequest request) implements Call {}

    /**
     * A {@link #report(String, String, long, Money, String, ProviderType)} call.
     *
     * @param leaseId the lease
     * @param requestId the request id
     * @param tokens the tokens
     * @param cost the cost
     * @param model the model
     * @param provider the provider
     */
    public record ReportCall(
            String leaseId,
            String requestId,
            long tokens,
            Money cost,
            String model,
            ProviderType provider)
            implements Call {}

    /**
     * A {@link #refresh(RefreshRequest)} call.
     *
     * @param request the request
     */
    public record RefreshCall(RefreshRequest request) implements Call {}

    /**
     * A {@link #returnUnused(String, Money)} call.
     *
     * @param leaseId the lease
     * @param spent the money spent
     */
    public record ReturnCall(String leaseId, Money spent) implements Call {}

    private final BudgetLedger ledger = new BudgetLedger();
    private final List<Call> calls = new ArrayList<>();
    private final Deque<ControlPlaneException> failures = new ArrayDeque<>();
    private boolean closed;

    private FakeBudgetLeaseClient() {}

    /**
     * Returns a fake with no agents.
     *
     * @return the fake
     */
    public static FakeBudgetLeaseClient create() {
        return new FakeBudgetLeaseClient();
    }

    /**
     * Adds an agent that may lease for every provider.
     *
     * @param icToken the token it presents, not blank, not used yet
     * @param budget its budget
     * @return its agent id, {@code agent_<n>}
     */
    public String addAgent(String icToken, Money budget) {
        return addAgent(icToken, EnumSet.allOf(ProviderType.class), budget);
    }

    /**
     * Adds an agent whose server holds keys for some providers only; a handshake for another gets
     * 404 {@code No API keys configured for provider}.
     *
     * @param icToken the token it presents, not blank, not used yet
     * @param providers the providers it may lease for
     * @param budget its budget
     * @return its agent id, {@code agent_<n>}
     */
    public String addAgent(String icToken, Set<ProviderType> providers, Money budget) {
        Objects.requireNonNull(providers, "providers");
        Objects.requireNonNull(budget, "budget");
        return ledger.addAgent(icToken, providers, budget.micros());
    }

    /**
     * Returns what an agent has left: its budget minus what leases hold, plus what was returned.
     *
     * @param agentId the agent
     * @return the remaining budget
     * @throws IllegalArgumentException if there is no such agent
     */
    public Money remaining(String agentId) {
        return Money.ofMicros(ledger.remainingMicros(agentId));
    }

    /**
     * Returns every lease granted so far, in grant order, as {@link FakeControlPlane} shows them.
     *
     * @return the leases
     */
    public List<FakeControlPlane.Lease> leases() {
        return ledger.leases();
    }

    /**
     * Marks a lease expired, as the server does when its time runs out.
     *
     * @param leaseId the lease
     */
    public void expireLease(String leaseId) {
        ledger.setLeaseStatus(leaseId, "expired");
    }

    /**
     * Marks a lease revoked.
     *
     * @param leaseId the lease
     */
    public void revokeLease(String leaseId) {
        ledger.setLeaseStatus(leaseId, "revoked");
    }

    /**
     * Makes the next call (of any kind, after failures queued before) throw {@code failure} without
     * changing any state — e.g. {@code new ControlPlaneException(500, "Database error")} or a
     * no-response failure.
     *
     * @param failure what the call throws
     * @return this fake
     */
    public FakeBudgetLeaseClient failNext(ControlPlaneException failure) {
        Objects.requireNonNull(failure, "failure");
        synchronized (failures) {
            failures.add(failure);
        }
        return this;
    }

    /**
     * Returns the calls received so far, in order, refused and failed ones included.
     *
     * @return the calls
     */
    public List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /**
     * Returns the calls of one kind, in order.
     *
     * @param type e.g. {@code ReturnCall.class}
     * @param <T> the kind
     * @return the calls
     */
    public <T extends Call> List<T> calls(Class<T> type) {
        Objects.requireNonNull(type, "type");
        return calls().stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public LeaseGrant handshake(HandshakeRequest request) {
        Objects.requireNonNull(request, "request");
        begin(new HandshakeCall(request));
        BudgetLedger.Grant grant =
                orThrow(
                        ledger.handshake(
                                request.icToken(),
                                request.provider().id(),
                                request.requestedMicros()
                                        .orElse(BudgetLedger.DEFAULT_REQUEST_MICROS)));
        return new LeaseGrant(
                grant.leaseId(),
                Money.ofMicros(grant.grantedMicros()),
                Money.ofMicros(grant.remainingMicros()),
                Optional.empty());
    }

    @Override
    public ReportResult report(
            String leaseId,
            String requestId,
            long tokens,
            Money cost,
            String model,
            ProviderType provider) {
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(provider, "provider");
        begin(new ReportCall(leaseId, requestId, tokens, cost, model, provider));
        if (leaseId.isBlank()) {
            throw new ControlPlaneException(400, "lease_id cannot be empty");
        }
        long remaining = orThrow(ledger.report(leaseId, tokens, cost.micros()));
        return new ReportResult(Money.ofMicros(remaining));
    }

    @Override
    public RefreshResult refresh(RefreshRequest request) {
        Objects.requireNonNull(request, "request");
        begin(new RefreshCall(request));
        BudgetLedger.Refreshed refreshed =
                orThrow(
                        ledger.refresh(
                                request.icToken(),
                                request.currentLeaseId(),
                                request.requestedMicros()
                                        .orElse(BudgetLedger.DEFAULT_REQUEST_MICROS)));
        Money remaining = Money.ofMicros(refreshed.remainingMicros());
        if (refreshed.leaseId().isEmpty()) {
            return new RefreshResult.Denied(RefreshResult.Denied.INSUFFICIENT_BUDGET, remaining);
        }
        return new RefreshResult.Approved(
                refreshed.leaseId().get(), Money.ofMicros(refreshed.grantedMicros()), remaining);
    }

    @Override
    public Money returnUnused(String leaseId, Money spent) {
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(spent, "spent");
        begin(new ReturnCall(leaseId, spent));
        if (leaseId.isBlank()) {
            throw new ControlPlaneException(400, "lease_id cannot be empty");
        }
        return Money.ofMicros(orThrow(ledger.returnLease(leaseId, spent.micros())));
    }

    /** Makes every later call throw {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        synchronized (calls) {
            closed = true;
        }
    }

    @Override
    public String toString() {
        return "FakeBudgetLeaseClient[" + leases().size() + " leases]";
    }

    /** Records the call, then throws if closed or if a failure is queued. */
    private void begin(Call call) {
        synchronized (calls) {
            if (closed) {
                throw new IllegalStateException("the FakeBudgetLeaseClient is closed");
            }
            calls.add(call);
        }
        ControlPlaneException failure;
        synchronized (failures) {
            failure = failures.poll();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static <T> T orThrow(BudgetLedger.Outcome<T> outcome) {
        Optional<BudgetLedger.Refusal> refusal = outcome.refusal();
        if (refusal.isPresent()) {
            throw new ControlPlaneException(refusal.get().status(), refusal.get().message());
        }
        return outcome.value();
    }
}
