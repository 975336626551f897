package io.ironcage.router.transport.netty;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.resources.LoopResources;

/**
 * The event loops one {@link NettyTransportProvider}'s servers and clients share, started by the
 * first user and stopped when the last one lets go.
 *
 * <p>Sharing is what keeps a pass-through request on one thread: the client ({@link LoopClient}),
 * asked from one of these loops, takes or opens its connection on that same loop, so the upstream
 * answer arrives on the thread that holds the caller's connection and is written back from there.
 */
final class EventLoops {
    private static final Logger LOG = LoggerFactory.getLogger(EventLoops.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final String name;
    private final int threads;
    private LoopResources loops;
    private int users;

    EventLoops(String name, int threads) {
        this.name = name;
        this.threads = threads;
    }

    /**
     * Takes a share of the loops, starting them if nobody holds them.
     *
     * @return the loops; give them back with {@link #release()}
     */
    synchronized LoopResources acquire() {
        if (users == 0) {
            loops = LoopResources.create(name, threads, true);
        }
        users++;
        return loops;
    }

    /** Gives a share back; the last one stops the loops, waiting a bounded time. */
    void release() {
        LoopResources stopping;
        synchronized (this) {
            if (users == 0) {
                return;
            }
            users--;
            if (users > 0) {
                return;
            }
            stopping = loops;
            loops = null;
        }
        try {
            stopping.disposeLater(Duration.ZERO, STOP_TIMEOUT).block(STOP_TIMEOUT.plusSeconds(1));
        } catch (RuntimeException e) {
            LOG.warn("the netty event loops did not stop within {}", STOP_TIMEOUT);
        }
    }

    /** How many servers and clients hold the loops, for tests. */
    synchronized int users() {
        return users;
    }

    @Override
    public String toString() {
        return "EventLoops[" + name + ", " + threads + " threads, " + users() + " users]";
    }
}
