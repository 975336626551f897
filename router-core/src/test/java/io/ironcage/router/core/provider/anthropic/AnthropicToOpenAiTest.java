package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.TranslationGoldenTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link AnthropicToOpenAi#response}, incl. the reference's response tests (§10.1). */
class AnthropicToOpenAiTest {
    static ObjectNode translate(String anthropic) {
        return AnthropicToOpenAi.response(json(anthropic), "chatcmpl-1", 1_700_000_000L);
    }

    static String message(String content, String stopReason) {
        return "{\"id\":\"msg_123\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"claude-sonnet-4-20250514\",\"content\":"
                + content
                + ",\"stop_reason\":\""
                + stopReason
                + "\",\"usage\":{\"input_tokens\":10,\"output_tokens\":8}}";
    }

    // --- reference §10.1 llm_router_translator_response_test.rs ---

    /**
     * Differs from the reference in one point: the reference keeps Anthropic's id ({@code
     * msg_123}); we use the completion id the caller passes ({@code chatcmpl-…}), as OpenAI clients
     * expect.
     */
    @Test
    void test_basic_response_translation() {
        ObjectNode out =
                translate(
                        message(
                                "[{\"type\":\"text\",\"text\":\"Hello! How can I help?\"}]",
                                "end_turn"));
        assertEquals("chatcmpl-1", out.get("id").asText());
        assertEquals("chat.completion", out.get("object").asText());
        assertEquals("claude-sonnet-4-20250514", out.get("model").asText());
        assertEquals(1_700_000_000L, out.get("created").asLong());
        ObjectNode choice = (ObjectNode) out.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertEquals("Hello! How can I help?", choice.get("message").get("content").asText());
        assertEquals("stop", choice.get("finish_reason").asText());
        assertEquals(10, out.get("usage").get("prompt_tokens").asLong());
        assertEquals(8, out.get("usage").get("completion_tokens").asLong());
        assertEquals(18, out.get("usage").get("total_tokens").asLong());
    }

    @Test
    void test_max_tokens_finish_reason() {
        ObjectNode out = translate(message("[{\"type\":\"text\",\"text\":\"x\"}]", "max_tokens"));
        assertEquals("length", out.get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void test_multiple_content_blocks() {
        ObjectNode out =
                translate(
                        message(
                                "[{\"type\":\"text\",\"text\":\"First part. \"},"
                                        + "{\"type\":\"text\",\"text\":\"Second part.\"}]",
                                "end_turn"));
        assertEquals(
                "First part. Second part.",
                out.get("choices").get(0).get("message").get("content").asText());
    }

    // --- our own behaviour ---

    @ParameterizedTest
    @CsvSource({
        "end_turn, stop",
        "stop_sequence, stop",
        "pause_turn, stop",
        "max_tokens, length",
        "model_context_window_exceeded, length",
        "tool_use, tool_calls",
        "refusal, content_filter",
        "something_new, stop"
    })
    void mapsStopReasons(String stopReason, String finishReason) {
        ObjectNode out = translate(message("[]", stopReason));
        assertEquals(finishReason, out.get("choices").get(0).get("finish_reason").asText());
    }

    /** The reference fails with "No text content in response"; we answer with null content. */
    @Test
    void noTextBlocksGiveNullContent() {
        ObjectNode out = translate(message("[]", "end_turn"));
        assertTrue(out.get("choices").get(0).get("message").get("content").isNull());
    }

    @Test
    void missingContentNamesTheField() {
        TranslationException e =
                assertThrows(TranslationException.class, () -> translate("{\"model\":\"m\"}"));
        assertEquals("content", e.field());
    }

    @Test
    void negativeUsageNamesTheField() {
        TranslationException e =
                assertThrows(
                        TranslationException.class,
                        () ->
                                translate(
                                        "{\"model\":\"m\",\"content\":[],"
                                                + "\"usage\":{\"input_tokens\":-1}}"));
        assertEquals("usage.input_tokens", e.field());
    }
}
