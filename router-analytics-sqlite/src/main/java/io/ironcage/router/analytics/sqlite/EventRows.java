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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.OptionalLong;
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
            bindBill(batch, c.usage(), c.cost());
            integer(batch, "priced", bit(c.priced()));
        } else if (payload instanceof LlmRequestFailed) {
            LlmRequestFailed f = (LlmRequestFailed) payload;
            bindRequest(batch, f.meta(), f.request());
            text(batch, "error_code", f.errorCode().orElse(null));
            text(batch, "error_message", f.errorMessage().orElse(null));
            if (f.billed()) { // a stream cut part-way; otherwise the bill columns stay NULL
                bindBill(batch, f.usage(), f.cost());
            }
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

    private static void bindBill(PreparedBatch batch, TokenUsage usage, Money cost) {
        integer(batch, "input_tokens", usage.inputTokens());
        integer(batch, "output_tokens", usage.outputTokens());
        integer(batch, "cache_read_tokens", usage.cacheReadTokens());
        integer(batch, "cache_write_tokens", usage.cacheWriteTokens());
        integer(batch, "cost_micros", cost.micros());
    }

    private static TokenUsage usage(ResultSet rs) throws SQLException {
        return new TokenUsage(
                rs.getLong("input_tokens"),
                rs.getLong("output_tokens"),
                rs.getLong("cache_read_tokens"),
                rs.getLong("cache_write_tokens"));
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
