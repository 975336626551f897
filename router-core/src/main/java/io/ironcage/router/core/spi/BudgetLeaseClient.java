package io.ironcage.router.core.spi;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetLease;
import io.ironcage.router.core.errors.ControlPlaneException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Leases budget from the Iron Cage control server: Protocol 005 as the server implements it
 * (reference §7.2, not the protocol document, §7.3): {@code POST /api/v1/budget/handshake}, {@code
 * /report}, {@code /refresh} and {@code /return}, all amounts in integer micro-dollars.
 *
 * <p>Contract (checked by {@code router-testkit}'s {@code BudgetLeaseClientContract}):
 *
 * <ul>
 *   <li>A handshake grants {@code min(agent budget remaining, requested)} (default request
 *       10,000,000 µ$) and reports what the agent has left after the grant; an agent with nothing
 *       left is refused.
 *   <li>A report is refused when the cost does not fit in what the lease has left.
 *   <li>{@link #returnUnused(String, Money)} closes the lease and restores exactly {@code
 *       max(granted − spent, 0)} to the agent; a lease can be returned once.
 *   <li>Every refusal or failure is a {@link ControlPlaneException} with the server's status and
 *       {@code error} message ({@code 0} when the server could not be reached). A refresh the
 *       server denies for lack of budget is an expected outcome: {@link RefreshResult.Denied}.
 *   <li>No IC token appears in an exception message or a {@code toString()}.
 *   <li>Calls block on the network: keep them off event-loop threads. Local enforcement of a lease
 *       stays in {@code CostController}; this port only talks to the server.
 * </ul>
 */
public interface BudgetLeaseClient extends AutoCloseable {
    /**
     * Asks for a lease ({@code POST /api/v1/budget/handshake}).
     *
     * @param request the IC token, the provider and the amount wanted
     * @return the lease granted
     * @throws ControlPlaneException on refusal (401 {@code Invalid IC Token}, 403 {@code Budget
     *     limit exceeded}, 400 {@code Unsupported provider: …}, 404 {@code No API keys configured
     *     for provider}, …) or failure
     */
    LeaseGrant handshake(HandshakeRequest request);

    /**
     * Reports one request's usage against a lease ({@code POST /api/v1/budget/report}). The server
     * requires {@code tokens > 0}.
     *
     * @param leaseId the lease
     * @param requestId the request's id, for the server's records
     * @param tokens tokens the request used, {@code > 0}
     * @param cost what it cost
     * @param model the model
     * @param provider the provider
     * @return what the agent has left
     * @throws ControlPlaneException on refusal (404 {@code Lease not found}, 403 {@code Lease
     *     expired}, 403 {@code Lease has been revoked}, 403 {@code Insufficient lease budget}, …)
     *     or failure
     */
    ReportResult report(
            String leaseId,
            String requestId,
            long tokens,
            Money cost,
            String model,
            ProviderType provider);

    /**
     * Asks for a new lease in place of the current one ({@code POST /api/v1/budget/refresh}); when
     * approved the current lease is expired by the server. Note that the real server also requires
     * a user access token (reference §7.2.3), which is the implementation's configuration, not part
     * of this call.
     *
     * @param request the IC token, the current lease and the amount wanted
     * @return approved with the new lease, or denied with the server's reason
     * @throws ControlPlaneException on refusal (401, 404 {@code Lease not found}, 403 {@code Lease
     *     expired}, …) or failure
     */
    RefreshResult refresh(RefreshRequest request);

    /**
     * Returns what a lease did not spend and closes it ({@code POST /api/v1/budget/return}).
     *
     * @param leaseId the lease
     * @param spent what was spent from it
     * @return the amount restored to the agent: {@code max(granted − spent, 0)}
     * @throws ControlPlaneException on refusal (404 {@code Lease not found}, 400 {@code Lease is
     *     not active}) or failure
     */
    Money returnUnused(String leaseId, Money spent);

    /**
     * Releases the client's resources. Does not return any lease (call {@link #returnUnused}
     * first). Idempotent.
     */
    @Override
    void close();

    /**
     * A handshake request (reference §7.2.1). Its {@code toString()} never shows the token.
     *
     * @param icToken the agent's IC token, not blank
     * @param provider the provider the lease is for (the key's provider, not a fixed {@code
     *     openai})
     * @param requestedMicros the amount wanted in micro-dollars, {@code > 0}; empty for the
     *     server's default (10,000,000 µ$)
     */
    record HandshakeRequest(String icToken, ProviderType provider, OptionalLong requestedMicros) {
        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if the token is blank or the amount is not positive
         */
        public HandshakeRequest {
            requireToken(icToken);
            Objects.requireNonNull(provider, "provider");
            requirePositive(requestedMicros);
        }

        /**
         * Returns a request for the server's default amount.
         *
         * @param icToken the IC token
         * @param provider the provider
         * @return the request
         */
        public static HandshakeRequest of(String icToken, ProviderType provider) {
            return new HandshakeRequest(icToken, provider, OptionalLong.empty());
        }

        /**
         * Returns a request for an amount.
         *
         * @param icToken the IC token
         * @param provider the provider
         * @param requested the amount wanted, more than zero
         * @return the request
         */
        public static HandshakeRequest of(String icToken, ProviderType provider, Money requested) {
            return new HandshakeRequest(icToken, provider, OptionalLong.of(requested.micros()));
        }

        /** Never shows the token. */
        @Override
        public String toString() {
            return "HandshakeRequest[icToken=<redacted>, provider="
                    + provider.id()
                    + ", requestedMicros="
                    + requestedMicros
                    + "]";
        }
    }

    /**
     * A lease the server granted (reference §7.2.1 response; the {@code ip_token} is not kept).
     *
     * @param leaseId the lease's id, {@code lease_<uuid>}
     * @param granted the amount granted
     * @param remaining what the agent has left after the grant; empty when the server did not say
     *     (the figure is informative: nothing is decided on it)
     * @param expiresAt when the lease runs out; empty when the server sets no deadline (it sends
     *     {@code null} today)
     */
    record LeaseGrant(
            String leaseId, Money granted, Optional<Money> remaining, Optional<Instant> expiresAt) {
        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if {@code leaseId} is blank
         */
        public LeaseGrant {
            requireLeaseId(leaseId);
            Objects.requireNonNull(granted, "granted");
            Objects.requireNonNull(remaining, "remaining");
            Objects.requireNonNull(expiresAt, "expiresAt");
        }

        /**
         * A grant whose answer said what the agent has left.
         *
         * @param leaseId the lease's id
         * @param granted the amount granted
         * @param remaining what the agent has left after the grant
         * @param expiresAt when the lease runs out, or empty
         */
        public LeaseGrant(
                String leaseId, Money granted, Money remaining, Optional<Instant> expiresAt) {
            this(leaseId, granted, Optional.of(remaining), expiresAt);
        }

        /**
         * Returns the grant as a new, active domain lease with nothing spent.
         *
         * @return the lease
         */
        public BudgetLease toLease() {
            return expiresAt
                    .map(at -> BudgetLease.active(leaseId, granted, at))
                    .orElseGet(() -> BudgetLease.active(leaseId, granted));
        }
    }

    /**
     * The server's answer to a report (reference §7.2.2).
     *
     * @param remaining what the agent has left
     */
    record ReportResult(Money remaining) {
        /**
         * Validates the component.
         *
         * @throws NullPointerException if {@code remaining} is {@code null}
         */
        public ReportResult {
            Objects.requireNonNull(remaining, "remaining");
        }
    }

    /**
     * A refresh request (reference §7.2.3). Its {@code toString()} never shows the token.
     *
     * @param icToken the agent's IC token, not blank
     * @param currentLeaseId the lease to replace
     * @param requestedMicros the amount wanted in micro-dollars, {@code > 0}; empty for the
     *     server's default (10,000,000 µ$)
     */
    record RefreshRequest(String icToken, String currentLeaseId, OptionalLong requestedMicros) {
        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if the token or lease id is blank or the amount is not
         *     positive
         */
        public RefreshRequest {
            requireToken(icToken);
            requireLeaseId(currentLeaseId);
            requirePositive(requestedMicros);
        }

        /**
         * Returns a request for the server's default amount.
         *
         * @param icToken the IC token
         * @param currentLeaseId the lease to replace
         * @return the request
         */
        public static RefreshRequest of(String icToken, String currentLeaseId) {
            return new RefreshRequest(icToken, currentLeaseId, OptionalLong.empty());
        }

        /**
         * Returns a request for an amount.
         *
         * @param icToken the IC token
         * @param currentLeaseId the lease to replace
         * @param requested the amount wanted, more than zero
         * @return the request
         */
        public static RefreshRequest of(String icToken, String currentLeaseId, Money requested) {
            return new RefreshRequest(icToken, currentLeaseId, OptionalLong.of(requested.micros()));
        }

        /** Never shows the token. */
        @Override
        public String toString() {
            return "RefreshRequest[icToken=<redacted>, currentLeaseId="
                    + currentLeaseId
                    + ", requestedMicros="
                    + requestedMicros
                    + "]";
        }
    }

    /** The server's answer to a refresh: {@link Approved} or {@link Denied} (reference §7.2.3). */
    sealed interface RefreshResult permits RefreshResult.Approved, RefreshResult.Denied {
        /**
         * Returns what the agent has left after the answer.
         *
         * @return the remaining budget
         */
        Money remaining();

        /**
         * A new lease replaces the current one, which the server has expired.
         *
         * @param leaseId the new lease's id
         * @param granted the amount granted
         * @param remaining what the agent has left after the grant
         */
        record Approved(String leaseId, Money granted, Money remaining) implements RefreshResult {
            /**
             * Validates the components.
             *
             * @throws NullPointerException if a component is {@code null}
             * @throws IllegalArgumentException if {@code leaseId} is blank
             */
            public Approved {
                requireLeaseId(leaseId);
                Objects.requireNonNull(granted, "granted");
                Objects.requireNonNull(remaining, "remaining");
            }
        }

        /**
         * No new lease; the current one stays as it was.
         *
         * @param reason the server's reason, e.g. {@code insufficient_budget}
         * @param remaining what the agent has left
         */
        record Denied(String reason, Money remaining) implements RefreshResult {
            /** The server's reason when the agent has no budget left. */
            public static final String INSUFFICIENT_BUDGET = "insufficient_budget";

            /**
             * Validates the components.
             *
             * @throws NullPointerException if a component is {@code null}
             */
            public Denied {
                Objects.requireNonNull(reason, "reason");
                Objects.requireNonNull(remaining, "remaining");
            }
        }
    }

    private static void requireToken(String icToken) {
        Objects.requireNonNull(icToken, "icToken");
        if (icToken.isBlank()) {
            throw new IllegalArgumentException("the IC token must not be blank");
        }
    }

    private static void requireLeaseId(String leaseId) {
        Objects.requireNonNull(leaseId, "leaseId");
        if (leaseId.isBlank()) {
            throw new IllegalArgumentException("a lease id must not be blank");
        }
    }

    private static void requirePositive(OptionalLong requestedMicros) {
        Objects.requireNonNull(requestedMicros, "requestedMicros");
        if (requestedMicros.isPresent() && requestedMicros.getAsLong() <= 0) {
            throw new IllegalArgumentException(
                    "the requested amount must be positive, got "
                            + requestedMicros.getAsLong()
                            + " µ$");
        }
    }
}
