package io.ironcage.router.core.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.JsonArbitraries;
import io.ironcage.router.core.TranslationException;
import io.ironcage.router.core.provider.SseEvent;
import io.ironcage.router.core.provider.SseParser;
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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Properties of the translators over generated input (issue 5): whatever JSON a caller or a
 * provider sends, a translator either translates it or throws a {@link TranslationException} naming
 * the field (which the router answers with a 400, or an error event) — never another exception,
 * never a modified input. Error translation never throws at all. Stream translators fed arbitrary
 * event sequences only ever throw {@link TranslationException}, and every event they write is a
 * JSON object or {@code [DONE]}.
 */
class TranslationPropertyTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

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

    @Provide
    Arbitrary<ObjectNode> anyObject() {
        return JsonArbitraries.objects(4);
    }

    @Provide
    Arbitrary<JsonNode> anyValue() {
        return JsonArbitraries.values(3);
    }

    @Provide
    Arbitrary<ObjectNode> mutatedOpenAiRequests() {
        return JsonArbitraries.mutated(JsonArbitraries.goldenFiles("request.openai.json"));
    }

    @Provide
    Arbitrary<ObjectNode> mutatedAnthropicRequests() {
        return JsonArbitraries.mutated(JsonArbitraries.goldenFiles("request.anthropic.json"));
    }

    @Provide
    Arbitrary<ObjectNode> mutatedOpenAiResponses() {
        return JsonArbitraries.mutated(JsonArbitraries.goldenFiles("response.openai.json"));
    }

    @Provide
    Arbitrary<ObjectNode> mutatedAnthropicResponses() {
        return JsonArbitraries.mutated(JsonArbitraries.goldenFiles("response.anthropic.json"));
    }

    @Property(tries = 500)
    void arbitraryJsonInEitherRequestFormatTranslatesOrNamesAField(
            @ForAll("anyObject") ObjectNode body) {
        ObjectNode before = body.deepCopy();
        translated(() -> OpenAiToAnthropic.request(body, model -> 4096));
        translated(() -> AnthropicToOpenAi.request(body));
        assertEquals(before, body, "the input is never modified");
    }

    @Property(tries = 500)
    void mutatedOpenAiRequestsTranslateOrNameAField(
            @ForAll("mutatedOpenAiRequests") ObjectNode body) {
        ObjectNode before = body.deepCopy();
        translated(() -> OpenAiToAnthropic.request(body, model -> 4096));
        assertEquals(before, body);
    }

    @Property(tries = 500)
    void mutatedAnthropicRequestsTranslateOrNameAField(
            @ForAll("mutatedAnthropicRequests") ObjectNode body) {
        ObjectNode before = body.deepCopy();
        translated(() -> AnthropicToOpenAi.request(body));
        assertEquals(before, body);
    }

    @Property(tries = 500)
    void arbitraryAndMutatedResponsesTranslateOrNameAField(
            @ForAll("anyObject") ObjectNode any,
            @ForAll("mutatedOpenAiResponses") ObjectNode openAi,
            @ForAll("mutatedAnthropicResponses") ObjectNode anthropic) {
        for (ObjectNode body : List.of(any, openAi, anthropic)) {
            ObjectNode before = body.deepCopy();
            translated(() -> AnthropicToOpenAi.response(body, "chatcmpl-x", 1));
            translated(() -> OpenAiToAnthropic.response(body, "msg_x"));
            assertEquals(before, body);
        }
    }

    @Property(tries = 300)
    void errorBodiesAlwaysTranslate(
            @ForAll("anyValue") JsonNode body,
            @ForAll("anyObject") ObjectNode inner,
            @ForAll("statuses") int status) {
        ObjectNode wrapped = MAPPER.createObjectNode();
        wrapped.set("error", inner);
        for (JsonNode b : List.of(body, wrapped)) {
            ObjectNode openAi = AnthropicToOpenAi.error(b, status);
            assertTrue(openAi.path("error").path("message").isTextual(), openAi.toString());
            assertTrue(openAi.path("error").path("type").isTextual(), openAi.toString());
            ObjectNode anthropic = OpenAiToAnthropic.error(b, status);
            assertEquals("error", anthropic.path("type").asText());
            assertTrue(anthropic.path("error").path("message").isTextual(), anthropic.toString());
        }
    }

    @Provide
    Arbitrary<Integer> statuses() {
        return Arbitraries.integers().between(400, 599);
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

    private static SseEvent event(String name, String data) {
        return name.isEmpty() ? SseEvent.ofData(data) : SseEvent.named(name, data);
    }

    /** Any one event: a mutated real one, a known name with random data, or garbage. */
    private static Arbitrary<SseEvent> events(List<List<SseEvent>> golden, boolean named) {
        Arbitrary<String> names = named ? Arbitraries.of(ANTHROPIC_EVENTS) : Arbitraries.just("");
        Arbitrary<SseEvent> mutated =
                Combinators.combine(names, JsonArbitraries.mutated(eventData(golden)))
                        .as(
                                (name, data) ->
                                        event(
                                                named ? data.path("type").asText(name) : "",
                                                data.toString()));
        Arbitrary<SseEvent> random =
                Combinators.combine(names, JsonArbitraries.objects(4))
                        .as(
                                (name, data) -> {
                                    if (named) {
                                        data.put("type", name);
                                    }
                                    return event(name, data.toString());
                                });
        Arbitrary<SseEvent> garbage =
                Combinators.combine(
                                Arbitraries.oneOf(names, Arbitraries.just("")),
                                Arbitraries.oneOf(
                                        Arbitraries.of("[DONE]", "{", "[]", "null", "42", "\"x\""),
                                        JsonArbitraries.values(2).map(JsonNode::toString),
                                        Arbitraries.strings().ofMaxLength(10)))
                        .as(TranslationPropertyTest::event);
        return Arbitraries.frequencyOf(
                Tuple.of(4, mutated), Tuple.of(2, random), Tuple.of(1, garbage));
    }

    /** Real streams with events replaced, dropped or inserted, and fully random sequences. */
    private static Arbitrary<List<SseEvent>> sequences(String goldenFile, boolean named) {
        List<List<SseEvent>> golden = goldenStreams(goldenFile);
        Arbitrary<SseEvent> one = events(golden, named);
        Arbitrary<List<SseEvent>> edited =
                Combinators.combine(
                                Arbitraries.of(golden),
                                Combinators.combine(
                                                Arbitraries.integers().between(0, 100),
                                                Arbitraries.integers().between(0, 2),
                                                one)
                                        .as(Tuple::of)
                                        .list()
                                        .ofMaxSize(4))
                        .as(
                                (base, edits) -> {
                                    List<SseEvent> events = new ArrayList<>(base);
                                    for (Tuple.Tuple3<Integer, Integer, SseEvent> edit : edits) {
                                        int at = edit.get1() % (events.size() + 1);
                                        if (edit.get2() == 0 || at == events.size()) {
                                            events.add(at, edit.get3());
                                        } else if (edit.get2() == 1) {
                                            events.remove(at);
                                        } else {
                                            events.set(at, edit.get3());
                                        }
                                    }
                                    return events;
                                });
        return Arbitraries.frequencyOf(Tuple.of(3, edited), Tuple.of(1, one.list().ofMaxSize(25)));
    }

    @Provide
    Arbitrary<List<SseEvent>> anthropicStreams() {
        return sequences("stream.anthropic.sse", true);
    }

    @Provide
    Arbitrary<List<SseEvent>> openAiStreams() {
        return sequences("stream.openai.sse", false);
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

    @Property(tries = 500)
    void anthropicStreamsOnlyEverFailWithATranslationException(
            @ForAll("anthropicStreams") List<SseEvent> events, @ForAll boolean includeUsage) {
        feed(new AnthropicToOpenAiStream("chatcmpl-x", 1, "claude", includeUsage), events);
    }

    @Property(tries = 500)
    void openAiStreamsOnlyEverFailWithATranslationException(
            @ForAll("openAiStreams") List<SseEvent> events) {
        feed(new OpenAiToAnthropicStream("msg_x", "gpt"), events);
    }
}
