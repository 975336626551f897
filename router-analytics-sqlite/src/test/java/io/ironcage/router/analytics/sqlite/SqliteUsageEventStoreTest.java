package io.ironcage.router.analytics.sqlite;

import io.ironcage.router.core.spi.UsageEventStore;
import io.ironcage.router.testkit.contract.UsageEventStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The UsageEventStore contract against a SQLite file, reopened from the same file to check that
 * sync state survives a restart.
 */
class SqliteUsageEventStoreTest extends UsageEventStoreContract {
    @TempDir Path dir;

    @Override
    protected UsageEventStore createStore() {
        return SqliteUsageEventSink.open(dir.resolve("store.db"));
    }

    @Override
    protected UsageEventStore reopen(UsageEventStore closedStore) {
        return SqliteUsageEventSink.open(((SqliteUsageEventSink) closedStore).file());
    }
}
