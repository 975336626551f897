package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.ResponseSink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapturingResponseSinkTest {
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void capturesAWholeAnswerAndRefusesASecond() {
        CapturingResponseSink sink = CapturingResponseSink.capturing();
        assertTrue(sink.send(201, HeaderMap.of("x-a", "1"), bytes("made")));
        assertEquals(201, sink.status());
        assertEquals("1", sink.headers().first("x-a").orElseThrow());
        assertEquals("made", sink.text());
        assertFalse(sink.streamed());
        assertFalse(sink.left());
        assertThrows(
                IllegalStateException.class, () -> sink.send(200, HeaderMap.empty(), bytes("")));
        assertThrows(IllegalStateException.class, () -> sink.stream(200, HeaderMap.empty()));
    }

    @Test
    void capturesAStreamChunkByChunk() {
        CapturingResponseSink sink = CapturingResponseSink.capturing();
        ResponseSink.ResponseStream stream = sink.stream(200, HeaderMap.empty());
        assertTrue(stream.write(bytes("a")));
        assertTrue(stream.write(bytes("bc")));
        stream.close();
        stream.abort(); // after a close: nothing
        assertTrue(sink.streamed());
        assertTrue(sink.closed());
        assertFalse(sink.aborted());
        assertEquals("abc", sink.text());
        assertEquals(2, sink.chunks().size());
        assertArrayEquals(bytes("bc"), sink.chunks().get(1));
        assertThrows(IllegalStateException.class, () -> stream.write(bytes("d")));
    }

    @Test
    void aClientThatLeavesAfterSomeWritesTakesNoMore() {
        CapturingResponseSink sink = CapturingResponseSink.leavingAfterWrites(1);
        ResponseSink.ResponseStream stream = sink.stream(200, HeaderMap.empty());
        assertTrue(stream.write(bytes("one")));
        assertFalse(stream.write(bytes("two")));
        assertFalse(stream.write(bytes("three")), "gone stays gone");
        stream.abort();
        assertTrue(sink.left());
        assertTrue(sink.aborted());
        assertEquals("one", sink.text());
    }

    @Test
    void aClientGoneAtOnceTakesNothing() {
        CapturingResponseSink whole = CapturingResponseSink.gone();
        assertFalse(whole.send(200, HeaderMap.empty(), bytes("x")));
        assertTrue(whole.left());
        assertEquals(200, whole.status());
        assertEquals("", whole.text());
        CapturingResponseSink streamed = CapturingResponseSink.gone();
        assertFalse(streamed.stream(200, HeaderMap.empty()).write(bytes("x")));
        assertTrue(streamed.left());
    }

    @Test
    void aDiscardingSinkKeepsNothingAndTakesAnswerAfterAnswer() {
        List<byte[]> seen = new ArrayList<>();
        CapturingResponseSink sink = CapturingResponseSink.discarding(seen::add);
        assertTrue(sink.send(200, HeaderMap.empty(), bytes("one")));
        ResponseSink.ResponseStream stream = sink.stream(202, HeaderMap.empty());
        assertTrue(stream.write(bytes("two")));
        stream.close();
        assertEquals(202, sink.status());
        assertEquals(2, seen.size());
        assertEquals(0, sink.body().length);
        assertTrue(sink.chunks().isEmpty());
    }
}
