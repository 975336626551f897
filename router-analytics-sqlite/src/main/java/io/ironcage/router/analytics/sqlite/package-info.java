/**
 * A durable {@link io.ironcage.router.core.spi.UsageEventSink} on SQLite: {@link
 * io.ironcage.router.analytics.sqlite.SqliteUsageEventSink} keeps every analytics event in one file
 * (WAL mode, versioned schema), written by one background thread in batched transactions; {@link
 * io.ironcage.router.analytics.sqlite.SqliteOptions} tunes the queue, batching and full-queue
 * policy. The sink is also a {@link io.ironcage.router.core.spi.UsageEventStore}: each event keeps
 * its control-plane sync state. {@link io.ironcage.router.analytics.sqlite.UsageReport} computes
 * offline statistics (requests, failures, spend, tokens, latency percentiles) over a {@link
 * io.ironcage.router.analytics.sqlite.UsageQuery}'s time range and grouping.
 *
 * <p>Only those four classes are public; Jdbi and JDBC types never appear in their signatures.
 */
package io.ironcage.router.analytics.sqlite;
