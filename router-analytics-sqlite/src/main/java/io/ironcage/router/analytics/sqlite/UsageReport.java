package io.ironcage.router.analytics.sqlite;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.errors.LlmRouterException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Usage statistics over the LLM requests ({@code LlmRequestCompleted} and {@code LlmRequestFailed}
 * events) of an analytics store, per group and in total (reference §8.3 {@code ComputedStats}, with
 * cache tokens and latency added).
 *
 * <pre>{@code
 * UsageReport report =
 *         UsageReport.read(Path.of("iron-router.db"), UsageQuery.all().groupedBy(GroupBy.MODEL));
 * for (UsageReport.Row row : report.rows()) {
 *     System.out.println(row.group().orElse("(none)") + " $" + row.spend().toUsdString(6));
 * }
 * }</pre>
 *
 * <p>Lifecycle and threshold events are not requests and are not counted. The groups and the total
 * are computed in one read transaction, so they describe the same moment even while a writer adds
 * events.
 *
 * @param query what was asked
 * @param rows one row per group, ordered by key (days chronologically), the group without a key
 *     last; empty for {@link UsageQuery.GroupBy#NONE}
 * @param total every request in the range; its {@link Row#group()} is empty
 */
public record UsageReport(UsageQuery query, List<Row> rows, Row total) {
    /**
     * Validates and copies the components.
     *
     * @throws NullPointerException if a component is {@code null}
     */
    public UsageReport {
        Objects.requireNonNull(query, "query");
        rows = List.copyOf(rows);
        Objects.requireNonNull(total, "total");
    }

    /**
     * Reads a report from a store file without opening it for writing: the file is never created,
     * migrated or changed, and a writer using it (a running router) is never blocked.
     *
     * @param file an Iron Router analytics store
     * @param query the time range and grouping
     * @return the report
     * @throws LlmRouterException if the file does not exist, is not a SQLite database, is not an
     *     Iron Router analytics store, has a newer schema than this code knows, or cannot be read
     */
    public static UsageReport read(Path file, UsageQuery query) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(query, "query");
        return UsageQueries.read(file.toAbsolutePath().normalize(), query);
    }

    /**
     * The statistics of one group of requests (or of all of them).
     *
     * <p><b>Latency percentiles</b> are exact, by the <em>nearest-rank</em> definition, over the
     * latency of every request in the group (completed and failed): with the {@code n} latencies
     * sorted ascending, the p-th percentile is the value at 1-based position {@code ceil(p·n/100)}
     * — the smallest recorded latency that at least p % of the requests did not exceed. It is
     * always one of the recorded values; nothing is interpolated.
     *
     * @param group the group's key (a model, provider, agent id or {@code yyyy-MM-dd} day in UTC);
     *     empty for the total and for requests without one (no model, no agent)
     * @param requests completed plus failed requests, {@code >= 0}: each attempt of a caller's
     *     request (a retry, a fallback) counts, as it has its own status, latency and cost
     * @param failures failed requests, {@code <= requests}
     * @param spend the sum of the completed requests' costs
     * @param inputTokens the completed requests' input tokens
     * @param outputTokens the completed requests' output tokens
     * @param cacheReadTokens the completed requests' cache-read tokens
     * @param cacheWriteTokens the completed requests' cache-write tokens
     * @param latencyP50Ms the median latency in milliseconds (nearest rank); empty without requests
     * @param latencyP95Ms the 95th-percentile latency in milliseconds (nearest rank); empty without
     *     requests
     * @param callerRequests the distinct callers' requests these attempts belong to (by router
     *     request id; a row without one counts as a request of its own), {@code <= requests}, and
     *     at least 1 when there are requests
     */
    public record Row(
            Optional<String> group,
            long requests,
            long failures,
            Money spend,
            long inputTokens,
            long outputTokens,
            long cacheReadTokens,
            long cacheWriteTokens,
            OptionalLong latencyP50Ms,
            OptionalLong latencyP95Ms,
            long callerRequests) {
        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if a count is negative, there are more failures than
         *     requests, or the caller requests are more than the requests or none for some requests
         */
        public Row {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(spend, "spend");
            Objects.requireNonNull(latencyP50Ms, "latencyP50Ms");
            Objects.requireNonNull(latencyP95Ms, "latencyP95Ms");
            if (requests < 0 || failures < 0 || failures > requests) {
                throw new IllegalArgumentException(
                        "need 0 <= failures <= requests, got "
                                + failures
                                + " failures of "
                                + requests);
            }
            if (callerRequests < 0
                    || callerRequests > requests
                    || (requests > 0 && callerRequests == 0)) {
                throw new IllegalArgumentException(
                        "need callerRequests between 1 and requests, got "
                                + callerRequests
                                + " of "
                                + requests);
            }
            if (inputTokens < 0
                    || outputTokens < 0
                    || cacheReadTokens < 0
                    || cacheWriteTokens < 0) {
                throw new IllegalArgumentException("token counts must not be negative");
            }
        }

        /**
         * Returns the statistics of a group whose requests were each the one attempt of their
         * caller's request, as before attempts existed: {@code callerRequests == requests}.
         *
         * @param group the group's key
         * @param requests completed plus failed requests
         * @param failures failed requests
         * @param spend the sum of the costs
         * @param inputTokens input tokens
         * @param outputTokens output tokens
         * @param cacheReadTokens cache-read tokens
         * @param cacheWriteTokens cache-write tokens
         * @param latencyP50Ms the median latency
         * @param latencyP95Ms the 95th-percentile latency
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException as the canonical constructor
         */
        public Row(
                Optional<String> group,
                long requests,
                long failures,
                Money spend,
                long inputTokens,
                long outputTokens,
                long cacheReadTokens,
                long cacheWriteTokens,
                OptionalLong latencyP50Ms,
                OptionalLong latencyP95Ms) {
            this(
                    group,
                    requests,
                    failures,
                    spend,
                    inputTokens,
                    outputTokens,
                    cacheReadTokens,
                    cacheWriteTokens,
                    latencyP50Ms,
                    latencyP95Ms,
                    requests);
        }

        /**
         * Returns the requests that completed.
         *
         * @return {@code requests - failures}
         */
        public long successes() {
            return requests - failures;
        }

        /**
         * Returns the share of requests that completed, as a percentage (reference {@code
         * success_rate()}: 100 when there are no requests). For display; exact values come from
         * {@link #requests()} and {@link #failures()}.
         *
         * @return 0 to 100
         */
        public double successRatePercent() {
            return requests == 0 ? 100.0 : successes() * 100.0 / requests;
        }

        /**
         * Returns input plus output tokens (reference {@code total_tokens()}).
         *
         * @return the sum
         */
        public long totalTokens() {
            return Math.addExact(inputTokens, outputTokens);
        }

        /**
         * Returns the spend per request, failed requests included in the count (reference {@code
         * avg_cost_per_request_usd()}), rounded to the nearest micro-dollar, half to even; zero
         * without requests. Exact integer arithmetic, no {@code double}.
         *
         * @return the average cost
         */
        public Money averageCostPerRequest() {
            if (requests == 0) {
                return Money.ZERO;
            }
            return Money.ofMicros(
                    BigDecimal.valueOf(spend.micros())
                            .divide(BigDecimal.valueOf(requests), 0, RoundingMode.HALF_EVEN)
                            .longValueExact());
        }

        /**
         * Returns input plus output tokens per request, failed requests included in the count
         * (reference {@code avg_tokens_per_request()}); zero without requests.
         *
         * @return the average
         */
        public double averageTokensPerRequest() {
            return requests == 0 ? 0.0 : (double) totalTokens() / requests;
        }
    }
}
