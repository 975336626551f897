/**
 * Clients of the Iron Cage control server over {@link io.ironcage.router.core.spi.HttpTransport}
 * (server mode): {@code ControlPlaneKeySource} (provider keys, reference §5), {@code
 * ControlPlaneBudgetLeaseClient} (Protocol 005, reference §7), {@code BudgetLeaseManager} (a
 * lease's life in a running router) and {@code AnalyticsSync} (reference §8.6).
 *
 * <p>No IC token or provider key ever appears in a log line, an exception message or a {@code
 * toString()} of these classes.
 */
package io.ironcage.router.core.controlplane;
