/**
 * Whom a request is for: the tenants by caller token ({@code Tenants}, {@code Tenant}), the agents
 * of a router with their keys, budgets and leases ({@code Agent}, {@code AgentRegistry}), what
 * applications use to start, stop and watch them ({@code AgentRuntime}, {@code AgentSpec}, {@code
 * AgentMetrics}), and what {@code GET /ready} reports ({@code Readiness}).
 */
package io.ironcage.router.core.agent;
