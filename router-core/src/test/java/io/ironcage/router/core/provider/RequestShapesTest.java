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
    void detectsThePriorityTierOnlyWhenExplicitlyRequested() {
        assertTrue(
                shapeOf(
                                "{\"model\":\"gpt-4o\",\"service_tier\":\"priority\","
                                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                        .priorityTier());
        assertTrue(
                shapeOf("{\"model\":\"o3\",\"input\":\"hi\",\"service_tier\":\"priority\"}")
                        .priorityTier());
        // auto and default are served at the project's tier, which the body does not show
        assertFalse(shapeOf("{\"service_tier\":\"auto\"}").priorityTier());
        assertFalse(shapeOf("{\"service_tier\":\"default\"}").priorityTier());
        assertFalse(shapeOf("{\"service_tier\":\"flex\"}").priorityTier());
        assertFalse(shapeOf("{\"messages\":[]}").priorityTier());
        assertFalse(shapeOf("{\"service_tier\":[\"priority\"]}").priorityTier());
        assertFalse(shapeOf("{\"service_tier\":{\"priority\":true}}").priorityTier());
        assertFalse(shapeOf("{\"metadata\":{\"service_tier\":\"priority\"}}").priorityTier());
    }

    @Test
    void detectsOneHourCacheControlAnywhereInTheBody() {
        String system =
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"system\":["
                        + "{\"type\":\"text\",\"text\":\"You are helpful.\","
                        + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}],"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertTrue(shapeOf(system).oneHourCache());
        String tools =
                "{\"tools\":[{\"name\":\"t\",\"input_schema\":{\"type\":\"object\"},"
                        + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}]}";
        assertTrue(shapeOf(tools).oneHourCache());
        String message =
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\","
                        + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"5m\"}},"
                        + "{\"type\":\"text\",\"text\":\"y\","
                        + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}]}]}";
        assertTrue(shapeOf(message).oneHourCache());
        assertTrue(
                shapeOf("{\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}")
                        .oneHourCache());
        assertFalse(
                shapeOf(
                                "{\"system\":[{\"type\":\"text\",\"text\":\"x\","
                                        + "\"cache_control\":{\"type\":\"ephemeral\"}}]}")
                        .oneHourCache());
        assertFalse(
                shapeOf("{\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"5m\"}}")
                        .oneHourCache());
        assertFalse(shapeOf("{\"cache_control\":{\"ttl\":1}}").oneHourCache());
        assertFalse(shapeOf("{\"cache_control\":\"1h\"}").oneHourCache());
        assertFalse(shapeOf("{\"ttl\":\"1h\"}").oneHourCache());
    }

    @Test
    void detectsAudioInputPartsAndEarlierAudioAnswers() {
        String chat =
                "{\"model\":\"gpt-4o-audio-preview\",\"messages\":[{\"role\":\"user\",\"content\":["
                        + "{\"type\":\"text\",\"text\":\"what is said?\"},"
                        + "{\"type\":\"input_audio\","
                        + "\"input_audio\":{\"data\":\"UklGRg==\",\"format\":\"wav\"}}]}]}";
        assertTrue(shapeOf(chat).audioInput());
        assertFalse(shapeOf(chat).audioOutput());
        String responses =
                "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\","
                        + "\"input_audio\":{\"data\":\"UklGRg==\",\"format\":\"mp3\"}}]}]}";
        assertTrue(shapeOf(responses).audioInput());
        String earlierAnswer =
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                        + "{\"role\":\"assistant\",\"audio\":{\"id\":\"audio_abc\"}},"
                        + "{\"role\":\"user\",\"content\":\"again\"}]}";
        assertTrue(shapeOf(earlierAnswer).audioInput());
        assertFalse(
                shapeOf("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").audioInput());
        assertFalse(
                shapeOf("{\"messages\":[{\"content\":[{\"type\":[\"input_audio\"]}]}]}")
                        .audioInput());
        assertFalse(
                shapeOf("{\"messages\":[{\"role\":\"assistant\",\"audio\":\"a\"}]}").audioInput());
        // tool schemas and the output audio parameter are not audio input
        assertFalse(
                shapeOf("{\"tools\":[{\"type\":\"input_audio\"}],\"messages\":[]}").audioInput());
        assertFalse(shapeOf("{\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}}").audioInput());
    }

    @Test
    void detectsAudioOutputByModalitiesOrTheAudioParameter() {
        assertTrue(
                shapeOf(
                                "{\"model\":\"gpt-4o-audio-preview\",\"modalities\":[\"text\",\"audio\"],"
                                        + "\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"},"
                                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                        .audioOutput());
        assertTrue(shapeOf("{\"modalities\":[\"audio\"]}").audioOutput());
        assertTrue(shapeOf("{\"audio\":{\"voice\":\"alloy\"}}").audioOutput());
        assertFalse(shapeOf("{\"modalities\":[\"text\"]}").audioOutput());
        assertFalse(shapeOf("{\"modalities\":\"audio\"}").audioOutput());
        assertFalse(shapeOf("{\"modalities\":[[\"audio\"]]}").audioOutput());
        assertFalse(shapeOf("{\"audio\":\"alloy\"}").audioOutput());
        assertFalse(shapeOf("{\"audio\":true}").audioOutput());
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
            "{\"system\":5,\"tools\":\"x\",\"n\":null,\"input\":{\"type\":\"image\"}}",
            "{\"service_tier\":null,\"modalities\":null,\"audio\":null,\"cache_control\":null}",
            "{\"service_tier\":7,\"modalities\":{\"audio\":1},\"audio\":[1],\"cache_control\":[]}",
            "{\"messages\":[{\"audio\":null,\"type\":null,\"cache_control\":{\"ttl\":null}}]}"
        };
        for (String body : odd) {
            RequestShape shape = shapeOf(body);
            assertEquals(1, shape.choices(), body);
            assertEquals(OptionalLong.empty(), shape.requestedMaxOutputTokens(), body);
            assertFalse(shape.priorityTier(), body);
            assertFalse(shape.oneHourCache(), body);
            assertFalse(shape.audioInput(), body);
            assertFalse(shape.audioOutput(), body);
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
        StringBuilder cached = new StringBuilder("{\"messages\":");
        cached.append("[".repeat(depth))
                .append("{\"cache_control\":{\"ttl\":\"1h\"},\"type\":\"input_audio\"}")
                .append("]".repeat(depth))
                .append('}');
        assertTrue(shapeOf(cached.toString()).oneHourCache());
        assertTrue(shapeOf(cached.toString()).audioInput());
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
