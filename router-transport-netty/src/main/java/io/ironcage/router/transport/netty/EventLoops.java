package io.ironcage.router.transport.netty;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loops one {@link NettyTransportProvider}'s servers and clients share, started by the
 * first user and stopped when the last one lets go.
 *
 * <p>Sharing is what keeps a pass-through request on one thread: the client ({@link LoopClient}),
 * asked from one of these loops, takes or opens its connection on that same loop, so the upstream
 * answer arrives on the thread that holds the caller's connection and is written back from there.
 *
 * <p>Plain Netty: epoll where its native library loads (Linux x86-64), NIO elsewhere. The loop
 * threads are {@link LoopThread}s, so blocking calls can tell they are on one ({@link
 * #onLoopThread()}) and refuse.
 */
final class EventLoops {
    private static final Logger LOG = LoggerFactory.getLogger(EventLoops.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final boolean EPOLL = Epoll.isAvailable();

    private final String name;
    private final int threads;
    private EventLoopGroup loops;
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
    synchronized EventLoopGroup acquire() {
        if (users == 0) {
            IoHandlerFactory io = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
            loops =
                    new MultiThreadIoEventLoopGroup(
                            threads, new LoopThreads(name + (EPOLL ? "-epoll" : "-nio")), io);
        }
        users++;
        return loops;
    }

    /** Gives a share back; the last one stops the loops, waiting a bounded time. */
    void release() {
        EventLoopGroup stopping;
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
        boolean stopped =
                stopping.shutdownGracefully(0, STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .awaitUninterruptibly(STOP_TIMEOUT.plusSeconds(1).toMillis());
        if (!stopped) {
            LOG.warn("the netty event loops did not stop within {}", STOP_TIMEOUT);
        }
    }

    /** The server channel class that goes with the loops. */
    static Class<? extends ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The client channel class that goes with the loops. */
    static Class<? extends Channel> clientChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** Whether the calling thread is an event loop of any provider's loops: it must not block. */
    static boolean onLoopThread() {
        return Thread.currentThread() instanceof LoopThread;
    }

    /** How many servers and clients hold the loops, for tests. */
    synchronized int users() {
        return users;
    }

    @Override
    public String toString() {
        return "EventLoops[" + name + ", " + threads + " threads, " + users() + " users]";
    }

    /** An event loop thread: daemon, named {@code <name>-<epoll|nio>-<n>}. */
    static final class LoopThread extends FastThreadLocalThread {
        LoopThread(Runnable task, String name) {
            super(task, name);
            setDaemon(true);
        }
    }

    private static final class LoopThreads implements ThreadFactory {
        private final String prefix;
        private final AtomicInteger count = new AtomicInteger();

        LoopThreads(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable task) {
            return new LoopThread(task, prefix + "-" + count.incrementAndGet());
        }
    }
}
