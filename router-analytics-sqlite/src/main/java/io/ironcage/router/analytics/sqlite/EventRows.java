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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Maps {@link AnalyticsEvent}s to rows of {@code usage_events} and back. Every payload field has a
 * column; columns a payload lacks are NULL; booleans are 0/1; money is micro-dollars.
 */
final class EventRows {
    /** Inserts one event; a duplicate event id is ignored (the first write wins). */
    static final String INSERT =
            "INSERT OR IGNORE INTO usage_events (event_id, event_type, timestamp_ms, agent_id,"
                    + " provider, provider_id, model, request_id, latency_ms, ttfb_ms, streamed,"
                    + " translated, status, input_tokens, output_tokens, cache_read_tokens,"
                    + " cache_write_tokens, cost_micros, priced, error_code, error_message,"
                    + " threshold_percent, budget_micros, current_spend_micros, port,"
                    + " total_requests, total_cost_micros) VALUES (:event_id, :event_type,"
                    + " :timestamp_ms, :agent_id, :provider, :provider_id, :model, :request_id,"
                    + " :latency_ms, :ttfb_ms, :streamed, :translated, :status, :input_tokens,"
                    + " :output_tokens, :cache_read_tokens, :cache_write_tokens, :cost_micros,"
                    + " :priced, :error_code, :error_message, :threshold_percent,"
                    + " :budget_micros, :current_spend_micros, :port, :total_requests,"
                    + " :total_cost_micros)";

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

    private EventRows() {}

    /**
     * Binds one event's columns to the batch and adds it.
     *
     * @param batch the insert batch ({@link #INSERT})
     * @param event the event
     */
    static void add(PreparedBatch batch, AnalyticsEvent event) {
        // A batch remembers each column's argument type from its first row: bind every column,
        // with one Java type per column (String for TEXT, Long for INTEGER), nulls included.
        for (String column : TEXT_COLUMNS) {
            text(batch, column, null);
        }
        for (String column : INTEGER_COLUMNS) {
            integer(batch, column, null);
        }
        text(batch, "event_id", event.eventId());
        text(batch, "event_type", event.eventType());
        integer(batch, "timestamp_ms", event.timestampMs());
        text(batch, "agent_id", event.agentId().orElse(null));
        EventPayload payload = event.payload();
        if (payload instanceof LlmRequestCompleted) {
            LlmRequestCompleted c = (LlmRequestCompleted) payload;
            bindRequest(batch, c.meta(), c.request());
            TokenUsage usage = c.usage();
            integer(batch, "input_tokens", usage.inputTokens());
            integer(batch, "output_tokens", usage.outputTokens());
            integer(batch, "cache_read_tokens", usage.cacheReadTokens());
            integer(batch, "cache_write_tokens", usage.cacheWriteTokens());
            integer(batch, "cost_micros", c.cost().micros());
            integer(batch, "priced", bit(c.priced()));
        } else if (payload instanceof LlmRequestFailed) {
            LlmRequestFailed f = (LlmRequestFailed) payload;
            bindRequest(batch, f.meta(), f.request());
            text(batch, "error_code", f.errorCode().orElse(null));
            text(batch, "error_message", f.errorMessage().orElse(null));
        } else if (payload instanceof BudgetThresholdReached) {
            BudgetThresholdReached b = (BudgetThresholdReached) payload;
            integer(batch, "threshold_percent", (long) b.thresholdPercent());
            integer(batch, "budget_micros", b.budget().micros());
            integer(batch, "current_spend_micros", b.currentSpend().micros());
        } else if (payload instanceof RouterStarted) {
            integer(batch, "port", (long) ((RouterStarted) payload).port());
        } else if (payload instanceof RouterStopped) {
            RouterStopped s = (RouterStopped) payload;
            integer(batch, "total_requests", s.totalRequests());
            integer(batch, "total_cost_micros", s.totalCost().micros());
        } else {
            throw new IllegalArgumentException("unknown payload type " + payload.getClass());
        }
        batch.add();
    }

    private static final String[] TEXT_COLUMNS = {
        "event_id",
        "event_type",
        "agent_id",
        "provider",
        "provider_id",
        "model",
        "request_id",
        "error_code",
        "error_message"
    };

    private static final String[] INTEGER_COLUMNS = {
        "timestamp_ms",
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
        "threshold_percent",
        "budget_micros",
        "current_spend_micros",
        "port",
        "total_requests",
        "total_cost_micros"
    };

    private static void text(PreparedBatch batch, String column, String value) {
        batch.bind(column, value);
    }

    private static void integer(PreparedBatch batch, String column, Long value) {
        batch.bind(column, value);
    }

    private static void bindRequest(PreparedBatch batch, LlmModelMeta meta, RequestMeta request) {
        text(batch, "provider", meta.provider());
        text(batch, "provider_id", meta.providerId().orElse(null));
        text(batch, "model", meta.model());
        text(batch, "request_id", request.requestId().orElse(null));
        integer(batch, "latency_ms", request.latencyMs());
        OptionalLong ttfb = request.timeToFirstByteMs();
        integer(batch, "ttfb_ms", ttfb.isPresent() ? Long.valueOf(ttfb.getAsLong()) : null);
        integer(batch, "streamed", bit(request.streamed()));
        integer(batch, "translated", bit(request.translated()));
        integer(batch, "status", (long) request.status());
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

    private static long bit(boolean value) {
        return value ? 1L : 0L;
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
                                new TokenUsage(
                                        rs.getLong("input_tokens"),
                                        rs.getLong("output_tokens"),
                                        rs.getLong("cache_read_tokens"),
                                        rs.getLong("cache_write_tokens")),
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
                                request(rs));
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

    private static RequestMeta request(ResultSet rs) throws SQLException {
        long ttfb = rs.getLong("ttfb_ms");
        OptionalLong timeToFirstByte = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(ttfb);
        return new RequestMeta(
                Optional.ofNullable(rs.getString("request_id")),
                rs.getLong("latency_ms"),
                timeToFirstByte,
                rs.getInt("streamed") == 1,
                rs.getInt("translated") == 1,
                rs.getInt("status"));
    }
}
