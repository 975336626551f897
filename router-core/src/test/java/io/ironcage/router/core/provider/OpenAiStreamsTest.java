package io.ironcage.router.core.provider;

import static io.ironcage.router.core.TestData.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class OpenAiStreamsTest {

    @Test
    void callerAskedOnlyWithABooleanTrue() {
        assertTrue(
                OpenAiStreams.callerAskedForUsage(
                        json("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}")));
        for (String body :
                new String[] {
                    "{\"stream\":true}",
                    "{\"stream_options\":{\"include_usage\":false}}",
                    "{\"stream_options\":{\"include_usage\":\"true\"}}",
                    "{\"stream_options\":{\"include_usage\":1}}",
                    "{\"stream_options\":null}",
                    "{\"stream_options\":true}",
                    "[]"
                }) {
            assertFalse(OpenAiStreams.callerAskedForUsage(json(body)), body);
        }
        assertFalse(OpenAiStreams.callerAskedForUsage(null));
    }

    @Test
    void requestsUsageOnACopyKeepingOtherOptions() {
        ObjectNode request =
                (ObjectNode)
                        json(
                                "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":"
                                        + "{\"include_obfuscation\":false,\"include_usage\":false}}");
        ObjectNode before = request.deepCopy();
        ObjectNode changed = OpenAiStreams.withUsageRequested(request);
        assertEquals(before, request);
        assertEquals(
                json(
                        "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":"
                                + "{\"include_obfuscation\":false,\"include_usage\":true}}"),
                changed);
        assertTrue(OpenAiStreams.callerAskedForUsage(changed));

        assertEquals(
                json("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}"),
                OpenAiStreams.withUsageRequested((ObjectNode) json("{\"stream\":true}")));
        assertEquals(
                json("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}"),
                OpenAiStreams.withUsageRequested(
                        (ObjectNode) json("{\"stream\":true,\"stream_options\":null}")));
    }

    @Test
    void leavesANonStreamingRequestAlone() {
        for (String body :
                new String[] {
                    "{\"model\":\"gpt-4o\"}", "{\"stream\":false}", "{\"stream\":\"true\"}"
                }) {
            ObjectNode request = (ObjectNode) json(body);
            ObjectNode copy = OpenAiStreams.withUsageRequested(request);
            assertEquals(request, copy, body);
            assertTrue(copy != request);
        }
    }

    @Test
    void findsExactlyTheUsageChunk() {
        List<SseEvent> events = Fixtures.events("openai-chat-usage.sse");
        List<Integer> usageOnly =
                events.stream()
                        .filter(OpenAiStreams::isUsageOnlyChunk)
                        .map(events::indexOf)
                        .collect(Collectors.toList());
        assertEquals(List.of(events.size() - 2), usageOnly);
        assertTrue(
                Fixtures.events("openai-chat-no-usage.sse").stream()
                        .noneMatch(OpenAiStreams::isUsageOnlyChunk));
    }

    @Test
    void rejectsLookAlikes() {
        for (String data :
                new String[] {
                    "{\"choices\":[],\"usage\":null}",
                    "{\"choices\":[{}],\"usage\":{\"prompt_tokens\":1}}",
                    "{\"usage\":{\"prompt_tokens\":1}}",
                    "{\"choices\":{},\"usage\":{}}",
                    "{\"choices\":[],\"usage\":{}",
                    "[DONE]",
                    ""
                }) {
            assertFalse(OpenAiStreams.isUsageOnlyChunk(SseEvent.ofData(data)), data);
        }
        assertTrue(
                OpenAiStreams.isUsageOnlyChunk(SseEvent.ofData("{\"choices\":[],\"usage\":{}}")));
    }
}
