package io.ironcage.router.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class PooledProviderKeySourceTest {
    private static final URI BASE = URI.create("http://127.0.0.1:9");
    private static final ProviderKey A = ProviderKey.openAi("sk-proj-SECRET-A", BASE);
    private static final ProviderKey B = ProviderKey.openAi("sk-proj-SECRET-B", BASE);
    private static final ProviderKey C = ProviderKey.openAi("sk-proj-SECRET-C", BASE);
    private static final ProviderKey ANT = ProviderKey.anthropic("sk-ant-SECRET-X", BASE);

    private final HandClock clock = new HandClock();

    @Test
    void handsOutEachProvidersKeysRoundRobin() {
        ProviderKeySource pool = ProviderKeySource.pooled(clock, A, B, C, ANT);
        Map<ProviderKey, Integer> counts = new HashMap<>();
        List<ProviderKey> firstThree = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ProviderKey key = pool.key(ProviderType.OPENAI).orElseThrow();
            if (i < 3) {
                firstThree.add(key);
            }
            counts.merge(key, 1, Integer::sum);
        }
        assertEquals(List.of(A, B, C), firstThree, "in the given order");
        assertEquals(Map.of(A, 100, B, 100, C, 100), counts);
        assertEquals(Optional.of(ANT), pool.key(ProviderType.ANTHROPIC));
        assertEquals(Optional.of(ANT), pool.keyIfReady(ProviderType.ANTHROPIC));
        assertEquals(Set.of(ProviderType.OPENAI, ProviderType.ANTHROPIC), pool.providers());
    }

    @Test
    void keyIfReadyTakesTurnsLikeKey() {
        ProviderKeySource pool = ProviderKeySource.pooled(clock, A, B);
        assertEquals(Optional.of(A), pool.keyIfReady(ProviderType.OPENAI));
        assertEquals(Optional.of(B), pool.key(ProviderType.OPENAI));
        assertEquals(Optional.of(A), pool.keyIfReady(ProviderType.OPENAI));
    }

    @Test
    void concurrentCallersSpreadEvenlyWithoutErrors() throws Exception {
        ProviderKeySource pool = ProviderKeySource.pooled(clock, A, B, C);
        int threads = 8;
        int perThread = 30_000;
        Map<ProviderKey, LongAdder> counts = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(
                        executor.submit(
                                () -> {
                                    go.await();
                                    for (int i = 0; i < perThread; i++) {
                                        ProviderKey key = pool.key(ProviderType.OPENAI).get();
                                        counts.computeIfAbsent(key, k -> new LongAdder())
                                                .increment();
                                    }
                                    return null;
                                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS); // rethrows anything a caller threw
            }
        } finally {
            executor.shutdownNow();
        }
        long total = (long) threads * perThread;
        assertEquals(total, counts.values().stream().mapToLong(LongAdder::sum).sum());
        // one shared counter: every turn is taken exactly once, so the split is exact
        for (ProviderKey key : List.of(A, B, C)) {
            long count = counts.get(key).sum();
            assertTrue(Math.abs(count - total / 3) <= threads, key + " got " + count);
        }
    }

    @Test
    void aCoolingKeyIsSkippedUntilItsCooldownEnds() {
        ProviderKeySource pool = ProviderKeySource.pooled(clock, A, B, C);
        pool.coolDown(B, Duration.ofSeconds(30));
        assertEquals(Duration.ofSeconds(30), pool.coolingFor(B));
        assertEquals(Duration.ZERO, pool.coolingFor(A));
        for (int i = 0; i < 30; i++) {
            assertFalse(B.equals(pool.key(ProviderType.OPENAI).orElseThrow()), "turn " + i);
        }
        clock.advance(Duration.ofSeconds(29));
        assertEquals(Duration.ofSeconds(1), pool.coolingFor(B));
        for (int i = 0; i < 30; i++) {
            assertFalse(B.equals(pool.key(ProviderType.OPENAI).orElseThrow()), "turn " + i);
        }
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Duration.ZERO, pool.coolingFor(B));
        Set<ProviderKey> seen = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            seen.add(pool.key(ProviderType.OPENAI).orElseThrow());
        }
        assertEquals(Set.of(A, B, C), seen, "B is back in turn");
    }

    @Test
    void whenEveryKeyCoolsTheOneThatEndsFirstIsHandedOut() {
        ProviderKeySource pool = ProviderKeySource.pooled(clock, A, B, C);
        pool.coolDown(A, Duration.ofSeconds(20));
        pool.coolDown(B, Duration.ofSeconds(5));
        pool.coolDown(C, Duration.ofSeconds(10));
        for (int i = 0; i < 6; i++) {
            assertEquals(Optional.of(B), pool.key(ProviderType.OPENAI));
            assertEquals(Optional.of(B), pool.keyIfReady(ProviderType.OPENAI));
        }
        assertEquals(Duration.ofSeconds(5), pool.coolingFor(B), "what the caller would wait");
        assertEquals(
                Duration.ofSeconds(5),
                pool.coolingFor(ProviderType.OPENAI),
                "the provider's shared cooldown: until its first key is usable");
        assertEquals(Duration.ZERO, pool.coolingFor(ProviderType.ANTHROPIC), "no pool: no wait");
        clock.advance(Duration.ofSeconds(7));
        assertEquals(Optional.of(B), pool.key(ProviderType.OPENAI), "the only usable key");
        assertEquals(Duration.ofSeconds(3), pool.coolingFor(C));
        assertEquals(Duration.ZERO, pool.coolingFor(ProviderType.OPENAI), "B is usable");
    }

    @Test
    void aShorterCooldownNeverShortensALongerOne() {
        ProviderKeySource pool = ProviderKeySource.pooled(clock, A, B);
        pool.coolDown(A, Duration.ofSeconds(30));
        clock.advance(Duration.ofSeconds(10));
        pool.coolDown(A, Duration.ofSeconds(1));
        pool.coolDown(A, Duration.ZERO);
        assertEquals(Duration.ofSeconds(20), pool.coolingFor(A));
        pool.coolDown(A, Duration.ofSeconds(60));
        assertEquals(Duration.ofSeconds(60), pool.coolingFor(A), "a longer one extends it");
    }

    @Test
    void subMillisecondAndHugeWaitsAreRoundedUpAndCapped() {
        ProviderKeySource pool = ProviderKeySource.pooled(clock, A, B);
        pool.coolDown(A, Duration.ofNanos(1));
        assertEquals(Duration.ofMillis(1), pool.coolingFor(A));
        pool.coolDown(B, Duration.ofSeconds(Long.MAX_VALUE));
        assertEquals(Duration.ofDays(365), pool.coolingFor(B));
    }

    @Test
    void aSingleKeyPoolHandsOutLikeFixedKeys() {
        ProviderKeySource fixed = ProviderKeySource.fixed(A, ANT);
        ProviderKeySource pool = ProviderKeySource.pooled(clock, A, ANT);
        assertEquals(fixed.providers(), pool.providers());
        for (ProviderType provider : ProviderType.values()) {
            for (int i = 0; i < 3; i++) {
                assertEquals(fixed.key(provider), pool.key(provider));
                assertEquals(fixed.keyIfReady(provider), pool.keyIfReady(provider));
            }
        }
        pool.coolDown(A, Duration.ofSeconds(3));
        assertEquals(Optional.of(A), pool.key(ProviderType.OPENAI), "the only key, cooling");
        assertEquals(Duration.ofSeconds(3), pool.coolingFor(A));
        pool.invalidate(A);
        assertEquals(Optional.of(A), pool.key(ProviderType.OPENAI), "pooled keys stay");
    }

    @Test
    void fixedKeysTrackNoCooldownsAndStillRefuseTwoKeysForAProvider() {
        ProviderKeySource fixed = ProviderKeySource.fixed(A);
        fixed.coolDown(A, Duration.ofSeconds(30));
        assertEquals(Duration.ZERO, fixed.coolingFor(A));
        assertThrows(IllegalArgumentException.class, () -> ProviderKeySource.fixed(A, B));
    }

    @Test
    void aKeyNotInThePoolIsIgnored() {
        ProviderKeySource pool = ProviderKeySource.pooled(clock, A, B);
        pool.coolDown(C, Duration.ofSeconds(30));
        pool.coolDown(ANT, Duration.ofSeconds(30));
        assertEquals(Duration.ZERO, pool.coolingFor(C));
        assertEquals(Duration.ZERO, pool.coolingFor(ANT));
        assertEquals(Optional.empty(), pool.key(ProviderType.ANTHROPIC));
        assertEquals(Optional.empty(), pool.keyIfReady(ProviderType.ANTHROPIC));
    }

    @Test
    void toStringAndErrorsNeverShowAKey() {
        ProviderKeySource pool = ProviderKeySource.pooled(clock, A, B, ANT);
        String text = pool.toString();
        assertFalse(text.contains("SECRET"), text);
        assertTrue(text.contains("openai=2 keys"), text);
        assertTrue(text.contains("anthropic=1 key"), text);
        IllegalArgumentException twice =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ProviderKeySource.pooled(clock, A, B, A));
        assertFalse(twice.getMessage().contains("SECRET"), twice.getMessage());
        assertTrue(twice.getMessage().contains("openai"), twice.getMessage());
    }

    @Test
    void refusesBadInputs() {
        assertThrows(IllegalArgumentException.class, () -> ProviderKeySource.pooled(clock));
        assertThrows(NullPointerException.class, () -> ProviderKeySource.pooled(null, A));
        assertThrows(NullPointerException.class, () -> ProviderKeySource.pooled(clock, A, null));
        assertThrows(
                NullPointerException.class,
                () -> ProviderKeySource.pooled(clock, (ProviderKey[]) null));
        ProviderKeySource pool = ProviderKeySource.pooled(clock, A, B);
        assertThrows(
                IllegalArgumentException.class, () -> pool.coolDown(A, Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> pool.coolDown(A, null));
        assertThrows(NullPointerException.class, () -> pool.coolDown(null, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> pool.coolingFor((ProviderKey) null));
        assertThrows(NullPointerException.class, () -> pool.coolingFor((ProviderType) null));
    }

    /** A clock the test moves by hand (router-core's tests cannot use the testkit's). */
    private static final class HandClock extends Clock {
        private final AtomicReference<Instant> now =
                new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
