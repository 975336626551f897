package io.ironcage.router.analytics.sqlite;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Which LLM requests a {@link UsageReport} covers and how it groups them: a half-open time range
 * {@code [since, until)} on the events' timestamps (either end may be open) and one grouping.
 *
 * <pre>{@code
 * UsageQuery november =
 *         UsageQuery.all()
 *                 .withSince(Instant.parse("2026-11-01T00:00:00Z"))
 *                 .withUntil(Instant.parse("2026-12-01T00:00:00Z"))
 *                 .groupedBy(UsageQuery.GroupBy.MODEL);
 * }</pre>
 *
 * @param since the earliest timestamp included, if bounded
 * @param until the first timestamp no longer included, if bounded
 * @param groupBy how the requests are grouped
 */
public record UsageQuery(Optional<Instant> since, Optional<Instant> until, GroupBy groupBy) {
    /** How a report groups requests. */
    public enum GroupBy {
        /** No groups: only the total. */
        NONE,
        /** By model, as sent upstream; requests without a model form one group without a key. */
        MODEL,
        /** By provider: {@code anthropic}, {@code openai}, {@code unknown}. */
        PROVIDER,
        /** By agent id; requests without an agent form one group without a key. */
        AGENT,
        /** By calendar day in UTC, keyed {@code yyyy-MM-dd}. */
        DAY
    }

    /**
     * Validates the components.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if both ends are set and {@code since} is not before {@code
     *     until}
     */
    public UsageQuery {
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(until, "until");
        Objects.requireNonNull(groupBy, "groupBy");
        if (since.isPresent() && until.isPresent() && !since.get().isBefore(until.get())) {
            throw new IllegalArgumentException(
                    "since ("
                            + since.get()
                            + ") must be before until ("
                            + until.get()
                            + "): the range is [since, until)");
        }
    }

    /**
     * Returns the query over every request, ungrouped.
     *
     * @return the query
     */
    public static UsageQuery all() {
        return new UsageQuery(Optional.empty(), Optional.empty(), GroupBy.NONE);
    }

    /**
     * Returns a copy that starts at {@code since} (included).
     *
     * @param since the earliest timestamp included
     * @return the copy
     * @throws IllegalArgumentException if it is not before {@link #until()}
     */
    public UsageQuery withSince(Instant since) {
        return new UsageQuery(Optional.of(since), until, groupBy);
    }

    /**
     * Returns a copy that ends before {@code until} (excluded).
     *
     * @param until the first timestamp no longer included
     * @return the copy
     * @throws IllegalArgumentException if it is not after {@link #since()}
     */
    public UsageQuery withUntil(Instant until) {
        return new UsageQuery(since, Optional.of(until), groupBy);
    }

    /**
     * Returns a copy with another grouping.
     *
     * @param groupBy the grouping
     * @return the copy
     */
    public UsageQuery groupedBy(GroupBy groupBy) {
        return new UsageQuery(since, until, groupBy);
    }

    /**
     * Returns {@link #since()} as the first epoch millisecond included ({@link Long#MIN_VALUE} when
     * open).
     *
     * @return epoch milliseconds
     */
    long sinceMs() {
        return since.map(UsageQuery::firstMilliAtOrAfter).orElse(Long.MIN_VALUE);
    }

    /**
     * Returns {@link #until()} as the first epoch millisecond excluded ({@link Long#MAX_VALUE} when
     * open).
     *
     * @return epoch milliseconds
     */
    long untilMs() {
        return until.map(UsageQuery::firstMilliAtOrAfter).orElse(Long.MAX_VALUE);
    }

    /** The smallest whole epoch millisecond at or after the instant (timestamps are whole ms). */
    private static long firstMilliAtOrAfter(Instant instant) {
        try {
            long millis =
                    Math.addExact(
                            Math.multiplyExact(instant.getEpochSecond(), 1_000L),
                            instant.getNano() / 1_000_000);
            return instant.getNano() % 1_000_000 == 0 ? millis : Math.addExact(millis, 1);
        } catch (ArithmeticException e) {
            return instant.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
