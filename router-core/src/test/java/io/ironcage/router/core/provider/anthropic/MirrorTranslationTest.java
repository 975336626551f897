package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.TranslationGoldenTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.errors.TranslationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The mirror pair: {@link AnthropicToOpenAi#request} and {@link OpenAiToAnthropic#response}. */
class MirrorTranslationTest {
    static String withUser(String extra) {
        return "{\"model\":\"gpt-4o\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
                + extra
                + "}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "mcp_servers      | ,\"mcp_servers\":[]",
                "container        | ,\"container\":\"c1\"",
                "tools[0].type    | ,\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]",
                "tool_choice.type | ,\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\"}}],\"tool_choice\":{\"type\":\"sometimes\"}",
                "max_tokens       | ,\"max_tokens\":-1",
                "stop_sequences[0] | ,\"stop_sequences\":[1]",
            })
    void requestRefusalsNameTheField(String field, String extra) {
        String body =
                withUser(extra)
                        .replace(
                                "\"max_tokens\":10,",
                                extra.contains("max_tokens") ? "" : "\"max_tokens\":10,");
        TranslationException e =
                assertThrows(
                        TranslationException.class, () -> AnthropicToOpenAi.request(json(body)));
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    @Test
    void documentBlocksAreRefused() {
        String body =
                "{\"model\":\"gpt-4o\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":"
                        + "[{\"type\":\"document\",\"source\":{\"type\":\"text\",\"media_type\":\"text/plain\",\"data\":\"x\"}}]}]}";
        TranslationException e =
                assertThrows(
                        TranslationException.class, () -> AnthropicToOpenAi.request(json(body)));
        assertEquals("messages[0].content[0].type", e.field());
    }

    @Test
    void invalidToolArgumentsInAResponseNameTheFieldWithoutEchoingThem() {
        String body =
                "{\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"finish_reason\":\"tool_calls\",\"message\":"
                        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"f\",\"arguments\":\"{secret\"}}]}}]}";
        TranslationException e =
                assertThrows(
                        TranslationException.class,
                        () -> OpenAiToAnthropic.response(json(body), "msg_1"));
        assertEquals("choices[0].message.tool_calls[0].function.arguments", e.field());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void aResponseWithoutChoicesNamesTheField() {
        TranslationException e =
                assertThrows(
                        TranslationException.class,
                        () -> OpenAiToAnthropic.response(json("{\"choices\":[]}"), "msg_1"));
        assertEquals("choices", e.field());
    }
}
