package io.ironcage.router.core.provider;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SseParserTest {
    /**
     * Anthropic-shaped, with a comment, CRLF and CR line endings, multi-line data and non-ASCII.
     */
    private static final String MIXED =
            ": keep-alive\n\n"
                    + "event: message_start\n"
                    + "data: {\"type\":\"message_start\"}\n\n"
                    + "event: content_block_delta\r\n"
                    + "data:{\"text\":\"Ça 日本 😀\"}\r\n\r\n"
                    + "id: 7\rretry: 100\rdata: line1\rdata\rdata: line3\r\r"
                    + ": ping\n"
                    + "event: message_stop\n"
                    + "data: {\"type\":\"message_stop\"}\n\n"
                    + "data: [DONE]\n";

    private static List<SseEvent> expectedMixed() {
        return List.of(
                event(null, ""),
                event("message_start", "{\"type\":\"message_start\"}"),
                event("content_block_delta", "{\"text\":\"Ça 日本 😀\"}"),
                event(null, "line1\n\nline3"),
                event("message_stop", "{\"type\":\"message_stop\"}"),
                event(null, "[DONE]"));
    }

    /** Event name and data only; raw is checked separately. */
    private static SseEvent event(String name, String data) {
        return new SseEvent(Optional.ofNullable(name), data, new byte[0]);
    }

    private static void assertSameFields(List<SseEvent> expected, List<SseEvent> actual) {
        assertEquals(expected.size(), actual.size(), () -> "events: " + actual);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).event(), actual.get(i).event(), "event " + i);
            assertEquals(expected.get(i).data(), actual.get(i).data(), "data " + i);
        }
    }

    private static byte[] concatRaw(List<SseEvent> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        events.forEach(e -> out.writeBytes(e.raw()));
        return out.toByteArray();
    }

    private static List<SseEvent> parseInPieces(byte[] input, int... cuts) {
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            events.addAll(parser.feed(Arrays.copyOfRange(input, from, cut)));
            from = cut;
        }
        events.addAll(parser.feed(Arrays.copyOfRange(input, from, input.length)));
        events.addAll(parser.finish());
        return events;
    }

    @Test
    void parsesEveryFieldFormInOneChunk() {
        byte[] input = MIXED.getBytes(UTF_8);
        List<SseEvent> events = Fixtures.events(input);
        assertSameFields(expectedMixed(), events);
        assertArrayEquals(input, concatRaw(events));
        // each event's raw ends with its own blank line
        assertEquals(
                "event: message_start\ndata: {\"type\":\"message_start\"}\n\n",
                new String(events.get(1).raw(), UTF_8));
        assertEquals(
                ": ping\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
                new String(events.get(4).raw(), UTF_8));
    }

    @Test
    void everyTwoWaySplitGivesTheSameEventsAndBytes() {
        for (String name :
                new String[] {
                    "anthropic-tool.sse", "openai-chat-usage.sse", "openai-responses.sse"
                }) {
            byte[] input = Fixtures.bytes(name);
            List<SseEvent> whole = Fixtures.events(input);
            for (int cut = 0; cut <= input.length; cut++) {
                List<SseEvent> split = parseInPieces(input, cut);
                assertEquals(whole, split, name + " cut at " + cut);
                assertArrayEquals(input, concatRaw(split), name + " cut at " + cut);
            }
        }
        byte[] mixed = MIXED.getBytes(UTF_8);
        for (int cut = 0; cut <= mixed.length; cut++) {
            List<SseEvent> split = parseInPieces(mixed, cut);
            assertSameFields(expectedMixed(), split);
            assertArrayEquals(mixed, concatRaw(split), "cut at " + cut);
        }
    }

    @Test
    void oneBytePiecesGiveTheSameEventsAndBytes() {
        byte[] lf = Fixtures.bytes("anthropic-text.sse");
        List<SseEvent> pieces = parseInPieces(lf, everyIndex(lf));
        assertEquals(Fixtures.events(lf), pieces);
        assertArrayEquals(lf, concatRaw(pieces));

        // with CRLF, a chunk ending between CR and LF moves that LF to the next event's raw bytes
        // (documented), so compare the fields and the whole byte stream
        byte[] mixed = MIXED.getBytes(UTF_8);
        List<SseEvent> mixedPieces = parseInPieces(mixed, everyIndex(mixed));
        assertSameFields(expectedMixed(), mixedPieces);
        assertArrayEquals(mixed, concatRaw(mixedPieces));
    }

    private static int[] everyIndex(byte[] input) {
        int[] cuts = new int[input.length];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i;
        }
        return cuts;
    }

    @Test
    void returnsEachEventAsSoonAsItsBlankLineArrives() {
        SseParser parser = new SseParser();
        assertEquals(List.of(), parser.feed("data: a\n".getBytes(UTF_8)));
        List<SseEvent> first = parser.feed("\ndata: b".getBytes(UTF_8));
        assertEquals(1, first.size());
        assertEquals("a", first.get(0).data());
        assertEquals(List.of(), parser.feed("\n".getBytes(UTF_8)));
        assertEquals("b", parser.feed("\n".getBytes(UTF_8)).get(0).data());
        assertEquals(List.of(), parser.finish());
    }

    @Test
    void aCrLfSplitAfterTheCrDoesNotHoldTheEventBack() {
        SseParser parser = new SseParser();
        List<SseEvent> first = parser.feed("data: x\r\n\r".getBytes(UTF_8));
        assertEquals(1, first.size());
        assertEquals("x", first.get(0).data());
        assertEquals("data: x\r\n\r", new String(first.get(0).raw(), UTF_8));
        // the LF completing the CRLF goes with the next event and is not a blank line
        List<SseEvent> second = parser.feed("\ndata: y\r\n\r\n".getBytes(UTF_8));
        assertEquals(1, second.size());
        assertEquals("y", second.get(0).data());
        assertEquals("\ndata: y\r\n\r\n", new String(second.get(0).raw(), UTF_8));
    }

    @Test
    void aMultibyteCharacterSplitAcrossChunksDecodesWhole() {
        byte[] input = "data: 😀é\n\n".getBytes(UTF_8);
        for (int cut = 7; cut < 12; cut++) {
            List<SseEvent> events = parseInPieces(input, cut);
            assertEquals(1, events.size());
            assertEquals("😀é", events.get(0).data());
        }
    }

    @Test
    void dataWithAndWithoutTheSpace() {
        List<SseEvent> events =
                Fixtures.events("data:a\n\ndata: b\n\ndata:  c\n\ndata\n\n".getBytes(UTF_8));
        assertEquals("a", events.get(0).data());
        assertEquals("b", events.get(1).data());
        assertEquals(" c", events.get(2).data());
        assertEquals("", events.get(3).data());
        assertFalse(events.get(3).hasData());
    }

    @Test
    void commentsAndExtraBlankLinesBecomeEmptyEventsThatKeepTheirBytes() {
        byte[] input = ": keep-alive\n\n\n: x\n\n".getBytes(UTF_8);
        List<SseEvent> events = Fixtures.events(input);
        assertEquals(3, events.size());
        events.forEach(e -> assertFalse(e.hasData()));
        events.forEach(e -> assertEquals(Optional.empty(), e.event()));
        assertEquals("\n", new String(events.get(1).raw(), UTF_8));
        assertArrayEquals(input, concatRaw(events));
    }

    @Test
    void theLastEventWinsAndAnEmptyNameIsNoName() {
        List<SseEvent> events =
                Fixtures.events(
                        "event: a\nevent: b\ndata: 1\n\nevent:\ndata: 2\n\n".getBytes(UTF_8));
        assertEquals(Optional.of("b"), events.get(0).event());
        assertEquals(Optional.empty(), events.get(1).event());
    }

    @Test
    void ignoresALeadingByteOrderMarkButKeepsItsBytes() {
        byte[] input = "\uFEFFdata: x\n\n".getBytes(UTF_8);
        List<SseEvent> events = Fixtures.events(input);
        assertEquals("x", events.get(0).data());
        assertArrayEquals(input, events.get(0).raw());
    }

    @Test
    void finishFlushesAnEventWithoutItsBlankLine() {
        SseParser parser = new SseParser();
        assertEquals(List.of(), parser.feed("data: [DONE]".getBytes(UTF_8)));
        List<SseEvent> last = parser.finish();
        assertEquals(1, last.size());
        assertEquals("[DONE]", last.get(0).data());
        assertEquals("data: [DONE]", new String(last.get(0).raw(), UTF_8));
        assertEquals(List.of(), parser.finish());
        assertThrows(IllegalStateException.class, () -> parser.feed(new byte[] {'x'}));

        SseParser empty = new SseParser();
        assertEquals(List.of(), empty.feed(new byte[0]));
        assertEquals(List.of(), empty.finish());
    }

    @Test
    void anEventOverTheCapFailsClearlyWhetherSplitOrWhole() {
        String big = "data: " + "x".repeat(100) + "\n\n";
        SseParser whole = new SseParser(64);
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> whole.feed(big.getBytes(UTF_8)));
        assertTrue(e.getMessage().contains("limit of 64 bytes"), e.getMessage());
        assertThrows(IllegalStateException.class, whole::finish);

        SseParser split = new SseParser(64);
        assertEquals(List.of(), split.feed(Arrays.copyOf(big.getBytes(UTF_8), 60)));
        assertThrows(IllegalStateException.class, () -> split.feed(new byte[10]));
        assertThrows(IllegalStateException.class, () -> split.feed(new byte[1]));

        // exactly at the cap is fine, and the cap is per event, not per chunk
        byte[] two = ("data: " + "y".repeat(56) + "\n\n").repeat(2).getBytes(UTF_8);
        assertEquals(128, two.length);
        assertEquals(2, new SseParser(64).feed(two).size());
        assertThrows(IllegalArgumentException.class, () -> new SseParser(0));
    }

    @Test
    void doesNotKeepOrExposeTheCallersArrays() {
        byte[] chunk = "data: abc\n".getBytes(UTF_8);
        SseParser parser = new SseParser();
        parser.feed(chunk);
        Arrays.fill(chunk, (byte) 'z');
        SseEvent event = parser.feed("\n".getBytes(UTF_8)).get(0);
        assertEquals("abc", event.data());
        byte[] raw = event.raw();
        assertNotSame(raw, event.raw());
        raw[0] = 'Q';
        assertEquals('d', event.raw()[0]);
        assertEquals(11, event.rawLength());
    }

    @Test
    void factoriesEncodeWhatTheParserReads() {
        SseEvent named = SseEvent.named("message_stop", "{\"type\":\"message_stop\"}");
        assertEquals(
                "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
                new String(named.raw(), UTF_8));
        SseEvent multi = SseEvent.ofData("a\r\nb\rc");
        assertEquals("a\nb\nc", multi.data());
        assertEquals(List.of(named, multi), Fixtures.events(concatRaw(List.of(named, multi))));
        assertThrows(IllegalArgumentException.class, () -> SseEvent.named("a\nb", "x"));
        assertThrows(IllegalArgumentException.class, () -> SseEvent.named("", "x"));
        assertTrue(named.toString().contains("rawLength="));
    }
}
