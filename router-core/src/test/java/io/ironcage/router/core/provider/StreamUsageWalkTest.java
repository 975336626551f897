package io.ironcage.router.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.RandomCases;
import io.ironcage.router.core.RandomJson;
import io.ironcage.router.core.domain.ApiKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A Chat Completions stream's events are read by tokens ({@link StreamUsage#walk}); built into
 * trees, they are the reference: both ways must end with the same usage, output bytes, model and
 * completion on every stream, whole, mutated, damaged, or with names given twice.
 */
class StreamUsageWalkTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<ObjectNode> CHUNKS = chunks();

    private static List<ObjectNode> chunks() {
        List<ObjectNode> chunks = new ArrayList<>();
        for (String file :
                new String[] {
                    "openai-chat-usage.sse", "openai-chat-no-usage.sse", "openai-chat-tool.sse"
                }) {
            for (SseEvent event : Fixtures.events(file)) {
                Json.parseObject(event.data())
                        .filter(JsonNode::isObject)
                        .ifPresent(chunk -> chunks.add((ObjectNode) chunk));
            }
        }
        return chunks;
    }

    private static void sameEitherWay(List<String> events) {
        StreamUsage walked = StreamUsage.forKind(ApiKind.CHAT_COMPLETIONS);
        StreamUsage trees = StreamUsage.forKind(ApiKind.CHAT_COMPLETIONS).treesOnly();
        for (String data : events) {
            SseEvent event = new SseEvent(Optional.empty(), data, new byte[0]);
            walked.onEvent(event);
            trees.onEvent(event);
        }
        assertEquals(trees.usage(), walked.usage(), "usage");
        assertEquals(trees.outputBytesSeen(), walked.outputBytesSeen(), "output bytes");
        assertEquals(trees.model(), walked.model(), "model");
        assertEquals(trees.completed(), walked.completed(), "completed");
    }

    @Test
    void theFixturesGiveTheSameEitherWay() {
        List<String> events = new ArrayList<>();
        for (ObjectNode chunk : CHUNKS) {
            events.add(chunk.toString());
        }
        assertTrue(events.size() > 10, "chunks read: " + events.size());
        sameEitherWay(events);
    }

    @Test
    void namesGivenTwiceAndValuesOfTheWrongTypeGiveTheSameEitherWay() {
        sameEitherWay(
                List.of(
                        "{\"model\":\"a\",\"model\":\"b\",\"choices\":[{\"delta\":{\"content\":\"xx\","
                                + "\"content\":\"yyy\"}}]}",
                        "{\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"choices\":[]}",
                        "{\"choices\":[{\"delta\":{\"content\":{\"content\":\"inner\"}},"
                                + "\"delta\":[1,{\"content\":\"z\"}]}]}",
                        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"name\":\"f\","
                                + "\"arguments\":\"{}\",\"name\":\"gg\"}},[],3,{\"function\":[]}],"
                                + "\"function_call\":{\"arguments\":[\"no\"],\"name\":\"h\"}}}]}",
                        "{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2},\"usage\":null}",
                        "{\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3},\"choices\":[]}",
                        "{\"choices\":[{\"delta\":{\"content\":\"caf\\u00e9 \u4e2d\ud83d\ude00\"}}]}",
                        "{\"choices\":[{\"delta\":{\"content\":\"cut\"}}],\"x\":[1,2",
                        "[{\"choices\":[{\"delta\":{\"content\":\"an array\"}}]}]",
                        "{\"choices\":[{\"delta\":{\"content\":\"ok\"}}]} trailing",
                        "  ",
                        "[DONE]"));
    }

    @Test
    void randomStreamsGiveTheSameEitherWay() {
        RandomCases.forAll(
                2_000,
                random -> {
                    List<String> events = new ArrayList<>();
                    for (int i = random.between(1, 6); i > 0; i--) {
                        ObjectNode chunk =
                                random.bool()
                                        ? random.pick(CHUNKS).deepCopy()
                                        : random.mutated(CHUNKS);
                        events.add(damaged(random, chunk.toString()));
                    }
                    if (random.bool()) {
                        events.add("[DONE]");
                    }
                    return events;
                },
                StreamUsageWalkTest::sameEitherWay);
    }

    /** The event as it is, cut, with a character replaced, or with a name given twice. */
    private static String damaged(RandomJson random, String data) {
        switch (random.weighted(4, 1, 1, 2)) {
            case 0:
                return data;
            case 1:
                return data.substring(0, random.between(0, data.length()));
            case 2:
                {
                    int at = random.between(0, data.length() - 1);
                    String by = random.pick(List.of("{", "}", "[", "]", "\"", ",", ":", "x", "1"));
                    return data.substring(0, at) + by + data.substring(at + 1);
                }
            default:
                {
                    String name =
                            random.pick(
                                    List.of(
                                            "content",
                                            "delta",
                                            "choices",
                                            "usage",
                                            "model",
                                            "name",
                                            "arguments",
                                            "function",
                                            "tool_calls",
                                            "refusal"));
                    String value =
                            random.pick(
                                    List.of(
                                            "\"twice\"",
                                            "null",
                                            "{}",
                                            "[]",
                                            "{\"content\":\"in\"}"));
                    return data.replace(
                            "\"" + name + "\":",
                            "\"" + name + "\":" + value + ",\"" + name + "\":");
                }
        }
    }
}
