package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.TranslationGoldenTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link OpenAiToAnthropic#request}, incl. the reference's request tests (§10.1). */
class OpenAiToAnthropicTest {
    static final ToLongFunction<String> DEFAULT_4096 = model -> 4096;

    static ObjectNode translate(String openAi) {
        return OpenAiToAnthropic.request(json(openAi), DEFAULT_4096);
    }

    static String withUser(String extra) {
        return "{\"model\":\"claude-sonnet-4-20250514\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
                + extra
                + "}";
    }

    // --- reference §10.1 llm_router_translator_request_test.rs ---

    @Test
    void test_basic_translation() {
        ObjectNode out =
                translate(
                        "{\"model\":\"claude-sonnet-4-20250514\",\"max_tokens\":100,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
        assertEquals("claude-sonnet-4-20250514", out.get("model").asText());
        assertEquals(100, out.get("max_tokens").asLong());
        assertEquals("user", out.get("messages").get(0).get("role").asText());
        assertFalse(out.has("system"));
    }

    @Test
    void test_system_prompt_extraction() {
        ObjectNode out =
                translate(
                        "{\"model\":\"claude-sonnet-4-20250514\",\"max_tokens\":100,\"messages\":["
                                + "{\"role\":\"system\",\"content\":\"You are helpful\"},"
                                + "{\"role\":\"user\",\"content\":\"Hello\"}]}");
        assertEquals("You are helpful", out.get("system").asText());
        assertEquals(1, out.get("messages").size());
        assertEquals("user", out.get("messages").get(0).get("role").asText());
    }

    @Test
    void test_stop_sequences_array() {
        ObjectNode out = translate(withUser(",\"stop\":[\"END\",\"STOP\"]"));
        assertEquals(json("{\"s\":[\"END\",\"STOP\"]}").get("s"), out.get("stop_sequences"));
    }

    @Test
    void test_stop_sequences_string() {
        ObjectNode out = translate(withUser(",\"stop\":\"END\""));
        assertEquals(json("{\"s\":[\"END\"]}").get("s"), out.get("stop_sequences"));
    }

    // --- our own behaviour ---

    @Test
    void maxTokensDefaultsToTheModelsMaximumOutput() {
        ObjectNode out =
                OpenAiToAnthropic.request(
                        json(withUser("")),
                        model -> model.equals("claude-sonnet-4-20250514") ? 64_000 : 4096);
        assertEquals(64_000, out.get("max_tokens").asLong());
    }

    @Test
    void maxTokensWinsOverMaxCompletionTokens() {
        ObjectNode out = translate(withUser(",\"max_tokens\":10,\"max_completion_tokens\":20"));
        assertEquals(10, out.get("max_tokens").asLong());
    }

    @Test
    void parallelToolCallsFalseWithoutToolChoiceAddsAnAutoChoice() {
        ObjectNode out =
                translate(
                        withUser(
                                ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                                        + "\"parallel_tool_calls\":false"));
        assertEquals(
                json("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"),
                out.get("tool_choice"));
    }

    @Test
    void toolChoiceNoneStaysNone() {
        ObjectNode out =
                translate(
                        withUser(
                                ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                                        + "\"tool_choice\":\"none\",\"parallel_tool_calls\":false"));
        assertEquals(json("{\"type\":\"none\"}"), out.get("tool_choice"));
    }

    @Test
    void harmlessDefaultsAreAccepted() {
        ObjectNode out =
                translate(
                        withUser(
                                ",\"n\":1,\"logprobs\":false,\"response_format\":{\"type\":\"text\"},"
                                        + "\"logit_bias\":{},\"modalities\":[\"text\"]"));
        assertEquals(3, out.size(), out.toString());
    }

    // --- refusals: each names its field ---

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "n                  | ,\"n\":2",
                "logprobs           | ,\"logprobs\":true",
                "top_logprobs       | ,\"top_logprobs\":3",
                "response_format    | ,\"response_format\":{\"type\":\"json_object\"}",
                "response_format    | ,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}}",
                "audio              | ,\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}",
                "modalities         | ,\"modalities\":[\"text\",\"audio\"]",
                "functions          | ,\"functions\":[{\"name\":\"f\"}]",
                "function_call      | ,\"function_call\":\"auto\"",
                "logit_bias         | ,\"logit_bias\":{\"50256\":-100}",
                "web_search_options | ,\"web_search_options\":{}",
                "temperature        | ,\"temperature\":\"hot\"",
                "max_tokens         | ,\"max_tokens\":0",
                "max_completion_tokens | ,\"max_completion_tokens\":1.5",
                "stop[1]            | ,\"stop\":[\"a\",2]",
                "user               | ,\"user\":7",
                "tool_choice        | ,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"sometimes\"",
                "tools[0].type      | ,\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"f\"}}]",
            })
    void refusesAndNamesTheField(String field, String extra) {
        TranslationException e =
                assertThrows(TranslationException.class, () -> translate(withUser(extra)));
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    @Test
    void invalidToolCallArgumentsNameTheFieldWithoutEchoingThem() {
        String request =
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                        + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"f\",\"arguments\":\"{secret-not-json\"}}]}]}";
        TranslationException e = assertThrows(TranslationException.class, () -> translate(request));
        assertEquals("messages[1].tool_calls[0].function.arguments", e.field());
        assertTrue(e.getMessage().contains(e.field()), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "model                    | {\"messages\":[]}",
                "messages                 | {\"model\":\"m\"}",
                "messages[0].role         | {\"model\":\"m\",\"messages\":[{\"role\":\"function\",\"name\":\"f\",\"content\":\"x\"}]}",
                "messages[0].content[0].type | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{}}]}]}",
                "messages[0].content[0].image_url.url | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"ftp://x/y.png\"}}]}]}",
                "messages[0].tool_call_id | {\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}",
                "messages[0].function_call | {\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"function_call\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}",
            })
    void badShapesNameTheField(String field, String request) {
        TranslationException e = assertThrows(TranslationException.class, () -> translate(request));
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    @Test
    void theInputIsNotModified() {
        ObjectNode in =
                json(
                        withUser(
                                ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}]"));
        JsonNode before = in.deepCopy();
        ObjectNode out = OpenAiToAnthropic.request(in, DEFAULT_4096);
        ((ObjectNode) out.get("tools").get(0).get("input_schema")).put("changed", true);
        assertEquals(before, in);
    }
}
