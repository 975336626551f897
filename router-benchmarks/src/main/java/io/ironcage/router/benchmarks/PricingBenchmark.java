package io.ironcage.router.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderRouting;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.domain.pricing.RequestShape;
import io.ironcage.router.core.provider.RequestShapes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Per-request pricing work: lookup, actual cost, worst case, routing and body inspection. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
public class PricingBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A fixed day, so every run prices the same variant. */
    private static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    private PricingTable table;
    private ModelPricing sonnet;
    private TokenUsage usage;
    private RequestShape shape;
    private byte[] body;

    /**
     * Loads the bundled table and a typical 2 KB chat request.
     *
     * @throws IOException never, for the fixed body
     */
    @Setup
    public void setUp() throws IOException {
        table = PricingTables.bundled();
        sonnet = table.find("claude-sonnet-4-5", DAY).orElseThrow();
        usage = new TokenUsage(1_200, 350, 4_000, 0);
        StringBuilder prompt = new StringBuilder();
        while (prompt.length() < 1_800) {
            prompt.append("Summarise the attached notes in three bullet points. ");
        }
        body =
                ("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"stream\":true,"
                                + "\"system\":\"You are terse.\",\"messages\":[{\"role\":\"user\",\"content\":\""
                                + prompt
                                + "\"}]}")
                        .getBytes(StandardCharsets.UTF_8);
        shape = RequestShapes.of(JSON.readTree(body), body.length);
    }

    /**
     * Lookup of a model by the database's match rules (the entry's own name).
     *
     * @return the pricing found
     */
    @Benchmark
    public Optional<ModelPricing> lookupExact() {
        return table.find("claude-sonnet-4-5", DAY);
    }

    /**
     * Lookup of a prefixed, dated name (the entry's starts_with rule matches once the prefix is
     * removed).
     *
     * @return the pricing found
     */
    @Benchmark
    public Optional<ModelPricing> lookupWithFallbacks() {
        return table.find("anthropic/claude-sonnet-4-5-20991231", DAY);
    }

    /**
     * The actual cost of a usage with cache reads.
     *
     * @return the cost
     */
    @Benchmark
    public Money actualCost() {
        return sonnet.cost(usage);
    }

    /**
     * The worst-case cost of a request shape.
     *
     * @return the bound
     */
    @Benchmark
    public Money worstCase() {
        return sonnet.worstCase(shape);
    }

    /**
     * Provider selection from a model name.
     *
     * @return the route
     */
    @Benchmark
    public ProviderRouting.ModelRoute routeModel() {
        return ProviderRouting.routeModel("anthropic/claude-sonnet-4-5");
    }

    /**
     * Parse a 2 KB body and extract what pricing needs (the pipeline's per-request parse).
     *
     * @return the shape
     * @throws IOException never, for the fixed body
     */
    @Benchmark
    public RequestShape parseAndShape2kBody() throws IOException {
        JsonNode tree = JSON.readTree(body);
        return RequestShapes.of(tree, body.length);
    }
}
