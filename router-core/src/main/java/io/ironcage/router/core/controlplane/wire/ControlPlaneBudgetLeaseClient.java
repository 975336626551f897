package io.ironcage.router.core.controlplane.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BudgetLeaseClient} over HTTP: Protocol 005 exactly as the Iron Cage server implements it
 * (reference §7.2; not the protocol document, §7.3), amounts in integer micro-dollars.
 *
 * <ul>
 *   <li>{@code POST /api/v1/budget/handshake} with {@code Authorization: Bearer <IC token>} (as the
 *       runtime sends it, §7.1.1) and {@code {"ic_token","provider","requested_budget"?}}.
 *   <li>{@code POST /api/v1/budget/report} with {@code {"lease_id","request_id","tokens",
 *       "cost_microdollars","model","provider"}}.
 *   <li>{@code POST /api/v1/budget/refresh} with {@code {"ic_token","current_lease_id",
 *       "requested_budget"?}}; the real server also wants a user access token ({@link
 *       Builder#userAccessToken(String)}), without which it answers 401.
 *   <li>{@code POST /api/v1/budget/return} with {@code {"lease_id","spent_microdollars"}}.
 * </ul>
 *
 * <p>An error answer becomes a {@link ControlPlaneException} with the server's status and {@code
 * error}; no answer (refused connection, timeout) one with status 0; a 2xx answer that is not the
 * expected JSON one with the answer's status and a message saying what is missing. A handshake
 * answer needs {@code lease_id} and {@code budget_granted}; {@code budget_remaining} is only
 * informative and may be missing ({@link LeaseGrant#remaining()} is then empty). The IC token, the
 * user access token and the raw body never appear in a message. Thread-safe; the transport is not
 * closed by {@link #close()} (it is shared with the caller).
 */
public final class ControlPlaneBudgetLeaseClient implements BudgetLeaseClient {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneBudgetLeaseClient.class);

    /** The handshake endpoint. */
    public static final String HANDSHAKE_PATH = "/api/v1/budget/handshake";

    /** The report endpoint. */
    public static final String REPORT_PATH = "/api/v1/budget/report";

    /** The refresh endpoint. */
    public static final String REFRESH_PATH = "/api/v1/budget/refresh";

    /** The return endpoint. */
    public static final String RETURN_PATH = "/api/v1/budget/return";

    private final ControlPlaneHttp http;
    private final String userAccessToken;
    private volatile boolean closed;

    private ControlPlaneBudgetLeaseClient(Builder b) {
        this.http = new ControlPlaneHttp(b.url, b.transport, b.timeout);
        this.userAccessToken = b.userAccessToken;
    }

    /**
     * Returns a client with the default timeout (10 s) and no user access token.
     *
     * @param url the control server's base URL
     * @param transport the HTTP client; not closed by this client
     * @return the client
     */
    public static ControlPlaneBudgetLeaseClient create(URI url, HttpTransport transport) {
        return builder(url, transport).build();
    }

    /**
     * Returns a builder.
     *
     * @param url the control server's base URL
     * @param transport the HTTP client; not closed by this client
     * @return the builder
     */
    public static Builder builder(URI url, HttpTransport transport) {
        return new Builder(url, transport);
    }

    @Override
    public LeaseGrant handshake(HandshakeRequest request) {
        Objects.requireNonNull(request, "request");
        requireOpen();
        ObjectNode body =
                ControlPlaneHttp.JSON
                        .createObjectNode()
                        .put("ic_token", request.icToken())
                        .put("provider", request.provider().id());
        request.requestedMicros().ifPresent(m -> body.put("requested_budget", m));
        JsonNode json =
                http.postForObject(
                        HANDSHAKE_PATH,
                        body,
                        HeaderMap.of("authorization", "Bearer " + request.icToken()),
                        "the budget handshake",
                        request.icToken());
        String what = "the handshake answer";
        String leaseId = leaseId(json, "lease_id", what);
        long granted = ControlPlaneHttp.integer(json, "budget_granted", 200, what);
        if (granted < 0) {
            throw ControlPlaneHttp.malformed(200, what + " has a negative budget_granted");
        }
        return new LeaseGrant(
                leaseId, Money.ofMicros(granted), remaining(json, leaseId), expiresAt(json, what));
    }

    /**
     * {@code budget_remaining} of a handshake answer: only informative (nothing is decided on it),
     * so an answer without it, or with an unreadable one, still grants the lease.
     */
    private static Optional<Money> remaining(JsonNode json, String leaseId) {
        JsonNode node = json.get("budget_remaining");
        if (node != null
                && node.isIntegralNumber()
                && node.canConvertToLong()
                && node.asLong() >= 0) {
            return Optional.of(Money.ofMicros(node.asLong()));
        }
        LOG.debug(
                "the handshake answer for lease {} has {} budget_remaining; the lease is taken"
                        + " without it",
                leaseId,
                node == null || node.isNull() ? "no" : "an unreadable");
        return Optional.empty();
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
        requireOpen();
        ObjectNode body =
                ControlPlaneHttp.JSON
                        .createObjectNode()
                        .put("lease_id", leaseId)
                        .put("request_id", requestId)
                        .put("tokens", tokens)
                        .put("cost_microdollars", cost.micros())
                        .put("model", model)
                        .put("provider", provider.id());
        JsonNode json =
                http.postForObject(REPORT_PATH, body, HeaderMap.empty(), "the usage report", null);
        requireSuccess(json, "the report answer");
        long remaining =
                ControlPlaneHttp.integer(json, "budget_remaining", 200, "the report answer");
        return new ReportResult(money(remaining, "the report answer"));
    }

    @Override
    public RefreshResult refresh(RefreshRequest request) {
        Objects.requireNonNull(request, "request");
        requireOpen();
        ObjectNode body =
                ControlPlaneHttp.JSON
                        .createObjectNode()
                        .put("ic_token", request.icToken())
                        .put("current_lease_id", request.currentLeaseId());
        request.requestedMicros().ifPresent(m -> body.put("requested_budget", m));
        HeaderMap headers =
                userAccessToken == null
                        ? HeaderMap.empty()
                        : HeaderMap.of("authorization", "Bearer " + userAccessToken);
        JsonNode json =
                http.postForObject(
                        REFRESH_PATH, body, headers, "the lease refresh", request.icToken());
        String what = "the refresh answer";
        long remaining = ControlPlaneHttp.integer(json, "budget_remaining", 200, what);
        String status = ControlPlaneHttp.text(json, "status").orElse("");
        if (status.equals("approved")) {
            return new RefreshResult.Approved(
                    leaseId(json, "lease_id", what),
                    money(ControlPlaneHttp.integer(json, "budget_granted", 200, what), what),
                    money(remaining, what));
        }
        if (status.equals("denied")) {
            String reason =
                    ControlPlaneHttp.text(json, "reason")
                            .map(r -> ControlPlaneHttp.clean(r, request.icToken()))
                            .orElse("");
            return new RefreshResult.Denied(reason, money(remaining, what));
        }
        throw ControlPlaneHttp.malformed(200, what + " has no status approved or denied");
    }

    @Override
    public Money returnUnused(String leaseId, Money spent) {
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(spent, "spent");
        requireOpen();
        ObjectNode body =
                ControlPlaneHttp.JSON
                        .createObjectNode()
                        .put("lease_id", leaseId)
                        .put("spent_microdollars", spent.micros());
        JsonNode json =
                http.postForObject(RETURN_PATH, body, HeaderMap.empty(), "the budget return", null);
        requireSuccess(json, "the return answer");
        return money(
                ControlPlaneHttp.integer(json, "returned", 200, "the return answer"),
                "the return answer");
    }

    /** Marks the client closed; later calls throw {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        closed = true;
    }

    /** Shows the server only. */
    @Override
    public String toString() {
        return "ControlPlaneBudgetLeaseClient[" + http.baseUrl() + "]";
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this budget lease client is closed");
        }
    }

    private static void requireSuccess(JsonNode json, String what) {
        JsonNode success = json.get("success");
        if (success != null && success.isBoolean() && !success.asBoolean()) {
            throw ControlPlaneHttp.malformed(200, what + " says success: false");
        }
    }

    private static String leaseId(JsonNode json, String field, String what) {
        return ControlPlaneHttp.text(json, field)
                .filter(id -> !id.isBlank())
                .map(id -> ControlPlaneHttp.clean(id, null))
                .orElseThrow(() -> ControlPlaneHttp.malformed(200, what + " has no " + field));
    }

    private static Money money(long micros, String what) {
        if (micros < 0) {
            throw ControlPlaneHttp.malformed(200, what + " has a negative amount");
        }
        return Money.ofMicros(micros);
    }

    /** {@code expires_at}: null or absent (today's server), epoch milliseconds or ISO-8601. */
    private static Optional<Instant> expiresAt(JsonNode json, String what) {
        JsonNode node = json.get("expires_at");
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return Optional.of(Instant.ofEpochMilli(node.asLong()));
        }
        if (node.isTextual()) {
            try {
                return Optional.of(Instant.parse(node.asText()));
            } catch (DateTimeParseException e) {
                throw ControlPlaneHttp.malformed(200, what + " has an unreadable expires_at");
            }
        }
        throw ControlPlaneHttp.malformed(200, what + " has an unreadable expires_at");
    }

    /** Configures a {@link ControlPlaneBudgetLeaseClient}. */
    public static final class Builder {
        private final URI url;
        private final HttpTransport transport;
        private Duration timeout = Duration.ofSeconds(10);
        private String userAccessToken;

        private Builder(URI url, HttpTransport transport) {
            this.url = Objects.requireNonNull(url, "url");
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /**
         * Sets the timeout of each call (default 10 s).
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = ControlPlaneHttp.requirePositive(timeout, "timeout");
            return this;
        }

        /**
         * Sets the user access token (a JWT of the control panel) the server requires for {@code
         * refresh} (reference §7.2.3); an IC token is not one.
         *
         * @param token the token, not blank
         * @return this builder
         */
        public Builder userAccessToken(String token) {
            Objects.requireNonNull(token, "token");
            if (token.isBlank()) {
                throw new IllegalArgumentException("the user access token must not be blank");
            }
            this.userAccessToken = token;
            return this;
        }

        /**
         * Builds the client.
         *
         * @return the client
         */
        public ControlPlaneBudgetLeaseClient build() {
            return new ControlPlaneBudgetLeaseClient(this);
        }
    }
}
