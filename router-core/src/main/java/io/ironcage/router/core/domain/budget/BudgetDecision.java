package io.ironcage.router.core.domain.budget;

import io.ironcage.router.core.domain.Money;
import java.util.Objects;

/**
 * What the budget says about a request: {@link Allowed} (the quick check passed), {@link Granted}
 * (a reservation was made), or a {@link Refusal} — {@link Exceeded} (the budget is used up) or
 * {@link Insufficient} (the reservation does not fit). A refusal is an expected outcome, so it is a
 * value rather than an exception; the proxy turns it into HTTP 402 with {@link Refusal#type()},
 * {@link Refusal#code()} and {@link Refusal#message()} (reference §3.8).
 */
public sealed interface BudgetDecision
        permits BudgetDecision.Allowed, BudgetDecision.Granted, BudgetDecision.Refusal {

    /**
     * Returns whether the request may go ahead.
     *
     * @return {@code true} for {@link Allowed} and {@link Granted}
     */
    boolean isPermitted();

    /**
     * The budget check passed ({@link CostController#check()}).
     *
     * <p>Has no state; use {@link #INSTANCE}.
     */
    record Allowed() implements BudgetDecision {
        /** The one instance. */
        public static final Allowed INSTANCE = new Allowed();

        @Override
        public boolean isPermitted() {
            return true;
        }
    }

    /**
     * A reservation was made ({@link CostController#reserve(Money)}).
     *
     * @param reservation the reservation; it must be committed, cancelled or closed
     * @param statusAfter the ledger right after the grant, including this reservation
     */
    record Granted(Reservation reservation, BudgetStatus statusAfter) implements BudgetDecision {
        /**
         * Validates the values.
         *
         * @throws NullPointerException if a component is {@code null}
         */
        public Granted {
            Objects.requireNonNull(reservation, "reservation");
            Objects.requireNonNull(statusAfter, "statusAfter");
        }

        @Override
        public boolean isPermitted() {
            return true;
        }
    }

    /** The budget said no; rendered as HTTP 402 with the reference's type, code and message. */
    sealed interface Refusal extends BudgetDecision permits Exceeded, Insufficient {
        /**
         * Returns the error {@code type} of the 402 body.
         *
         * @return the reference's type value
         */
        String type();

        /**
         * Returns the error {@code code} of the 402 body.
         *
         * @return the reference's code value
         */
        String code();

        /**
         * Returns the error message, byte-identical to the reference's.
         *
         * @return the message
         */
        String message();

        @Override
        default boolean isPermitted() {
            return false;
        }
    }

    /**
     * The budget is used up: {@code spent + reserved >= limit} (reference {@code check_budget},
     * {@code BudgetExceeded}).
     *
     * @param spent money committed
     * @param reserved money held by reservations
     * @param limit the limit
     */
    record Exceeded(Money spent, Money reserved, Money limit) implements Refusal {
        /** The 402 error type. */
        public static final String TYPE = "iron_cage_budget_exceeded";

        /** The 402 error code. */
        public static final String CODE = "budget_exceeded";

        /**
         * Validates the values.
         *
         * @throws NullPointerException if a component is {@code null}
         */
        public Exceeded {
            Objects.requireNonNull(spent, "spent");
            Objects.requireNonNull(reserved, "reserved");
            Objects.requireNonNull(limit, "limit");
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public String code() {
            return CODE;
        }

        /**
         * Returns the reference's message (§3.8), amounts with two decimals rounded half-to-even,
         * e.g. {@code Iron Cage budget limit exceeded. Spent: $10.00, Reserved: $0.00, Limit:
         * $10.00. Increase budget with router.set_budget() or check your pricing calculations.}
         *
         * @return the message
         */
        @Override
        public String message() {
            return "Iron Cage budget limit exceeded. Spent: $"
                    + spent.toUsdString(2)
                    + ", Reserved: $"
                    + reserved.toUsdString(2)
                    + ", Limit: $"
                    + limit.toUsdString(2)
                    + ". Increase budget with router.set_budget() or check your pricing"
                    + " calculations.";
        }
    }

    /**
     * The reservation does not fit: {@code requested > limit − spent − reserved} (reference {@code
     * reserve}, {@code InsufficientBudget}).
     *
     * @param available what could still be reserved
     * @param requested what was asked for (the request's worst-case cost)
     */
    record Insufficient(Money available, Money requested) implements Refusal {
        /** The 402 error type. */
        public static final String TYPE = "iron_cage_insufficient_budget";

        /** The 402 error code. */
        public static final String CODE = "insufficient_budget";

        /**
         * Validates the values.
         *
         * @throws NullPointerException if a component is {@code null}
         */
        public Insufficient {
            Objects.requireNonNull(available, "available");
            Objects.requireNonNull(requested, "requested");
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public String code() {
            return CODE;
        }

        /**
         * Returns the reference's message for a rejected reservation (§3.8, step 5), amounts with
         * four decimals rounded half-to-even, e.g. {@code Iron Cage insufficient budget for
         * request. Available: $0.0100, Estimated max cost: $0.2560. Reduce max_tokens or wait for
         * in-flight requests to complete.}
         *
         * @return the message
         */
        @Override
        public String message() {
            return "Iron Cage insufficient budget for request. Available: $"
                    + available.toUsdString(4)
                    + ", Estimated max cost: $"
                    + requested.toUsdString(4)
                    + ". Reduce max_tokens or wait for in-flight requests to complete.";
        }
    }
}
