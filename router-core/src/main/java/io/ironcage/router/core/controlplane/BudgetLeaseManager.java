package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.domain.Backoff;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetLease;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.LeaseBook;
import io.ironcage.router.core.domain.budget.LeaseState;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.BudgetLeaseClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
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
 * <p>This class is the façade: the request path, what can be read, and the order of {@link
 * #close()}. The accounting is a {@link LeaseBook} (immutable; read by {@link #admit()} without a
 * lock), kept with the rest of the shared state and the one lock in a {@code LeaseMonitor}; the
 * reports wait in a {@code ReportQueue}; a {@code RetryingWorker} runs the background passes
 * ({@code LeaseWork}) of the {@code LeaseHandshake}, the {@code ReportDelivery} and the {@code
 * LeaseReturns}, which also hold the close sequence. Settings come from {@link
 * ControlPlaneOptions}.
 *
 * <p>Thread-safe. Logs amounts and lease ids, never the IC token.
 */
public final class BudgetLeaseManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BudgetLeaseManager.class);

    /** Queued reports beyond which a backlog is merged (see {@link ReportQueue}). */
    static final int MAX_QUEUED_REPORTS = ReportQueue.MAX_QUEUED_REPORTS;

    private final LeaseMonitor monitor;
    private final LeaseHandshake handshake;
    private final LeaseReturns returns;
    private final RetryingWorker worker;

    private BudgetLeaseManager(Builder b) {
        this.monitor =
                new LeaseMonitor(
                        b.ledger,
                        b.clock,
                        b.name,
                        b.options.renewBelowPercent(),
                        b.renewBeforeExpiry);
        ReportDelivery delivery = new ReportDelivery(b.client, monitor);
        this.returns = new LeaseReturns(b.client, monitor, delivery, b.settleWait);
        this.handshake =
                new LeaseHandshake(b.client, b.icToken, b.provider, b.options.leaseSize(), monitor);
        this.worker =
                new RetryingWorker(
                        monitor.lock,
                        monitor.changed,
                        Objects.requireNonNull(b.scheduler, "scheduler"),
                        Backoff.exponential(b.options.minBackoff(), b.options.maxBackoff()),
                        b.random,
                        b.name,
                        new LeaseWork(monitor, handshake, delivery, returns));
        monitor.attach(worker);
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
        worker.exclusive(handshake::run);
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
        if (monitor.closed) {
            throw new IllegalStateException(
                    "the budget lease manager of "
                            + monitor.name
                            + " is closed: its lease is returned to the control server, so no"
                            + " request is admitted");
        }
        // no lock on the request path unless the lease must move
        BudgetLease current = monitor.book.current().orElse(null);
        ControlPlaneException why = null;
        if (current != null
                && current.state() == LeaseState.ACTIVE
                && current.expiresAt().isPresent()) {
            Instant now = monitor.clock.instant();
            // an expired lease is retired even while its renewal is pending (or failing)
            if (current.isExpiredAt(now)
                    || (!monitor.renewWanted
                            && !now.isBefore(
                                    current.expiresAt().get().minus(monitor.renewBeforeExpiry)))) {
                monitor.lock.lock();
                try {
                    monitor.expireOrRenewLocked(current, now);
                    current = monitor.book.current().orElse(null);
                    // with the lease: a failing retry may replace it once unlocked
                    why = monitor.failure;
                } finally {
                    monitor.lock.unlock();
                }
            }
        }
        if (current == null || current.state() != LeaseState.ACTIVE) {
            if (why == null) {
                why = monitor.failure;
            }
            throw why != null
                    ? ControlPlaneFailures.copy(why)
                    : new ControlPlaneException(
                            "the budget lease handshake has not completed yet",
                            new IllegalStateException("no budget lease"));
        }
        ControlPlaneException renewal = monitor.renewFailure;
        if (renewal != null
                && ControlPlaneFailures.isTransient(renewal)
                && monitor.ledger.available().isZero()) {
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
        monitor.lock.lock();
        try {
            LeaseBook.Destination to = monitor.book.destinationOfSpend();
            monitor.book = monitor.book.recordSpend(cost);
            if (to == LeaseBook.Destination.TOO_LATE) {
                spentTooLate(cost, tokens > 0);
                return;
            }
            // null while no lease is in force: the report waits for the next lease
            String leaseId = monitor.book.active().map(BudgetLease::leaseId).orElse(null);
            if (tokens > 0) {
                monitor.reports.add(leaseId, tokens, cost, model, provider);
            }
            if (to == LeaseBook.Destination.LEASE) {
                monitor.maybeRenewLocked(monitor.clock.instant());
            }
            if (!monitor.closed) {
                worker.wake();
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: spend could not be recorded: {}", monitor.name, e.toString());
        } finally {
            monitor.lock.unlock();
        }
    }

    /** Under lock, after close: a cost no lease's return will count (and no report will carry). */
    private void spentTooLate(Money cost, boolean reported) {
        if (reported) {
            monitor.reportsDropped++;
        }
        LOG.warn(
                "{}: {} µ$ settled after close with no lease left to count it against; the control"
                        + " server is not told of it ({} µ$ unaccounted in all)",
                monitor.name,
                cost.micros(),
                monitor.book.unaccounted().micros());
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
        monitor.lock.lock();
        try {
            return monitor.book.unaccounted();
        } finally {
            monitor.lock.unlock();
        }
    }

    /**
     * Returns the current lease.
     *
     * @return a snapshot, or empty before the first grant
     */
    public Optional<BudgetLease> lease() {
        monitor.lock.lock();
        try {
            return monitor.book.current();
        } finally {
            monitor.lock.unlock();
        }
    }

    /**
     * Returns why no lease is in force, if none is.
     *
     * @return the last handshake failure, or empty while a lease is active
     */
    public Optional<ControlPlaneException> failure() {
        monitor.lock.lock();
        try {
            return monitor.book.active().isPresent()
                    ? Optional.empty()
                    : Optional.ofNullable(monitor.failure);
        } finally {
            monitor.lock.unlock();
        }
    }

    /**
     * Returns how many handshakes succeeded (the first one and each renewal).
     *
     * @return the count
     */
    public long grantCount() {
        monitor.lock.lock();
        try {
            return monitor.handshakes;
        } finally {
            monitor.lock.unlock();
        }
    }

    /**
     * Returns how many usage reports are waiting to be delivered.
     *
     * @return the count
     */
    public int pendingReports() {
        monitor.lock.lock();
        try {
            return monitor.reports.size();
        } finally {
            monitor.lock.unlock();
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
        monitor.lock.lock();
        try {
            while (monitor.book.active().isEmpty()) {
                if (nanos <= 0 || monitor.closed) {
                    return false;
                }
                nanos = monitor.changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            monitor.lock.unlock();
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
        monitor.lock.lock();
        try {
            while (!monitor.reports.isEmpty()
                    || !monitor.book.toReturn().isEmpty()
                    || worker.isRunning()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = monitor.changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            monitor.lock.unlock();
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
        monitor.lock.lock();
        try {
            if (monitor.closed) {
                while (!monitor.closeDone) {
                    try {
                        monitor.changed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                return;
            }
            monitor.closed = true;
            worker.stop();
            monitor.changed.signalAll();
        } finally {
            monitor.lock.unlock();
        }
        try {
            returns.awaitSettled();
            worker.exclusive(returns::returnAll);
        } finally {
            monitor.lock.lock();
            try {
                monitor.closeDone = true;
                monitor.changed.signalAll();
            } finally {
                monitor.lock.unlock();
            }
        }
    }

    /** Shows the lease id and amounts, never the token. */
    @Override
    public String toString() {
        monitor.lock.lock();
        try {
            BudgetLease lease = monitor.book.current().orElse(null);
            return "BudgetLeaseManager["
                    + monitor.name
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
            monitor.lock.unlock();
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
