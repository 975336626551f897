/**
 * Configuration loading: the bundled LiteLLM pricing table and {@code pricing.overrides} ({@code
 * PricingTables}). Jackson is allowed here.
 */
package io.ironcage.router.core.config;
