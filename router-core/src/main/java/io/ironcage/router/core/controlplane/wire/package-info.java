/**
 * The Iron Cage control server's HTTP/JSON wire format over {@link
 * io.ironcage.router.core.spi.HttpTransport}: {@link
 * io.ironcage.router.core.controlplane.wire.ControlPlaneBudgetLeaseClient} (Protocol 005, reference
 * §7.2, the {@link io.ironcage.router.core.spi.BudgetLeaseClient} port), {@link
 * io.ironcage.router.core.controlplane.wire.ProviderKeyClient} (one provider key fetch, reference
 * §5.2), {@link io.ironcage.router.core.controlplane.wire.AnalyticsEventClient} (one analytics
 * event, reference §8.6) and {@link io.ironcage.router.core.controlplane.wire.IcTokens} (the claims
 * of an IC token). Each builds a request body, reads the answer and turns every failure into a
 * {@link io.ironcage.router.core.errors.ControlPlaneException} carrying only the server's status,
 * {@code error} and {@code code}; caching, retries and scheduling are the services' in {@link
 * io.ironcage.router.core.controlplane}.
 *
 * <p>No IC token or provider key ever appears in a log line, an exception message or a {@code
 * toString()} of these classes.
 */
package io.ironcage.router.core.controlplane.wire;
