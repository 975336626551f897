package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.controlplane.ReportQueue.Report;
import io.ironcage.router.core.domain.Backoff;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetLease;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.LeaseBook;
import io.ironcage.router.core.domain.budget.LeaseState;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import io.ironcage.router.core.spi.BudgetLeaseClient.HandshakeRequest;
import io.ironcage.router.core.spi.BudgetLeaseClient.LeaseGrant;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent's budget lease in a running router (Protocol 005, reference §7; the lifecycle of
 * reference §7.3 that the 0.4.0 runtime never implemented). The lease's grant is the agent's local
 * limit in its {@link CostController}; everything that talks to the server happens on the scheduler
 * passed in, never on the request path.
 *
 * <ul>
 *   <li><b>Handshake at start</b> for the provider of the agent's key (not a fixed {@code openai},
 *       reference §11 item 1); the grant becomes the ledger's limit. If the server refuses or
 *       cannot be reached, the router still starts: {@link #admit()} refuses every request with
 *       that {@link ControlPlaneException} (the caller sees a 503 or the server's refusal, never an
 *       unexplained 402), and the handshake is retried with a {@link Backoff} (exponential with
 *       full jitter, {@linkplain ControlPlaneOptions#minBackoff() 1 s} to {@linkplain
 *       ControlPlaneOptions#maxBackoff() 60 s} by default) until it succeeds.
 *   <li><b>Usage reports</b>: each settled request is queued by {@link #recordSpend} and reported
 *       ({@code /budget/report}) in order; a backlog of requests of the same lease, model and
 *       provider goes out as one report with their sums; no answer and 5xx are retried with
 *       backoff, other refusals are logged with the amount and dropped.
 *   <li><b>Renewal</b> before the lease runs out: when less than {@linkplain
 *       ControlPlaneOptions#renewBelowPercent() a share} of the grant (default 20 %) is left
 *       unspent, or the lease nears its {@code expires_at}, a new handshake is made; its grant
 *       replaces the old lease's, which is then returned with exactly what was spent from it. The
 *       ledger's limit is always the spend of the leases given up plus the current grant, so no
 *       more can be reserved than the server granted; requests in flight settle against the new
 *       lease. (Refresh is not used: the server wants a user access token for it and restores
 *       nothing of the old lease.)
 *   <li><b>Return on close</b> ({@link #close()}) of {@code granted − spent}: close first stops
 *       admitting requests, waits (bounded, {@linkplain Builder#settleWait(Duration) settle wait})
 *       for the requests in flight to settle, makes a last attempt to deliver the reports, then
 *       returns each lease with exactly what was spent from it. A failure is logged with the amount
 *       left allocated on the server; spend that settles too late to be in the return is logged and
 *       counted ({@link #unaccountedSpend()}), never added anywhere else.
 *   <li><b>State machine</b>: the lease is a {@link BudgetLease}, whose transitions ({@code ACTIVE
 *       → EXPIRED → CLOSED}, {@code REVOKED}) refuse anything else; a report refused with {@code
 *       Lease expired} or {@code Lease has been revoked} moves it there, and a new handshake is
 *       made.
 * </ul>
 *
 * <p>The accounting is a {@link LeaseBook} (immutable; published through one volatile field so that
 * {@link #admit()} reads it without a lock), the queued reports a {@code ReportQueue}, and the
 * background work with its retry backoff a {@code RetryingWorker}; this class wires them to the
 * client and the ledger. Settings come from {@link ControlPlaneOptions} ({@link
 * Builder#options(ControlPlaneOptions)}).
 *
 * <p>Thread-safe. Logs amounts and lease ids, never the IC token.
 */
public final class BudgetLeaseManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BudgetLeaseManager.class);

    /** How often {@link #close()} looks whether the requests in flight have settled. */
    private static final long SETTLE_POLL_MILLIS = 5;

    /** Queued reports beyond which a backlog is merged (see {@link ReportQueue}). */
    static final int MAX_QUEUED_REPORTS = ReportQueue.MAX_QUEUED_REPORTS;

    private final BudgetLeaseClient client;
    private final String icToken;
    private final Supplier<ProviderType> provider;
    private final CostController ledger;
    private final Clock clock;
    private final Optional<Money> leaseSize;
    private final int renewBelowPercent;
    private final Duration renewBeforeExpiry;
    private final Duration settleWait;
    private final String name;

    // fair: the background worker must not starve behind a stream of settling requests
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition changed = lock.newCondition();
    private final RetryingWorker worker;

    // written under lock; the volatile ones are read without it by admit(), on the request path
    private volatile boolean closed;
    private volatile LeaseBook book = LeaseBook.empty();
    private volatile ControlPlaneException failure;
    private volatile ControlPlaneException renewFailure;
    private volatile boolean renewWanted;
    private final ReportQueue reports = new ReportQueue();
    private boolean closeDone;
    private long handshakes;
    private long reportsDelivered;
    private long reportsDropped;

    private BudgetLeaseManager(Builder b) {
        this.client = b.client;
        this.icToken = b.icToken;
        this.provider = b.provider;
        this.ledger = b.ledger;
        this.clock = b.clock;
        this.leaseSize = b.options.leaseSize();
        this.renewBelowPercent = b.options.renewBelowPercent();
        this.renewBeforeExpiry = b.renewBeforeExpiry;
        this.settleWait = b.settleWait;
        this.name = b.name;
        this.worker =
                new RetryingWorker(
                        lock,
                        changed,
                        Objects.requireNonNull(b.scheduler, "scheduler"),
                        Backoff.exponential(b.options.minBackoff(), b.options.maxBackoff()),
                        b.random,
                        name,
                        new RetryingWorker.Job() {
                            @Override
                            public boolean runOnce() {
                                return workOnce();
                            }

                            @Override
                            public boolean hasWork() {
                                return hasWorkLocked();
                            }

                            @Override
                            public boolean hasMoreWork() {
                                return hasWorkLocked() && !waitingForLeaseOnly();
                            }
                        });
    }

    /**
     * Returns a builder.
     *
     * @param client the Protocol 005 client
     * @param icToken the agent's IC token
     * @param provider the provider to lease for: the provider of the agent's key (may fetch it, and
     *     throw {@link ControlPlaneException})
     * @param ledger the agent's ledger; its limit is set from the lease (until then, whatever it is
     *     created with — create it with a limit of 0)
     * @return the builder
     */
    public static Builder builder(
            BudgetLeaseClient client,
            String icToken,
            Supplier<ProviderType> provider,
            CostController ledger) {
        return new Builder(client, icToken, provider, ledger);
    }

    /**
     * Makes the first handshake, blocking for at most the client's timeout. Never throws for a
     * control-plane failure: it is kept, {@link #admit()} refuses with it, and the handshake is
     * retried in the background.
     */
    public void start() {
        worker.exclusive(this::handshake);
        worker.scheduleFromState();
    }

    /**
     * Lets a request use the budget, or refuses it. Does not block on the network.
     *
     * @throws ControlPlaneException when there is no usable lease: the handshake was refused or the
     *     server could not be reached, the lease expired or was revoked and no new one came yet, or
     *     the lease is used up while its renewal cannot reach the server
     * @throws IllegalStateException once {@link #close()} has begun: the lease is being (or was)
     *     returned, so nothing more may be spent from it
     */
    public void admit() {
        if (closed) {
            throw new IllegalStateException(
                    "the budget lease manager of "
                            + name
                            + " is closed: its lease is returned to the control server, so no"
                            + " request is admitted");
        }
        // no lock on the request path unless the lease must move
        BudgetLease current = book.current().orElse(null);
        ControlPlaneException why = null;
        if (current != null
                && current.state() == LeaseState.ACTIVE
                && current.expiresAt().isPresent()) {
            Instant now = clock.instant();
            // an expired lease is retired even while its renewal is pending (or failing)
            if (current.isExpiredAt(now)
                    || (!renewWanted
                            && !now.isBefore(current.expiresAt().get().minus(renewBeforeExpiry)))) {
                lock.lock();
                try {
                    // compared by id: a settled request replaces the lease value, not the lease
                    BudgetLease held = book.current().orElse(null);
                    if (held != null
                            && held.state() == LeaseState.ACTIVE
                            && held.leaseId().equals(current.leaseId())
                            && held.isExpiredAt(now)) {
                        retireCurrent(LeaseState.EXPIRED);
                        failure = new ControlPlaneException(403, "Lease expired");
                        worker.wake();
                    } else {
                        maybeRenewLocked(now);
                    }
                    current = book.current().orElse(null);
                    why = failure; // with the lease: a failing retry may replace it once unlocked
                } finally {
                    lock.unlock();
                }
            }
        }
        if (current == null || current.state() != LeaseState.ACTIVE) {
            if (why == null) {
                why = failure;
            }
            throw why != null
                    ? ControlPlaneFailures.copy(why)
                    : new ControlPlaneException(
                            "the budget lease handshake has not completed yet",
                            new IllegalStateException("no budget lease"));
        }
        ControlPlaneException renewal = renewFailure;
        if (renewal != null
                && ControlPlaneFailures.isTransient(renewal)
                && ledger.available().isZero()) {
            throw ControlPlaneFailures.copy(renewal); // used up, and no way to get more now
        }
    }

    /**
     * Records a settled request's cost against the current lease and queues its usage report. Never
     * blocks on the network and never throws.
     *
     * <p>Call it before the request's reservation is released on the ledger: {@link #close()} waits
     * for the ledger's reservations to settle, then returns the lease with what it recorded. A cost
     * recorded after close has taken the lease's spend for its return (or while no lease is in
     * force and none can come) is in no return and no report: it is logged and added to {@link
     * #unaccountedSpend()}.
     *
     * @param provider the provider the request went to
     * @param model the model
     * @param tokens the tokens it used; a request without tokens is not reported (the server
     *     requires {@code tokens > 0})
     * @param cost the cost committed to the ledger
     */
    public void recordSpend(ProviderType provider, String model, long tokens, Money cost) {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(cost, "cost");
        lock.lock();
        try {
            LeaseBook.Destination to = book.destinationOfSpend();
            book = book.recordSpend(cost);
            if (to == LeaseBook.Destination.TOO_LATE) {
                spentTooLate(cost, tokens > 0);
                return;
            }
            // null while no lease is in force: the report waits for the next lease
            String leaseId = book.active().map(BudgetLease::leaseId).orElse(null);
            if (tokens > 0) {
                reports.add(leaseId, tokens, cost, model, provider);
            }
            if (to == LeaseBook.Destination.LEASE) {
                maybeRenewLocked(clock.instant());
            }
            if (!closed) {
                worker.wake();
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: spend could not be recorded: {}", name, e.toString());
        } finally {
            lock.unlock();
        }
    }

    /** Under lock, after close: a cost no lease's return will count (and no report will carry). */
    private void spentTooLate(Money cost, boolean reported) {
        if (reported) {
            reportsDropped++;
        }
        LOG.warn(
                "{}: {} µ$ settled after close with no lease left to count it against; the control"
                        + " server is not told of it ({} µ$ unaccounted in all)",
                name,
                cost.micros(),
                book.unaccounted().micros());
    }

    /**
     * Returns the money spent that the control server was never told of: costs recorded after
     * {@link #close()} took the lease's spend for its return (a request still in flight when the
     * {@linkplain Builder#settleWait(Duration) settle wait} ran out, or one that reserved after
     * close had looked), and costs recorded while no lease was in force that no lease came to take
     * before close. Each is logged as it happens. The server has given this money back to the
     * agent's budget (or never charged it), so it is an overspend on the server's books.
     *
     * @return the amount; zero when every cost was in a return
     */
    public Money unaccountedSpend() {
        lock.lock();
        try {
            return book.unaccounted();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the current lease.
     *
     * @return a snapshot, or empty before the first grant
     */
    public Optional<BudgetLease> lease() {
        lock.lock();
        try {
            return book.current();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns why no lease is in force, if none is.
     *
     * @return the last handshake failure, or empty while a lease is active
     */
    public Optional<ControlPlaneException> failure() {
        lock.lock();
        try {
            return book.active().isPresent() ? Optional.empty() : Optional.ofNullable(failure);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns how many handshakes succeeded (the first one and each renewal).
     *
     * @return the count
     */
    public long grantCount() {
        lock.lock();
        try {
            return handshakes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns how many usage reports are waiting to be delivered.
     *
     * @return the count
     */
    public int pendingReports() {
        lock.lock();
        try {
            return reports.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until a lease is in force (the handshake, or a retry of it, succeeded), or the timeout
     * passes.
     *
     * @param timeout how long to wait at most
     * @return whether a lease is in force
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitLease(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (book.active().isEmpty()) {
                if (nanos <= 0 || closed) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every queued report was delivered (or refused and dropped) and every replaced
     * lease was returned, or the timeout passes.
     *
     * @param timeout how long to wait at most
     * @return whether everything was delivered
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitDelivered(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!reports.isEmpty() || !book.toReturn().isEmpty() || worker.isRunning()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the budget to the control server, in this order:
     *
     * <ol>
     *   <li>stops admitting requests ({@link #admit()} throws {@link IllegalStateException}) and
     *       stops the background work;
     *   <li>waits until nothing is reserved on the ledger any more, so that the requests in flight
     *       have recorded their cost ({@link #recordSpend}), for at most the {@linkplain
     *       Builder#settleWait(Duration) settle wait};
     *   <li>takes the current lease's spend (the lease is {@link LeaseState#CLOSED} from then on),
     *       tries once more to deliver the queued reports, returns replaced leases, then returns
     *       the current lease's unused part ({@code granted − spent}).
     * </ol>
     *
     * <p>Every return carries exactly the spend recorded against its lease. A cost recorded after
     * its lease's spend was taken is in no return: it is logged and counted in {@link
     * #unaccountedSpend()}. A failed return is logged with the amount that stays allocated on the
     * server.
     *
     * <p>Idempotent: a second call waits until the first has finished, so that whatever the caller
     * shuts down next (the HTTP client, the scheduler) is no longer needed. Blocks for at most the
     * settle wait plus a few calls' timeouts; an interrupt ends the waiting early (the interrupt
     * stays set).
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                while (!closeDone) {
                    try {
                        changed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                return;
            }
            closed = true;
            worker.stop();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            awaitSettled();
            worker.exclusive(this::returnAll);
        } finally {
            lock.lock();
            try {
                closeDone = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Under the work lock, at close: delivers what it can and returns every lease. */
    private void returnAll() {
        Optional<BudgetLease> returning;
        lock.lock();
        try {
            // from here a cost cannot reach the current lease: its return says all it spent
            returning = book.active().map(BudgetLease::close);
            book = book.closeForReturn();
        } finally {
            lock.unlock();
        }
        deliverReports(true);
        returnReplaced(true);
        returning.ifPresent(this::returnLease);
        dropUnassigned();
    }

    /**
     * At close: waits until the requests in flight have settled on the ledger; bounded on the clock
     * and, should the clock stand still (a test clock), by the number of pauses.
     */
    private void awaitSettled() {
        Instant deadline = clock.instant().plus(settleWait);
        long pauses = (settleWait.toMillis() + SETTLE_POLL_MILLIS - 1) / SETTLE_POLL_MILLIS;
        Money reserved = ledger.reserved();
        for (long i = 0; !reserved.isZero(); i++) {
            if (i >= pauses
                    || !clock.instant().isBefore(deadline)
                    || Thread.currentThread().isInterrupted()) {
                LOG.warn(
                        "{}: {} µ$ is still reserved by requests in flight at close; what they"
                                + " spend from now on is in no return",
                        name,
                        reserved.micros());
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SETTLE_POLL_MILLIS));
            reserved = ledger.reserved();
        }
    }

    /**
     * Under the work lock, at close: spend recorded while no lease was in force waited for the next
     * lease, and none will come now.
     */
    private void dropUnassigned() {
        lock.lock();
        try {
            if (!reports.isEmpty()) {
                LOG.warn(
                        "{}: {} usage report(s) not delivered at close: no lease was in force for"
                                + " them",
                        name,
                        reports.size());
                reportsDropped += reports.clear();
            }
            Money unassigned = book.unassigned();
            if (!unassigned.isZero()) {
                book = book.dropUnassigned();
                LOG.warn(
                        "{}: {} µ$ spent while no lease was in force is in no lease's return; the"
                                + " control server is not told of it",
                        name,
                        unassigned.micros());
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Shows the lease id and amounts, never the token. */
    @Override
    public String toString() {
        lock.lock();
        try {
            BudgetLease lease = book.current().orElse(null);
            return "BudgetLeaseManager["
                    + name
                    + ", lease="
                    + (lease == null
                            ? "none"
                            : lease.leaseId()
                                    + " "
                                    + lease.state()
                                    + " granted "
                                    + lease.granted().micros()
                                    + " µ$, spent "
                                    + lease.spent().micros()
                                    + " µ$")
                    + "]";
        } finally {
            lock.unlock();
        }
    }

    // --- background work ------------------------------------------------------------------

    /** Under lock: asks for a renewal when the lease is nearly used up or nearly expired. */
    private void maybeRenewLocked(Instant now) {
        if (!renewWanted && book.wantsRenewal(now, renewBelowPercent, renewBeforeExpiry)) {
            renewWanted = true;
            worker.wake();
        }
    }

    private boolean hasWorkLocked() {
        return needsHandshakeLocked() || !reports.isEmpty() || !book.toReturn().isEmpty();
    }

    private boolean needsHandshakeLocked() {
        return book.active().isEmpty() || renewWanted;
    }

    /** Under lock: the only work left is reports that wait for a lease that has not come. */
    private boolean waitingForLeaseOnly() {
        return !needsHandshakeLocked() && book.toReturn().isEmpty() && reports.onlyUnleased();
    }

    /** Under the work lock: one pass; returns whether it all succeeded. */
    private boolean workOnce() {
        boolean needsHandshake;
        lock.lock();
        try {
            needsHandshake = needsHandshakeLocked();
        } finally {
            lock.unlock();
        }
        boolean failed = false;
        if (needsHandshake) {
            failed = !handshake();
        }
        // reports of an active lease go out even while a renewal fails
        boolean delivered = deliverReports(false);
        failed |= !delivered;
        if (delivered) {
            failed |= !returnReplaced(false);
        }
        return !failed;
    }

    /**
     * Under the work lock: one handshake; returns whether it succeeded. None after {@link #close()}
     * (e.g. a {@link #start()} after it): close returns only the leases it sees under the work
     * lock, so a later grant would stay allocated on the server.
     */
    private boolean handshake() {
        boolean renewal;
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            renewal = book.active().isPresent();
        } finally {
            lock.unlock();
        }
        LeaseGrant grant;
        ProviderType forProvider;
        try {
            forProvider = provider.get();
            grant =
                    client.handshake(
                            new HandshakeRequest(
                                    icToken,
                                    forProvider,
                                    leaseSize.isPresent()
                                            ? java.util.OptionalLong.of(leaseSize.get().micros())
                                            : java.util.OptionalLong.empty()));
            if (grant.granted().micros() <= 0) {
                // a lease of nothing would ask to be renewed at once, again and again: a failed
                // handshake, retried with backoff
                throw new ControlPlaneException(402, "the control server granted no budget");
            }
        } catch (ControlPlaneException e) {
            lock.lock();
            try {
                Optional<BudgetLease> active = book.active();
                if (renewal && active.isPresent()) {
                    renewFailure = e;
                    LOG.warn(
                            "{}: the budget lease {} could not be renewed ({}); it has {} µ$"
                                    + " left",
                            name,
                            active.get().leaseId(),
                            e.getMessage(),
                            ledger.available().micros());
                } else {
                    failure = e;
                    LOG.warn(
                            "{}: no budget lease ({}); requests are refused until the control"
                                    + " server grants one",
                            name,
                            e.getMessage());
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            return false;
        }
        install(grant, forProvider);
        return true;
    }

    /** Makes a fresh grant the current lease; the one it replaces waits to be returned. */
    private void install(LeaseGrant grant, ProviderType forProvider) {
        lock.lock();
        try {
            Optional<BudgetLease> old = book.active();
            book = book.install(grant.toLease());
            BudgetLease fresh = book.current().orElseThrow();
            handshakes++;
            failure = null;
            renewFailure = null;
            renewWanted = false;
            reports.assignUnleased(fresh.leaseId());
            ledger.setLimit(book.ledgerLimit());
            LOG.info(
                    "{}: budget lease {} granted for {}: {} µ$ (the agent has {} left on the"
                            + " server){}",
                    name,
                    fresh.leaseId(),
                    forProvider.id(),
                    grant.granted().micros(),
                    grant.remaining().map(m -> m.micros() + " µ$").orElse("an unstated amount"),
                    old.map(o -> "; it replaces " + o.leaseId()).orElse(""));
            maybeRenewLocked(clock.instant()); // a grant smaller than the threshold renews again
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Under lock: the current lease stops being usable; its spend counts as given up. */
    private void retireCurrent(LeaseState state) {
        book = book.retire(state);
        ledger.setLimit(book.ledgerLimit());
        renewWanted = true;
    }

    /**
     * Under the work lock: sends queued reports in order. Returns false when the server could not
     * be reached (the rest wait for the retry); with {@code once}, gives up on them instead.
     */
    private boolean deliverReports(boolean once) {
        while (true) {
            List<Report> batch;
            lock.lock();
            try {
                batch = reports.nextBatch();
            } finally {
                lock.unlock();
            }
            if (batch.isEmpty()) {
                return true;
            }
            Report next = ReportQueue.coalesce(batch);
            boolean delivered;
            try {
                client.report(
                        next.leaseId(),
                        next.requestId(),
                        next.tokens(),
                        next.cost(),
                        next.model(),
                        next.provider());
                delivered = true;
            } catch (ControlPlaneException e) {
                if (e.status() >= 200 && e.status() <= 299) {
                    delivered = true; // accepted, but the answer was unreadable
                } else if (ControlPlaneFailures.isTransient(e)) {
                    lock.lock();
                    try {
                        reports.sentWithoutAnswer(batch, next);
                    } finally {
                        lock.unlock();
                    }
                    if (!once) {
                        return false;
                    }
                    lock.lock();
                    try {
                        LOG.warn(
                                "{}: {} usage report(s) not delivered at close ({})",
                                name,
                                reports.size(),
                                e.getMessage());
                        reportsDropped += reports.clear();
                        changed.signalAll();
                    } finally {
                        lock.unlock();
                    }
                    return true;
                } else {
                    refused(next, e);
                    delivered = false;
                }
            } catch (IllegalStateException e) {
                // the client was closed under us: a failed pass, so the retry backs off instead
                // of spinning on work that stays queued
                return false;
            }
            lock.lock();
            try {
                reports.remove(batch);
                if (delivered) {
                    reportsDelivered += batch.size();
                } else {
                    reportsDropped += batch.size();
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** A report the server refused for good: the lease may have expired or been revoked. */
    private void refused(Report report, ControlPlaneException e) {
        lock.lock();
        try {
            boolean current =
                    book.active().map(l -> l.leaseId().equals(report.leaseId())).orElse(false);
            String message = e.serverMessage();
            if (current && e.status() == 403) {
                if ("Lease expired".equals(message)) {
                    retireCurrent(LeaseState.EXPIRED);
                    failure = e;
                } else if ("Lease has been revoked".equals(message)) {
                    retireCurrent(LeaseState.REVOKED);
                    failure = e;
                }
            }
            LOG.warn(
                    "{}: the usage report of {} µ$ against lease {} was refused ({}); the"
                            + " server did not record it",
                    name,
                    report.cost().micros(),
                    report.leaseId(),
                    e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /** Under the work lock: returns replaced leases whose reports are all out. */
    private boolean returnReplaced(boolean once) {
        while (true) {
            BudgetLease old;
            lock.lock();
            try {
                List<BudgetLease> waiting = book.toReturn();
                if (waiting.isEmpty()) {
                    return true;
                }
                old = waiting.get(0);
                if (!once && reports.hasFor(old.leaseId())) {
                    return true; // its reports first
                }
            } finally {
                lock.unlock();
            }
            try {
                Money returned = client.returnUnused(old.leaseId(), old.spent());
                LOG.info(
                        "{}: budget lease {} returned: {} µ$ back to the agent (spent {} µ$)",
                        name,
                        old.leaseId(),
                        returned.micros(),
                        old.spent().micros());
            } catch (ControlPlaneException e) {
                if (ControlPlaneFailures.isTransient(e) && !once) {
                    return false;
                }
                LOG.warn(
                        "{}: returning budget lease {} failed ({}); {} µ$ unused stays allocated on"
                                + " the control server",
                        name,
                        old.leaseId(),
                        e.getMessage(),
                        old.remaining().micros());
            } catch (IllegalStateException e) {
                return false; // the client was closed under us: back off, as above
            }
            lock.lock();
            try {
                book = book.returned(old.leaseId());
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Under the work lock, at close: returns the unused part of what was the current lease, with
     * the spend taken when it stopped taking costs.
     */
    private void returnLease(BudgetLease current) {
        try {
            Money returned = client.returnUnused(current.leaseId(), current.spent());
            LOG.info(
                    "{}: budget returned to the control server: {} µ$ of lease {} (spent {} µ$ of"
                            + " {} µ$)",
                    name,
                    returned.micros(),
                    current.leaseId(),
                    current.spent().micros(),
                    current.granted().micros());
        } catch (ControlPlaneException | IllegalStateException e) {
            LOG.warn(
                    "{}: returning budget lease {} failed ({}); {} µ$ unused stays allocated on the"
                            + " control server",
                    name,
                    current.leaseId(),
                    e.getMessage(),
                    current.remaining().micros());
        }
    }

    /** Configures a {@link BudgetLeaseManager}. */
    public static final class Builder {
        private final BudgetLeaseClient client;
        private final String icToken;
        private final Supplier<ProviderType> provider;
        private final CostController ledger;
        private Clock clock;
        private ScheduledExecutorService scheduler;
        private ControlPlaneOptions options;
        private RandomGenerator random;
        private Duration renewBeforeExpiry = Duration.ofSeconds(60);
        private Duration settleWait = Duration.ofSeconds(10);
        private String name = "agent";

        private Builder(
                BudgetLeaseClient client,
                String icToken,
                Supplier<ProviderType> provider,
                CostController ledger) {
            this.client = Objects.requireNonNull(client, "client");
            this.icToken = Objects.requireNonNull(icToken, "icToken");
            this.provider = Objects.requireNonNull(provider, "provider");
            this.ledger = Objects.requireNonNull(ledger, "ledger");
        }

        /**
         * Sets the clock lease expiry is measured on (required; the router passes its own).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the scheduler that runs reports, renewals, returns and retries (required; not shut
         * down by the manager).
         *
         * @param scheduler the scheduler
         * @return this builder
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Sets the control-plane settings the lease follows (required): the amount asked for at
         * each handshake ({@link ControlPlaneOptions#leaseSize()}), the share of a grant below
         * which it is renewed ({@link ControlPlaneOptions#renewBelowPercent()}) and the retry
         * backoff ({@link ControlPlaneOptions#minBackoff()} to {@link
         * ControlPlaneOptions#maxBackoff()}, exponential with full jitter). They are validated
         * there, once.
         *
         * @param options the router's control-plane options
         * @return this builder
         */
        public Builder options(ControlPlaneOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Sets the random source the retry backoff draws its jitter from (default: the retrying
         * thread's own); tests pass a fixed one.
         *
         * @param random the random source, used under the manager's lock only
         * @return this builder
         */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Sets how long before a lease's {@code expires_at} it is renewed (default 60 s).
         *
         * @param margin the margin, not negative
         * @return this builder
         */
        public Builder renewBeforeExpiry(Duration margin) {
            Objects.requireNonNull(margin, "margin");
            if (margin.isNegative()) {
                throw new IllegalArgumentException("the expiry margin must not be negative");
            }
            this.renewBeforeExpiry = margin;
            return this;
        }

        /**
         * Sets how long {@link BudgetLeaseManager#close()} waits at most for the requests in flight
         * (reservations on the ledger) to settle before it returns the lease (default 10 s). What
         * they spend after that is in no return (see {@link
         * BudgetLeaseManager#unaccountedSpend()}).
         *
         * @param wait the longest wait, not negative; zero returns at once
         * @return this builder
         */
        public Builder settleWait(Duration wait) {
            Objects.requireNonNull(wait, "wait");
            if (wait.isNegative()) {
                throw new IllegalArgumentException("the settle wait must not be negative");
            }
            this.settleWait = wait;
            return this;
        }

        /**
         * Sets the name used in log lines, e.g. the agent id (never the token).
         *
         * @param name the name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Builds the manager; call {@link BudgetLeaseManager#start()} next.
         *
         * @return the manager
         * @throws IllegalStateException if no clock or no options were set
         */
        public BudgetLeaseManager build() {
            if (clock == null) {
                throw new IllegalStateException("set a clock, e.g. .clock(Clock.systemUTC())");
            }
            if (options == null) {
                throw new IllegalStateException(
                        "set the control-plane options, e.g. .options(ControlPlaneOptions.of(url))");
            }
            return new BudgetLeaseManager(this);
        }
    }
}
