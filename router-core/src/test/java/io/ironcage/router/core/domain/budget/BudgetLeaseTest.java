package io.ironcage.router.core.domain.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.Money;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class BudgetLeaseTest {
    private static final Instant EXPIRES = Instant.parse("2025-12-14T12:00:00Z");

    /** The lifecycle of reference §7.3, written out by hand. */
    private static final Set<String> ALLOWED =
            Set.of(
                    "ACTIVE->EXPIRED",
                    "ACTIVE->CLOSED",
                    "ACTIVE->REVOKED",
                    "EXPIRED->CLOSED",
                    "EXPIRED->REVOKED");

    private static BudgetLease lease(LeaseState state) {
        return new BudgetLease(
                "lease_7f3c",
                Money.ofMicros(5_000_000),
                Money.ofMicros(1_000),
                state,
                Optional.of(EXPIRES));
    }

    static Stream<Arguments> allStatePairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (LeaseState from : LeaseState.values()) {
            for (LeaseState to : LeaseState.values()) {
                pairs.add(Arguments.of(from, to));
            }
        }
        return pairs.stream();
    }

    private static UnaryOperator<BudgetLease> namedTransition(LeaseState target) {
        switch (target) {
            case EXPIRED:
                return BudgetLease::expire;
            case CLOSED:
                return BudgetLease::close;
            case REVOKED:
                return BudgetLease::revoke;
            default:
                return lease -> lease.transitionTo(target);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("allStatePairs")
    void everyTransitionIsAllowedOrRefusedAsTheLifecycleSays(LeaseState from, LeaseState to) {
        boolean allowed = ALLOWED.contains(from + "->" + to);
        assertEquals(allowed, from.canTransitionTo(to));
        BudgetLease lease = lease(from);
        if (allowed) {
            BudgetLease moved = namedTransition(to).apply(lease);
            assertEquals(
                    new BudgetLease(
                            lease.leaseId(), lease.granted(), lease.spent(), to, lease.expiresAt()),
                    moved);
            assertEquals(moved, lease.transitionTo(to));
            assertEquals(from, lease.state(), "the original is unchanged");
        } else {
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class, () -> namedTransition(to).apply(lease));
            assertTrue(e.getMessage().contains("lease_7f3c"), e.getMessage());
            assertTrue(e.getMessage().contains("from " + from + " to " + to), e.getMessage());
            assertThrows(IllegalStateException.class, () -> lease.transitionTo(to));
        }
    }

    @Test
    void terminalStatesAreClosedAndRevoked() {
        assertEquals(
                EnumSet.of(LeaseState.CLOSED, LeaseState.REVOKED),
                EnumSet.copyOf(
                        Stream.of(LeaseState.values()).filter(LeaseState::isTerminal).toList()));
    }

    @Test
    void spendIsMonotonicAndAllowedWhileActiveOrExpired() {
        BudgetLease lease = BudgetLease.active("lease_1", Money.ofMicros(1_000), EXPIRES);
        assertEquals(Money.ZERO, lease.spent());
        lease = lease.recordSpend(Money.ofMicros(300));
        lease = lease.recordSpend(Money.ZERO);
        assertEquals(Money.ofMicros(300), lease.spent());
        lease = lease.expire().recordSpend(Money.ofMicros(200)); // grace period
        assertEquals(Money.ofMicros(500), lease.spent());
        assertEquals(LeaseState.EXPIRED, lease.state());
        assertThrows(IllegalArgumentException.class, () -> Money.ofMicros(-1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"CLOSED", "REVOKED"})
    void spendIsRefusedInTerminalStates(LeaseState terminal) {
        BudgetLease lease = lease(terminal);
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class, () -> lease.recordSpend(Money.ofMicros(1)));
        assertTrue(e.getMessage().contains("lease_7f3c"), e.getMessage());
        assertTrue(e.getMessage().contains(terminal.name()), e.getMessage());
    }

    @Test
    void spendMayExceedTheGrantAndRemainingSaturates() {
        BudgetLease lease = BudgetLease.active("lease_1", Money.ofMicros(1_000));
        lease = lease.recordSpend(Money.ofMicros(999));
        assertEquals(Money.ofMicros(1), lease.remaining());
        assertFalse(lease.isOverspent());
        lease = lease.recordSpend(Money.ofMicros(1));
        assertEquals(Money.ZERO, lease.remaining());
        assertFalse(lease.isOverspent());
        lease = lease.recordSpend(Money.ofMicros(250)); // the money was spent: record it
        assertEquals(Money.ofMicros(1_250), lease.spent());
        assertEquals(Money.ZERO, lease.remaining());
        assertTrue(lease.isOverspent());
    }

    @Test
    void spendOverflowThrows() {
        BudgetLease lease =
                BudgetLease.active("lease_1", Money.ofMicros(1))
                        .recordSpend(Money.ofMicros(Long.MAX_VALUE));
        assertThrows(ArithmeticException.class, () -> lease.recordSpend(Money.ofMicros(1)));
    }

    @Test
    void expiryIsAtOrAfterTheDeadline() {
        BudgetLease lease = BudgetLease.active("lease_1", Money.ofMicros(1), EXPIRES);
        assertFalse(lease.isExpiredAt(EXPIRES.minusNanos(1)));
        assertTrue(lease.isExpiredAt(EXPIRES));
        assertTrue(lease.isExpiredAt(EXPIRES.plusSeconds(60)));
        BudgetLease forever = BudgetLease.active("lease_2", Money.ofMicros(1));
        assertFalse(forever.isExpiredAt(Instant.MAX));
        assertEquals(Optional.empty(), forever.expiresAt());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t\n"})
    void leaseIdMustNotBeBlank(String leaseId) {
        Class<? extends RuntimeException> expected =
                leaseId == null ? NullPointerException.class : IllegalArgumentException.class;
        assertThrows(expected, () -> BudgetLease.active(leaseId, Money.ofMicros(1)));
    }

    @Test
    void componentsMustNotBeNull() {
        Money one = Money.ofMicros(1);
        assertThrows(
                NullPointerException.class,
                () -> new BudgetLease("l", null, one, LeaseState.ACTIVE, Optional.empty()));
        assertThrows(
                NullPointerException.class,
                () -> new BudgetLease("l", one, null, LeaseState.ACTIVE, Optional.empty()));
        assertThrows(
                NullPointerException.class,
                () -> new BudgetLease("l", one, one, null, Optional.empty()));
        assertThrows(
                NullPointerException.class,
                () -> new BudgetLease("l", one, one, LeaseState.ACTIVE, null));
    }
}
