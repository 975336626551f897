package io.ironcage.router.analytics.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's files are private to their owner on POSIX file systems. */
class SqliteFilePermissionsTest {
    @TempDir Path dir;

    @BeforeEach
    void onlyOnPosix() {
        assumeTrue(
                FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "POSIX file permissions");
    }

    private static String permissions(Path file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    private static Path companion(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    /** Runs {@code action} and returns it with what was logged to stderr meanwhile. */
    private static <T> String capturingStderr(Supplier<T> action, List<T> result) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            result.add(action.get());
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aNewStoreAndTheFilesBesideItAreReadableByTheOwnerOnly() throws Exception {
        Path file = dir.resolve("data").resolve("events.db");
        List<SqliteUsageEventSink> opened = new ArrayList<>();
        String log = capturingStderr(() -> SqliteUsageEventSink.open(file), opened);
        try (SqliteUsageEventSink sink = opened.get(0)) {
            // the schema was written at open: in WAL mode the -wal and -shm files exist now
            assertTrue(Files.exists(companion(file, "-wal")), "the -wal file while open");
            assertTrue(Files.exists(companion(file, "-shm")), "the -shm file while open");
            for (String suffix : List.of("", "-wal", "-shm")) {
                assertEquals("rw-------", permissions(companion(file, suffix)), suffix);
            }
            sink.record(
                    AnalyticsEvent.of(
                            "00000000-0000-4000-8000-000000000001", 1, new RouterStarted(1)));
        }
        assertEquals("rw-------", permissions(file));
        assertFalse(log.contains("may be accessed by other users"), log);
        try (SqliteUsageEventSink reopened = SqliteUsageEventSink.open(file)) {
            assertEquals(1, reopened.events().size());
            for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
                Path path = companion(file, suffix);
                if (Files.exists(path)) {
                    assertEquals("rw-------", permissions(path), suffix);
                }
            }
        }
    }

    @Test
    void anExistingStoreOthersMayReadKeepsItsPermissionsAndIsWarnedAbout() throws Exception {
        Path file = dir.resolve("shared.db");
        SqliteUsageEventSink.open(file).close();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        List<SqliteUsageEventSink> opened = new ArrayList<>();
        String log = capturingStderr(() -> SqliteUsageEventSink.open(file), opened);
        opened.get(0).close();
        assertEquals("rw-r-----", permissions(file), "not changed behind the owner's back");
        List<String> warnings =
                log.lines()
                        .filter(line -> line.contains("may be accessed by other users"))
                        .toList();
        assertFalse(warnings.isEmpty(), log);
        assertTrue(warnings.get(0).contains("WARN"), log);
        assertTrue(warnings.get(0).contains(file.toString()), log);
        assertTrue(warnings.get(0).contains("rw-r-----"), log);
        assertTrue(warnings.get(0).contains("chmod 600"), log);
    }

    @Test
    void anEmptyFileTheOwnerCreatedIsUsedAsIs() throws Exception {
        Path file = Files.createFile(dir.resolve("pre-made.db"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
        List<SqliteUsageEventSink> opened = new ArrayList<>();
        String log = capturingStderr(() -> SqliteUsageEventSink.open(file), opened);
        try (SqliteUsageEventSink sink = opened.get(0)) {
            assertEquals(0, sink.events().size());
        }
        assertEquals("rw-rw----", permissions(file));
        assertTrue(log.contains("may be accessed by other users"), log);
    }
}
