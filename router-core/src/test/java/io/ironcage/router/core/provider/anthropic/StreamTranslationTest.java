package io.ironcage.router.core.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.errors.TranslationException;
import io.ironcage.router.core.provider.SseEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The stream translators' edges that the golden files do not show: broken upstream streams, order
 * violations and the end of a stream.
 */
class StreamTranslationTest {
    private static SseEvent anthropic(String name, String data) {
        return SseEvent.named(name, data);
    }

    private static final SseEvent MESSAGE_START =
            anthropic(
                    "message_start",
                    "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\","
                            + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}");

    @Test
    void anAnthropicStreamCutShortIsNotFinished() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream("c", 1, "claude", true);
        assertEquals(List.of(), stream.onEvent(MESSAGE_START), "nothing before the first block");
        List<SseEvent> out =
                stream.onEvent(
                        anthropic(
                                "content_block_start",
                                "{\"type\":\"content_block_start\",\"index\":0,"
                                        + "\"content_block\":{\"type\":\"text\",\"text\":\"Hi\"}}"));
        assertEquals(2, out.size(), "the role chunk, then the block's initial text");
        assertTrue(out.get(0).data().contains("\"role\":\"assistant\""), out.get(0).data());
        assertTrue(out.get(0).data().contains("\"model\":\"claude-x\""), out.get(0).data());
        assertTrue(out.get(1).data().contains("\"content\":\"Hi\""), out.get(1).data());
        assertFalse(stream.finished());
    }

    @Test
    void aMessageStopWithoutBlocksStillGivesRoleFinishUsageAndDone() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream("c", 1, "claude", true);
        stream.onEvent(MESSAGE_START);
        List<SseEvent> out =
                stream.onEvent(anthropic("message_stop", "{\"type\":\"message_stop\"}"));
        assertEquals(4, out.size(), out.toString());
        assertTrue(out.get(0).data().contains("\"role\""));
        assertTrue(out.get(1).data().contains("\"finish_reason\":\"stop\""));
        assertTrue(out.get(2).data().contains("\"prompt_tokens\":5"));
        assertEquals("[DONE]", out.get(3).data());
        assertTrue(stream.finished());
        assertEquals(List.of(), stream.onEvent(MESSAGE_START), "nothing after the end");
    }

    @Test
    void aDeltaForABlockThatNeverStartedIsATranslationError() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream("c", 1, "claude", false);
        stream.onEvent(MESSAGE_START);
        TranslationException e =
                assertThrows(
                        TranslationException.class,
                        () ->
                                stream.onEvent(
                                        anthropic(
                                                "content_block_delta",
                                                "{\"type\":\"content_block_delta\",\"index\":3,"
                                                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}")));
        assertEquals("index", e.field());
    }

    @Test
    void eventDataThatIsNotAJsonObjectIsATranslationErrorThatDoesNotEchoIt() {
        AnthropicToOpenAiStream a = new AnthropicToOpenAiStream("c", 1, "claude", false);
        TranslationException e =
                assertThrows(
                        TranslationException.class,
                        () -> a.onEvent(anthropic("message_start", "{secret-ish")));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
        OpenAiToAnthropicStream o = new OpenAiToAnthropicStream("m", "gpt");
        assertThrows(TranslationException.class, () -> o.onEvent(SseEvent.ofData("[1,2]")));
    }

    private static SseEvent openAi(String delta) {
        return SseEvent.ofData(
                "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\",\"choices\":"
                        + "[{\"index\":0,\"delta\":"
                        + delta
                        + ",\"finish_reason\":null}]}");
    }

    @Test
    void aToolCallThatResumesAfterAnotherBlockStartedIsRefused() {
        OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream("m", "gpt");
        stream.onEvent(
                openAi(
                        "{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"type\":\"function\","
                                + "\"function\":{\"name\":\"f\",\"arguments\":\"{\"}}]}"));
        stream.onEvent(
                openAi(
                        "{\"tool_calls\":[{\"index\":1,\"id\":\"b\",\"type\":\"function\","
                                + "\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}"));
        TranslationException e =
                assertThrows(
                        TranslationException.class,
                        () ->
                                stream.onEvent(
                                        openAi(
                                                "{\"tool_calls\":[{\"index\":0,"
                                                        + "\"function\":{\"arguments\":\"}\"}}]}")));
        assertEquals("choices[0].delta.tool_calls[0].index", e.field());
    }

    @Test
    void argumentsForAToolCallThatNeverStartedAreRefused() {
        OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream("m", "gpt");
        TranslationException e =
                assertThrows(
                        TranslationException.class,
                        () ->
                                stream.onEvent(
                                        openAi(
                                                "{\"tool_calls\":[{\"index\":2,"
                                                        + "\"function\":{\"arguments\":\"{}\"}}]}")));
        assertEquals("choices[0].delta.tool_calls[0].id", e.field());
    }

    @Test
    void anOpenAiStreamWithoutDoneIsNotFinishedAndDoneAloneGivesAWholeMessage() {
        OpenAiToAnthropicStream cut = new OpenAiToAnthropicStream("m", "gpt");
        List<SseEvent> out = cut.onEvent(openAi("{\"role\":\"assistant\",\"content\":\"Hi\"}"));
        assertEquals(
                List.of("message_start", "content_block_start", "content_block_delta"),
                out.stream()
                        .map(e -> e.event().orElseThrow())
                        .collect(java.util.stream.Collectors.toList()));
        assertFalse(cut.finished());

        OpenAiToAnthropicStream empty = new OpenAiToAnthropicStream("m", "gpt-requested");
        List<SseEvent> all = empty.onEvent(SseEvent.ofData("[DONE]"));
        assertEquals(
                List.of("message_start", "message_delta", "message_stop"),
                all.stream()
                        .map(e -> e.event().orElseThrow())
                        .collect(java.util.stream.Collectors.toList()));
        assertTrue(all.get(0).data().contains("\"model\":\"gpt-requested\""));
        assertTrue(empty.finished());
        assertEquals(List.of(), empty.onEvent(openAi("{\"content\":\"late\"}")));
    }

    @Test
    void otherChoicesAndKeepAlivesAreIgnored() {
        OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream("m", "gpt");
        stream.onEvent(openAi("{\"role\":\"assistant\"}"));
        assertEquals(
                List.of(),
                stream.onEvent(
                        new SseEvent(
                                java.util.Optional.empty(),
                                "",
                                ": ping\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        List<SseEvent> out =
                stream.onEvent(
                        SseEvent.ofData(
                                "{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"}}]}"));
        assertEquals(List.of(), out);
    }
}
