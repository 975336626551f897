package io.ironcage.router.analytics.sqlite;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.errors.LlmRouterException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.sqlite.SQLiteConfig;

/**
 * The SQL behind {@link UsageReport}: one statement computes every group and the total from the
 * same snapshot, latency percentiles included (nearest rank, with window functions), so nothing is
 * streamed into Java and the answer is consistent under concurrent writes.
 */
final class UsageQueries {
    /** How long a reader waits for a lock (only a checkpoint or recovery ever holds one). */
    static final Duration READ_BUSY_TIMEOUT = Duration.ofSeconds(5);

    private static final String KEY = "{key}";

    private static final String CALLER_REQUEST = "{caller_request}";

    /**
     * The caller's request a row is an attempt of: its router request id, or for a row without one
     * (recorded before schema version 2 or without an id) the row itself.
     */
    private static final String CALLER_REQUEST_V2 = "COALESCE(router_request_id, event_id)";

    /*
     * r: one row per LLM request in range, with its rank by latency inside its group (rn of n) and
     * in the whole range (total_rn of total_n). The nearest-rank p-th percentile is the value at
     * rank ceil(p * n / 100) = (p * n + 99) / 100 in integer arithmetic.
     */
    private static final String SQL =
            "WITH r AS ("
                    + " SELECT "
                    + KEY
                    + " AS k,"
                    + " CASE WHEN event_type = '"
                    + LlmRequestFailed.EVENT_TYPE
                    + "' THEN 1 ELSE 0 END AS failed,"
                    + " cost_micros, input_tokens, output_tokens, cache_read_tokens,"
                    + " cache_write_tokens, latency_ms, "
                    + CALLER_REQUEST
                    + " AS caller_request,"
                    + " ROW_NUMBER() OVER (PARTITION BY "
                    + KEY
                    + " ORDER BY latency_ms) AS rn,"
                    + " COUNT(*) OVER (PARTITION BY "
                    + KEY
                    + ") AS n,"
                    + " ROW_NUMBER() OVER (ORDER BY latency_ms) AS total_rn,"
                    + " COUNT(*) OVER () AS total_n"
                    + " FROM usage_events"
                    + " WHERE event_type IN ('"
                    + LlmRequestCompleted.EVENT_TYPE
                    + "', '"
                    + LlmRequestFailed.EVENT_TYPE
                    + "') AND timestamp_ms >= :since AND timestamp_ms < :until)"
                    + " SELECT * FROM ("
                    + " SELECT 0 AS is_total, k,"
                    + aggregates("rn", "n")
                    + " FROM r GROUP BY k"
                    + " UNION ALL"
                    + " SELECT 1 AS is_total, NULL AS k,"
                    + aggregates("total_rn", "total_n")
                    + " FROM r)"
                    + " ORDER BY is_total, k IS NULL, k";

    private UsageQueries() {}

    private static String aggregates(String rank, String count) {
        return " COUNT(*) AS requests,"
                + " COUNT(DISTINCT caller_request) AS caller_requests,"
                + " COALESCE(SUM(failed), 0) AS failures,"
                + " COALESCE(SUM(cost_micros), 0) AS cost_micros,"
                + " COALESCE(SUM(input_tokens), 0) AS input_tokens,"
                + " COALESCE(SUM(output_tokens), 0) AS output_tokens,"
                + " COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens,"
                + " COALESCE(SUM(cache_write_tokens), 0) AS cache_write_tokens,"
                + percentile(50, rank, count)
                + " AS p50,"
                + percentile(95, rank, count)
                + " AS p95";
    }

    private static String percentile(int p, String rank, String count) {
        return " MAX(CASE WHEN "
                + rank
                + " = ("
                + p
                + " * "
                + count
                + " + 99) / 100 THEN latency_ms END)";
    }

