package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.RandomCases.forAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.RandomCases;
import io.ironcage.router.core.RandomJson;
import io.ironcage.router.core.errors.TranslationException;
import io.ironcage.router.core.provider.SseEvent;
import io.ironcage.router.core.provider.SseParser;
import io.ironcage.router.core.provider.StreamTranslator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Properties of the translators over generated input (issue 5): whatever JSON a caller or a
 * provider sends, a translator either translates it or throws a {@link TranslationException} naming
 * the field (which the router answers with a 400, or an error event) — never another exception,
 * never a modified input. Error translation never throws at all. Stream translators fed arbitrary
 * event sequences only ever throw {@link TranslationException}, and every event they write is a
 * JSON object or {@code [DONE]}.
 *
 * <p>Inputs come from {@link RandomJson} with fixed seeds; see {@link RandomCases} for reproducing
 * a failure and for exploring with other seeds.
 */
class TranslationPropertyTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final List<ObjectNode> OPENAI_REQUESTS =
            RandomJson.goldenFiles("request.openai.json");
    private static final List<ObjectNode> ANTHROPIC_REQUESTS =
            RandomJson.goldenFiles("request.anthropic.json");
    private static final List<ObjectNode> OPENAI_RESPONSES =
            RandomJson.goldenFiles("response.openai.json");
    private static final List<ObjectNode> ANTHROPIC_RESPONSES =
            RandomJson.goldenFiles("response.anthropic.json");

    /** Runs a translation: a result, or a TranslationException naming a field; nothing else. */
    private static <T> T translated(Supplier<T> translation) {
        try {
            T out = translation.get();
            assertNotNull(out);
            return out;
        } catch (TranslationException e) {
            assertNotNull(e.field());
            assertFalse(e.getMessage().isBlank(), "the 400 explains itself");
            return null;
        }
    }

    @Test
    void arbitraryJsonInEitherRequestFormatTranslatesOrNamesAField() {
        forAll(
                500,
                random -> random.object(4),
                body -> {
                    ObjectNode before = body.deepCopy();
                    translated(() -> OpenAiToAnthropic.request(body, model -> 4096));
                    translated(() -> AnthropicToOpenAi.request(body));
                    assertEquals(before, body, "the input is never modified");
                });
    }

    @Test
    void mutatedOpenAiRequestsTranslateOrNameAField() {
        forAll(
                500,
                random -> random.mutated(OPENAI_REQUESTS),
                body -> {
                    ObjectNode before = body.deepCopy();
                    translated(() -> OpenAiToAnthropic.request(body, model -> 4096));
                    assertEquals(before, body);
                });
    }

    @Test
    void mutatedAnthropicRequestsTranslateOrNameAField() {
        forAll(
                500,
                random -> random.mutated(ANTHROPIC_REQUESTS),
                body -> {
                    ObjectNode before = body.deepCopy();
                    translated(() -> AnthropicToOpenAi.request(body));
                    assertEquals(before, body);
                });
    }

    /** An arbitrary object, a mutated OpenAI response and a mutated Anthropic response. */
    private record Responses(ObjectNode any, ObjectNode openAi, ObjectNode anthropic) {}

    @Test
    void arbitraryAndMutatedResponsesTranslateOrNameAField() {
        forAll(
                500,
                random ->
                        new Responses(
                                random.object(4),
                                random.mutated(OPENAI_RESPONSES),
                                random.mutated(ANTHROPIC_RESPONSES)),
                responses -> {
                    for (ObjectNode body :
                            List.of(responses.any(), responses.openAi(), responses.anthropic())) {
                        ObjectNode before = body.deepCopy();
                        translated(() -> AnthropicToOpenAi.response(body, "chatcmpl-x", 1));
                        translated(() -> OpenAiToAnthropic.response(body, "msg_x"));
                        assertEquals(before, body);
                    }
                });
    }

    /** A provider's error body (any JSON), an object to wrap in {"error": …}, and a status. */
    private record ErrorCase(JsonNode body, ObjectNode inner, int status) {}

    @Test
    void errorBodiesAlwaysTranslate() {
        forAll(
                300,
                random ->
                        new ErrorCase(random.value(3), random.object(4), random.between(400, 599)),
                error -> {
                    ObjectNode wrapped = MAPPER.createObjectNode();
                    wrapped.set("error", error.inner());
                    for (JsonNode b : List.of(error.body(), wrapped)) {
                        ObjectNode openAi = AnthropicToOpenAi.error(b, error.status());
                        assertTrue(
                                openAi.path("error").path("message").isTextual(),
                                openAi.toString());
                        assertTrue(
                                openAi.path("error").path("type").isTextual(), openAi.toString());
                        ObjectNode anthropic = OpenAiToAnthropic.error(b, error.status());
                        assertEquals("error", anthropic.path("type").asText());
                        assertTrue(
                                anthropic.path("error").path("message").isTextual(),
                                anthropic.toString());
                    }
                });
    }

    // --- streams ---

    private static final List<String> ANTHROPIC_EVENTS =
            List.of(
                    "message_start",
                    "content_block_start",
                    "content_block_delta",
                    "content_block_stop",
                    "message_delta",
                    "message_stop",
                    "ping",
                    "error");

    private static final List<String> GARBAGE = List.of("[DONE]", "{", "[]", "null", "42", "\"x\"");

    /** The events of every golden file of one name, and the JSON objects they carry. */
    private record GoldenStreams(List<List<SseEvent>> streams, List<ObjectNode> data) {
        static GoldenStreams load(String fileName) {
            List<List<SseEvent>> streams = goldenStreams(fileName);
            return new GoldenStreams(streams, eventData(streams));
        }
    }

    private static final GoldenStreams ANTHROPIC_STREAMS =
            GoldenStreams.load("stream.anthropic.sse");
    private static final GoldenStreams OPENAI_STREAMS = GoldenStreams.load("stream.openai.sse");

    private static List<List<SseEvent>> goldenStreams(String fileName) {
        try {
            Path root = Path.of(TranslationPropertyTest.class.getResource("/translate").toURI());
            try (Stream<Path> dirs = Files.list(root)) {
                List<List<SseEvent>> out = new ArrayList<>();
                for (Path file :
                        dirs.map(d -> d.resolve(fileName))
                                .filter(Files::exists)
                                .sorted()
                                .collect(Collectors.toList())) {
                    SseParser parser = new SseParser();
                    List<SseEvent> events = new ArrayList<>(parser.feed(Files.readAllBytes(file)));
                    events.addAll(parser.finish());
                    out.add(events);
                }
                return out;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<ObjectNode> eventData(List<List<SseEvent>> streams) {
        List<ObjectNode> out = new ArrayList<>();
        for (List<SseEvent> stream : streams) {
            for (SseEvent event : stream) {
                if (event.data().startsWith("{")) {
                    try {
                        out.add((ObjectNode) MAPPER.readTree(event.data()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
        return out;
    }

    /** An event as a parser could give it: a name never holds a line break (it ends the field). */
    private static SseEvent event(String name, String data) {
        String clean = name.replace("\r", "").replace("\n", "");
        return clean.isEmpty() ? SseEvent.ofData(data) : SseEvent.named(clean, data);
    }

    /** Any one event: a mutated real one, a known name with random data, or garbage. */
    private static SseEvent event(RandomJson random, GoldenStreams golden, boolean named) {
        String name = named ? random.pick(ANTHROPIC_EVENTS) : "";
        return switch (random.weighted(4, 2, 1)) {
            case 0 -> {
                ObjectNode data = random.mutated(golden.data());
                yield event(named ? data.path("type").asText(name) : "", data.toString());
            }
            case 1 -> {
                ObjectNode data = random.object(4);
                if (named) {
                    data.put("type", name);
                }
                yield event(name, data.toString());
            }
            default ->
                    event(
                            random.bool() ? name : "",
                            switch (random.between(0, 2)) {
                                case 0 -> random.pick(GARBAGE);
                                case 1 -> random.value(2).toString();
                                default -> random.string(10);
                            });
        };
    }

    /** Real streams with events replaced, dropped or inserted, and fully random sequences. */
    private static List<SseEvent> sequence(RandomJson random, GoldenStreams golden, boolean named) {
        List<SseEvent> events = new ArrayList<>();
        if (random.weighted(3, 1) == 0) {
            events.addAll(random.pick(golden.streams()));
            for (int edits = random.between(0, 4); edits > 0; edits--) {
                int at = random.between(0, 100) % (events.size() + 1);
                int kind = random.between(0, 2);
                SseEvent event = event(random, golden, named);
                if (kind == 0 || at == events.size()) {
                    events.add(at, event);
                } else if (kind == 1) {
                    events.remove(at);
                } else {
                    events.set(at, event);
                }
            }
        } else {
            for (int n = random.between(0, 25); n > 0; n--) {
                events.add(event(random, golden, named));
            }
        }
        return events;
    }

    /**
     * Feeds the events until the end or the first TranslationException (after which the router
     * stops using the translator); every event written is a JSON object or [DONE].
     */
    private static void feed(StreamTranslator translator, List<SseEvent> events) {
        for (SseEvent event : events) {
            List<SseEvent> out;
            try {
                out = translator.onEvent(event);
            } catch (TranslationException e) {
                assertNotNull(e.field());
                return;
            }
            for (SseEvent written : out) {
                if (!"[DONE]".equals(written.data())) {
                    try {
                        assertTrue(MAPPER.readTree(written.data()).isObject(), written.data());
                    } catch (IOException e) {
                        throw new AssertionError("not JSON: " + written.data(), e);
                    }
                }
            }
        }
    }

    /** An Anthropic event sequence and whether the OpenAI caller asked for usage. */
    private record AnthropicStream(List<SseEvent> events, boolean includeUsage) {}

    @Test
    void anthropicStreamsOnlyEverFailWithATranslationException() {
        forAll(
                500,
                random ->
                        new AnthropicStream(
                                sequence(random, ANTHROPIC_STREAMS, true), random.bool()),
                stream ->
                        feed(
                                new AnthropicToOpenAiStream(
                                        "chatcmpl-x", 1, "claude", stream.includeUsage()),
                                stream.events()));
    }

    @Test
    void openAiStreamsOnlyEverFailWithATranslationException() {
        forAll(
                500,
                random -> sequence(random, OPENAI_STREAMS, false),
                events -> feed(new OpenAiToAnthropicStream("msg_x", "gpt"), events));
    }
}
