/**
 * Analytics events (reference §8.1, ARCHITECTURE.md "The request path" step 9): an {@link
 * io.ironcage.router.core.domain.analytics.AnalyticsEvent} wraps one sealed {@link
 * io.ironcage.router.core.domain.analytics.EventPayload}.
 *
 * <p>Pure values: nothing here generates ids or reads a clock, so callers pass the event id and the
 * timestamp. Whether an event was synced to the control server is a store's business, not part of
 * the value. JDK only, like the rest of the domain.
 */
package io.ironcage.router.core.domain.analytics;
