/**
 * The budget ledger and budget leases, in whole micro-dollars.
 *
 * <p>{@link io.ironcage.router.core.domain.budget.CostController} is the ledger (reference §6.2):
 * every request reserves its worst-case cost before it is sent and settles its real cost after,
 * through a {@link io.ironcage.router.core.domain.budget.Reservation}. Whether the budget allows a
 * request is a {@link io.ironcage.router.core.domain.budget.BudgetDecision} value, not an
 * exception. {@link io.ironcage.router.core.domain.budget.BudgetLease} models a budget leased from
 * the control server (reference §7.3, the client-side lease lifecycle).
 *
 * <p>JDK only: no Jackson, no logging, no I/O, no clock reads (time is always a parameter).
 */
package io.ironcage.router.core.domain.budget;
