package io.ironcage.router.core;

import io.ironcage.router.core.agent.AgentRegistry;
import io.ironcage.router.core.controlplane.AnalyticsSync;
import io.ironcage.router.core.internal.ProviderCalls;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UsageEventSink;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a router owns besides its server, and the one routine that releases it: a start that fails
 * after the upstream client exists, and {@link LlmRouter#close()} (after the server), both call
 * {@link #release()}. Parts are handed over as the start acquires them, so a failed start releases
 * exactly what it took: the caller's sink, in particular, is the router's only once it serves.
 */
final class RouterResources {
    private final HttpTransport upstream;
    private final ProviderCalls providerCalls;
    private final ScheduledExecutorService ownScheduler; // null: the caller's, or none needed
    private final AgentRegistry agents;
    private UsageEventSink events; // null until the router serves
    private AnalyticsSync sync; // server mode
    private Thread shutdownHook; // server mode, when leases are returned on shutdown

    RouterResources(
            HttpTransport upstream,
            ProviderCalls providerCalls,
            ScheduledExecutorService ownScheduler,
            AgentRegistry agents) {
        this.upstream = upstream;
        this.providerCalls = providerCalls;
        this.ownScheduler = ownScheduler;
        this.agents = agents;
    }

    /** The router serves: from now on closing it closes the sink chain. */
    void ownEvents(UsageEventSink events) {
        this.events = events;
    }

    /** The analytics sync, closed (with its final flush) after the agents and the sink. */
    void ownSync(AnalyticsSync sync) {
        this.sync = sync;
    }

    /** Runs {@code close} on JVM shutdown, until {@link #release()} removes the hook. */
    void closeOnShutdown(Runnable close) {
        Thread hook = new Thread(close, "iron-router-shutdown");
        shutdownHook = hook;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * The router is stopping: a provider call its thread is interrupted in is a cut from now on.
     */
    void stopping() {
        providerCalls.stopping();
    }

    /**
     * Cuts the provider calls still waiting (each settled from what was seen), then closes the
     * agents (reports, then each lease's unused part back to the server), the sink, the sync, the
     * upstream client and an own scheduler, in that order; the server is closed already, or was
     * never started.
     */
    void release() {
        try {
            // before the leases go back: a call the server's grace left behind is settled on
            // its lease, not after its return
            providerCalls.cut();
            agents.closeAll();
            if (events != null) {
                // the sink may still queue events (SQLite's writer): closing it writes them all
                // into the store, whose sync methods keep working, so the final flush sees every
                // event recorded before close
                events.close();
            }
            if (sync != null) {
                sync.close(); // final flush, bounded
            }
        } finally {
            upstream.close();
            if (events != null) {
                events.close(); // idempotent: closed here if closing the agents failed
            }
            if (ownScheduler != null) {
                ownScheduler.shutdownNow();
            }
            removeShutdownHook();
        }
    }

    private void removeShutdownHook() {
        Thread hook = shutdownHook;
        if (hook == null || Thread.currentThread() == hook) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running or has run
        }
    }
}
