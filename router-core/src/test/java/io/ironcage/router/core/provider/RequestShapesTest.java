package io.ironcage.router.core.provider;

import static io.ironcage.router.core.TestData.json;
import static io.ironcage.router.core.TestData.shapeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.pricing.RequestShape;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RequestShapesTest {

    @Test
    void readsTheModelOnlyWhenItIsANonEmptyString() {
        assertEquals(Optional.of("gpt-4o"), RequestShapes.model(json("{\"model\":\"gpt-4o\"}")));
        assertEquals(Optional.empty(), RequestShapes.model(json("{\"model\":\"\"}")));
        assertEquals(Optional.empty(), RequestShapes.model(json("{\"model\":42}")));
        assertEquals(Optional.empty(), RequestShapes.model(json("{}")));
        assertEquals(Optional.empty(), RequestShapes.model(json("[\"gpt-4o\"]")));
        assertEquals(Optional.empty(), RequestShapes.model(null));
    }

    @Test
    void countsPromptTextAsTheReferenceDoesInUtf8Bytes() {
        String body =
                "{\"system\":\"héllo\",\"messages\":[{\"role\":\"user\",\"content\":\"日本\"},"
                        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"😀\"},"
                        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://x/y.png\"}}]},"
                        + "{\"role\":\"assistant\",\"content\":null}]}";
        // héllo = 6 bytes, 日本 = 6, 😀 = 4; the image URL is not prompt text
        assertEquals(16, shapeOf(body).promptTextUtf8Bytes());
        assertEquals(body.getBytes(StandardCharsets.UTF_8).length, shapeOf(body).bodyUtf8Bytes());
        // an Anthropic system given as blocks is not counted by the reference
        assertEquals(
                0,
                shapeOf("{\"system\":[{\"type\":\"text\",\"text\":\"abc\"}]}")
                        .promptTextUtf8Bytes());
    }

    @Test
    void requestedMaxOutputIsTheLargestNonNegativeIntegerLimit() {
        assertEquals(
                OptionalLong.of(100), shapeOf("{\"max_tokens\":100}").requestedMaxOutputTokens());
        assertEquals(
                OptionalLong.of(200),
                shapeOf("{\"max_completion_tokens\":200}").requestedMaxOutputTokens());
        assertEquals(
                OptionalLong.of(300),
                shapeOf("{\"max_output_tokens\":300}").requestedMaxOutputTokens());
        assertEquals(
                OptionalLong.of(500),
                shapeOf("{\"max_tokens\":100,\"max_completion_tokens\":500}")
                        .requestedMaxOutputTokens());
        assertEquals(
                OptionalLong.of(500),
                shapeOf("{\"max_tokens\":\"lots\",\"max_completion_tokens\":500}")
                        .requestedMaxOutputTokens());
        assertEquals(
                OptionalLong.empty(), shapeOf("{\"max_tokens\":-1}").requestedMaxOutputTokens());
        assertEquals(
                OptionalLong.empty(), shapeOf("{\"max_tokens\":10.5}").requestedMaxOutputTokens());
        assertEquals(
                OptionalLong.empty(),
                shapeOf("{\"max_tokens\":99999999999999999999999}").requestedMaxOutputTokens());
    }

    @Test
    void referenceMaxTokensReproducesTheReferenceQuirk() {
        assertEquals(OptionalLong.of(100), shapeOf("{\"max_tokens\":100}").referenceMaxTokens());
        assertEquals(
                OptionalLong.of(500),
                shapeOf("{\"max_completion_tokens\":500}").referenceMaxTokens());
        // the max_tokens key wins even when its value is unusable: the reference then uses the
        // model's maximum, never max_completion_tokens
        assertEquals(
                OptionalLong.empty(),
                shapeOf("{\"max_tokens\":\"x\",\"max_completion_tokens\":500}")
                        .referenceMaxTokens());
        assertEquals(
                OptionalLong.empty(),
                shapeOf("{\"max_tokens\":null,\"max_completion_tokens\":500}")
                        .referenceMaxTokens());
        assertEquals(
                OptionalLong.empty(), shapeOf("{\"max_output_tokens\":300}").referenceMaxTokens());
    }

    @Test
    void countsImagesOfEveryApiIncludingToolResults() {
        String openAi =
                "{\"messages\":[{\"role\":\"user\",\"content\":["
                        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/a.png\"}},"
                        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBO\"}},"
                        + "{\"type\":\"text\",\"text\":\"what?\"}]}]}";
        assertEquals(2, shapeOf(openAi).imageCount());
        String responses =
                "{\"input\":[{\"role\":\"user\",\"content\":["
                        + "{\"type\":\"input_text\",\"text\":\"hi\"},"
                        + "{\"type\":\"input_image\",\"image_url\":\"https://x/a.png\"}]},"
                        + "{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":["
                        + "{\"type\":\"input_image\",\"file_id\":\"f\"}]}]}";
        assertEquals(2, shapeOf(responses).imageCount());
        String anthropic =
                "{\"messages\":[{\"role\":\"user\",\"content\":["
                        + "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"iVBO\"}},"
                        + "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://x/a.png\"}},"
                        + "{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":["
                        + "{\"type\":\"image\",\"source\":{\"type\":\"file\",\"file_id\":\"f\"}}]}]}]}";
        assertEquals(3, shapeOf(anthropic).imageCount());
        assertEquals(0, shapeOf("{\"input\":\"just text\"}").imageCount());
        // tool schemas are not content
        assertEquals(0, shapeOf("{\"tools\":[{\"type\":\"image\"}],\"messages\":[]}").imageCount());
    }

    @Test
    void detectsToolsAndChoices() {
        assertTrue(shapeOf("{\"tools\":[{\"type\":\"function\"}]}").hasTools());
        assertFalse(shapeOf("{\"tools\":[]}").hasTools());
        assertFalse(shapeOf("{\"tools\":{}}").hasTools());
        assertEquals(3, shapeOf("{\"n\":3}").choices());
        assertEquals(1, shapeOf("{\"n\":0}").choices());
        assertEquals(1, shapeOf("{\"n\":\"3\"}").choices());
        assertEquals(1, shapeOf("{\"n\":2.5}").choices());
        assertEquals(Integer.MAX_VALUE, shapeOf("{\"n\":99999999999}").choices());
        assertEquals(Integer.MAX_VALUE, shapeOf("{\"n\":99999999999999999999999}").choices());
    }

    @Test
    void neverThrowsOnOddJson() {
        String[] odd = {
            "null",
            "42",
            "\"text\"",
            "[]",
            "{\"messages\":\"hi\"}",
            "{\"messages\":[1,null,[]]}",
            "{\"messages\":[{\"content\":{\"text\":\"x\"}}]}",
            "{\"messages\":[{\"content\":[1,\"a\"]}]}",
            "{\"system\":5,\"tools\":\"x\",\"n\":null,\"input\":{\"type\":\"image\"}}"
        };
        for (String body : odd) {
            RequestShape shape = shapeOf(body);
            assertEquals(1, shape.choices(), body);
            assertEquals(OptionalLong.empty(), shape.requestedMaxOutputTokens(), body);
        }
        assertEquals(1, shapeOf("{\"input\":{\"type\":\"image\"}}").imageCount());
        RequestShape none = RequestShapes.of(null, 7);
        assertEquals(7, none.bodyUtf8Bytes());
        assertThrows(IllegalArgumentException.class, () -> RequestShapes.of(json("{}"), -1));
    }

    @Test
    void deeplyNestedContentDoesNotOverflowTheStack() {
        StringBuilder body = new StringBuilder("{\"messages\":");
        int depth = 400;
        body.append("[".repeat(depth)).append("{\"type\":\"image\"}").append("]".repeat(depth));
        body.append('}');
        assertEquals(1, shapeOf(body.toString()).imageCount());
    }

    @Test
    void utf8LengthMatchesGetBytes() {
        String[] samples = {
            "", "abc", "é", "日本語", "😀x", "\uD800", "a\uDC00b", "\uD83D\uDE00\uD83D"
        };
        for (String s : samples) {
            assertEquals(s.getBytes(StandardCharsets.UTF_8).length, RequestShapes.utf8Length(s), s);
        }
    }
}
