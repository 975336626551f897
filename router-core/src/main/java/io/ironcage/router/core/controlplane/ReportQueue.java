package io.ironcage.router.core.controlplane;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The usage reports of a lease manager that wait to be delivered, in order. A backlog coalesces:
 * consecutive reports of the same lease, model and provider go out as one ({@link #nextBatch()},
 * {@link #coalesce(List)}), and beyond {@link #MAX_QUEUED_REPORTS} a new report is merged into the
 * last one, so a long outage holds one growing report instead of one per request. Amounts are
 * summed, never lost.
 *
 * <p>Not thread-safe: the lease manager calls it under its lock only.
 */
final class ReportQueue {
    /** The most queued reports sent as one. */
    static final int MAX_COALESCED = 100;

    /**
     * Queued reports beyond which a new one is merged into the last when they are for the same
     * lease, model and provider.
     */
    static final int MAX_QUEUED_REPORTS = 10_000;

    /** One request's usage (or a backlog's sum); {@code leaseId} null until a lease takes it. */
    record Report(
            String leaseId,
            String requestId,
            long tokens,
            Money cost,
            String model,
            ProviderType provider) {
        Report withLease(String id) {
            return new Report(id, requestId, tokens, cost, model, provider);
        }

        boolean sameKey(Report other) {
            return Objects.equals(leaseId, other.leaseId)
                    && model.equals(other.model)
                    && provider == other.provider;
        }
    }

    private final Deque<Report> reports = new ArrayDeque<>();
    // a report sent once without an answer: resent as it was, same id and amount, so a server
    // that recorded it the first time can tell the retry apart from new usage
    private Report sentOnce;

    /**
     * Queues a request's usage.
     *
     * @param leaseId the lease that carries its cost, or null while none is in force
     * @throws ArithmeticException if a merged report's tokens would overflow (nothing is queued)
     */
    void add(String leaseId, long tokens, Money cost, String model, ProviderType provider) {
        Report last = reports.peekLast();
        if (reports.size() >= MAX_QUEUED_REPORTS
                && last != null
                && last != sentOnce
                && Objects.equals(last.leaseId(), leaseId)
                && last.model().equals(model)
                && last.provider() == provider) {
            Report merged =
                    new Report(
                            leaseId,
                            last.requestId(),
                            Math.addExact(last.tokens(), tokens),
                            last.cost().plus(cost),
                            model,
                            provider);
            reports.pollLast();
            reports.addLast(merged);
        } else {
            reports.add(
                    new Report(leaseId, "req_" + UUID.randomUUID(), tokens, cost, model, provider));
        }
    }

    /**
     * Returns the reports to send next: the head and the reports after it of the same lease, model
     * and provider, at most {@link #MAX_COALESCED}; empty when the queue is empty or its head waits
     * for a lease. They stay queued until {@link #remove(List)}.
     */
    List<Report> nextBatch() {
        List<Report> batch = new ArrayList<>();
        Report head = reports.peekFirst();
        if (head == null || head.leaseId() == null) {
            return batch;
        }
        if (head == sentOnce) {
            batch.add(head);
            return batch;
        }
        for (Report r : reports) {
            if (batch.size() == MAX_COALESCED || !head.sameKey(r)) {
                break;
            }
            batch.add(r);
        }
        return batch;
    }

    /**
     * One report for consecutive requests of the same lease, model and provider: tokens and cost
     * summed, the first request's id with the count of the others. Only a backlog coalesces (one
     * HTTP call per request cannot keep up with a busy agent); the sum the server records is the
     * same.
     */
    static Report coalesce(List<Report> batch) {
        Report first = batch.get(0);
        if (batch.size() == 1) {
            return first;
        }
        long tokens = 0;
        Money cost = Money.ZERO;
        for (Report r : batch) {
            tokens = Math.addExact(tokens, r.tokens());
            cost = cost.plus(r.cost());
        }
        return new Report(
                first.leaseId(),
                first.requestId() + "+" + (batch.size() - 1),
                tokens,
                cost,
                first.model(),
                first.provider());
    }

    /**
     * Removes a batch that was delivered or dropped; only reports still at the head are removed
     * (the queue may have been cleared meanwhile).
     */
    void remove(List<Report> batch) {
        for (Report r : batch) {
            if (reports.peekFirst() == r) {
                reports.removeFirst();
                if (r == sentOnce) {
                    sentOnce = null;
                }
            }
        }
    }

    /**
     * Replaces a batch, still at the head, by the one report it went out as, after a try the server
     * may or may not have recorded: the retry sends that report again unchanged instead of a new
     * sum under a new id with the reports queued since.
     *
     * @param batch the reports {@link #nextBatch()} gave
     * @param sent what was sent for them ({@link #coalesce(List)})
     */
    void sentWithoutAnswer(List<Report> batch, Report sent) {
        if (batch.isEmpty() || reports.peekFirst() != batch.get(0)) {
            return; // cleared meanwhile
        }
        remove(batch);
        reports.addFirst(sent);
        sentOnce = sent;
    }

    /** Gives the reports that waited for a lease to the fresh one. */
    void assignUnleased(String leaseId) {
        Objects.requireNonNull(leaseId, "leaseId");
        List<Report> reassigned = new ArrayList<>(reports.size());
        for (Report r : reports) {
            reassigned.add(r.leaseId() == null ? r.withLease(leaseId) : r);
        }
        reports.clear();
        reports.addAll(reassigned);
    }

    /** Whether a report of the lease is still queued (its return waits for them). */
    boolean hasFor(String leaseId) {
        return reports.stream().anyMatch(r -> leaseId.equals(r.leaseId()));
    }

    /** Whether every queued report waits for a lease (true when empty). */
    boolean onlyUnleased() {
        return reports.stream().allMatch(r -> r.leaseId() == null);
    }

    /** Drops every queued report; returns how many. */
    int clear() {
        int n = reports.size();
        reports.clear();
        sentOnce = null;
        return n;
    }

    int size() {
        return reports.size();
    }

    boolean isEmpty() {
        return reports.isEmpty();
    }

    /** The cost of every queued report, summed. */
    Money queuedCost() {
        Money sum = Money.ZERO;
        for (Report r : reports) {
            sum = sum.plus(r.cost());
        }
        return sum;
    }
}
