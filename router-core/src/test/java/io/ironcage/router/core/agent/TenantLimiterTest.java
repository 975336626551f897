package io.ironcage.router.core.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TenantLimiterTest {
    private final RateLimitClock clock = new RateLimitClock();

    @Test
    void withoutLimitsEveryPermitIsTheSharedNoOp() {
        TenantLimiter limiter = TenantLimiter.of(RateLimits.NONE, clock, "a");
        assertSame(TenantLimiter.unlimited(), limiter);
        RatePermit permit = limiter.acquire();
        assertSame(RatePermit.NONE, permit);
        assertFalse(permit.countsTokens());
        assertEquals(Optional.empty(), permit.reserveTokens(Long.MAX_VALUE));
        permit.settle(5);
        permit.release();
        permit.release();
        assertSame(RatePermit.NONE, limiter.acquire());
    }

    @Test
    void requestsPerMinuteRefusesBeyondTheWindowUntilTheNextOne() {
        TenantLimiter limiter = TenantLimiter.of(new RateLimits(3, 0, 0), clock, "a");
        for (int i = 0; i < 3; i++) {
            RatePermit permit = limiter.acquire();
            assertTrue(permit.refusal().isEmpty());
            permit.release();
        }
        clock.advance(Duration.ofSeconds(20));
        RatePermit refused = limiter.acquire();
        RateLimited why = refused.refusal().orElseThrow();
        assertEquals(RateLimited.Limit.REQUESTS, why.limit());
        assertEquals(Duration.ofSeconds(40), why.retryAfter());
        assertEquals(3, why.state().requestLimit());
        assertEquals(0, why.state().requestsRemaining());
        assertEquals(Duration.ofSeconds(40), why.state().requestsReset());
        assertEquals(0, why.state().tokenLimit());
        refused.release(); // holds nothing; harmless
        clock.advance(Duration.ofSeconds(40));
        RatePermit next = limiter.acquire();
        assertTrue(next.refusal().isEmpty());
        assertEquals(2, limiter.state().requestsRemaining());
        assertEquals(Duration.ofMinutes(1), limiter.state().requestsReset());
    }

    @Test
    void maxConcurrentHoldsASlotUntilReleaseAndReleaseIsIdempotent() {
        TenantLimiter limiter = TenantLimiter.of(new RateLimits(0, 0, 2), clock, "a");
        RatePermit a = limiter.acquire();
        RatePermit b = limiter.acquire();
        RateLimited why = limiter.acquire().refusal().orElseThrow();
        assertEquals(RateLimited.Limit.CONCURRENCY, why.limit());
        assertEquals(Duration.ofSeconds(1), why.retryAfter());
        a.release();
        a.release(); // twice: still one slot back, not two
        RatePermit c = limiter.acquire();
        assertTrue(c.refusal().isEmpty());
        assertTrue(limiter.acquire().refusal().isPresent());
        b.release();
        c.release();
        assertTrue(limiter.acquire().refusal().isEmpty());
    }

    @Test
    void aRefusedRequestPermitGivesTheConcurrencySlotBack() {
        TenantLimiter limiter = TenantLimiter.of(new RateLimits(1, 0, 1), clock, "a");
        limiter.acquire().release();
        assertEquals(RateLimited.Limit.REQUESTS, limiter.acquire().refusal().get().limit());
        clock.advance(Duration.ofMinutes(1));
        assertTrue(limiter.acquire().refusal().isEmpty()); // the slot was not leaked
    }

    @Test
    void tokensAreTakenOnTheWorstCaseAndCorrectedWhenSettled() {
        TenantLimiter limiter = TenantLimiter.of(new RateLimits(0, 1_000, 0), clock, "a");
        RatePermit first = limiter.acquire();
        assertTrue(first.countsTokens());
        assertEquals(Optional.empty(), first.reserveTokens(800));
        RatePermit second = limiter.acquire();
        RateLimited why = second.reserveTokens(300).orElseThrow();
        assertEquals(RateLimited.Limit.TOKENS, why.limit());
        assertEquals(300, why.requestedTokens());
        assertEquals(200, why.state().tokensRemaining());
        assertEquals(1_000, why.state().tokenLimit());
        assertEquals(Duration.ofSeconds(6), why.retryAfter()); // 100 missing at 1,000 a minute
        first.settle(50); // the answer was small: 750 back at once
        first.settle(999); // only the first settle counts
        first.release(); // settled tokens stay counted
        assertEquals(950, limiter.state().tokensRemaining());
        RatePermit third = limiter.acquire();
        assertEquals(Optional.empty(), third.reserveTokens(300));
        assertThrows(IllegalStateException.class, () -> third.reserveTokens(1));
        third.release(); // never settled (an upstream error): all 300 back
        assertEquals(950, limiter.state().tokensRemaining());
    }

    @Test
    void usageBeyondTheWorstCaseIsCharged() {
        TenantLimiter limiter = TenantLimiter.of(new RateLimits(0, 1_000, 0), clock, "a");
        RatePermit permit = limiter.acquire();
        permit.reserveTokens(0); // an unpriced model: nothing known at admission
        permit.settle(1_200);
        assertEquals(0, limiter.state().tokensRemaining());
        RateLimited why = limiter.acquire().reserveTokens(0).orElseThrow();
        assertEquals(RateLimited.Limit.TOKENS, why.limit());
        assertEquals(Duration.ofSeconds(12), why.retryAfter());
    }

    @Test
    void aWorstCaseAboveTheLimitIsTooLargeAndReleasesTheSlot() {
        TenantLimiter limiter = TenantLimiter.of(new RateLimits(0, 1_000, 1), clock, "a");
        RatePermit permit = limiter.acquire();
        RateLimited why = permit.reserveTokens(1_001).orElseThrow();
        assertEquals(RateLimited.Limit.TOKENS_TOO_LARGE, why.limit());
        assertEquals(Duration.ofMinutes(1), why.retryAfter());
        permit.release();
        RatePermit next = limiter.acquire();
        assertTrue(next.refusal().isEmpty());
        assertEquals(Optional.empty(), next.reserveTokens(1_000));
    }

    @Test
    void eachTenantCountsForItself() {
        RateLimits limits = new RateLimits(1, 0, 0);
        TenantLimiter a = TenantLimiter.of(limits, clock, "a");
        TenantLimiter b = TenantLimiter.of(limits, clock, "b");
        assertTrue(a.acquire().refusal().isEmpty());
        assertTrue(a.acquire().refusal().isPresent());
        assertTrue(b.acquire().refusal().isEmpty());
    }

    @Test
    void concurrentAcquiresNeverAdmitMoreThanTheLimit() throws Exception {
        TenantLimiter limiter = TenantLimiter.of(new RateLimits(0, 0, 5), clock, "a");
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Thread t =
                    new Thread(
                            () -> {
                                for (int j = 0; j < 1_000; j++) {
                                    RatePermit p = limiter.acquire();
                                    if (p.refusal().isEmpty()) {
                                        most.accumulateAndGet(
                                                inFlight.incrementAndGet(), Math::max);
                                        inFlight.decrementAndGet();
                                        p.release();
                                        p.release();
                                    }
                                }
                            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(most.get() <= 5, "at most 5 at once, saw " + most.get());
        List<RatePermit> held = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            RatePermit p = limiter.acquire();
            assertTrue(p.refusal().isEmpty(), "a slot leaked");
            held.add(p);
        }
        assertTrue(limiter.acquire().refusal().isPresent());
        held.forEach(RatePermit::release);
    }

    @Test
    void limitsValidate() {
        assertThrows(IllegalArgumentException.class, () -> new RateLimits(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RateLimits(0, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new RateLimits(0, 0, -1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new RateLimits(0, RateLimits.MAX_TOKENS_PER_MINUTE + 1, 0));
        assertEquals(
                new RateLimits(600, 1_000_000, 64),
                RateLimits.NONE
                        .withRequestsPerMinute(600)
                        .withTokensPerMinute(1_000_000)
                        .withMaxConcurrent(64));
        assertTrue(RateLimits.NONE.isNone());
        assertFalse(new RateLimits(0, 0, 1).isNone());
    }
}