    /**
     * Returns a Jdbi whose connections open the file read-only (never creating it) with a busy
     * timeout and deferred transactions, so they never take the write lock.
     *
     * @param file the store file
     * @param busyTimeout how long to wait for a lock
     * @return the Jdbi; connections are opened on use
     */
    static Jdbi readOnlyJdbi(Path file, Duration busyTimeout) {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, busyTimeout.toMillis()));
        config.setTransactionMode(SQLiteConfig.TransactionMode.DEFERRED);
        return Jdbi.create("jdbc:sqlite:" + file, config.toProperties());
    }

    /**
     * Reads a report from a file that must already be an Iron Router store; changes nothing.
     *
     * @param file the absolute store file
     * @param query the query
     * @return the report
     * @throws LlmRouterException if the file is missing, not SQLite, not ours, newer, or unreadable
     */
    static UsageReport read(Path file, UsageQuery query) {
        SchemaMigrator.checkIsExistingSqlite(file);
        try {
            return readOnlyJdbi(file, READ_BUSY_TIMEOUT)
                    .withHandle(
                            h -> {
                                int version = SchemaMigrator.checkReadable(h, file);
                                return run(h, query, version);
                            });
        } catch (LlmRouterException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LlmRouterException(
                    "cannot read analytics store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs the report's one statement on a store at the latest schema version.
     *
     * @param handle a handle on the store
     * @param query the query
     * @return the report
     */
    static UsageReport run(Handle handle, UsageQuery query) {
        return run(handle, query, SchemaMigrator.latestVersion());
    }

    /**
     * Runs the report's one statement on a store at the given schema version; a reader never
     * migrates, so a version-1 file (no router request ids) counts each row as a caller's request.
     *
     * @param handle a handle on the store
     * @param query the query
     * @param schemaVersion the store's schema version
     * @return the report
     */
    static UsageReport run(Handle handle, UsageQuery query, int schemaVersion) {
        String sql =
                SQL.replace(KEY, keyExpression(query.groupBy()))
                        .replace(
                                CALLER_REQUEST,
                                schemaVersion >= 2 ? CALLER_REQUEST_V2 : "event_id");
        List<Map.Entry<Boolean, UsageReport.Row>> answer =
                handle.createQuery(sql)
                        .bind("since", query.sinceMs())
                        .bind("until", query.untilMs())
                        .map((rs, ctx) -> Map.entry(rs.getInt("is_total") == 1, row(rs)))
                        .list();
        List<UsageReport.Row> rows = new ArrayList<>();
        UsageReport.Row total = null;
        for (Map.Entry<Boolean, UsageReport.Row> entry : answer) {
            if (entry.getKey()) {
                total = entry.getValue();
            } else if (query.groupBy() != UsageQuery.GroupBy.NONE) {
                rows.add(entry.getValue());
            }
        }
        if (total == null) {
            throw new IllegalStateException("the report query returned no total row");
        }
        return new UsageReport(query, rows, total);
    }

    /** The SQL for a group's key; never built from user input. */
    private static String keyExpression(UsageQuery.GroupBy groupBy) {
        switch (groupBy) {
            case NONE:
                return "NULL";
            case MODEL:
                return "NULLIF(model, '')";
            case PROVIDER:
                return "provider";
            case AGENT:
                return "agent_id";
            case DAY:
                return "strftime('%Y-%m-%d', timestamp_ms / 1000, 'unixepoch')";
            default:
                throw new IllegalArgumentException("unknown grouping " + groupBy);
        }
    }

    private static UsageReport.Row row(ResultSet rs) throws SQLException {
        return new UsageReport.Row(
                Optional.ofNullable(rs.getString("k")),
                rs.getLong("requests"),
                rs.getLong("failures"),
                Money.ofMicros(rs.getLong("cost_micros")),
                rs.getLong("input_tokens"),
                rs.getLong("output_tokens"),
                rs.getLong("cache_read_tokens"),
                rs.getLong("cache_write_tokens"),
                optionalLong(rs, "p50"),
                optionalLong(rs, "p95"),
                rs.getLong("caller_requests"));
    }

    private static OptionalLong optionalLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(value);
    }
}
