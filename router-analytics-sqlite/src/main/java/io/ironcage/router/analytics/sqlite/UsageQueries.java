package io.ironcage.router.analytics.sqlite;

import java.nio.file.Path;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;
import org.sqlite.SQLiteConfig;

/** Read-only access to a store file. */
final class UsageQueries {
    private UsageQueries() {}

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
}
