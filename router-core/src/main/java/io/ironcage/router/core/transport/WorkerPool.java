package io.ironcage.router.core.transport;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker pool a server transport runs the blocking {@link
 * io.ironcage.router.core.spi.ProxyHandler} on: at most {@code threads} threads, started only when
 * no started thread is idle, ended after 30 s idle; then up to {@code queueCapacity} waiting
 * requests; beyond that {@link RejectedExecutionException}.
 *
 * <p>A plain {@link ThreadPoolExecutor} with {@code core == max} starts a new thread for every task
 * until it has {@code max} of them, even while others are idle, and then keeps them all busy in
 * turn so none ever times out: at the default 1,024 workers that is a thousand threads (and their
 * stacks) after the first thousand requests, whatever the load. This pool hands a task to an idle
 * thread when there is one (Tomcat's executor does the same), so it holds about as many threads as
 * requests are in flight.
 */
public final class WorkerPool extends ThreadPoolExecutor {
    private final AtomicInteger submitted = new AtomicInteger();
    private final int queueCapacity;

    private WorkerPool(String namePrefix, int threads, int queueCapacity, EagerQueue queue) {
        super(
                0,
                threads,
                30,
                TimeUnit.SECONDS,
                queue,
                daemonThreads(namePrefix),
                (task, pool) -> {
                    if (pool.isShutdown() || !queue.force(task)) {
                        throw new RejectedExecutionException(
                                "every worker and queue slot is taken");
                    }
                });
        this.queueCapacity = queueCapacity;
        queue.pool = this;
    }

    /**
     * Creates a pool.
     *
     * @param namePrefix its threads are named {@code namePrefix-<n>}
     * @param threads the most threads, {@code >= 1}
     * @param queueCapacity the most waiting tasks, {@code >= 0}; {@link Integer#MAX_VALUE} when
     *     something else bounds admission
     * @return the pool
     * @throws IllegalArgumentException if {@code threads < 1} or {@code queueCapacity < 0}
     */
    public static WorkerPool create(String namePrefix, int threads, int queueCapacity) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (queueCapacity < 0) {
            throw new IllegalArgumentException(
                    "queueCapacity must not be negative, got " + queueCapacity);
        }
        return new WorkerPool(namePrefix, threads, queueCapacity, new EagerQueue(queueCapacity));
    }

    /**
     * Returns how many tasks may wait for a thread.
     *
     * @return the capacity given to {@link #create}
     */
    public int queueCapacity() {
        return queueCapacity;
    }

    @Override
    public void execute(Runnable task) {
        submitted.incrementAndGet();
        try {
            super.execute(task);
        } catch (RejectedExecutionException e) {
            submitted.decrementAndGet();
            throw e;
        }
    }

    @Override
    protected void afterExecute(Runnable task, Throwable thrown) {
        submitted.decrementAndGet();
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String namePrefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, namePrefix + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Queues a task only when a thread is idle or no new thread may start. */
    private static final class EagerQueue extends LinkedBlockingQueue<Runnable> {
        private static final long serialVersionUID = 1L;
        private final boolean noWaiting;
        private transient volatile WorkerPool pool;

        EagerQueue(int capacity) {
            // an idle thread takes a task through the queue, so it holds at least one
            super(Math.max(1, capacity));
            this.noWaiting = capacity == 0;
        }

        @Override
        public boolean offer(Runnable task) {
            WorkerPool p = pool;
            if (p.submitted.get() <= p.getPoolSize()) {
                return super.offer(task); // a thread is idle: it takes the task at once
            }
            if (p.getPoolSize() < p.getMaximumPoolSize()) {
                return false; // none idle and room for one more: the pool starts it
            }
            return force(task); // every thread exists and is busy: wait in line
        }

        /** Queues a task that no thread can take now, if the line has room. */
        boolean force(Runnable task) {
            return !noWaiting && super.offer(task);
        }
    }
}
