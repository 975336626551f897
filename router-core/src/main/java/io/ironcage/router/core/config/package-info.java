/**
 * Configuration loading: {@code router.yaml} into a {@code RouterConfig} ({@code
 * RouterConfigLoader}; the YAML tree with lines in {@code YamlTree}, typed keys and their errors in
 * {@code ConfigKeys}, one reader per section), and the bundled price database and {@code
 * pricing.overrides} ({@code PricingTables}). Jackson is allowed here.
 */
package io.ironcage.router.core.config;
