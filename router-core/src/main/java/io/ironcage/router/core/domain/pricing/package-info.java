/**
 * Model prices and the cost formulas of reference §6: {@code ModelPricing} (actual, expected and
 * worst-case cost), {@code PricingTable} (an immutable snapshot with the documented lookup order)
 * and {@code RequestShape} (what a request contributes to its price). JDK only, like the rest of
 * the domain.
 */
package io.ironcage.router.core.domain.pricing;
