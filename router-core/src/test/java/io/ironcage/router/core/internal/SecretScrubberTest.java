package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.ironcage.router.core.spi.HeaderMap;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretScrubberTest {
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyOccurrenceOfEverySecretIsReplaced() {
        SecretScrubber scrubber = new SecretScrubber();
        scrubber.add("sk-proj-abcdef123");
        scrubber.add("sk-ant-zyxwvu987");
        byte[] out =
                scrubber.scrub(
                        bytes(
                                "{\"error\":\"Bearer sk-proj-abcdef123 and sk-proj-abcdef123,"
                                        + " sk-ant-zyxwvu987\",\"tail\":\"sk-proj-abcdef12\"}"));
        assertEquals(
                "{\"error\":\"Bearer <redacted> and <redacted>, <redacted>\","
                        + "\"tail\":\"sk-proj-abcdef12\"}",
                new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void cleanBytesAndHeadersAreReturnedWithoutACopy() {
        SecretScrubber scrubber = new SecretScrubber();
        scrubber.add("sk-proj-abcdef123");
        byte[] clean = bytes("sk-proj-abcdef12 is not the key; s, sk, sk-p are near misses");
        assertSame(clean, scrubber.scrub(clean));
        HeaderMap headers = HeaderMap.of("x-request-id", "req_1");
        assertSame(headers, scrubber.scrub(headers));
        assertEquals(
                "key=<redacted>",
                scrubber.scrub(HeaderMap.of("x-echo", "key=sk-proj-abcdef123"))
                        .first("x-echo")
                        .orElseThrow());
    }

    @Test
    void aKeyCutAtTheEndOfAnAnswerIsScrubbedToo() {
        SecretScrubber scrubber = new SecretScrubber();
        scrubber.add("sk-proj-abcdef123");
        assertEquals(
                "{\"error\":\"Bearer <redacted>",
                new String(
                        scrubber.scrubCut(bytes("{\"error\":\"Bearer sk-proj-abc")),
                        StandardCharsets.UTF_8));
        byte[] shortTail = bytes("{\"x\":\"sk-proj\"}");
        assertSame(shortTail, scrubber.scrubCut(shortTail), "an ending that begins no key");
    }

    @Test
    void aShortSecretIsNotScrubbedSoOrdinaryTextSurvives() {
        SecretScrubber scrubber = new SecretScrubber();
        scrubber.add("abc");
        scrubber.add(null);
        byte[] text = bytes("abcabc");
        assertSame(text, scrubber.scrub(text));
    }
}
