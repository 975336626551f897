package io.ironcage.router.core.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.Await;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
    @Test
    void sequentialTasksReuseOneIdleThreadInsteadOfStartingNewOnes() throws Exception {
        WorkerPool pool = WorkerPool.create("test", 64, 64);
        try {
            for (int i = 0; i < 200; i++) {
                CountDownLatch ran = new CountDownLatch(1);
                pool.execute(ran::countDown);
                assertTrue(ran.await(5, TimeUnit.SECONDS));
                awaitIdle(pool);
            }
            assertEquals(1, pool.getLargestPoolSize(), "one thread served them all");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void busyThreadsMakeItGrowToTheLimitThenQueueThenRefuse() throws Exception {
        WorkerPool pool = WorkerPool.create("test", 3, 2);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(3);
        try {
            for (int i = 0; i < 3; i++) {
                pool.execute(
                        () -> {
                            started.countDown();
                            awaitQuietly(release);
                        });
            }
            assertTrue(started.await(5, TimeUnit.SECONDS), "three threads run at once");
            assertEquals(3, pool.getPoolSize());
            pool.execute(() -> {}); // waits in line
            pool.execute(() -> {});
            assertEquals(2, pool.getQueue().size());
            assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> {}));
            release.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
            assertEquals(5, pool.getCompletedTaskCount(), "the queued ones ran too");
            assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> {}));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void withoutAQueueABusyPoolRefusesAtOnce() throws Exception {
        WorkerPool pool = WorkerPool.create("test", 1, 0);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        try {
            pool.execute(
                    () -> {
                        started.countDown();
                        awaitQuietly(release);
                    });
            assertTrue(started.await(5, TimeUnit.SECONDS));
            assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> {}));
            release.countDown();
            awaitIdle(pool);
            CountDownLatch ran = new CountDownLatch(1);
            pool.execute(ran::countDown); // the idle thread takes it although nothing may wait
            assertTrue(ran.await(5, TimeUnit.SECONDS));
            assertEquals(1, pool.getLargestPoolSize());
        } finally {
            pool.shutdownNow();
        }
        assertThrows(IllegalArgumentException.class, () -> WorkerPool.create("x", 0, 1));
        assertThrows(IllegalArgumentException.class, () -> WorkerPool.create("x", 1, -1));
    }

    private static void awaitIdle(WorkerPool pool) {
        Await.until(Duration.ofSeconds(5), "no task runs", () -> pool.getActiveCount() == 0);
        // afterExecute (which frees the slot) runs right after the task; give it the same chance
        Await.until(
                Duration.ofSeconds(5),
                "every task completed",
                () -> pool.getCompletedTaskCount() >= pool.getTaskCount());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
