package io.ironcage.router.core.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.provider.SseEvent;
import io.ironcage.router.core.provider.SseParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One case per folder under {@code translate/}: every pair of files present in a folder is checked
 * (ARCHITECTURE.md "Translation"). Folders named {@code anthropic-in-*} run the mirror direction
 * (an Anthropic caller on an OpenAI model: Anthropic request → OpenAI request, OpenAI response →
 * Anthropic response); all others the OpenAI caller on an Anthropic model. JSON is compared as
 * trees; numbers by value, so {@code 1} equals {@code 1L}.
 *
 * <p>Pairs: {@code request.*.json}, {@code response.*.json}, {@code stream.*.sse} (the upstream's
 * event stream fed one event at a time to a stream translator; every translated event is compared
 * by name and data, and its bytes must parse back to the same event) and {@code error.*.json} (an
 * upstream error body, with its HTTP status in {@code status.txt}). A stream's model and {@code
 * stream_options.include_usage} come from the caller's request file of the same folder.
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
        if (Files.exists(dir.resolve("stream.anthropic.sse"))) {
            ObjectNode request = read(dir.resolve("request.openai.json"));
            AnthropicToOpenAiStream stream =
                    new AnthropicToOpenAiStream(
                            COMPLETION_ID,
                            CREATED,
                            request.path("model").asText(),
                            request.path("stream_options").path("include_usage").asBoolean());
            assertSameStream(
                    dir.resolve("stream.openai.sse"),
                    translate(dir.resolve("stream.anthropic.sse"), stream::onEvent),
                    dir.getFileName() + ": Anthropic stream → OpenAI stream");
            assertTrue(stream.finished(), "the stream ended");
            checked++;
        }
        if (Files.exists(dir.resolve("error.anthropic.json"))) {
            ObjectNode in = read(dir.resolve("error.anthropic.json"));
            assertSameTree(
                    read(dir.resolve("error.openai.json")),
                    AnthropicToOpenAi.error(in, status(dir)),
                    dir.getFileName() + ": Anthropic error → OpenAI error");
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
        if (Files.exists(dir.resolve("stream.openai.sse"))) {
            ObjectNode request = read(dir.resolve("request.anthropic.json"));
            OpenAiToAnthropicStream stream =
                    new OpenAiToAnthropicStream(MESSAGE_ID, request.path("model").asText());
            assertSameStream(
                    dir.resolve("stream.anthropic.sse"),
                    translate(dir.resolve("stream.openai.sse"), stream::onEvent),
                    dir.getFileName() + ": OpenAI stream → Anthropic stream");
            assertTrue(stream.finished(), "the stream ended");
            checked++;
        }
        if (Files.exists(dir.resolve("error.openai.json"))) {
            ObjectNode in = read(dir.resolve("error.openai.json"));
            assertSameTree(
                    read(dir.resolve("error.anthropic.json")),
                    OpenAiToAnthropic.error(in, status(dir)),
                    dir.getFileName() + ": OpenAI error → Anthropic error");
            checked++;
        }
        assertTrue(checked > 0, dir + " holds no golden pair");
    }

    private static int status(Path dir) throws IOException {
        return Integer.parseInt(Files.readString(dir.resolve("status.txt")).strip());
    }

    static List<SseEvent> parse(byte[] bytes) {
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>(parser.feed(bytes));
        events.addAll(parser.finish());
        return events;
    }

    /** Feeds every event of an upstream stream file to a translator, one at a time. */
    static List<SseEvent> translate(Path upstream, Function<SseEvent, List<SseEvent>> translator)
            throws IOException {
        List<SseEvent> out = new ArrayList<>();
        for (SseEvent event : parse(Files.readAllBytes(upstream))) {
            out.addAll(translator.apply(event));
        }
        return out;
    }

    /** Same events by name and data (JSON as trees), and the bytes written parse back. */
    static void assertSameStream(Path expectedFile, List<SseEvent> actual, String what)
            throws IOException {
        List<SseEvent> expected = parse(Files.readAllBytes(expectedFile));
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        actual.forEach(e -> written.writeBytes(e.raw()));
        List<SseEvent> reparsed = parse(written.toByteArray());
        assertEquals(
                actual.stream().map(e -> e.event() + " " + e.data()).collect(Collectors.toList()),
                reparsed.stream().map(e -> e.event() + " " + e.data()).collect(Collectors.toList()),
                what + ": the bytes written parse back to the same events");
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            SseEvent e = expected.get(i);
            SseEvent a = actual.get(i);
            assertEquals(e.event(), a.event(), what + ": name of event " + i);
            if (e.data().startsWith("{")) {
                assertSameTree(
                        MAPPER.readTree(e.data()),
                        MAPPER.readTree(a.data()),
                        what + ": data of event " + i);
            } else {
                assertEquals(e.data(), a.data(), what + ": data of event " + i);
            }
        }
        assertEquals(expected.size(), actual.size(), what + ": number of events");
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
