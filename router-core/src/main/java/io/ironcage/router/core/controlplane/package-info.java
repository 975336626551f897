/**
 * Clients of the Iron Cage control server over {@link io.ironcage.router.core.spi.HttpTransport}
 * (server mode): {@link io.ironcage.router.core.controlplane.ControlPlaneKeySource} (provider keys,
 * reference §5), {@link io.ironcage.router.core.controlplane.ControlPlaneBudgetLeaseClient}
 * (Protocol 005, reference §7), {@link io.ironcage.router.core.controlplane.BudgetLeaseManager} (a
 * lease's life in a running router) and {@link io.ironcage.router.core.controlplane.AnalyticsSync}
 * (reference §8.6); {@link io.ironcage.router.core.controlplane.ControlPlaneOptions} configures
 * them for {@code LlmRouter}.
 *
 * <p>No IC token or provider key ever appears in a log line, an exception message or a {@code
 * toString()} of these classes.
 */
package io.ironcage.router.core.controlplane;
