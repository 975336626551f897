/**
 * Model prices and the cost formulas of reference §6: {@code ModelPricing} (actual, expected and
 * worst-case cost), {@code PricingTable} (an immutable snapshot with the documented lookup order)
 * and {@code RequestShape} (what a request contributes to its price). {@code ModelPricing} answers
 * the worst case from {@code WorstCase} (the reservation bound of one request) and the costs of
 * server tools from {@code ServerSideUse} (what a request makes the provider do beyond its body).
 * JDK only, like the rest of the domain.
 */
package io.ironcage.router.core.domain.pricing;
