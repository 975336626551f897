package io.ironcage.router.core.domain.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.RequestShape;
import io.ironcage.router.core.domain.pricing.TokenPrice;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BudgetPolicyTest {
    /** $0.15 / $0.60 per Mtok, 16,384 output tokens at most. */
    private static final ModelPricing MINI =
            new ModelPricing(
                    "gpt-4o-mini",
                    Optional.of(ProviderType.OPENAI),
                    TokenPrice.fromUsdPerToken(1.5e-07),
                    TokenPrice.fromUsdPerToken(6e-07),
                    Optional.empty(),
                    Optional.empty(),
                    OptionalLong.of(16_384),
                    OptionalLong.of(16_384),
                    0);

    /** 1,000 body bytes, max_tokens 500: 1,000 × 0.15 + 500 × 0.60 = 150 + 300 = 450 µ$. */
    private static final RequestShape SHAPE =
            new RequestShape(1_000, 0, OptionalLong.of(500), OptionalLong.of(500), false, 0, 1);

    private final BudgetPolicy policy = new BudgetPolicy(false, false);

    @Test
    void aPricedRequestReservesItsWorstCase() {
        CostController ledger = CostController.withLimit(Money.ofMicros(1_000));
        BudgetPolicy.Admission admission =
                policy.admit("gpt-4o-mini", Optional.of(MINI), () -> SHAPE, ledger);
        BudgetPolicy.Reserved reserved = assertInstanceOf(BudgetPolicy.Reserved.class, admission);
        assertEquals(Money.ofMicros(450), reserved.reservation().amount());
        assertEquals(Money.ofMicros(450), ledger.reserved());
        assertEquals(MINI, reserved.price());
        assertEquals(SHAPE, reserved.shape());
        reserved.reservation().cancel();
        assertEquals(Money.ZERO, ledger.reserved());
    }

    @Test
    void aWorstCaseThatDoesNotFitIsRefusedAndNothingIsReserved() {
        CostController ledger = CostController.withLimit(Money.ofMicros(449));
        BudgetPolicy.Refused refused =
                assertInstanceOf(
                        BudgetPolicy.Refused.class,
                        policy.admit("gpt-4o-mini", Optional.of(MINI), () -> SHAPE, ledger));
        BudgetPolicy.OverBudget over =
                assertInstanceOf(BudgetPolicy.OverBudget.class, refused.reason());
        BudgetDecision.Insufficient insufficient =
                assertInstanceOf(BudgetDecision.Insufficient.class, over.refusal());
        assertEquals(Money.ofMicros(449), insufficient.available());
        assertEquals(Money.ofMicros(450), insufficient.requested());
        assertEquals(Money.ZERO, ledger.reserved());
    }

    @Test
    void aSpentBudgetIsRefusedBeforePricing() {
        CostController ledger = CostController.withLimit(Money.ofMicros(100));
        ledger.addSpend(Money.ofMicros(100));
        BudgetPolicy.Refused refused =
                assertInstanceOf(
                        BudgetPolicy.Refused.class,
                        policy.admit("gpt-4o-mini", Optional.of(MINI), () -> SHAPE, ledger));
        BudgetPolicy.OverBudget over =
                assertInstanceOf(BudgetPolicy.OverBudget.class, refused.reason());
        assertInstanceOf(BudgetDecision.Exceeded.class, over.refusal());
    }

    @Test
    void anUnpricedModelGoesUnreservedUnlessRefusedUnderALimit() {
        CostController limited = CostController.withLimit(Money.ofMicros(1_000));
        assertInstanceOf(
                BudgetPolicy.Unpriced.class,
                policy.admit("mystery", Optional.empty(), () -> fail("not read"), limited));
        BudgetPolicy strict = new BudgetPolicy(true, false);
        BudgetPolicy.Refused refused =
                assertInstanceOf(
                        BudgetPolicy.Refused.class,
                        strict.admit("mystery", Optional.empty(), () -> fail("not read"), limited));
        assertEquals(new BudgetPolicy.UnpricedUnderLimit("mystery"), refused.reason());
        assertInstanceOf(
                BudgetPolicy.Unpriced.class,
                strict.admit(
                        "mystery",
                        Optional.empty(),
                        () -> fail("not read"),
                        CostController.unlimited()));
        assertEquals(Money.ZERO, limited.reserved());
    }

    @Test
    void aWorstCaseThatOverflowsIsRefused() {
        RequestShape huge =
                new RequestShape(
                        Long.MAX_VALUE, 0, OptionalLong.of(500), OptionalLong.of(500), false, 0, 1);
        BudgetPolicy.Refused refused =
                assertInstanceOf(
                        BudgetPolicy.Refused.class,
                        policy.admit(
                                "gpt-4o-mini",
                                Optional.of(MINI),
                                () -> huge,
                                CostController.unlimited()));
        assertEquals(new BudgetPolicy.TooLargeToPrice(), refused.reason());
    }
}
