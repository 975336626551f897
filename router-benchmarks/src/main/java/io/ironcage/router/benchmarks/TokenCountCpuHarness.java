package io.ironcage.router.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.provider.ProviderApi;
import io.ironcage.router.core.provider.openai.OpenAiApi;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * The CPU time of the reservation's token count, for a busy machine where wall-clock JMH scores are
 * inflated by other processes: the counting thread's own CPU time per count (best of 5 rounds) of
 * the same requests as {@link TokenCountBenchmark}, and the load time and heap of the encodings.
 * Run: {@code java -cp router-benchmarks/target/benchmarks.jar
 * io.ironcage.router.benchmarks.TokenCountCpuHarness}.
 */
public final class TokenCountCpuHarness {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenCountCpuHarness() {}

    /**
     * Prints one line per prompt and encoding.
     *
     * @param args unused
     * @throws InterruptedException if interrupted while letting the collector run
     */
    public static void main(String[] args) throws InterruptedException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ProviderApi openAi = new OpenAiApi();
        System.gc();
        Thread.sleep(200); // lets the collector finish before the heap is read (a measurement tool)
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        for (String model : new String[] {"gpt-4o", "gpt-4"}) {
            long wall = System.nanoTime();
            long cpu = threads.getCurrentThreadCpuTime();
            openAi.inputTokenBound(ApiKind.CHAT_COMPLETIONS, model, request(model, "prose", 1));
            System.out.printf(
                    Locale.ROOT,
                    "first count on %s (loads its encoding): %.0f ms wall, %.0f ms CPU%n",
                    model,
                    (System.nanoTime() - wall) / 1e6,
                    (threads.getCurrentThreadCpuTime() - cpu) / 1e6);
        }
        System.gc();
        Thread.sleep(200); // as above
        System.out.printf(
                Locale.ROOT,
                "heap kept by both encodings: %.1f MB%n",
                (memory.getHeapMemoryUsage().getUsed() - heapBefore) / 1e6);
        for (String text : new String[] {"prose", "code"}) {
            for (int kb : new int[] {1, 16}) {
                for (String model : new String[] {"gpt-4o", "gpt-4"}) {
                    ObjectNode body = request(model, text, kb);
                    int iterations = kb == 1 ? 20_000 : 1_500;
                    long sink = 0;
                    long turn = 0;
                    for (int i = 0; i < iterations; i++) {
                        sink += count(openAi, model, body);
                    }
                    long best = Long.MAX_VALUE;
                    for (int round = 0; round < 5; round++) {
                        // prompts never counted before (the router keeps the counts of those it
                        // saw lately): made before the clock starts
                        ObjectNode[] fresh = new ObjectNode[iterations];
                        for (int i = 0; i < iterations; i++) {
                            fresh[i] = unseen(body, turn++);
                        }
                        long cpu = threads.getCurrentThreadCpuTime();
                        for (int i = 0; i < iterations; i++) {
                            sink += count(openAi, model, fresh[i]);
                        }
                        best = Math.min(best, threads.getCurrentThreadCpuTime() - cpu);
                    }
                    double micros = best / 1e3 / iterations;
                    System.out.printf(
                            Locale.ROOT,
                            "%-5s %2d KB %-6s %8.1f µs CPU/count %6.1f µs/KB (bound %d, %d)%n",
                            text,
                            kb,
                            model,
                            micros,
                            micros / kb,
                            count(openAi, model, body),
                            sink % 2);
                }
            }
        }
    }

    /** The request with a prompt no earlier one had. */
    private static ObjectNode unseen(ObjectNode body, long turn) {
        ObjectNode fresh = body.deepCopy();
        ObjectNode message = (ObjectNode) fresh.get("messages").get(0);
        message.put("content", turn + " " + message.get("content").textValue());
        return fresh;
    }

    private static long count(ProviderApi openAi, String model, ObjectNode body) {
        return openAi.inputTokenBound(ApiKind.CHAT_COMPLETIONS, model, body).orElseThrow();
    }

    private static ObjectNode request(String model, String text, int kb) {
        TokenCountBenchmark prompt = new TokenCountBenchmark();
        prompt.text = text;
        prompt.kb = kb;
        prompt.model = model;
        return prompt.request();
    }
}
