package io.ironcage.router.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.domain.pricing.RequestShape;
import io.ironcage.router.core.domain.pricing.TokenPrice;
import io.ironcage.router.core.provider.RequestShapes;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Optional;
import java.util.OptionalLong;

/** Small builders shared by the router-core tests. */
public final class TestData {
    /** The day the tests price at (a table entry's dated prices depend on it). */
    public static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestData() {}

    /** Holds the seed table, parsed on first use. */
    private static final class Seed {
        static final PricingTable TABLE = PricingTables.parse(read(SEED_RESOURCE));

        private Seed() {}
    }

    /** The LiteLLM table the router shipped before the price database (a test fixture). */
    public static final String SEED_RESOURCE = "/io/ironcage/router/core/config/pricing.json";

    /**
     * The LiteLLM table the router shipped before the price database: the fixture that pins the
     * reference's arithmetic (its prices are the reference's, Appendix A).
     */
    public static PricingTable seedTable() {
        return Seed.TABLE;
    }

    /** A test resource as text. */
    public static String read(String resource) {
        try (java.io.InputStream in = TestData.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A model priced in dollars per token (LiteLLM's unit), with an optional max output. */
    public static ModelPricing model(
            String id, double inputUsdPerToken, double outputUsdPerToken, OptionalLong maxOutput) {
        return new ModelPricing(
                id,
                Optional.empty(),
                TokenPrice.fromUsdPerToken(inputUsdPerToken),
                TokenPrice.fromUsdPerToken(outputUsdPerToken),
                Optional.empty(),
                Optional.empty(),
                maxOutput,
                OptionalLong.empty(),
                0);
    }

    /** A model priced in dollars per token, without limits. */
    public static ModelPricing model(String id, double inputUsdPerToken, double outputUsdPerToken) {
        return model(id, inputUsdPerToken, outputUsdPerToken, OptionalLong.empty());
    }

    /** A shape with only a body size and an optional requested maximum output. */
    public static RequestShape shape(long bodyBytes, OptionalLong requestedMaxOutput) {
        return new RequestShape(bodyBytes, 0, requestedMaxOutput, requestedMaxOutput, false, 0, 1);
    }

    /** Parses JSON, failing the test on invalid input. */
    public static JsonNode json(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("invalid test JSON: " + json, e);
        }
    }

    /** The shape of a JSON body, with its real UTF-8 size. */
    public static RequestShape shapeOf(String body) {
        return RequestShapes.of(json(body), body.getBytes(StandardCharsets.UTF_8).length);
    }

    /**
     * The reference's {@code PricingManager::estimate_max_cost(body)}, composed from our parts:
     * empty for invalid JSON, a missing model or an unknown model, else {@link
     * ModelPricing#expected(RequestShape)}.
     */
    public static Optional<Money> referenceEstimate(PricingTable table, String body) {
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        RequestShape shape = RequestShapes.of(node, body.getBytes(StandardCharsets.UTF_8).length);
        return RequestShapes.model(node)
                .flatMap(m -> table.find(m, DAY))
                .map(m -> m.expected(shape));
    }
}
