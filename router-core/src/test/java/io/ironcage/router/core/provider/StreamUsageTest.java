package io.ironcage.router.core.provider;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ServiceTier;
import io.ironcage.router.core.domain.TokenDetails;
import io.ironcage.router.core.domain.TokenUsage;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StreamUsageTest {

    @Test
    void chatCompletionsTakesTheUsageChunk() {
        StreamUsage usage = Fixtures.track(ApiKind.CHAT_COMPLETIONS, "openai-chat-usage.sse");
        assertEquals(Optional.of(new TokenUsage(86, 300, 1920, 0)), usage.usage());
        assertEquals(OptionalLong.of(86), usage.inputTokensSeen());
        assertEquals(Optional.of(new TokenUsage(86, 0, 1920, 0)), usage.inputUsageSeen());
        assertEquals(29, usage.outputBytesSeen());
        assertTrue(usage.completed());
        assertEquals(Optional.of("gpt-4o-2024-08-06"), usage.model());
    }

    @Test
    void streamsReadTheServiceTierAndDetails() {
        StreamUsage chat = StreamUsage.forKind(ApiKind.CHAT_COMPLETIONS);
        chat.onEvent(
                SseEvent.ofData(
                        "{\"service_tier\":\"flex\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}"));
        chat.onEvent(
                SseEvent.ofData(
                        "{\"service_tier\":\"flex\",\"choices\":[],\"usage\":{\"prompt_tokens\":40,"
                                + "\"completion_tokens\":30,\"completion_tokens_details\":"
                                + "{\"reasoning_tokens\":20}}}"));
        chat.onEvent(SseEvent.ofData("[DONE]"));
        assertEquals(
                Optional.of(
                        new TokenUsage(
                                40, 30, 0, 0, new TokenDetails(0, 0, 0, 20, ServiceTier.FLEX))),
                chat.usage());

        StreamUsage responses = StreamUsage.forKind(ApiKind.RESPONSES);
        responses.onEvent(
                SseEvent.named(
                        "response.completed",
                        "{\"type\":\"response.completed\",\"response\":{\"service_tier\":"
                                + "\"priority\",\"usage\":{\"input_tokens\":5,\"output_tokens\":16,"
                                + "\"output_tokens_details\":{\"reasoning_tokens\":10}}}}"));
        assertEquals(
                Optional.of(
                        new TokenUsage(
                                5, 16, 0, 0, new TokenDetails(0, 0, 0, 10, ServiceTier.PRIORITY))),
                responses.usage());

        StreamUsage messages = StreamUsage.forKind(ApiKind.MESSAGES);
        messages.onEvent(
                SseEvent.named(
                        "message_start",
                        "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":7,"
                                + "\"cache_creation_input_tokens\":900,\"cache_creation\":"
                                + "{\"ephemeral_1h_input_tokens\":600},\"output_tokens\":1}}}"));
        TokenDetails oneHour = new TokenDetails(600, 0, 0, 0, ServiceTier.STANDARD);
        // a stream cut here is billed with its 1-hour writes, not at the 5-minute price
        assertEquals(Optional.of(new TokenUsage(7, 0, 0, 900, oneHour)), messages.inputUsageSeen());
        messages.onEvent(
                SseEvent.named(
                        "message_delta",
                        "{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":12}}"));
        assertEquals(Optional.of(new TokenUsage(7, 12, 0, 900, oneHour)), messages.usage());
    }

    @Test
    void chatCompletionsWithoutTheUsageChunkHasNoUsage() {
        StreamUsage usage = Fixtures.track(ApiKind.CHAT_COMPLETIONS, "openai-chat-no-usage.sse");
        assertEquals(Optional.empty(), usage.usage());
        assertEquals(OptionalLong.empty(), usage.inputTokensSeen());
        assertEquals(29, usage.outputBytesSeen());
        assertTrue(usage.completed());
    }

    @Test
    void chatCompletionsCountsToolCallNamesAndArguments() {
        StreamUsage usage = Fixtures.track(ApiKind.CHAT_COMPLETIONS, "openai-chat-tool.sse");
        assertEquals(Optional.of(new TokenUsage(82, 17, 0, 0)), usage.usage());
        assertEquals(34, usage.outputBytesSeen());
    }

    @Test
    void responsesTakesTheCompletedResponse() {
        StreamUsage usage = Fixtures.track(ApiKind.RESPONSES, "openai-responses.sse");
        assertEquals(Optional.of(new TokenUsage(313, 9, 1024, 0)), usage.usage());
        assertEquals(14, usage.outputBytesSeen());
        assertTrue(usage.completed());
        assertEquals(Optional.of("gpt-4.1-2025-04-14"), usage.model());
    }

    @Test
    void responsesIncompleteIsTerminalAndBilled() {
        StreamUsage usage = StreamUsage.forKind(ApiKind.RESPONSES);
        usage.onEvent(
                SseEvent.named(
                        "response.function_call_arguments.delta",
                        "{\"type\":\"response.function_call_arguments.delta\",\"delta\":\"{\\\"a\\\"\"}"));
        usage.onEvent(
                SseEvent.named(
                        "response.output_audio.delta",
                        "{\"type\":\"response.output_audio.delta\",\"delta\":\"AAAAAAAA\"}"));
        assertFalse(usage.completed());
        usage.onEvent(
                SseEvent.named(
                        "response.incomplete",
                        "{\"type\":\"response.incomplete\",\"response\":{\"status\":\"incomplete\","
                                + "\"usage\":{\"input_tokens\":5,\"output_tokens\":16}}}"));
        assertEquals(Optional.of(TokenUsage.of(5, 16)), usage.usage());
        assertEquals(4, usage.outputBytesSeen());
        assertTrue(usage.completed());
    }

    @Test
    void messagesCombinesStartAndLastDelta() {
        StreamUsage usage = Fixtures.track(ApiKind.MESSAGES, "anthropic-text.sse");
        assertEquals(Optional.of(new TokenUsage(25, 15, 3000, 1200)), usage.usage());
        assertEquals(OptionalLong.of(25), usage.inputTokensSeen());
        assertEquals(26, usage.outputBytesSeen());
        assertTrue(usage.completed());
        assertEquals(Optional.of("claude-sonnet-4-5-20250929"), usage.model());
    }

    @Test
    void messagesWithToolUseAndCountsRepeatedInTheDelta() {
        StreamUsage usage = Fixtures.track(ApiKind.MESSAGES, "anthropic-tool.sse");
        assertEquals(Optional.of(new TokenUsage(472, 89, 0, 0)), usage.usage());
        assertEquals(48, usage.outputBytesSeen());
        assertTrue(usage.completed());
    }

    @Test
    void messagesTakesTheLastDeltaAndNewerCountsFromIt() {
        StreamUsage usage = StreamUsage.forKind(ApiKind.MESSAGES);
        usage.onEvent(
                SseEvent.named(
                        "message_start",
                        "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,"
                                + "\"output_tokens\":1}}}"));
        assertEquals(Optional.empty(), usage.usage());
        usage.onEvent(
                SseEvent.named(
                        "message_delta",
                        "{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":7}}"));
        usage.onEvent(
                SseEvent.named(
                        "message_delta",
                        "{\"type\":\"message_delta\",\"usage\":{\"input_tokens\":12,"
                                + "\"cache_read_input_tokens\":100,\"output_tokens\":30}}"));
        // an invalid usage object is ignored as a whole
        usage.onEvent(
                SseEvent.named(
                        "message_delta",
                        "{\"type\":\"message_delta\",\"usage\":{\"input_tokens\":-1,"
                                + "\"output_tokens\":31}}"));
        assertEquals(Optional.of(new TokenUsage(12, 30, 100, 0)), usage.usage());
        assertFalse(usage.completed());
    }

    @Test
    void anAbortedStreamHasNoUsageButReportsWhatItSaw() {
        byte[] cut = Fixtures.bytes("anthropic-aborted.sse");
        byte[] partial = "event: content_block_delta\ndata: {\"type\":\"content_bl".getBytes(UTF_8);
        SseParser parser = new SseParser();
        StreamUsage usage = StreamUsage.forKind(ApiKind.MESSAGES);
        parser.feed(cut).forEach(usage::onEvent);
        parser.feed(partial).forEach(usage::onEvent);
        parser.finish().forEach(usage::onEvent);
        assertEquals(Optional.empty(), usage.usage());
        assertEquals(OptionalLong.of(25), usage.inputTokensSeen());
        assertEquals(Optional.of(new TokenUsage(25, 0, 3000, 1200)), usage.inputUsageSeen());
        assertEquals(13, usage.outputBytesSeen());
        assertFalse(usage.completed());
    }

    @Test
    void anAbortedOpenAiStreamHasOnlyBytes() {
        List<SseEvent> events = Fixtures.events("openai-chat-usage.sse");
        StreamUsage usage = StreamUsage.forKind(ApiKind.CHAT_COMPLETIONS);
        events.subList(0, 3).forEach(usage::onEvent);
        assertEquals(Optional.empty(), usage.usage());
        assertEquals(OptionalLong.empty(), usage.inputTokensSeen());
        assertEquals(10, usage.outputBytesSeen());
        assertFalse(usage.completed());
    }

    @Test
    void malformedEventsAreIgnored() {
        for (ApiKind kind : ApiKind.values()) {
            StreamUsage usage = StreamUsage.forKind(kind);
            for (String data :
                    new String[] {
                        "{",
                        "[]",
                        "42",
                        "null",
                        "\"x\"",
                        "{\"choices\":7,\"usage\":[]}",
                        "{\"choices\":[{\"delta\":[]},{\"delta\":{\"content\":5,"
                                + "\"tool_calls\":[{\"function\":\"f\"},7]}}]}",
                        "{\"type\":\"message_start\",\"message\":[]}",
                        "{\"type\":\"message_start\",\"message\":{\"usage\":7}}",
                        "{\"type\":\"content_block_delta\",\"delta\":\"x\"}",
                        "{\"type\":\"content_block_start\",\"content_block\":{\"type\":7}}",
                        "{\"type\":\"response.completed\",\"response\":7}",
                        "{\"type\":\"response.output_text.delta\",\"delta\":{}}",
                        "{\"type\":7}",
                        "{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":1.5}}"
                    }) {
                usage.onEvent(SseEvent.ofData(data));
                usage.onEvent(SseEvent.named("message_delta", data));
            }
            usage.onEvent(new SseEvent(Optional.empty(), "", ": ping\n\n".getBytes(UTF_8)));
            assertEquals(Optional.empty(), usage.usage(), kind.name());
            assertEquals(0, usage.outputBytesSeen(), kind.name());
            assertFalse(usage.completed(), kind.name());
        }
    }

    @Test
    void embeddingsAndOtherNeverReportUsage() {
        StreamUsage usage = StreamUsage.forKind(ApiKind.OTHER);
        Fixtures.events("openai-chat-usage.sse").forEach(usage::onEvent);
        assertEquals(Optional.empty(), usage.usage());
        assertEquals(0, usage.outputBytesSeen());
        assertTrue(usage.completed());
    }

    @Test
    void doneDoesNotEndAnthropicOrResponsesStreams() {
        for (ApiKind kind : new ApiKind[] {ApiKind.MESSAGES, ApiKind.RESPONSES}) {
            StreamUsage usage = StreamUsage.forKind(kind);
            usage.onEvent(SseEvent.ofData("[DONE]"));
            assertFalse(usage.completed(), kind.name());
        }
    }
}
