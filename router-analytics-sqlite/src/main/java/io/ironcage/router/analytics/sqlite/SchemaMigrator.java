package io.ironcage.router.analytics.sqlite;

import io.ironcage.router.core.errors.LlmRouterException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a store file to the schema this code knows: checks that the file is SQLite and ours, then
 * applies the SQL resources {@code schema/V<n>__<name>.sql} newer than the file's recorded version,
 * in order, in one transaction, recording each in {@code schema_version}. A file whose version is
 * newer than {@link #latestVersion()} is refused: an older router must not write to a newer schema.
 */
final class SchemaMigrator {
    /** {@code PRAGMA application_id} of our files: "IROU" in ASCII. */
    static final int APPLICATION_ID = 0x49524F55;

    /** The migrations, in order: the n-th entry (1-based) is schema version n. */
    static final List<String> MIGRATIONS =
            List.of("V1__usage_events.sql", "V2__request_attempts.sql");

    private static final byte[] SQLITE_HEADER =
            "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);

    private SchemaMigrator() {}

    /**
     * Returns the newest schema version this code knows.
     *
     * @return the version, {@code >= 1}
     */
    static int latestVersion() {
        return MIGRATIONS.size();
    }

    /**
     * Refuses an existing, non-empty file that is not a SQLite database, before the driver touches
     * it.
     *
     * @param file the store file
     * @throws LlmRouterException if it is not a SQLite database or cannot be read
     */
    static void checkIsSqliteOrAbsent(Path file) {
        if (!Files.exists(file)) {
            return;
        }
        if (Files.isDirectory(file)) {
            throw new LlmRouterException(
                    "analytics store " + file + " is a directory, not a SQLite database file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(SQLITE_HEADER.length);
            if (head.length == 0) {
                return; // an empty file is a new database to SQLite
            }
            if (!Arrays.equals(head, SQLITE_HEADER)) {
                throw new LlmRouterException(
                        "analytics store "
                                + file
                                + " is not a SQLite database; refusing to use it (point"
                                + " analytics.sqlite at a new or an Iron Router analytics file)");
            }
        } catch (IOException e) {
            throw new LlmRouterException("cannot read analytics store " + file, e);
        }
    }

    /**
     * Refuses a path that is not an existing, non-empty SQLite database file, without creating or
     * changing anything; for readers, which must never create a store.
     *
     * @param file the store file
     * @throws LlmRouterException if it is missing, a directory, empty, not SQLite or unreadable
     */
    static void checkIsExistingSqlite(Path file) {
        if (!Files.exists(file)) {
            throw new LlmRouterException(
                    "analytics store "
                            + file
                            + " does not exist; give the file a router writes to"
                            + " (analytics.sqlite in router.yaml, or demo's --db)");
        }
        try {
            if (!Files.isDirectory(file) && Files.size(file) == 0) {
                throw new LlmRouterException(
                        "analytics store "
                                + file
                                + " is an empty file, not an Iron Router"
                                + " analytics store");
            }
        } catch (IOException e) {
            throw new LlmRouterException("cannot read analytics store " + file, e);
        }
        checkIsSqliteOrAbsent(file);
    }

    /**
     * Checks, without writing, that the database is an Iron Router store with a schema this code
     * can read.
     *
     * @param handle an open (read-only) handle on the store
     * @param file the store file, for messages
     * @return the file's schema version
     * @throws LlmRouterException if the database is not ours or its schema is newer than this code
     */
    static int checkReadable(Handle handle, Path file) {
        int appId = handle.createQuery("PRAGMA application_id").mapTo(Integer.class).one();
        List<String> tables = tables(handle);
        if (appId != APPLICATION_ID
                || !tables.contains("schema_version")
                || !tables.contains("usage_events")) {
            throw notOurs(file, appId, tables, "refusing to read it");
        }
        int current = currentVersion(handle);
        if (current > latestVersion()) {
            throw newer(file, current);
        }
        return current;
    }

    private static List<String> tables(Handle h) {
        return h.createQuery(
                        "SELECT name FROM sqlite_master WHERE type = 'table'"
                                + " AND name NOT LIKE 'sqlite_%' ORDER BY name")
                .mapTo(String.class)
                .list();
    }

    private static int currentVersion(Handle h) {
        return h.createQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")
                .mapTo(Integer.class)
                .one();
    }

    private static LlmRouterException notOurs(
            Path file, int appId, List<String> tables, String consequence) {
        return new LlmRouterException(
                "analytics store "
                        + file
                        + " is a SQLite database but not an Iron Router analytics store"
                        + " (application_id "
                        + appId
                        + ", tables "
                        + tables
                        + "); "
                        + consequence);
    }

    private static LlmRouterException newer(Path file, int current) {
        return new LlmRouterException(
                "analytics store "
                        + file
                        + " has schema version "
                        + current
                        + ", newer than the newest this Iron Router knows ("
                        + latestVersion()
                        + "); it was written by a newer Iron Router. Upgrade, or use another"
                        + " file");
    }

    /**
     * Checks the database is ours (or new) and applies pending migrations in one transaction.
     *
     * @param handle an open handle on the store
     * @param file the store file, for messages
     * @return the schema version the file has now
     * @throws LlmRouterException if the database is not ours or its schema is newer than this code
     */
    static int migrate(Handle handle, Path file) {
        return handle.inTransaction(
                h -> {
                    int appId = h.createQuery("PRAGMA application_id").mapTo(Integer.class).one();
                    List<String> tables = tables(h);
                    if (appId == 0 && tables.isEmpty()) {
                        h.execute("PRAGMA application_id = " + APPLICATION_ID);
                        h.execute(
                                "CREATE TABLE schema_version ("
                                        + " version INTEGER NOT NULL PRIMARY KEY,"
                                        + " name TEXT NOT NULL,"
                                        + " applied_at_ms INTEGER NOT NULL) STRICT");
                    } else if (appId != APPLICATION_ID || !tables.contains("schema_version")) {
                        throw notOurs(file, appId, tables, "refusing to write to it");
                    }
                    int current = currentVersion(h);
                    if (current > latestVersion()) {
                        throw newer(file, current);
                    }
                    for (int version = current + 1; version <= latestVersion(); version++) {
                        String name = MIGRATIONS.get(version - 1);
                        h.createScript(script(name)).execute();
                        h.createUpdate(
                                        "INSERT INTO schema_version (version, name, applied_at_ms)"
                                                + " VALUES (:version, :name, :at)")
                                .bind("version", version)
                                .bind("name", name)
                                .bind("at", System.currentTimeMillis())
                                .execute();
                        LOG.info("analytics store {}: applied schema {}", file, name);
                    }
                    return latestVersion();
                });
    }

    private static String script(String name) {
        String resource = "schema/" + name;
        try (InputStream in = SchemaMigrator.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema resource missing: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read schema resource " + resource, e);
        }
    }
}
