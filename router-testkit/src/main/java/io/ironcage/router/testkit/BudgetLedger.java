package io.ironcage.router.testkit;

import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.testkit.FakeControlPlane.Lease;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The Iron Cage server's budget state and Protocol 005 rules (reference §7.2), shared by {@link
 * FakeControlPlane} (over HTTP) and {@link FakeBudgetLeaseClient} (in memory), so both fakes agree
 * on every grant, refusal, status and message. Works on already-parsed values: JSON shape checks
 * (blank fields, non-integers) stay with the HTTP fake, which maps a non-integer amount to an
 * invalid one so the messages and their order are the server's. Thread-safe (one monitor).
 */
final class BudgetLedger {
    /** Default handshake and refresh request ({@code DEFAULT_HANDSHAKE_BUDGET}, $10). */
    static final long DEFAULT_REQUEST_MICROS = 10_000_000L;

    /** Largest handshake request ({@code MAX_HANDSHAKE_BUDGET}, $100). */
    static final long MAX_HANDSHAKE_MICROS = 100_000_000L;

    /** Largest refresh request ($1000). */
    static final long MAX_REFRESH_MICROS = 1_000_000_000L;

    /**
     * A refusal as the server sends it: status, {@code error} message and any extra numeric fields
     * of the error body.
     */
    record Refusal(int status, String message, Map<String, Long> extra) {
        Refusal {
            extra = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        }

        static Refusal of(int status, String message) {
            return new Refusal(status, message, Map.of());
        }
    }

    /** Either a value or a {@link Refusal}. */
    static final class Outcome<T> {
        private final T value;
        private final Refusal refusal;

        private Outcome(T value, Refusal refusal) {
            this.value = value;
            this.refusal = refusal;
        }

        static <T> Outcome<T> ok(T value) {
            return new Outcome<>(Objects.requireNonNull(value), null);
        }

        static <T> Outcome<T> refused(int status, String message) {
            return new Outcome<>(null, Refusal.of(status, message));
        }

        static <T> Outcome<T> refused(Refusal refusal) {
            return new Outcome<>(null, refusal);
        }

        Optional<Refusal> refusal() {
            return Optional.ofNullable(refusal);
        }

        T value() {
            if (refusal != null) {
                throw new IllegalStateException("refused: " + refusal);
            }
            return value;
        }
    }

    /** A granted lease: id, amount, what the agent has left. */
    record Grant(String leaseId, long grantedMicros, long remainingMicros) {}

    /** A refresh answer: a new lease, or denied when {@code leaseId} is empty. */
    record Refreshed(Optional<String> leaseId, long grantedMicros, long remainingMicros) {}

    private static final class Account {
        final String agentId;
        final Set<ProviderType> providers;
        final long allocated;
        long remaining;

        Account(String agentId, Set<ProviderType> providers, long allocated) {
            this.agentId = agentId;
            this.providers = providers;
            this.allocated = allocated;
            this.remaining = allocated;
        }
    }

    private final Map<String, Account> accountsByToken = new HashMap<>();
    private final Map<String, Account> accountsById = new HashMap<>();
    private final Map<String, Lease> leases = new LinkedHashMap<>();

    /**
     * Adds an agent.
     *
     * @param icToken its token, not blank, not used yet
     * @param providers the providers the server holds a key of for it (handshakes for others get
     *     404 {@code No API keys configured for provider})
     * @param budgetMicros its budget, not negative
     * @return the agent id, {@code agent_<n>}
     */
    synchronized String addAgent(String icToken, Set<ProviderType> providers, long budgetMicros) {
        if (icToken == null || icToken.isBlank()) {
            throw new IllegalArgumentException("an agent needs a non-blank IC token");
        }
        if (budgetMicros < 0) {
            throw new IllegalArgumentException(
                    "a budget must not be negative, got " + budgetMicros);
        }
        if (accountsByToken.containsKey(icToken)) {
            throw new IllegalArgumentException("that IC token is already used by another agent");
        }
        Set<ProviderType> keys =
                providers.isEmpty()
                        ? EnumSet.noneOf(ProviderType.class)
                        : EnumSet.copyOf(providers);
        Account account = new Account("agent_" + (accountsByToken.size() + 1), keys, budgetMicros);
        accountsByToken.put(icToken, account);
        accountsById.put(account.agentId, account);
        return account.agentId;
    }

    synchronized long remainingMicros(String agentId) {
        Account account = accountsById.get(agentId);
        if (account == null) {
            throw new IllegalArgumentException("no agent " + agentId);
        }
        return account.remaining;
    }

    synchronized List<Lease> leases() {
        return List.copyOf(leases.values());
    }

    synchronized void setLeaseStatus(String leaseId, String status) {
        Lease lease = leases.get(leaseId);
        if (lease == null) {
            throw new IllegalArgumentException("no lease " + leaseId);
        }
        leases.put(leaseId, lease.withStatus(status, lease.returnedMicros()));
    }

