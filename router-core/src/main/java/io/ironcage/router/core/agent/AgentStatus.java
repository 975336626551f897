package io.ironcage.router.core.agent;

/** Where an agent of a router is in its life (the reference's {@code AgentStatus}, §9.4). */
public enum AgentStatus {
    /** Serving: its token is accepted and it has a budget to spend. */
    RUNNING,
    /**
     * Its token is accepted but requests are refused: it has no usable budget lease (the control
     * server refused or could not be reached); the router keeps trying.
     */
    BLOCKED,
    /** Stopped: its token is refused and its lease was returned. */
    STOPPED
}
