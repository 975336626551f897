/**
 * What the router does when a provider fails: retries ({@link
 * io.ironcage.router.core.resilience.RetryOptions}), fallbacks to other models ({@link
 * io.ironcage.router.core.resilience.Resilience#fallbacks()}) and circuit breakers per provider and
 * model ({@link io.ironcage.router.core.resilience.CircuitBreakerOptions}, kept by {@link
 * io.ironcage.router.core.resilience.CircuitBreakers} on Resilience4j and the router's clock).
 */
package io.ironcage.router.core.resilience;