    /** {@code POST /api/v1/budget/handshake} after the JSON shape checks. */
    synchronized Outcome<Grant> handshake(String icToken, String provider, long requested) {
        if (requested <= 0) {
            return Outcome.refused(400, "Invalid requested_budget: must be positive");
        }
        if (requested > MAX_HANDSHAKE_MICROS) {
            return Outcome.refused(
                    400,
                    "Invalid requested_budget: exceeds maximum (100000000 microdollars / $100.00 USD)");
        }
        Account account = accountsByToken.get(icToken);
        if (account == null) {
            return Outcome.refused(401, "Invalid IC Token");
        }
        if (account.remaining <= 0) {
            Map<String, Long> extra = new LinkedHashMap<>();
            extra.put("total_allocated", account.allocated);
            extra.put("total_spent", spentBy(account.agentId));
            extra.put("budget_remaining", account.remaining);
            return Outcome.refused(new Refusal(403, "Budget limit exceeded", extra));
        }
        String wanted = provider.toLowerCase(Locale.ROOT);
        Optional<ProviderType> type = ProviderType.fromId(wanted);
        if (type.isEmpty()) {
            return Outcome.refused(400, "Unsupported provider: " + provider);
        }
        if (!account.providers.contains(type.get())) {
            return Outcome.refused(404, "No API keys configured for provider");
        }
        long granted = Math.min(account.remaining, requested);
        account.remaining -= granted;
        String leaseId = newLease(account.agentId, wanted, granted);
        return Outcome.ok(new Grant(leaseId, granted, account.remaining));
    }

    /** {@code POST /api/v1/budget/report}; answers what the agent has left. */
    synchronized Outcome<Long> report(String leaseId, long tokens, long costMicros) {
        if (costMicros < 0) {
            return Outcome.refused(400, "Invalid cost_microdollars: must be non-negative");
        }
        if (tokens <= 0) {
            return Outcome.refused(400, "Invalid tokens: must be positive");
        }
        Lease lease = leases.get(leaseId);
        Optional<Refusal> problem = leaseProblem(lease);
        if (problem.isPresent()) {
            return Outcome.refused(problem.get());
        }
        if (lease.grantedMicros() - lease.reportedSpentMicros() < costMicros) {
            return Outcome.refused(403, "Insufficient lease budget");
        }
        leases.put(leaseId, lease.withSpent(lease.reportedSpentMicros() + costMicros));
        return Outcome.ok(accountsById.get(lease.agentId()).remaining);
    }

    /** {@code POST /api/v1/budget/refresh} after authentication and the JSON shape checks. */
    synchronized Outcome<Refreshed> refresh(String icToken, String leaseId, long requested) {
        if (requested <= 0) {
            return Outcome.refused(400, "Invalid requested_budget: must be positive");
        }
        if (requested > MAX_REFRESH_MICROS) {
            return Outcome.refused(
                    400,
                    "Invalid requested_budget: exceeds maximum (1000000000 microdollars / $1000.00 USD)");
        }
        Account account = accountsByToken.get(icToken);
        if (account == null) {
            return Outcome.refused(401, "Invalid IC Token");
        }
        Lease lease = leases.get(leaseId);
        Optional<Refusal> problem = leaseProblem(lease);
        if (problem.isPresent()) {
            return Outcome.refused(problem.get());
        }
        if (!lease.agentId().equals(account.agentId)) {
            return Outcome.refused(403, "Unauthorized - lease belongs to different agent");
        }
        long granted = Math.min(account.remaining, requested);
        if (granted <= 0) {
            return Outcome.ok(new Refreshed(Optional.empty(), 0, account.remaining));
        }
        account.remaining -= granted;
        setLeaseStatus(leaseId, "expired");
        String newId = newLease(account.agentId, lease.provider(), granted);
        return Outcome.ok(new Refreshed(Optional.of(newId), granted, account.remaining));
    }

    /** {@code POST /api/v1/budget/return}; answers the amount restored. */
    synchronized Outcome<Long> returnLease(String leaseId, long spentMicros) {
        if (spentMicros < 0) {
            return Outcome.refused(400, "Invalid spent_microdollars: must be non-negative");
        }
        Lease lease = leases.get(leaseId);
        if (lease == null) {
            return Outcome.refused(404, "Lease not found");
        }
        if (!"active".equals(lease.status())) {
            return Outcome.refused(400, "Lease is not active");
        }
        long returned = Math.max(lease.grantedMicros() - spentMicros, 0);
        accountsById.get(lease.agentId()).remaining += returned;
        leases.put(leaseId, lease.withStatus("closed", returned));
        return Outcome.ok(returned);
    }

    private String newLease(String agentId, String provider, long granted) {
        String leaseId = "lease_" + UUID.randomUUID();
        leases.put(leaseId, new Lease(leaseId, agentId, provider, granted, 0, "active", 0));
        return leaseId;
    }

    private long spentBy(String agentId) {
        long spent = 0;
        for (Lease lease : leases.values()) {
            if (lease.agentId().equals(agentId)) {
                spent += lease.reportedSpentMicros();
            }
        }
        return spent;
    }

    private static Optional<Refusal> leaseProblem(Lease lease) {
        if (lease == null) {
            return Optional.of(Refusal.of(404, "Lease not found"));
        }
        if ("expired".equals(lease.status())) {
            return Optional.of(Refusal.of(403, "Lease expired"));
        }
        if ("revoked".equals(lease.status())) {
            return Optional.of(Refusal.of(403, "Lease has been revoked"));
        }
        return Optional.empty();
    }
}
