package io.ironcage.router.analytics.sqlite;

import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RouterStarted;
import io.ironcage.router.core.errors.LlmRouterException;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.core.spi.UsageEventStore;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable {@link UsageEventSink}: every analytics event becomes a row of {@code usage_events} in
 * one SQLite file, so usage and cost survive restarts.
 *
 * <pre>{@code
 * try (SqliteUsageEventSink analytics = SqliteUsageEventSink.open(Path.of("iron-router.db"))) {
 *     // ... run the router with `analytics` ...
 * }
 * // later, even in another process:
 * try (SqliteUsageEventSink analytics = SqliteUsageEventSink.open(Path.of("iron-router.db"))) {
 *     long spentMicros = analytics.totalCostMicros();
 * }
 * }</pre>
 *
 * <p><b>Writing.</b> {@link #record(AnalyticsEvent)} only offers the event to a bounded in-memory
 * queue; it never touches the disk on the caller's thread. One writer thread drains the queue and
 * commits each batch in one transaction ({@code INSERT OR IGNORE}, so an event id is stored once),
 * at least every {@linkplain SqliteOptions#flushInterval() flush interval} and as soon as a batch
 * fills. When the queue is full, {@linkplain SqliteOptions#fullQueuePolicy() the policy} decides:
 * wait briefly for room (default) or drop at once; a dropped event is counted in {@link
 * #droppedCount()} and logged. A batch the store refuses (disk full, I/O error) is counted as
 * dropped too. {@link #close()} stops intake, commits everything queued and closes the file.
 *
 * <p><b>The file.</b> Opened in WAL mode with a busy timeout, so readers (reports, another process)
 * never block the writer; commits are synchronous ({@code synchronous=FULL}), so a committed event
 * survives a crash of the process or the machine. At open, the schema is created or migrated to the
 * newest version this code knows; a file that is not SQLite, not an Iron Router store, or written
 * by a newer Iron Router is refused with an {@link LlmRouterException} saying which.
 *
 * <p><b>Permissions.</b> The events show which agents spent what on which models, so on a POSIX
 * file system a new store is created readable and writable by its owner only ({@code 0600}) before
 * SQLite opens it; SQLite creates the {@code -wal}, {@code -shm} and {@code -journal} files beside
 * it with the database file's permissions, so they are {@code 0600} too, whatever the umask. An
 * existing file keeps the permissions it has, since its owner may share it on purpose (a group that
 * runs reports, say): if the group or others may access the store or one of its companions, a
 * warning names the file and its permissions ({@code chmod 600} makes it private). Elsewhere (on
 * Windows) the file gets the directory's default access.
 *
 * <p><b>Sync state.</b> It is also a {@link UsageEventStore}: each row keeps whether the event
 * reached the Iron Cage control server, so a restart neither loses nor re-sends an event. New rows
 * are {@code unsynced}; {@link #markSynced(Collection)} makes them {@code synced}; {@link
 * #markRejected(String, String)} stores the schema's {@code failed} state with the reason in {@code
 * sync_error} ({@link UsageEventStore.SyncState#REJECTED}). The first final answer wins: a synced
 * event is never marked rejected, nor a rejected one synced. These methods run on the caller's
 * thread (the sync loop, never the request path), may wait up to the {@linkplain
 * SqliteOptions#busyTimeout() busy timeout} for the writer's lock, and throw {@link
 * LlmRouterException} if the file cannot be read or written.
 *
 * <p><b>Reports.</b> {@link #report(UsageQuery)} computes request, failure, spend, token and
 * latency statistics over the committed events ({@link UsageReport}); {@link UsageReport#read(Path,
 * UsageQuery)} does the same on a file without opening it for writing.
 *
 * <p>Thread-safe. The read methods ({@link #events()}, {@link #totalCostMicros()}, {@link
 * #unsynced(int)}, {@link #syncState(String)}, {@link #report(UsageQuery)}) open their own short,
 * read-only connection, see committed events only, never block the writer (WAL) and also work after
 * {@link #close()}, as do {@link #markSynced(Collection)} and {@link #markRejected(String,
 * String)}.
 */
public final class SqliteUsageEventSink implements UsageEventStore {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteUsageEventSink.class);

    /** The permissions of a new store: {@code rw-------}. */
    private static final Set<PosixFilePermission> OWNER_ONLY =
            Set.copyOf(PosixFilePermissions.fromString("rw-------"));

    /** The database file and the files SQLite keeps beside it. */
    private static final List<String> COMPANIONS = List.of("", "-wal", "-shm", "-journal");

    /** The longest the writer parks between looks at the queue while it fills a batch. */
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** Tells the writer that intake has stopped; compared by identity, never stored. */
    private static final AnalyticsEvent STOP =
            AnalyticsEvent.of("00000000-0000-4000-8000-000000000000", 0, new RouterStarted(1));

    private final Path file;
    private final SqliteOptions options;
    private final Jdbi jdbi;
    private final Jdbi reader;
    private final Handle writerHandle;

    /** The writer thread's prepared insert; closed by {@link #close()} after the writer ends. */
    private PreparedStatement insert;

    private final BlockingQueue<AnalyticsEvent> queue;
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private volatile boolean closed;

    private SqliteUsageEventSink(Path file, SqliteOptions options, Jdbi jdbi, Handle writerHandle) {
        this.file = file;
        this.options = options;
        this.jdbi = jdbi;
        this.reader = UsageQueries.readOnlyJdbi(file, options.busyTimeout());
        this.writerHandle = writerHandle;
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
        this.writer = new Thread(this::writeLoop, "iron-router-sqlite-writer");
        this.writer.setDaemon(true);
    }

    /**
     * Opens (creating if needed) the store at {@code file} with {@linkplain
     * SqliteOptions#defaults() the default options}.
     *
     * @param file the SQLite file; missing parent directories are created
     * @return the open sink, its writer thread running
     * @throws LlmRouterException if the file cannot be opened, is not SQLite, is not an Iron Router
     *     store or has a newer schema than this code knows
     */
    public static SqliteUsageEventSink open(Path file) {
        return open(file, SqliteOptions.defaults());
    }

    /**
     * Opens (creating if needed) the store at {@code file}.
     *
     * @param file the SQLite file; missing parent directories are created
     * @param options queue, batching and full-queue policy
     * @return the open sink, its writer thread running
     * @throws LlmRouterException if the file cannot be opened, is not SQLite, is not an Iron Router
     *     store or has a newer schema than this code knows
     */
    public static SqliteUsageEventSink open(Path file, SqliteOptions options) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        Path absolute = file.toAbsolutePath().normalize();
        SchemaMigrator.checkIsSqliteOrAbsent(absolute);
        try {
            Path parent = absolute.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new LlmRouterException("cannot create the directory of " + absolute, e);
        }
        createOwnerOnly(absolute);
        Jdbi jdbi = Jdbi.create("jdbc:sqlite:" + absolute, connectionProperties(options));
        Handle handle;
        try {
            handle = jdbi.open();
        } catch (RuntimeException e) {
            throw new LlmRouterException(
                    "cannot open analytics store " + absolute + ": " + e.getMessage(), e);
        }
        try {
            SchemaMigrator.migrate(handle, absolute);
        } catch (LlmRouterException e) {
            handle.close();
            throw e;
        } catch (RuntimeException e) {
            handle.close();
            throw new LlmRouterException(
                    "cannot prepare analytics store " + absolute + ": " + e.getMessage(), e);
        }
        warnIfOthersMayAccess(absolute);
        SqliteUsageEventSink sink = new SqliteUsageEventSink(absolute, options, jdbi, handle);
        sink.writer.start();
        LOG.debug("analytics store {} open ({})", absolute, options);
        return sink;
    }

    /**
     * Creates the store's file, empty and {@code 0600}, if it does not exist and the file system
     * has POSIX permissions; SQLite gives the files it creates beside it the same permissions.
     * Elsewhere SQLite creates it.
     */
    private static void createOwnerOnly(Path file) {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            LOG.debug("analytics store {} created, readable by its owner only", file);
        } catch (FileAlreadyExistsException | UnsupportedOperationException e) {
            // an existing store keeps its permissions; without POSIX permissions SQLite creates it
        } catch (IOException e) {
            throw new LlmRouterException("cannot create analytics store " + file + ": " + e, e);
        }
    }

    /**
     * Logs a warning for each of the store's files (the database and its {@code -wal}, {@code -shm}
     * and {@code -journal} companions) that its group or others may access.
     */
    private static void warnIfOthersMayAccess(Path file) {
        for (String suffix : COMPANIONS) {
            Path path = file.resolveSibling(file.getFileName() + suffix);
            Set<PosixFilePermission> permissions;
            try {
                permissions = Files.getPosixFilePermissions(path);
            } catch (UnsupportedOperationException | IOException e) {
                continue; // absent, or no POSIX permissions here
            }
            Set<PosixFilePermission> shared = EnumSet.complementOf(EnumSet.copyOf(OWNER_ONLY));
            shared.retainAll(permissions);
            if (!shared.isEmpty()) {
                LOG.warn(
                        "analytics store file {} may be accessed by other users (permissions {}); it"
                                + " holds every request's usage and cost. Run chmod 600 on it (and"
                                + " its -wal and -shm files) unless that is meant.",
                        path,
                        PosixFilePermissions.toString(permissions));
            }
        }
    }

    private static Properties connectionProperties(SqliteOptions options) {
        // sqlite-jdbc applies these pragmas on every new connection
        Properties p = new Properties();
        p.setProperty("journal_mode", "WAL");
        p.setProperty("synchronous", "FULL");
        p.setProperty("busy_timeout", Long.toString(options.busyTimeout().toMillis()));
        // take the write lock when a transaction begins, so the busy timeout applies to it
        // instead of failing on a read-to-write upgrade
        p.setProperty("transaction_mode", "IMMEDIATE");
        return p;
    }

    /**
     * Queues the event for the writer. Never throws and never touches the disk. When the queue is
     * full, waits at most {@link SqliteOptions#maxBlock()} under {@link
     * SqliteOptions.FullQueuePolicy#BLOCK_THEN_DROP}, not at all under {@link
     * SqliteOptions.FullQueuePolicy#DROP}; then drops, counts and logs it. A {@code null} event and
     * events recorded after {@link #close()} are dropped and counted.
     *
     * @param event the event
     */
    @Override
    public void record(AnalyticsEvent event) {
        enqueue(event, true);
    }

    /**
     * Queues the event if there is room now; when the queue is full, drops and counts it under
     * {@link SqliteOptions.FullQueuePolicy#DROP}, and under {@link
     * SqliteOptions.FullQueuePolicy#BLOCK_THEN_DROP} returns {@link #record} for the caller to run
     * where it may wait.
     *
     * @param event the event
     * @return empty when queued or dropped; else the bounded wait for room
     */
    @Override
    public Optional<Runnable> recordWithoutWaiting(AnalyticsEvent event) {
        return enqueue(event, false) ? Optional.empty() : Optional.of(() -> record(event));
    }

    /**
     * Queues the event, or drops and counts it. A full queue under {@link
     * SqliteOptions.FullQueuePolicy#BLOCK_THEN_DROP} is waited for only if {@code mayWait};
     * otherwise nothing is done and false returned.
     */
    private boolean enqueue(AnalyticsEvent event, boolean mayWait) {
        inFlight.incrementAndGet();
        try {
            if (event == null || closed) {
                drop(event, event == null ? "null event" : "sink closed");
                return true;
            }
            boolean waits =
                    options.fullQueuePolicy() == SqliteOptions.FullQueuePolicy.BLOCK_THEN_DROP
                            && !options.maxBlock().isZero();
            boolean queued = queue.offer(event);
            if (!queued && waits) {
                if (!mayWait) {
                    return false;
                }
                try {
                    queued = queue.offer(event, options.maxBlock().toNanos(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (!queued) {
                drop(event, "queue full");
            }
            return true;
        } catch (RuntimeException e) {
            drop(event, "unexpected " + e);
            return true;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void drop(AnalyticsEvent event, String why) {
        long count = dropped.incrementAndGet();
        String id = event == null ? "-" : event.eventId();
        if (count == 1 || count % 10_000 == 0) {
            LOG.warn(
                    "analytics store {}: dropped event {} ({}); {} dropped so far",
                    file,
                    id,
                    why,
                    count);
        } else {
            LOG.debug("analytics store {}: dropped event {} ({})", file, id, why);
        }
    }

    private void dropBatch(int size, String why) {
        long count = dropped.addAndGet(size);
        LOG.error(
                "analytics store {}: dropped {} events ({}); {} dropped so far",
                file,
                size,
                why,
                count);
    }

    @Override
    public long droppedCount() {
        return dropped.get();
    }

    /**
     * Stops intake, commits every queued event, stops the writer and closes the file. Idempotent;
     * later calls return at once. The read methods keep working.
     */
    @Override
    public void close() {
        if (!closeStarted.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        // a record() that saw closed == false is in flight: let it finish queueing first
        while (inFlight.get() > 0) {
            Thread.onSpinWait();
        }
        boolean interrupted = false;
        try {
            while (writer.isAlive() && !queue.offer(STOP, 10, TimeUnit.MILLISECONDS)) {
                // the queue is full: the writer is draining it
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        LockSupport.unpark(writer); // it may be parked while it fills a batch
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        // only if the writer died unexpectedly can anything be left: count it
        int left = queue.size();
        if (left > 0) {
            List<AnalyticsEvent> rest = new ArrayList<>();
            queue.drainTo(rest);
            rest.removeIf(e -> e == STOP);
            if (!rest.isEmpty()) {
                dropBatch(rest.size(), "writer stopped before writing them");
            }
        }
        closeInsert();
        writerHandle.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        LOG.debug("analytics store {} closed; {} events dropped", file, dropped.get());
    }

    private void closeInsert() {
        if (insert != null) {
            try {
                insert.close();
            } catch (SQLException e) {
                LOG.debug("analytics store {}: closing the insert statement failed: {}", file, e);
            }
        }
    }

    private void writeLoop() {
        long flushNanos = options.flushInterval().toNanos();
        int batchSize = options.batchSize();
        List<AnalyticsEvent> batch = new ArrayList<>(batchSize);
        boolean stopping = false;
        while (!stopping) {
            try {
                AnalyticsEvent first = queue.poll(flushNanos, TimeUnit.NANOSECONDS);
                if (first == null) {
                    continue;
                }
                if (first == STOP) {
                    stopping = true;
                } else {
                    batch.add(first);
                    stopping = gather(batch, batchSize, System.nanoTime() + flushNanos);
                }
                if (stopping) {
                    // intake has stopped and STOP was queued last: what is left is all there is
                    queue.drainTo(batch);
                    batch.removeIf(e -> e == STOP);
                }
                writeInBatches(batch, batchSize);
                batch.clear();
            } catch (InterruptedException e) {
                // nobody but close() should stop this thread; keep going until STOP arrives
                LOG.debug("analytics writer interrupted; continuing until closed");
            } catch (RuntimeException | Error e) {
                dropBatch(batch.size(), "writer failed: " + e);
                batch.clear();
                if (e instanceof Error) {
                    throw (Error) e;
                }
            }
        }
    }

    /**
     * Adds queued events to the batch until it is full, the deadline passes or STOP arrives.
     * Between looks at the queue the writer parks in slices of at most {@link #SLICE_NANOS} instead
     * of waiting on the queue: a producer only signals (a futex wake, a context switch) a writer
     * that waits on the queue, so at a steady low rate the writer wakes about once per slice, not
     * once per event, and {@code record} stays a plain enqueue.
     *
     * @return whether STOP was taken from the queue (it is not added to the batch)
     */
    private boolean gather(List<AnalyticsEvent> batch, int batchSize, long deadline) {
        while (batch.size() < batchSize) {
            int before = batch.size();
            queue.drainTo(batch, batchSize - before);
            for (int i = before; i < batch.size(); i++) {
                if (batch.get(i) == STOP) { // queued last: nothing follows it
                    batch.remove(i);
                    return true;
                }
            }
            long remaining = deadline - System.nanoTime();
            if (batch.size() >= batchSize || remaining <= 0) {
                return false;
            }
            LockSupport.parkNanos(this, Math.min(remaining, SLICE_NANOS));
        }
        return false;
    }

    private void writeInBatches(List<AnalyticsEvent> events, int batchSize) {
        for (int from = 0; from < events.size(); from += batchSize) {
            List<AnalyticsEvent> chunk =
                    events.subList(from, Math.min(events.size(), from + batchSize));
            try {
                writeBatch(chunk);
            } catch (SQLException | RuntimeException e) {
                dropBatch(chunk.size(), "store failed: " + e.getMessage());
            }
        }
    }

    /** Commits the events in one transaction; runs on the writer thread only. */
    private void writeBatch(List<AnalyticsEvent> events) throws SQLException {
        writerHandle.useTransaction(
                (Handle h) -> {
                    if (insert == null) {
                        insert = h.getConnection().prepareStatement(EventRows.INSERT);
                    }
                    try {
                        for (AnalyticsEvent event : events) {
                            EventRows.addTo(insert, event);
                        }
                        insert.executeBatch();
                    } finally {
                        insert.clearBatch();
                    }
                });
    }

    /**
     * Returns every committed event, oldest first (by timestamp, then by order of arrival), with
     * every field as recorded. Reads through its own connection; works after {@link #close()}.
     *
     * @return the events
     * @throws LlmRouterException if the store cannot be read
     */
    public List<AnalyticsEvent> events() {
        return read(
                h ->
                        h.createQuery(EventRows.SELECT_ALL)
                                .map((rs, ctx) -> EventRows.read(rs))
                                .list());
    }

    /**
     * Returns the total cost of every written LLM request event, in micro-dollars: completed
     * requests plus billed failures (streams cut part-way), so it equals the ledger's spend. Works
     * after {@link #close()}.
     *
     * @return the sum, {@code >= 0}
     * @throws LlmRouterException if the store cannot be read
     */
    public long totalCostMicros() {
        return read(
                h ->
                        h.createQuery(
                                        "SELECT COALESCE(SUM(cost_micros), 0) FROM usage_events"
                                                + " WHERE event_type IN (:completed, :failed)")
                                .bind("completed", LlmRequestCompleted.EVENT_TYPE)
                                .bind("failed", LlmRequestFailed.EVENT_TYPE)
                                .mapTo(Long.class)
                                .one());
    }

    /**
     * Returns up to {@code limit} committed LLM request events ({@code LlmRequestCompleted}, {@code
     * LlmRequestFailed}) not yet synced, oldest first (by timestamp, then by the order they were
     * written). Events still in the queue are not returned yet.
     *
     * @param limit the most events to return, {@code >= 1}
     * @return the events
     * @throws IllegalArgumentException if {@code limit < 1}
     * @throws LlmRouterException if the store cannot be read
     */
    @Override
    public List<AnalyticsEvent> unsynced(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        return read(
                h ->
                        h.createQuery(EventRows.SELECT_UNSYNCED)
                                .bind("limit", limit)
                                .map((rs, ctx) -> EventRows.read(rs))
                                .list());
    }

    /**
     * Marks unsynced events as synced, in one transaction. Ids the store does not hold, and events
     * already synced or rejected, are left alone.
     *
     * @param eventIds the ids of the events the control server acknowledged
     * @throws LlmRouterException if the store cannot be written
     */
    @Override
    public void markSynced(Collection<String> eventIds) {
        Objects.requireNonNull(eventIds, "eventIds");
        if (eventIds.isEmpty()) {
            return;
        }
        write(
                h -> {
                    PreparedBatch batch = h.prepareBatch(EventRows.MARK_SYNCED);
                    for (String id : eventIds) {
                        batch.bind("event_id", Objects.requireNonNull(id, "event id")).add();
                    }
                    batch.execute();
                    return null;
                });
    }

    /**
     * Marks an unsynced event as refused for good: the schema's {@code failed} state, with the
     * reason (secrets redacted, at most {@value EventRows#MAX_SYNC_ERROR_LENGTH} characters) in
     * {@code sync_error}. An unknown id, or an event already synced or rejected, is left alone.
     *
     * @param eventId the event's id
     * @param reason why the control server refused it
     * @throws LlmRouterException if the store cannot be written
     */
    @Override
    public void markRejected(String eventId, String reason) {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(reason, "reason");
        String stored = EventRows.syncError(reason);
        write(
                h ->
                        h.createUpdate(EventRows.MARK_REJECTED)
                                .bind("event_id", eventId)
                                .bind("sync_error", stored)
                                .execute());
    }

    /**
     * Returns the sync state of a committed event.
     *
     * @param eventId the event's id
     * @return the state, or {@code null} if no committed event has that id
     * @throws LlmRouterException if the store cannot be read
     */
    @Override
    public SyncState syncState(String eventId) {
        Objects.requireNonNull(eventId, "eventId");
        return read(
                h ->
                        h.createQuery("SELECT synced_state FROM usage_events WHERE event_id = :id")
                                .bind("id", eventId)
                                .mapTo(String.class)
                                .findOne()
                                .map(EventRows::syncState)
                                .orElse(null));
    }

    /**
     * Returns why the control server refused an event, as stored by {@link #markRejected(String,
     * String)}.
     *
     * @param eventId the event's id
     * @return the stored reason, or {@code null} if the event is unknown or not rejected
     * @throws LlmRouterException if the store cannot be read
     */
    public String rejectionReason(String eventId) {
        Objects.requireNonNull(eventId, "eventId");
        return read(
                h ->
                        h.createQuery(
                                        "SELECT sync_error FROM usage_events WHERE event_id = :id"
                                                + " AND synced_state = 'failed'")
                                .bind("id", eventId)
                                .mapTo(String.class)
                                .findOne()
                                .orElse(null));
    }

    /**
     * Computes usage statistics over the committed LLM request events (see {@link UsageReport}).
     * Runs in one read transaction, so the groups and the total describe the same moment, and never
     * blocks the writer. Events still in the queue are not counted yet.
     *
     * @param query the time range and grouping
     * @return the report
     * @throws LlmRouterException if the store cannot be read
     */
    public UsageReport report(UsageQuery query) {
        Objects.requireNonNull(query, "query");
        return read(h -> UsageQueries.run(h, query));
    }

    private <T> T read(HandleCallback<T, RuntimeException> callback) {
        return access("read", () -> reader.withHandle(callback));
    }

    private <T> T write(HandleCallback<T, RuntimeException> callback) {
        return access("write", () -> jdbi.inTransaction(callback));
    }

    /** Runs a database access; a failure becomes a router exception naming the store. */
    private <T> T access(String verb, Supplier<T> access) {
        try {
            return access.get();
        } catch (RuntimeException e) {
            throw new LlmRouterException(
                    "cannot " + verb + " analytics store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns the store's file.
     *
     * @return the absolute path
     */
    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "SqliteUsageEventSink["
                + file
                + ", "
                + queue.size()
                + " queued, "
                + dropped.get()
                + " dropped"
                + (closed ? ", closed" : "")
                + "]";
    }
}
