package io.ironcage.router.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.provider.UsageExtraction;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
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
 * Taking the {@code usage} of a whole answer the router passes on as is: the byte scan the pipeline
 * uses ({@link UsageExtraction#fromResponseBytes}) against parsing the answer into a tree first
 * ({@link UsageExtraction#fromResponse}), on a short answer and on one with 4 KB of text.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
public class UsageBenchmark {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Characters of answer text. */
    @Param({"20", "4000"})
    public int textLength;

    private byte[] answer;

    /** Builds a chat completion with {@code textLength} characters of text and its usage last. */
    @Setup
    public void setUp() {
        StringBuilder text = new StringBuilder();
        while (text.length() < textLength) {
            text.append("The sea is salty, \\\"deep\\\" and old. ");
        }
        answer =
                ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
                                + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
                                + "\"message\":{\"role\":\"assistant\",\"content\":\""
                                + text.substring(0, textLength)
                                + "\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,"
                                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":220,"
                                + "\"completion_tokens\":6,\"total_tokens\":226,"
                                + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
                                + "\"completion_tokens_details\":{\"reasoning_tokens\":0}},"
                                + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_1\"}")
                        .getBytes(StandardCharsets.UTF_8);
        if (!scan().equals(tree())) {
            throw new IllegalStateException("the two ways disagree");
        }
    }

    /** The byte scan, then the usage object alone parsed. */
    @Benchmark
    public Optional<TokenUsage> scan() {
        return UsageExtraction.fromResponseBytes(ApiKind.CHAT_COMPLETIONS, answer);
    }

    /** The whole answer parsed into a tree. */
    @Benchmark
    public Optional<TokenUsage> tree() {
        try {
            return UsageExtraction.fromResponse(ApiKind.CHAT_COMPLETIONS, MAPPER.readTree(answer));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
