/**
 * The control-plane services of server mode: {@link
 * io.ironcage.router.core.controlplane.ControlPlaneKeySource} (an agent's provider key, cached,
 * reference §5), {@link io.ironcage.router.core.controlplane.BudgetLeaseManager} (a budget lease's
 * life in a running router, Protocol 005, reference §7) and {@link
 * io.ironcage.router.core.controlplane.AnalyticsSync} (reference §8.6); {@link
 * io.ironcage.router.core.controlplane.ControlPlaneOptions} configures them for {@code LlmRouter}.
 *
 * <p>They decide what to send and when, and what a failure means; they do not speak the control
 * server's HTTP/JSON wire format. That is {@link io.ironcage.router.core.controlplane.wire}'s,
 * which they reach through the {@link io.ironcage.router.core.spi.BudgetLeaseClient} port or the
 * wire's narrow clients (ArchitectureTest C13: no Jackson here).
 *
 * <p>No IC token or provider key ever appears in a log line, an exception message or a {@code
 * toString()} of these classes.
 */
package io.ironcage.router.core.controlplane;
