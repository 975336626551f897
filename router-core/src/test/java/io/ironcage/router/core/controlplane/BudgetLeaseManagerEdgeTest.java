package io.ironcage.router.core.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.Await;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.errors.ControlPlaneException;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Edges of the lease manager found in review: expiry races, resent reports, empty grants. */
class BudgetLeaseManagerEdgeTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private final List<ScheduledExecutorService> schedulers = new ArrayList<>();

    @AfterEach
    void stop() {
        schedulers.forEach(ScheduledExecutorService::shutdownNow);
    }

    private <T extends ScheduledExecutorService> T scheduler(T scheduler) {
        schedulers.add(scheduler);
        return scheduler;
    }

    private static ControlPlaneOptions backoff(Duration min, Duration max) {
        return ControlPlaneOptions.builder(URI.create("http://127.0.0.1:1"))
                .retryBackoff(min, max)
                .build();
    }

    /** A clock that runs a hook once, the next time it is read. */
    private static final class HookClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(START);
        final AtomicReference<Runnable> hook = new AtomicReference<>();

        @Override
        public Instant instant() {
            Runnable h = hook.getAndSet(null);
            if (h != null) {
                h.run();
            }
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

    @Test
    void aSpendSettlingWhileAdmitLooksAtExpiryDoesNotLetARequestOntoTheExpiredLease() {
        AtomicInteger handshakes = new AtomicInteger();
        StubLeaseClient client =
                new StubLeaseClient() {
                    @Override
                    public LeaseGrant handshake(HandshakeRequest request) {
                        if (handshakes.incrementAndGet() == 1) {
                            return new LeaseGrant(
                                    "lease_1",
                                    Money.ofMicros(1_000_000),
                                    Money.ofMicros(9_000_000),
                                    Optional.of(START.plus(Duration.ofMinutes(10))));
                        }
                        throw new ControlPlaneException("no connection", new IOException("down"));
                    }
                };
        HookClock clock = new HookClock();
        BudgetLeaseManager manager =
                BudgetLeaseManager.builder(
                                client,
                                "ic-edge-token",
                                () -> ProviderType.OPENAI,
                                CostController.withLimit(Money.ZERO))
                        .clock(clock)
                        .scheduler(scheduler(Executors.newScheduledThreadPool(1)))
                        .options(backoff(Duration.ofSeconds(30), Duration.ofSeconds(30)))
                        .build();
        manager.start();
        Await.until(Duration.ofSeconds(5), "the first handshake", () -> handshakes.get() != 0);
        manager.admit(); // lease_1 is in force
        clock.now.set(START.plus(Duration.ofMinutes(11))); // and expired a minute ago
        // another request settles between admit's lock-free read of the lease and its lock: the
        // lease's value changes, the lease does not
        clock.hook.set(
                () -> manager.recordSpend(ProviderType.OPENAI, "gpt-4o", 10, Money.ofMicros(1)));
        ControlPlaneException refused = assertThrows(ControlPlaneException.class, manager::admit);
        assertEquals(403, refused.status());
        manager.close();
    }

    @Test
    void aReportRetriedAfterNoAnswerGoesOutAgainWithItsIdAndAmountNotANewSum() throws Exception {
        List<String> ids = new CopyOnWriteArrayList<>();
        List<Long> costs = new CopyOnWriteArrayList<>();
        CountDownLatch firstSent = new CountDownLatch(1);
        CountDownLatch secondQueued = new CountDownLatch(1);
        StubLeaseClient client =
                new StubLeaseClient() {
                    @Override
                    public LeaseGrant handshake(HandshakeRequest request) {
                        return new LeaseGrant(
                                "lease_1", Money.ofMicros(1_000_000), Money.ZERO, Optional.empty());
                    }

                    @Override
                    public ReportResult report(
                            String leaseId,
                            String requestId,
                            long tokens,
                            Money cost,
                            String model,
                            ProviderType provider) {
                        ids.add(requestId); // the server recorded it, whatever we hear back
                        costs.add(cost.micros());
                        if (firstSent.getCount() == 1) {
                            firstSent.countDown();
                            await(secondQueued); // the next request settles meanwhile
                            throw new ControlPlaneException("timed out", new IOException("slow"));
                        }
                        return new ReportResult(Money.ZERO);
                    }
                };
        BudgetLeaseManager manager =
                BudgetLeaseManager.builder(
                                client,
                                "ic-edge-token",
                                () -> ProviderType.OPENAI,
                                CostController.withLimit(Money.ZERO))
                        .clock(new TestClock())
                        .scheduler(scheduler(new RecordingScheduler()))
                        .options(backoff(Duration.ofMillis(300), Duration.ofMillis(300)))
                        .random(TestRandom.CEILING)
                        .build();
        manager.start();
        manager.recordSpend(ProviderType.OPENAI, "gpt-4o", 10, Money.ofMicros(100));
        assertTrue(firstSent.await(5, TimeUnit.SECONDS));
        manager.recordSpend(ProviderType.OPENAI, "gpt-4o", 10, Money.ofMicros(200));
        secondQueued.countDown();
        assertTrue(manager.awaitDelivered(Duration.ofSeconds(5)));
        manager.close();
        // what a server that keeps one record per request id holds: 300 µ$, as spent
        Map<String, Long> byId = new LinkedHashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            byId.put(ids.get(i), costs.get(i));
        }
        assertEquals(300L, byId.values().stream().mapToLong(Long::longValue).sum(), "" + byId);
        assertEquals(ids.get(0), ids.get(1), "the retry reuses the first try's id: " + ids);
        assertEquals(100L, costs.get(1), "the retry sends the first try's amount: " + costs);
    }

    @Test
    void aGrantOfNothingIsAFailedHandshakeRetriedWithBackoff() {
        AtomicInteger handshakes = new AtomicInteger();
        StubLeaseClient client =
                new StubLeaseClient() {
                    @Override
                    public LeaseGrant handshake(HandshakeRequest request) {
                        int n = handshakes.incrementAndGet();
                        return new LeaseGrant(
                                "lease_" + n, Money.ZERO, Money.ZERO, Optional.empty());
                    }
                };
        RecordingScheduler recording = scheduler(new RecordingScheduler());
        BudgetLeaseManager manager =
                BudgetLeaseManager.builder(
                                client,
                                "ic-edge-token",
                                () -> ProviderType.OPENAI,
                                CostController.withLimit(Money.ZERO))
                        .clock(new TestClock())
                        .scheduler(recording)
                        .options(backoff(Duration.ofMillis(100), Duration.ofMillis(400)))
                        .random(TestRandom.CEILING)
                        .build();
        manager.start();
        Await.until(
                Duration.ofSeconds(10),
                "four passes were scheduled",
                () -> recording.delays.size() >= 4);
        ControlPlaneException refused = assertThrows(ControlPlaneException.class, manager::admit);
        manager.close();
        assertEquals(402, refused.status());
        // the first pass at once, then the backoff's ceilings: never a renewal at once
        assertEquals(
                List.of(
                        Duration.ZERO,
                        Duration.ofMillis(100),
                        Duration.ofMillis(200),
                        Duration.ofMillis(400)),
                recording.delays.subList(0, 4));
    }

    @Test
    void aClientClosedUnderTheManagerIsAFailedPassNotASpin() {
        AtomicInteger reports = new AtomicInteger();
        StubLeaseClient client =
                new StubLeaseClient() {
                    @Override
                    public LeaseGrant handshake(HandshakeRequest request) {
                        return new LeaseGrant(
                                "lease_1", Money.ofMicros(1_000_000), Money.ZERO, Optional.empty());
                    }

                    @Override
                    public ReportResult report(
                            String leaseId,
                            String requestId,
                            long tokens,
                            Money cost,
                            String model,
                            ProviderType provider) {
                        reports.incrementAndGet();
                        throw new IllegalStateException("the client is closed");
                    }
                };
        RecordingScheduler recording = scheduler(new RecordingScheduler());
        BudgetLeaseManager manager =
                BudgetLeaseManager.builder(
                                client,
                                "ic-edge-token",
                                () -> ProviderType.OPENAI,
                                CostController.withLimit(Money.ZERO))
                        .clock(new TestClock())
                        .scheduler(recording)
                        .options(backoff(Duration.ofMillis(100), Duration.ofMillis(400)))
                        .random(TestRandom.CEILING)
                        .build();
        manager.start();
        manager.recordSpend(ProviderType.OPENAI, "gpt-4o", 10, Money.ofMicros(100));
        Await.until(Duration.ofSeconds(10), "three reports were tried", () -> reports.get() >= 3);
        manager.close();
        assertTrue(reports.get() >= 3, "retried: " + reports.get());
        // every pass after a failed report waited a backoff (the recording scheduler runs at
        // once, so a wait of zero after a failure would be a spin)
        List<Duration> afterFirst = recording.delays.subList(1, recording.delays.size());
        assertTrue(
                afterFirst.stream().limit(3).allMatch(d -> d.compareTo(Duration.ZERO) > 0),
                "waits: " + recording.delays);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the next request never settled");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
