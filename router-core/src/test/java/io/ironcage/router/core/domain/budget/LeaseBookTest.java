package io.ironcage.router.core.domain.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.budget.LeaseBook.Destination;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The lease books on their own: no threads, no scheduler, figures worked out by hand. */
class LeaseBookTest {
    private static final Instant T = Instant.parse("2026-12-07T12:00:00Z");
    private static final Duration MARGIN = Duration.ofSeconds(60);

    private static Money m(long micros) {
        return Money.ofMicros(micros);
    }

    private static long spentOf(LeaseBook book) {
        return book.current().orElseThrow().spent().micros();
    }

    @Test
    void everyMicroDollarRecordedIsInExactlyOneLeaseOrCountedAsUnaccounted() {
        LeaseBook book = LeaseBook.empty();
        assertEquals(Destination.UNASSIGNED, book.destinationOfSpend());

        book = book.recordSpend(m(300)); // settled while no lease was in force
        assertEquals(m(300), book.unassigned());
        assertEquals(m(300), book.ledgerLimit(), "nothing granted: only what was spent");

        book = book.install(BudgetLease.active("lease_1", m(5_000_000)));
        assertEquals(300, spentOf(book), "the first lease takes the unassigned spend");
        assertEquals(Money.ZERO, book.unassigned());
        assertEquals(m(5_000_000), book.ledgerLimit());

        book = book.recordSpend(m(1_200_000));
        assertEquals(1_200_300, spentOf(book));

        book = book.install(BudgetLease.active("lease_2", m(2_000_000))); // a renewal
        BudgetLease replaced = book.toReturn().get(0);
        assertEquals("lease_1", replaced.leaseId());
        assertEquals(m(1_200_300), replaced.spent(), "returned with exactly what it spent");
        assertEquals(m(3_200_300), book.ledgerLimit(), "1_200_300 given up + 2_000_000 granted");

        book = book.recordSpend(m(450_000));
        book = book.retire(LeaseState.EXPIRED);
        assertEquals(LeaseState.EXPIRED, book.current().orElseThrow().state());
        assertEquals(m(1_650_300), book.givenUpSpent(), "1_200_300 + 450_000");
        assertEquals(m(1_650_300), book.ledgerLimit(), "no lease: nothing more may be reserved");
        assertEquals(Destination.UNASSIGNED, book.destinationOfSpend());

        book = book.recordSpend(m(25));
        book = book.install(BudgetLease.active("lease_3", m(1_000_000)));
        assertEquals(
                List.of("lease_1"),
                book.toReturn().stream().map(BudgetLease::leaseId).toList(),
                "an expired lease is closed on the server: it is not returned");
        assertEquals(25, spentOf(book));
        assertEquals(m(2_650_300), book.ledgerLimit(), "1_650_300 + 1_000_000");

        book = book.returned("lease_1");
        assertTrue(book.toReturn().isEmpty());
        book = book.recordSpend(m(74_975));

        book = book.closeForReturn();
        assertEquals(LeaseState.CLOSED, book.current().orElseThrow().state());
        assertEquals(75_000, spentOf(book), "25 + 74_975 in lease_3's return");
        assertEquals(Destination.TOO_LATE, book.destinationOfSpend());

        book = book.recordSpend(m(11));
        assertEquals(m(11), book.unaccounted());
        assertEquals(75_000, spentOf(book), "a closed lease takes nothing more");

        // 300 + 1_200_000 + 450_000 + 25 + 74_975 + 11 = 1_725_311 recorded in all
        long inLeases = 1_200_300 + 450_000 + 75_000;
        assertEquals(1_725_311, inLeases + book.unaccounted().micros());
    }

    @Test
    void spendWaitingForALeaseThatNeverComesBecomesUnaccountedAtClose() {
        LeaseBook book = LeaseBook.empty().recordSpend(m(40)).recordSpend(m(2));

        book = book.closeForReturn().dropUnassigned();

        assertEquals(m(42), book.unaccounted());
        assertEquals(Money.ZERO, book.unassigned());
        assertTrue(book.current().isEmpty());
    }

    @Test
    void aLeaseMayBeOverspentAndIsReturnedWithAllItSpent() {
        LeaseBook book = LeaseBook.empty().install(BudgetLease.active("lease_1", m(100)));

        book = book.recordSpend(m(150)).closeForReturn();

        BudgetLease closed = book.current().orElseThrow();
        assertEquals(m(150), closed.spent());
        assertEquals(Money.ZERO, closed.remaining());
    }

    @Test
    void renewalIsWantedBelowTheShareLeftOrInsideTheExpiryMargin() {
        LeaseBook book = LeaseBook.empty().install(BudgetLease.active("lease_1", m(1_000_000)));
        assertFalse(book.recordSpend(m(800_000)).wantsRenewal(T, 20, MARGIN), "200_000 left");
        assertTrue(book.recordSpend(m(800_001)).wantsRenewal(T, 20, MARGIN), "199_999 left");

        // 20 % of 99 µ$ is 19 µ$ (rounded down)
        LeaseBook small = LeaseBook.empty().install(BudgetLease.active("lease_2", m(99)));
        assertFalse(small.recordSpend(m(80)).wantsRenewal(T, 20, MARGIN), "19 left");
        assertTrue(small.recordSpend(m(81)).wantsRenewal(T, 20, MARGIN), "18 left");

        LeaseBook empty = LeaseBook.empty().install(BudgetLease.active("lease_3", Money.ZERO));
        assertTrue(empty.wantsRenewal(T, 20, MARGIN), "a zero grant has nothing left");

        LeaseBook timed =
                LeaseBook.empty()
                        .install(BudgetLease.active("lease_4", m(1_000_000), T.plusSeconds(600)));
        assertFalse(timed.wantsRenewal(T.plusSeconds(539), 20, MARGIN));
        assertTrue(timed.wantsRenewal(T.plusSeconds(540), 20, MARGIN));

        assertFalse(LeaseBook.empty().wantsRenewal(T, 20, MARGIN), "no lease, nothing to renew");
    }

    @Test
    void transitionsLeaveTheOldBookAsItWas() {
        LeaseBook before = LeaseBook.empty().install(BudgetLease.active("lease_1", m(1_000)));

        LeaseBook after = before.recordSpend(m(10)).closeForReturn();

        assertEquals(0, spentOf(before));
        assertEquals(LeaseState.ACTIVE, before.current().orElseThrow().state());
        assertFalse(before.spendTaken());
        assertTrue(after.spendTaken());
    }

    @Test
    void whatWouldLoseMoneyIsRefused() {
        LeaseBook closed =
                LeaseBook.empty().install(BudgetLease.active("lease_1", m(1_000))).closeForReturn();
        assertThrows(
                IllegalStateException.class,
                () -> closed.install(BudgetLease.active("lease_2", m(1_000))),
                "nothing would return a lease granted after close");
        assertThrows(
                IllegalStateException.class, () -> LeaseBook.empty().retire(LeaseState.EXPIRED));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        LeaseBook.empty()
                                .install(BudgetLease.active("lease_1", m(1)))
                                .retire(LeaseState.CLOSED));
        LeaseBook renewed =
                LeaseBook.empty()
                        .install(BudgetLease.active("lease_1", m(1)))
                        .install(BudgetLease.active("lease_2", m(1)));
        assertThrows(IllegalArgumentException.class, () -> renewed.returned("lease_2"));
        assertThrows(
                IllegalArgumentException.class,
                () -> LeaseBook.empty().install(BudgetLease.active("lease_1", m(1)).expire()));
        assertEquals(Optional.empty(), LeaseBook.empty().active());
    }
}
