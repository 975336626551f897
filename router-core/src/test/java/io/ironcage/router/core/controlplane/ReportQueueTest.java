package io.ironcage.router.core.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.controlplane.ReportQueue.Report;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report queue on its own: order, coalescing and the bounded backlog keep every µ$. */
class ReportQueueTest {
    private static final ProviderType OPENAI = ProviderType.OPENAI;

    @Test
    void aBatchIsTheHeadAndTheReportsOfTheSameLeaseModelAndProviderAfterIt() {
        ReportQueue queue = new ReportQueue();
        queue.add("lease_1", 10, Money.ofMicros(100), "gpt-4o-mini", OPENAI);
        queue.add("lease_1", 20, Money.ofMicros(250), "gpt-4o-mini", OPENAI);
        queue.add("lease_1", 5, Money.ofMicros(7), "gpt-4o", OPENAI);

        List<Report> batch = queue.nextBatch();
        Report one = ReportQueue.coalesce(batch);

        assertEquals(2, batch.size());
        assertEquals(30, one.tokens());
        assertEquals(Money.ofMicros(350), one.cost(), "100 + 250");
        assertTrue(one.requestId().endsWith("+1"), one.requestId());
        queue.remove(batch);
        assertEquals(1, queue.size());
        assertEquals(Money.ofMicros(7), ReportQueue.coalesce(queue.nextBatch()).cost());
    }

    @Test
    void reportsWaitingForALeaseAreNotSentUntilOneTakesThem() {
        ReportQueue queue = new ReportQueue();
        queue.add(null, 10, Money.ofMicros(3), "gpt-4o-mini", OPENAI);

        assertTrue(queue.nextBatch().isEmpty());
        assertTrue(queue.onlyUnleased());
        queue.assignUnleased("lease_9");

        assertTrue(queue.hasFor("lease_9"));
        assertFalse(queue.onlyUnleased());
        assertEquals("lease_9", queue.nextBatch().get(0).leaseId());
    }

    @Test
    void aBacklogBeyondTheBoundIsMergedAndKeepsEveryMicroDollar() {
        ReportQueue queue = new ReportQueue();
        int requests = ReportQueue.MAX_QUEUED_REPORTS + 500;
        for (int i = 0; i < requests; i++) {
            queue.add("lease_1", 10, Money.ofMicros(3), "gpt-4o-mini", OPENAI);
        }

        assertEquals(ReportQueue.MAX_QUEUED_REPORTS, queue.size());
        assertEquals(Money.ofMicros(3L * requests), queue.queuedCost(), "30_030 µ$ in all");
        int batches = 0;
        long tokens = 0;
        while (!queue.isEmpty()) {
            List<Report> batch = queue.nextBatch();
            assertTrue(batch.size() <= ReportQueue.MAX_COALESCED);
            tokens += ReportQueue.coalesce(batch).tokens();
            queue.remove(batch);
            batches++;
        }
        assertEquals(10L * requests, tokens);
        assertEquals(ReportQueue.MAX_QUEUED_REPORTS / ReportQueue.MAX_COALESCED, batches);
    }
}
