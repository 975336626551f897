package io.ironcage.router.core.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One case per folder under {@code translate/}: every pair of files present in a folder is checked
 * (STYLE.md §2.6). Folders named {@code anthropic-in-*} run the mirror direction (an Anthropic
 * caller on an OpenAI model: Anthropic request → OpenAI request, OpenAI response → Anthropic
 * response); all others the OpenAI caller on an Anthropic model. JSON is compared as trees; numbers
 * by value, so {@code 1} equals {@code 1L}.
 */
class TranslationGoldenTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String COMPLETION_ID = "chatcmpl-test";
    static final long CREATED = 1_700_000_000L;

    static List<Path> cases() throws IOException, URISyntaxException {
        URL root = TranslationGoldenTest.class.getResource("/translate");
        try (Stream<Path> dirs = Files.list(Path.of(root.toURI()))) {
            return dirs.filter(Files::isDirectory).sorted().collect(Collectors.toList());
        }
    }

    static final String MESSAGE_ID = "msg_test";

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void translatesLikeTheGoldenFiles(Path dir) throws IOException {
        if (dir.getFileName().toString().startsWith("anthropic-in-")) {
            mirror(dir);
            return;
        }
        int checked = 0;
        if (Files.exists(dir.resolve("request.openai.json"))) {
            ObjectNode in = read(dir.resolve("request.openai.json"));
            ObjectNode before = in.deepCopy();
            assertSameTree(
                    read(dir.resolve("request.anthropic.json")),
                    OpenAiToAnthropic.request(in, model -> 4096),
                    dir.getFileName() + ": OpenAI request → Anthropic request");
            assertEquals(before, in, "the input must not be modified");
            checked++;
        }
        if (Files.exists(dir.resolve("response.anthropic.json"))) {
            ObjectNode in = read(dir.resolve("response.anthropic.json"));
            ObjectNode before = in.deepCopy();
            assertSameTree(
                    read(dir.resolve("response.openai.json")),
                    AnthropicToOpenAi.response(in, COMPLETION_ID, CREATED),
                    dir.getFileName() + ": Anthropic response → OpenAI response");
            assertEquals(before, in, "the input must not be modified");
            checked++;
        }
        assertTrue(checked > 0, dir + " holds no golden pair");
    }

    private static void mirror(Path dir) throws IOException {
        int checked = 0;
        if (Files.exists(dir.resolve("request.anthropic.json"))) {
            ObjectNode in = read(dir.resolve("request.anthropic.json"));
            ObjectNode before = in.deepCopy();
            assertSameTree(
                    read(dir.resolve("request.openai.json")),
                    AnthropicToOpenAi.request(in),
                    dir.getFileName() + ": Anthropic request → OpenAI request");
            assertEquals(before, in, "the input must not be modified");
            checked++;
        }
        if (Files.exists(dir.resolve("response.openai.json"))) {
            ObjectNode in = read(dir.resolve("response.openai.json"));
            ObjectNode before = in.deepCopy();
            assertSameTree(
                    read(dir.resolve("response.anthropic.json")),
                    OpenAiToAnthropic.response(in, MESSAGE_ID),
                    dir.getFileName() + ": OpenAI response → Anthropic response");
            assertEquals(before, in, "the input must not be modified");
            checked++;
        }
        assertTrue(checked > 0, dir + " holds no golden pair");
    }

    static ObjectNode read(Path file) throws IOException {
        return (ObjectNode) MAPPER.readTree(file.toFile());
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) MAPPER.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Numbers compare by value; everything else exactly. */
    static final Comparator<JsonNode> BY_VALUE =
            (a, b) -> {
                if (a.isNumber() && b.isNumber()) {
                    return a.decimalValue().compareTo(b.decimalValue());
                }
                return a.equals(b) ? 0 : 1;
            };

    static void assertSameTree(JsonNode expected, JsonNode actual, String what) {
        if (!expected.equals(BY_VALUE, actual)) {
            assertEquals(expected.toPrettyString(), actual.toPrettyString(), what);
        }
    }
}
