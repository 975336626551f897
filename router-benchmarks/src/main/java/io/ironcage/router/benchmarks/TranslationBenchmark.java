package io.ironcage.router.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.provider.SseEvent;
import io.ironcage.router.core.provider.SseParser;
import io.ironcage.router.core.provider.anthropic.AnthropicToOpenAi;
import io.ironcage.router.core.provider.anthropic.AnthropicToOpenAiStream;
import io.ironcage.router.core.provider.anthropic.OpenAiToAnthropic;
import io.ironcage.router.core.provider.anthropic.OpenAiToAnthropicStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Translation between the OpenAI and Anthropic formats: a typical 2 KB request both ways (as a
 * tree, as the pipeline has it after parsing, and from bytes to bytes), a response both ways, and
 * the stream translators per event over a 20-event stream. ARCHITECTURE.md: translated calls within
 * 2× the pass-through overhead; the target here is under 20 µs per 2 KB request.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
public class TranslationBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ObjectNode openAiRequest;
    private ObjectNode anthropicRequest;
    private byte[] openAiRequestBytes;
    private byte[] anthropicRequestBytes;
    private ObjectNode anthropicResponse;
    private ObjectNode openAiResponse;
    private List<SseEvent> anthropicStream;
    private List<SseEvent> openAiStream;

    /**
     * Builds the inputs: requests of about 2 KB with a system prompt, three turns, a tool call and
     * its result, and one tool; answers with text and a tool call; 20-event streams.
     *
     * @throws IOException never, for the fixed inputs
     */
    @Setup
    public void setUp() throws IOException {
        String question =
                "Summarise the attached notes in three bullet points and check the weather. "
                        .repeat(14);
        String schema =
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"description\":"
                        + "\"City name\"},\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]}},"
                        + "\"required\":[\"city\"]}";
        openAiRequestBytes =
                ("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"temperature\":0.3,"
                                + "\"messages\":[{\"role\":\"system\",\"content\":\"You are a terse assistant for field notes.\"},"
                                + "{\"role\":\"user\",\"content\":\""
                                + question
                                + "\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"toolu_01\","
                                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                                + "\"{\\\"city\\\":\\\"Paris\\\",\\\"unit\\\":\\\"celsius\\\"}\"}}]},"
                                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_01\",\"content\":\"{\\\"sky\\\":\\\"sunny\\\",\\\"celsius\\\":24}\"},"
                                + "{\"role\":\"user\",\"content\":\"Thanks. Now the bullet points, please.\"}],"
                                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                                + "\"description\":\"Current weather in a city\",\"parameters\":"
                                + schema
                                + "}}],\"tool_choice\":\"auto\",\"stop\":[\"END\"],\"user\":\"agent-7\"}")
                        .getBytes(StandardCharsets.UTF_8);
        openAiRequest = (ObjectNode) JSON.readTree(openAiRequestBytes);
        anthropicRequest = OpenAiToAnthropic.request(openAiRequest, model -> 4096);
        anthropicRequest.put("model", "gpt-4o");
        anthropicRequestBytes = JSON.writeValueAsBytes(anthropicRequest);
        for (byte[] body : List.of(openAiRequestBytes, anthropicRequestBytes)) {
            if (body.length < 1_800 || body.length > 2_400) {
                throw new IllegalStateException("not a 2 KB request: " + body.length + " bytes");
            }
        }

        anthropicResponse =
                (ObjectNode)
                        JSON.readTree(
                                "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
                                        + "\"content\":[{\"type\":\"text\",\"text\":\"Here is the weather, then the notes.\"},"
                                        + "{\"type\":\"tool_use\",\"id\":\"toolu_02\",\"name\":\"get_weather\",\"input\":{\"city\":\"Rome\"}}],"
                                        + "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":520,"
                                        + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":100,\"output_tokens\":48}}");
        openAiResponse = AnthropicToOpenAi.response(anthropicResponse, "chatcmpl-1", 1);

        StringBuilder anthropic = new StringBuilder();
        anthropic.append(
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\","
                        + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],"
                        + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":520,\"output_tokens\":1}}}\n\n");
        anthropic.append(
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        anthropic.append("event: ping\ndata: {\"type\": \"ping\"}\n\n");
        for (int i = 0; i < 14; i++) {
            anthropic.append(
                    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                            + "\"delta\":{\"type\":\"text_delta\",\"text\":\"word \"}}\n\n");
        }
        anthropic.append(
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        anthropic.append(
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":14}}\n\n");
        anthropic.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        anthropicStream = parse(anthropic.toString());

        String head =
                "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                        + "\"model\":\"gpt-4o\",\"system_fingerprint\":\"fp_1\",";
        StringBuilder openAi = new StringBuilder();
        openAi.append(
                head
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
        for (int i = 0; i < 16; i++) {
            openAi.append(
                    head
                            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},\"logprobs\":null,"
                            + "\"finish_reason\":null}],\"usage\":null}\n\n");
        }
        openAi.append(
                head
                        + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                        + "\"usage\":null}\n\n");
        openAi.append(
                head
                        + "\"choices\":[],\"usage\":{\"prompt_tokens\":520,\"completion_tokens\":16,"
                        + "\"total_tokens\":536,\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n");
        openAi.append("data: [DONE]\n\n");
        openAiStream = parse(openAi.toString());
        if (anthropicStream.size() != 20 || openAiStream.size() != 20) {
            throw new IllegalStateException("the streams must have 20 events");
        }
    }

    private static List<SseEvent> parse(String stream) {
        SseParser parser = new SseParser();
        List<SseEvent> events =
                new ArrayList<>(parser.feed(stream.getBytes(StandardCharsets.UTF_8)));
        events.addAll(parser.finish());
        return events;
    }

    /**
     * Reference: only parsing the 2 KB OpenAI request, which the pipeline does for every request,
     * translated or not (so the bytes-to-bytes figures minus this are what translation adds).
     *
     * @return the tree
     * @throws IOException never, for the fixed input
     */
    @Benchmark
    public ObjectNode parseOpenAiRequestOnly() throws IOException {
        return (ObjectNode) JSON.readTree(openAiRequestBytes);
    }

    /**
     * A 2 KB OpenAI request to an Anthropic request, tree to tree.
     *
     * @return the translation
     */
    @Benchmark
    public ObjectNode requestOpenAiToAnthropic() {
        return OpenAiToAnthropic.request(openAiRequest, model -> 4096);
    }

    /**
     * A 2 KB Anthropic request to an OpenAI request, tree to tree.
     *
     * @return the translation
     */
    @Benchmark
    public ObjectNode requestAnthropicToOpenAi() {
        return AnthropicToOpenAi.request(anthropicRequest);
    }

    /**
     * The same 2 KB OpenAI request from the caller's bytes to the upstream's bytes: parse,
     * translate, write.
     *
     * @return the upstream body
     * @throws IOException never, for the fixed input
     */
    @Benchmark
    public byte[] requestOpenAiToAnthropicBytes() throws IOException {
        ObjectNode tree = (ObjectNode) JSON.readTree(openAiRequestBytes);
        return JSON.writeValueAsBytes(OpenAiToAnthropic.request(tree, model -> 4096));
    }

    /**
     * The same 2 KB Anthropic request from bytes to bytes.
     *
     * @return the upstream body
     * @throws IOException never, for the fixed input
     */
    @Benchmark
    public byte[] requestAnthropicToOpenAiBytes() throws IOException {
        ObjectNode tree = (ObjectNode) JSON.readTree(anthropicRequestBytes);
        return JSON.writeValueAsBytes(AnthropicToOpenAi.request(tree));
    }

    /**
     * An Anthropic answer (text and a tool call) to a {@code chat.completion}.
     *
     * @return the translation
     */
    @Benchmark
    public ObjectNode responseAnthropicToOpenAi() {
        return AnthropicToOpenAi.response(anthropicResponse, "chatcmpl-1", 1);
    }

    /**
     * A {@code chat.completion} (text and a tool call) to an Anthropic message.
     *
     * @return the translation
     */
    @Benchmark
    public ObjectNode responseOpenAiToAnthropic() {
        return OpenAiToAnthropic.response(openAiResponse, "msg_1");
    }

    /**
     * A 20-event Anthropic stream to OpenAI chunks, with the usage chunk; time per event.
     *
     * @param hole consumes every written event's bytes
     */
    @Benchmark
    @OperationsPerInvocation(20)
    public void streamAnthropicToOpenAiPerEvent(Blackhole hole) {
        AnthropicToOpenAiStream stream =
                new AnthropicToOpenAiStream("chatcmpl-1", 1, "claude-sonnet-4-5", true);
        for (SseEvent event : anthropicStream) {
            write(stream.onEvent(event), hole);
        }
    }

    /**
     * A 20-event OpenAI stream to Anthropic events; time per event.
     *
     * @param hole consumes every written event's bytes
     */
    @Benchmark
    @OperationsPerInvocation(20)
    public void streamOpenAiToAnthropicPerEvent(Blackhole hole) {
        OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream("msg_1", "gpt-4o");
        for (SseEvent event : openAiStream) {
            write(stream.onEvent(event), hole);
        }
    }

    /** What the pipeline does with a translated event: one write of all its bytes. */
    private static void write(List<SseEvent> events, Blackhole hole) {
        if (events.size() == 1) {
            hole.consume(events.get(0).raw());
        } else if (!events.isEmpty()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            events.forEach(e -> bytes.writeBytes(e.raw()));
            hole.consume(bytes.toByteArray());
        }
    }
}
