package io.ironcage.router.core.domain.budget;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.RequestShape;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether a metered request may go upstream under a budget, and reserves its worst case
 * when it may: {@link Reserved}, {@link Unpriced} (forwarded with nothing reserved), or {@link
 * Refused}.
 *
 * <p>In order: a priced request whose cost has no true bound under a budget is refused (it reads
 * input its body does not hold and the model's context window is unknown, it may search the web
 * without a bound, or it uses work the router cannot meter, unless unmetered work is allowed); then
 * the ledger's check (spent at or over the limit); then its worst case is priced (refused when it
 * overflows) and reserved (refused when it does not fit). An unpriced model is refused while a
 * limit is in force if {@code rejectUnpriced}, else forwarded unreserved.
 *
 * @param rejectUnpriced whether an unpriced model is refused while a limit is in force
 * @param allowUnmetered whether work the router cannot meter is forwarded under a limit
 */
public record BudgetPolicy(boolean rejectUnpriced, boolean allowUnmetered) {

    /** What the policy decided. */
    public sealed interface Admission permits Reserved, Unpriced, Refused {}

    /**
     * The worst case is reserved: the request goes upstream and settles against the reservation.
     *
     * @param reservation the reservation to settle
     * @param price the model's price
     * @param shape the request's shape, which bounds its cost
     */
    public record Reserved(Reservation reservation, ModelPricing price, RequestShape shape)
            implements Admission {
        /** Validates the components. */
        public Reserved {
            Objects.requireNonNull(reservation, "reservation");
            Objects.requireNonNull(price, "price");
            Objects.requireNonNull(shape, "shape");
        }
    }

    /** The model has no price and no limit forbids it: the request goes upstream unreserved. */
    public record Unpriced() implements Admission {}

    /**
     * The request may not go upstream.
     *
     * @param reason why
     */
    public record Refused(Refusal reason) implements Admission {
        /** Validates the component. */
        public Refused {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Why a request was refused. */
    public sealed interface Refusal
            permits Unbounded, Unmetered, OverBudget, TooLargeToPrice, UnpricedUnderLimit {}

    /**
     * The request's cost has no true bound.
     *
     * @param message the sentence the caller sees
     * @param field the request field to name
     */
    public record Unbounded(String message, String field) implements Refusal {}

    /**
     * The request makes the provider bill work the router cannot meter.
     *
     * @param field the request field that does
     */
    public record Unmetered(String field) implements Refusal {}

    /**
     * The ledger refused: spent at the limit, or the worst case does not fit.
     *
     * @param refusal the ledger's refusal
     */
    public record OverBudget(BudgetDecision.Refusal refusal) implements Refusal {}

    /** The request's limits are too large to price: its worst case overflows. */
    public record TooLargeToPrice() implements Refusal {}

    /**
     * The model has no price and a limit is in force.
     *
     * @param model the model
     */
    public record UnpricedUnderLimit(String model) implements Refusal {}

    /**
     * Decides a metered request.
     *
     * @param model the model the request names
     * @param price the model's price, if the table has one
     * @param shape the request's shape; read only when the model is priced
     * @param ledger the budget to reserve in
     * @return the decision; a {@link Reserved} holds a reservation the caller must settle
     */
    public Admission admit(
            String model,
            Optional<ModelPricing> price,
            java.util.function.Supplier<RequestShape> shape,
            CostController ledger) {
        boolean limited = ledger.limit().isPresent();
        if (price.isEmpty()) {
            return rejectUnpriced && limited
                    ? new Refused(new UnpricedUnderLimit(model))
                    : new Unpriced();
        }
        ModelPricing pricing = price.get();
        RequestShape request = shape.get();
        if (limited) {
            Optional<Refusal> unbounded = unboundedUnderBudget(pricing, request);
            if (unbounded.isPresent()) {
                return new Refused(unbounded.get());
            }
        }
        BudgetDecision check = ledger.check();
        if (check instanceof BudgetDecision.Refusal) {
            return new Refused(new OverBudget((BudgetDecision.Refusal) check));
        }
        Money worstCase;
        try {
            worstCase = pricing.worstCase(request);
        } catch (ArithmeticException e) {
            return new Refused(new TooLargeToPrice());
        }
        BudgetDecision reserved = ledger.reserve(worstCase);
        if (reserved instanceof BudgetDecision.Refusal) {
            return new Refused(new OverBudget((BudgetDecision.Refusal) reserved));
        }
        return new Reserved(((BudgetDecision.Granted) reserved).reservation(), pricing, request);
    }

    private Optional<Refusal> unboundedUnderBudget(ModelPricing model, RequestShape shape) {
        Optional<String> unbounded = model.unboundedBy(shape);
        if (unbounded.isPresent()) {
            String field =
                    shape.serverSide().inputField().isPresent() && model.maxInputTokens().isEmpty()
                            ? shape.serverSide().inputField().get()
                            : shape.serverSide().webSearchBoundField();
            return Optional.of(new Unbounded(unbounded.get(), field));
        }
        Optional<String> unmetered = model.unmeteredBy(shape);
        if (unmetered.isPresent() && !allowUnmetered) {
            return Optional.of(new Unmetered(unmetered.get()));
        }
        return Optional.empty();
    }
}
