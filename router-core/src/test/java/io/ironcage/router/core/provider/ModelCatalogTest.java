package io.ironcage.router.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.domain.ModelEntry;
import io.ironcage.router.core.provider.anthropic.AnthropicModels;
import io.ironcage.router.core.provider.openai.OpenAiModels;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each provider's model list read into entries and written in its format. */
class ModelCatalogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelCatalog OPENAI = new OpenAiModels();
    private static final ModelCatalog ANTHROPIC = new AnthropicModels();
    private static final ModelEntry GPT =
            new ModelEntry("gpt-4o", "gpt-4o", 1_700_000_000L, "system");
    private static final ModelEntry CLAUDE =
            new ModelEntry("claude-x", "Claude X", 1_735_689_600L, "anthropic");

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    @Test
    void openAisListIsReadWithItsOwnerAndTime() throws IOException {
        ModelPage page =
                OPENAI.page(
                                json(
                                        "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o\","
                                                + "\"object\":\"model\",\"created\":1700000000,"
                                                + "\"owned_by\":\"system\"},{\"object\":\"model\"},"
                                                + "{\"id\":\"bare\"}]}"))
                        .orElseThrow();
        assertEquals(List.of(GPT, new ModelEntry("bare", "bare", 0, "openai")), page.models());
        assertEquals(Optional.empty(), page.nextAfterId());
        assertEquals("", OPENAI.listQuery(Optional.of("x")));
        assertEquals(Optional.empty(), OPENAI.page(json("{\"object\":\"list\"}")));
        assertEquals(Optional.empty(), OPENAI.page(json("[1]")));
    }

    @Test
    void anthropicsPagesAreReadWithTheirCursor() throws IOException {
        ModelPage page =
                ANTHROPIC
                        .page(
                                json(
                                        "{\"data\":[{\"type\":\"model\",\"id\":\"claude-x\","
                                                + "\"display_name\":\"Claude X\","
                                                + "\"created_at\":\"2025-01-01T01:00:00+01:00\"}],"
                                                + "\"has_more\":true,\"first_id\":\"claude-x\","
                                                + "\"last_id\":\"claude-x\"}"))
                        .orElseThrow();
        assertEquals(List.of(CLAUDE), page.models());
        assertEquals(Optional.of("claude-x"), page.nextAfterId());
        assertEquals("limit=1000", ANTHROPIC.listQuery(Optional.empty()));
        assertEquals("limit=1000&after_id=a+b%26c", ANTHROPIC.listQuery(Optional.of("a b&c")));
        assertEquals(
                new ModelEntry("y", "y", 0, "anthropic"),
                ANTHROPIC.model(json("{\"id\":\"y\",\"created_at\":\"yesterday\"}")).orElseThrow());
        assertEquals(
                Optional.empty(),
                ANTHROPIC
                        .page(json("{\"data\":[],\"has_more\":true}"))
                        .flatMap(ModelPage::nextAfterId),
                "no cursor, no next page");
    }

    @Test
    void eitherListIsWrittenInEachFormat() {
        JsonNode openAi = OPENAI.renderList(List.of(GPT, CLAUDE));
        assertEquals("list", openAi.path("object").asText());
        assertEquals("anthropic", openAi.at("/data/1/owned_by").asText());
        assertEquals(1_735_689_600L, openAi.at("/data/1/created").asLong());
        assertEquals("model", openAi.at("/data/1/object").asText());

        JsonNode anthropic = ANTHROPIC.renderList(List.of(CLAUDE, GPT));
        assertEquals("model", anthropic.at("/data/1/type").asText());
        assertEquals("gpt-4o", anthropic.at("/data/1/display_name").asText());
        assertEquals("2023-11-14T22:13:20Z", anthropic.at("/data/1/created_at").asText());
        assertEquals("claude-x", anthropic.path("first_id").asText());
        assertEquals("gpt-4o", anthropic.path("last_id").asText());
        assertEquals(false, anthropic.path("has_more").asBoolean(true));
        JsonNode empty = ANTHROPIC.renderList(List.of());
        assertTrue(empty.path("first_id").isNull());
    }

    @Test
    void theOtherProvidersErrorIsWrittenInThisOnesFormat() throws IOException {
        JsonNode fromAnthropic =
                OPENAI.errorFromOther(
                        json(
                                "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\","
                                        + "\"message\":\"model: claude-nope\"}}"),
                        404);
        assertEquals("model: claude-nope", fromAnthropic.at("/error/message").asText());
        JsonNode fromOpenAi =
                ANTHROPIC.errorFromOther(
                        json("{\"error\":{\"message\":\"no such model\",\"type\":\"x\"}}"), 404);
        assertEquals("error", fromOpenAi.path("type").asText());
        assertEquals("not_found_error", fromOpenAi.at("/error/type").asText());
        assertEquals("error", ANTHROPIC.errorFromOther(null, 502).path("type").asText());
    }
}
