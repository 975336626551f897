package io.ironcage.router.analytics.sqlite;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.BudgetThresholdReached;
import io.ironcage.router.core.domain.analytics.EventPayload;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.domain.analytics.RouterStopped;
import io.ironcage.router.core.spi.UsageEventStore.SyncState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Maps {@link AnalyticsEvent}s to rows of {@code usage_events} and back. Every payload field has a
 * column; columns a payload lacks are NULL; booleans are 0/1; money is micro-dollars. A model name
 * longer than {@link #MAX_MODEL_LENGTH} is stored cut to that length.
 */
final class EventRows {
    /** The columns {@link #INSERT} writes, in parameter order. */
    private static final String[] COLUMNS = {
        "event_id",
        "event_type",
        "timestamp_ms",
        "agent_id",
        "provider",
        "provider_id",
        "model",
        "request_id",
        "latency_ms",
        "ttfb_ms",
        "streamed",
        "translated",
        "status",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "cost_micros",
        "priced",
        "error_code",
        "error_message",
        "threshold_percent",
        "budget_micros",
        "current_spend_micros",
        "port",
        "total_requests",
        "total_cost_micros",
        "router_request_id",
        "attempt"
    };

    /**
     * Inserts one event with positional parameters, in {@link #COLUMNS} order; a duplicate event id
     * is ignored (the first write wins).
     */
    static final String INSERT =
            "INSERT OR IGNORE INTO usage_events ("
                    + String.join(", ", COLUMNS)
                    + ") VALUES ("
                    + "?, ".repeat(COLUMNS.length - 1)
                    + "?)";

    private static final int EVENT_ID = column("event_id");
    private static final int EVENT_TYPE = column("event_type");
    private static final int TIMESTAMP_MS = column("timestamp_ms");
    private static final int AGENT_ID = column("agent_id");
    private static final int PROVIDER = column("provider");
    private static final int PROVIDER_ID = column("provider_id");
    private static final int MODEL = column("model");
    private static final int REQUEST_ID = column("request_id");
    private static final int LATENCY_MS = column("latency_ms");
    private static final int TTFB_MS = column("ttfb_ms");
    private static final int STREAMED = column("streamed");
    private static final int TRANSLATED = column("translated");
    private static final int STATUS = column("status");
    private static final int INPUT_TOKENS = column("input_tokens");
    private static final int OUTPUT_TOKENS = column("output_tokens");
    private static final int CACHE_READ_TOKENS = column("cache_read_tokens");
    private static final int CACHE_WRITE_TOKENS = column("cache_write_tokens");
    private static final int COST_MICROS = column("cost_micros");
    private static final int PRICED = column("priced");
    private static final int ERROR_CODE = column("error_code");
    private static final int ERROR_MESSAGE = column("error_message");
    private static final int THRESHOLD_PERCENT = column("threshold_percent");
    private static final int BUDGET_MICROS = column("budget_micros");
    private static final int CURRENT_SPEND_MICROS = column("current_spend_micros");
    private static final int PORT = column("port");
    private static final int TOTAL_REQUESTS = column("total_requests");
    private static final int TOTAL_COST_MICROS = column("total_cost_micros");
    private static final int ROUTER_REQUEST_ID = column("router_request_id");
    private static final int ATTEMPT = column("attempt");

    /** Selects every event, oldest first. */
    static final String SELECT_ALL = "SELECT * FROM usage_events ORDER BY timestamp_ms, rowid";

    /** Selects up to {@code :limit} unsynced LLM request events, oldest first. */
    static final String SELECT_UNSYNCED =
            "SELECT * FROM usage_events WHERE synced_state = 'unsynced'"
                    + " AND event_type IN ('"
                    + LlmRequestCompleted.EVENT_TYPE
                    + "', '"
                    + LlmRequestFailed.EVENT_TYPE
                    + "') ORDER BY timestamp_ms, rowid LIMIT :limit";

    /** Marks one unsynced event ({@code :event_id}) synced; the first final answer wins. */
    static final String MARK_SYNCED =
            "UPDATE usage_events SET synced_state = 'synced'"
                    + " WHERE event_id = :event_id AND synced_state = 'unsynced'";

    /**
     * Marks one unsynced event ({@code :event_id}) refused, with {@code :sync_error}; the first
     * final answer wins.
     */
    static final String MARK_REJECTED =
            "UPDATE usage_events SET synced_state = 'failed', sync_error = :sync_error"
                    + " WHERE event_id = :event_id AND synced_state = 'unsynced'";

    /** The longest rejection reason stored; longer ones are cut. */
    static final int MAX_SYNC_ERROR_LENGTH = 1_000;

    /**
     * Key-like text the control server might echo back in a refusal: provider keys, JWTs (IC
     * tokens), bearer credentials. The same shapes {@link LlmRequestFailed} redacts.
     */
    private static final Pattern SECRET =
            Pattern.compile(
                    "(?i)\\bsk-[a-z0-9_*\\-]{4,}"
                            + "|\\beyJ[a-z0-9_\\-]*\\.[a-z0-9_\\-]+\\.[a-z0-9_\\-]*"
                            + "|\\bBearer\\s+\\S+"
                            + "|\\bic_token\"?\\s*[:=]\\s*\"?[^\"\\s,}]+");

    /**
     * The longest model name stored, in UTF-16 chars; longer ones are cut ({@link #capped}). A
     * model name is whatever a request asked for ({@code x/<anything>} is priced) and is stored
     * verbatim, so without a cap one client could make every row, report line and control-server
     * sync carry up to a request body's worth of text. Real model ids are far shorter. Provider and
     * agent columns need no cap: the provider is one of three wire ids, and an agent id comes from
     * the configuration or a checked token claim of at most 100 chars.
     */
    static final int MAX_MODEL_LENGTH = 256;

    private EventRows() {}

    private static int column(String name) {
        for (int i = 0; i < COLUMNS.length; i++) {
            if (COLUMNS[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no column " + name);
    }

    /**
     * Binds one event's columns to the insert statement ({@link #INSERT}) and adds it to the
     * statement's batch. Columns the payload lacks are NULL. Plain JDBC with positional parameters:
     * this is the writer's hot loop.
     *
     * @param insert a prepared {@link #INSERT}
     * @param event the event
     * @throws SQLException if the driver refuses a value
     * @throws IllegalArgumentException for a payload type this schema does not know
     */
    static void addTo(PreparedStatement insert, AnalyticsEvent event) throws SQLException {
        Object[] values = new Object[COLUMNS.length];
        values[EVENT_ID] = event.eventId();
        values[EVENT_TYPE] = event.eventType();
        values[TIMESTAMP_MS] = event.timestampMs();
        values[AGENT_ID] = event.agentId().orElse(null);
        EventPayload payload = event.payload();
        if (payload instanceof LlmRequestCompleted) {
            LlmRequestCompleted c = (LlmRequestCompleted) payload;
            request(values, c.meta(), c.request());
            bill(values, c.usage(), c.cost());
            values[PRICED] = bit(c.priced());
        } else if (payload instanceof LlmRequestFailed) {
            LlmRequestFailed f = (LlmRequestFailed) payload;
            request(values, f.meta(), f.request());
            values[ERROR_CODE] = f.errorCode().orElse(null);
            values[ERROR_MESSAGE] = f.errorMessage().orElse(null);
            if (f.billed()) { // a stream cut part-way; otherwise the bill columns stay NULL
                bill(values, f.usage(), f.cost());
            }
        } else if (payload instanceof BudgetThresholdReached) {
            BudgetThresholdReached b = (BudgetThresholdReached) payload;
            values[THRESHOLD_PERCENT] = (long) b.thresholdPercent();
            values[BUDGET_MICROS] = b.budget().micros();
            values[CURRENT_SPEND_MICROS] = b.currentSpend().micros();
        } else if (payload instanceof RouterStarted) {
            values[PORT] = (long) ((RouterStarted) payload).port();
        } else if (payload instanceof RouterStopped) {
            RouterStopped s = (RouterStopped) payload;
            values[TOTAL_REQUESTS] = s.totalRequests();
            values[TOTAL_COST_MICROS] = s.totalCost().micros();
        } else {
            throw new IllegalArgumentException("unknown payload type " + payload.getClass());
        }
        for (int i = 0; i < values.length; i++) {
            Object value = values[i];
            if (value == null) {
                insert.setNull(i + 1, Types.NULL);
            } else if (value instanceof String) {
                insert.setString(i + 1, (String) value);
            } else {
                insert.setLong(i + 1, (Long) value);
            }
        }
        insert.addBatch();
    }

    private static void request(Object[] values, LlmModelMeta meta, RequestMeta request) {
        values[PROVIDER] = meta.provider();
        values[PROVIDER_ID] = meta.providerId().orElse(null);
        values[MODEL] = capped(meta.model(), MAX_MODEL_LENGTH);
        // the placeholder names no request: stored as NULL, like the rows from before schema 2
        values[ROUTER_REQUEST_ID] = request.hasRouterRequestId() ? request.routerRequestId() : null;
        values[ATTEMPT] = (long) request.attempt();
        values[REQUEST_ID] = request.requestId().orElse(null);
        values[LATENCY_MS] = request.latencyMs();
        OptionalLong ttfb = request.timeToFirstByteMs();
        values[TTFB_MS] = ttfb.isPresent() ? Long.valueOf(ttfb.getAsLong()) : null;
        values[STREAMED] = bit(request.streamed());
        values[TRANSLATED] = bit(request.translated());
        values[STATUS] = (long) request.status();
    }

    private static void bill(Object[] values, TokenUsage usage, Money cost) {
        values[INPUT_TOKENS] = usage.inputTokens();
        values[OUTPUT_TOKENS] = usage.outputTokens();
        values[CACHE_READ_TOKENS] = usage.cacheReadTokens();
        values[CACHE_WRITE_TOKENS] = usage.cacheWriteTokens();
        values[COST_MICROS] = cost.micros();
    }

    private static TokenUsage usage(ResultSet rs) throws SQLException {
        return new TokenUsage(
                rs.getLong("input_tokens"),
                rs.getLong("output_tokens"),
                rs.getLong("cache_read_tokens"),
                rs.getLong("cache_write_tokens"));
    }

    private static Long bit(boolean value) {
        return value ? 1L : 0L;
    }

    /**
     * Returns the first {@code max} UTF-16 chars of {@code text}, or one fewer where the cut would
     * split a surrogate pair, so the stored text never ends in half a character.
     *
     * @param text the text
     * @param max the most chars to keep, {@code >= 1}
     * @return {@code text} itself if it fits, else its cut prefix
     */
    static String capped(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = max;
        if (Character.isHighSurrogate(text.charAt(end - 1))
                && Character.isLowSurrogate(text.charAt(end))) {
            end--;
        }
        return text.substring(0, end);
    }

    /**
     * Returns a rejection reason as stored: secrets redacted, cut to {@link #MAX_SYNC_ERROR_LENGTH}
     * characters.
     *
     * @param reason the reason given
     * @return the text to store
     */
    static String syncError(String reason) {
        String redacted = SECRET.matcher(reason).replaceAll(LlmRequestFailed.REDACTED);
        return redacted.length() <= MAX_SYNC_ERROR_LENGTH
                ? redacted
                : redacted.substring(0, MAX_SYNC_ERROR_LENGTH - 1) + "…";
    }

    /**
     * Maps the {@code synced_state} column to the port's state; the schema's {@code failed} is
     * {@link SyncState#REJECTED}.
     *
     * @param column the column's value
     * @return the state
     * @throws IllegalStateException for a value the schema does not allow
     */
    static SyncState syncState(String column) {
        switch (column) {
            case "unsynced":
                return SyncState.UNSYNCED;
            case "synced":
                return SyncState.SYNCED;
            case "failed":
                return SyncState.REJECTED;
            default:
                throw new IllegalStateException("unknown synced_state in usage_events: " + column);
        }
    }

    /**
     * Reads the event in the result set's current row.
     *
     * @param rs a result set over {@code usage_events}
     * @return the event
     * @throws SQLException if a column cannot be read
     * @throws IllegalStateException if the row holds an unknown event type
     */
    static AnalyticsEvent read(ResultSet rs) throws SQLException {
        String type = rs.getString("event_type");
        EventPayload payload;
        switch (type) {
            case LlmRequestCompleted.EVENT_TYPE:
                payload =
                        new LlmRequestCompleted(
                                meta(rs),
                                usage(rs),
                                Money.ofMicros(rs.getLong("cost_micros")),
                                rs.getInt("priced") == 1,
                                request(rs));
                break;
            case LlmRequestFailed.EVENT_TYPE:
                payload =
                        new LlmRequestFailed(
                                meta(rs),
                                Optional.ofNullable(rs.getString("error_code")),
                                Optional.ofNullable(rs.getString("error_message")),
                                request(rs),
                                usage(rs),
                                Money.ofMicros(rs.getLong("cost_micros")));
                break;
            case BudgetThresholdReached.EVENT_TYPE:
                payload =
                        new BudgetThresholdReached(
                                rs.getInt("threshold_percent"),
                                Money.ofMicros(rs.getLong("current_spend_micros")),
                                Money.ofMicros(rs.getLong("budget_micros")));
                break;
            case RouterStarted.EVENT_TYPE:
                payload = new RouterStarted(rs.getInt("port"));
                break;
            case RouterStopped.EVENT_TYPE:
                payload =
                        new RouterStopped(
                                rs.getLong("total_requests"),
                                Money.ofMicros(rs.getLong("total_cost_micros")));
                break;
            default:
                throw new IllegalStateException("unknown event_type in usage_events: " + type);
        }
        return new AnalyticsEvent(
                rs.getString("event_id"),
                rs.getLong("timestamp_ms"),
                Optional.ofNullable(rs.getString("agent_id")),
                payload);
    }

    private static LlmModelMeta meta(ResultSet rs) throws SQLException {
        return new LlmModelMeta(
                rs.getString("provider"),
                Optional.ofNullable(rs.getString("provider_id")),
                rs.getString("model"));
    }

    /**
     * Reads a row's request facts. A row without a router request id (written before schema version
     * 2, or for a meta without one) reads as {@link RequestMeta#UNSPECIFIED_ROUTER_REQUEST_ID}, and
     * one without an attempt as attempt 1: each such row was the one attempt of its request.
     */
    private static RequestMeta request(ResultSet rs) throws SQLException {
        long ttfb = rs.getLong("ttfb_ms");
        OptionalLong timeToFirstByte = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(ttfb);
        String routerRequestId = rs.getString("router_request_id");
        int attempt = rs.getInt("attempt");
        if (routerRequestId == null) {
            routerRequestId = RequestMeta.UNSPECIFIED_ROUTER_REQUEST_ID;
        }
        return new RequestMeta(
                routerRequestId,
                attempt >= 1 ? attempt : 1,
                Optional.ofNullable(rs.getString("request_id")),
                rs.getLong("latency_ms"),
                timeToFirstByte,
                rs.getInt("streamed") == 1,
                rs.getInt("translated") == 1,
                rs.getInt("status"));
    }
}
