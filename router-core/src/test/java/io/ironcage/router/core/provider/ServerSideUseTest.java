package io.ironcage.router.core.provider;

import static io.ironcage.router.core.TestData.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.pricing.ServerSideUse;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which requests make the provider read or do more than their body holds. */
class ServerSideUseTest {
    private static ServerSideUse of(String body) {
        return RequestShapes.serverSide(json(body));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"model\":\"gpt-4o\",\"previous_response_id\":\"resp_1\",\"input\":\"go on\"}"
                        + "|previous_response_id",
                "{\"model\":\"gpt-4o\",\"conversation\":\"conv_1\",\"input\":\"hi\"}|conversation",
                "{\"model\":\"gpt-4o\",\"prompt\":{\"id\":\"pmpt_1\"}}|prompt",
                "{\"model\":\"claude-sonnet-4-5\",\"container\":\"cont_1\",\"messages\":[]}|container",
                "{\"model\":\"claude-sonnet-4-5\",\"mcp_servers\":[{\"type\":\"url\",\"url\":\"https://m\"}]}"
                        + "|mcp_servers",
                "{\"model\":\"gpt-4o-search-preview\",\"web_search_options\":{},\"messages\":[]}"
                        + "|web_search_options",
                "{\"model\":\"gpt-4o\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\","
                        + "\"file_id\":\"file-1\"}]}]}|input[…].input_file",
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\","
                        + "\"file\":{\"file_id\":\"file-1\"}}]}]}|messages[…].file",
                "{\"model\":\"gpt-4o\",\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}"
                        + "|input[…].item_reference",
                "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                        + "\"document\",\"source\":{\"type\":\"url\",\"url\":\"https://x/a.pdf\"}}]}]}"
                        + "|messages[…].document",
                "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                        + "\"document\",\"source\":{\"type\":\"base64\",\"media_type\":"
                        + "\"application/pdf\",\"data\":\"JVBERi0=\"}}]}]}|messages[…].document",
                "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                        + "\"document\",\"source\":{\"type\":\"file\",\"file_id\":\"file_1\"}}]}]}"
                        + "|messages[…].document",
                "{\"model\":\"claude-sonnet-4-5\",\"tools\":[{\"name\":\"f\",\"input_schema\":{}},"
                        + "{\"type\":\"web_fetch_20250910\",\"name\":\"web_fetch\"}]}|tools[1]",
                "{\"model\":\"gpt-4o\",\"tools\":[{\"type\":\"mcp\",\"server_url\":\"https://m\"}]}"
                        + "|tools[0]",
            })
    void storedInputAndServerToolsAreNamed(String body, String field) {
        assertEquals(Optional.of(field), of(body).inputField());
    }

    @Test
    void aRequestThatHoldsItsInputUsesNothingServerSide() {
        assertSame(
                ServerSideUse.NONE,
                of(
                        "{\"model\":\"claude-sonnet-4-5\",\"previous_response_id\":null,\"messages\":"
                                + "[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":"
                                + "{\"type\":\"text\",\"media_type\":\"text/plain\",\"data\":\"hi\"}},"
                                + "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://i\"}}]}],"
                                + "\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{}},"
                                + "{\"type\":\"bash_20250124\",\"name\":\"bash\"}]}"));
        assertSame(ServerSideUse.NONE, of("{\"model\":\"gpt-4o\",\"prompt\":\"legacy text\"}"));
    }

    @Test
    void webSearchIsBoundedByMaxUsesAddedUpElseByMaxToolCalls() {
        ServerSideUse twoTools =
                of(
                        "{\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\","
                                + "\"max_uses\":3},{\"type\":\"web_search_20250305\",\"name\":\"s2\","
                                + "\"max_uses\":2}]}");
        assertTrue(twoTools.webSearch());
        assertEquals(Optional.of("tools[0]"), twoTools.webSearchField());
        assertEquals(OptionalLong.of(5), twoTools.webSearchCalls());
        assertEquals(Optional.of("tools[0]"), twoTools.inputField());
        ServerSideUse responses =
                of("{\"tools\":[{\"type\":\"web_search\"}],\"max_tool_calls\":4,\"input\":\"q\"}");
        assertEquals(OptionalLong.of(4), responses.webSearchCalls());
        ServerSideUse unbounded = of("{\"tools\":[{\"type\":\"web_search_preview\"}]}");
        assertEquals(OptionalLong.empty(), unbounded.webSearchCalls());
        assertEquals("tools[0].max_uses' or 'max_tool_calls", unbounded.webSearchBoundField());
        ServerSideUse chatSearch = of("{\"web_search_options\":{\"search_context_size\":\"low\"}}");
        assertEquals(OptionalLong.of(1), chatSearch.webSearchCalls(), "one search per call");
        assertFalse(of("{\"tools\":[{\"type\":\"web_fetch_20250910\"}]}").webSearch());
    }

    @Test
    void anthropicFastModeAndAPinnedRegionAreUnmetered() {
        // billed at a multiple of the table's prices (fast mode, US-only inference)
        assertEquals(Optional.of("speed"), of("{\"speed\":\"fast\"}").unmeteredField());
        assertEquals(
                Optional.of("inference_geo"), of("{\"inference_geo\":\"us\"}").unmeteredField());
        assertSame(ServerSideUse.NONE, of("{\"speed\":\"standard\",\"inference_geo\":\"global\"}"));
        assertSame(ServerSideUse.NONE, of("{\"speed\":null}"));
    }

    @Test
    void aBackgroundRunAndAStoredPromptAreUnmetered() {
        assertEquals(
                Optional.of("background"),
                of("{\"background\":true,\"input\":\"go\"}").unmeteredField());
        assertSame(ServerSideUse.NONE, of("{\"background\":false,\"input\":\"go\"}"));
        ServerSideUse prompt = of("{\"prompt\":{\"id\":\"pmpt_1\",\"version\":\"2\"}}");
        assertEquals(Optional.of("prompt"), prompt.unmeteredField());
        assertEquals(Optional.of("prompt"), prompt.inputField());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({
        "code_execution_20250825",
        "code_interpreter",
        "file_search",
        "image_generation",
    })
    void serverToolsWithUnlistedFeesAreNamed(String type) {
        ServerSideUse use = of("{\"tools\":[{\"type\":\"function\"},{\"type\":\"" + type + "\"}]}");
        assertEquals(Optional.of("tools[1]"), use.unmeteredField());
        assertEquals(Optional.of("tools[1]"), use.inputField());
    }
}
