package io.ironcage.router.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.provider.ProviderApi;
import io.ironcage.router.core.provider.openai.OpenAiApi;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the reservation's token count on the request path: an OpenAI chat request of about 1
 * KB and 16 KB of prose or code, counted with {@code o200k_base} (gpt-4o) or {@code cl100k_base}
 * (gpt-4) through {@link ProviderApi#inputTokenBound}, from the parsed body.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
public class TokenCountBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String PROSE =
            "The town's first water works opened in the spring of 1874, after three dry summers"
                    + " had turned the public wells brackish and the council could no longer"
                    + " pretend that hauling barrels up from the river was a system. The engineer"
                    + " they hired spent most of his first year arguing rather than building. ";

    private static final String CODE =
            "    public synchronized boolean ship(String warehouse, String sku, int quantity) {\n"
                    + "        int onHand = levels.getOrDefault(warehouse, Map.of())"
                    + ".getOrDefault(sku, 0);\n"
                    + "        if (onHand < quantity) {\n"
                    + "            return false; // the caller back-orders instead\n"
                    + "        }\n"
                    + "        history.add(new Movement(warehouse, sku, -quantity, clock.instant()));\n"
                    + "        return true;\n"
                    + "    }\n";

    /** What the prompt is made of. */
    @Param({"prose", "code"})
    public String text;

    /** The prompt's size, in KB. */
    @Param({"1", "16"})
    public int kb;

    /** The model, and so the encoding. */
    @Param({"gpt-4o", "gpt-4"})
    public String model;

    /**
     * Whether the router counted the prompt before: {@code no}, a new prompt every time (the cost
     * of counting); {@code yes}, the same prompt again, as an agent sends its conversation with
     * every turn (the cost of finding its count among those counted lately).
     */
    @Param({"no", "yes"})
    public String seen;

    private final ProviderApi openAi = new OpenAiApi();
    private ObjectNode body;
    private long turn;

    /** Builds the request and loads the encoding (once per JVM, outside the measurement). */
    @Setup
    public void setUp() {
        body = request();
        count();
    }

    /** The request of these parameters: one user message of {@code kb} KB of {@code text}. */
    ObjectNode request() {
        String unit = text.equals("prose") ? PROSE : CODE;
        StringBuilder prompt = new StringBuilder();
        while (prompt.length() + unit.length() <= kb * 1024) {
            prompt.append(unit);
        }
        ObjectNode request = JSON.createObjectNode().put("model", model).put("max_tokens", 256);
        request.putArray("messages")
                .addObject()
                .put("role", "user")
                .put("content", prompt.toString());
        return request;
    }

    /**
     * Counts the request's input-token bound.
     *
     * @return the bound
     */
    @Benchmark
    public OptionalLong count() {
        // each request parses its body anew: a new String of the prompt, whose hash is not
        // known yet (finding a seen prompt hashes and compares its characters)
        ObjectNode request = body.deepCopy();
        ObjectNode message = (ObjectNode) request.get("messages").get(0);
        String prompt = message.get("content").textValue();
        message.put(
                "content",
                seen.equals("no") ? (turn++) + " " + prompt : new String(prompt.toCharArray()));
        return openAi.inputTokenBound(ApiKind.CHAT_COMPLETIONS, model, request);
    }
}
