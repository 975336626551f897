package io.ironcage.router.core.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private final RateLimitClock clock = new RateLimitClock();

    @Test
    void admitsUpToTheLimitAndRefusesBeyond() {
        TokenBucket bucket = new TokenBucket(1_000, clock);
        assertEquals(0, bucket.tryTake(600));
        assertEquals(0, bucket.tryTake(400));
        assertEquals(0, bucket.remaining());
        // one token refills in 60 ms at 1,000 a minute
        assertEquals(60, bucket.tryTake(1));
        assertEquals(0, bucket.remaining());
    }

    @Test
    void aRefusalTakesNothingAndSaysWhenItWouldFit() {
        TokenBucket bucket = new TokenBucket(6_000, clock); // 100 a second
        assertEquals(0, bucket.tryTake(5_000));
        assertEquals(5_000, bucket.tryTake(1_500)); // 500 missing: 5 s
        assertEquals(1_000, bucket.remaining());
        clock.advance(Duration.ofSeconds(5));
        assertEquals(0, bucket.tryTake(1_500));
        assertEquals(0, bucket.remaining());
    }

    @Test
    void moreThanTheLimitNeverFits() {
        TokenBucket bucket = new TokenBucket(1_000, clock);
        assertEquals(Long.MAX_VALUE, bucket.tryTake(1_001));
        assertEquals(1_000, bucket.remaining());
        assertEquals(0, bucket.tryTake(1_000));
    }

    @Test
    void givingBackMakesRoomAtOnceButNeverMoreThanFull() {
        TokenBucket bucket = new TokenBucket(1_000, clock);
        assertEquals(0, bucket.tryTake(900)); // the worst case
        assertTrue(bucket.tryTake(200) > 0);
        bucket.giveBack(850); // settled at 50
        assertEquals(950, bucket.remaining());
        assertEquals(0, bucket.tryTake(200));
        bucket.giveBack(5_000);
        assertEquals(1_000, bucket.remaining());
        assertEquals(0, bucket.millisUntilFull());
    }

    @Test
    void refillsContinuouslyAndIsFullAfterAMinute() {
        TokenBucket bucket = new TokenBucket(1_000, clock);
        assertEquals(0, bucket.tryTake(1_000));
        assertEquals(60_000, bucket.millisUntilFull());
        clock.advance(Duration.ofSeconds(30));
        assertEquals(500, bucket.remaining());
        assertEquals(30_000, bucket.millisUntilFull());
        clock.advance(Duration.ofSeconds(30));
        assertEquals(1_000, bucket.remaining());
        clock.advance(Duration.ofHours(5));
        assertEquals(1_000, bucket.remaining()); // never above full
    }

    @Test
    void usageBeyondTheWorstCaseIsDebtThatRefusesEvenNothing() {
        TokenBucket bucket = new TokenBucket(1_000, clock);
        assertEquals(0, bucket.tryTake(1_000));
        bucket.charge(300); // the provider billed more than the worst case
        assertEquals(0, bucket.remaining());
        assertEquals(18_000, bucket.tryTake(0)); // 300 tokens of debt: 18 s
        clock.advance(Duration.ofSeconds(18));
        assertEquals(0, bucket.tryTake(0));
        bucket.charge(Long.MAX_VALUE); // bounded: one minute's worth of debt at most
        clock.advance(Duration.ofMinutes(2));
        assertEquals(1_000, bucket.remaining());
    }

    @Test
    void aClockThatGoesBackRefillsNothing() {
        TokenBucket bucket = new TokenBucket(1_000, clock);
        assertEquals(0, bucket.tryTake(1_000));
        clock.advance(Duration.ofSeconds(-30));
        assertEquals(0, bucket.remaining());
        clock.advance(Duration.ofSeconds(60));
        assertEquals(500, bucket.remaining());
    }

    @Test
    void theLargestLimitDoesNotOverflow() {
        TokenBucket bucket = new TokenBucket(RateLimits.MAX_TOKENS_PER_MINUTE, clock);
        assertEquals(0, bucket.tryTake(RateLimits.MAX_TOKENS_PER_MINUTE));
        bucket.charge(RateLimits.MAX_TOKENS_PER_MINUTE);
        clock.advance(Duration.ofDays(3650));
        assertEquals(RateLimits.MAX_TOKENS_PER_MINUTE, bucket.remaining());
        assertThrows(IllegalArgumentException.class, () -> bucket.tryTake(-1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new TokenBucket(RateLimits.MAX_TOKENS_PER_MINUTE + 1, clock));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, clock));
    }
}
