package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestTargetTest {
    private static RequestTarget valid(String raw, String query) {
        RequestTarget.Parsed parsed = RequestTarget.parse(raw, query);
        return assertInstanceOf(RequestTarget.Valid.class, parsed, raw).target();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "/v1/chat/completions, /v1/chat/completions",
        "/v1/./chat/completions, /v1/chat/completions",
        "/v1/%2e/chat/completions, /v1/chat/completions",
        "/v1/%2E/chat/completions, /v1/chat/completions",
        "/v1/../v1/chat/completions, /v1/chat/completions",
        "/v1/%2e%2e/v1/chat/completions, /v1/chat/completions",
        "/v1/.%2e/v1/messages, /v1/messages",
        "/v1/chat/completions/, /v1/chat/completions",
        "/v1/chat/completions/., /v1/chat/completions",
        "/v1//chat//completions, /v1/chat/completions",
        "/%76%31/%63hat/completions, /v1/chat/completions",
        "/openai/v1/./responses, /openai/v1/responses",
        "/v1/models/../../anything, /anything",
        "/v1/models/../../../../../etc, /etc",
        "/.., /",
        "/./, /",
        "/, /",
        "/v1/models/gpt-4o%3aft, /v1/models/gpt-4o%3Aft",
        "/v1/files/file-a~b_c.d, /v1/files/file-a~b_c.d",
        "/v1/models/ft:gpt-4o:org@x, /v1/models/ft:gpt-4o:org@x",
        "/v1/.hidden/x, /v1/.hidden/x",
        "/v1/a..b, /v1/a..b",
    })
    void dotSegmentsAndUnreservedEscapesAreNormalisedOnce(String raw, String expected) {
        assertEquals(expected, valid(raw, "").path());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "/v1/chat%2Fcompletions",
                "/v1/chat%2fcompletions",
                "/v1%5Cchat/completions",
                "/v1\\chat/completions",
                "/v1/chat/completions%00",
                "/v1/chat/completions\u0000",
                "/v1/chat/completions\r\nX-Injected: 1",
                "/v1/chat/completions\n",
                "/v1/chat/completions\u001b[2J",
                "/v1/chat/completions%1b",
                "/v1/chat/completions%7F",
                "/v1/chat completions",
                "/v1/ch\u00e4t/completions",
                "/v1/chat/completions%",
                "/v1/chat/completions%4",
                "/v1/chat/completions%zz",
                "/v1/<script>",
                "/v1/\"x\"",
                "/v1/{x}",
                "/v1/a|b",
                "/v1/a^b",
                "/v1/a`b",
                "v1/chat/completions",
                ""
            })
    void anythingTwoParsersCouldReadDifferentlyIsRefused(String raw) {
        RequestTarget.Refused refused =
                assertInstanceOf(RequestTarget.Refused.class, RequestTarget.parse(raw, ""));
        // the reason quotes nothing of the path, so nothing the caller sent is echoed
        for (char c : raw.toCharArray()) {
            if (c < 0x20 || c > 0x7e) {
                assertEquals(-1, refused.reason().indexOf(c), refused.reason());
            }
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "a=b\r\nHost: evil",
                "a=b c",
                "a=\u0000",
                "a=%zz",
                "a=%",
                "a=\u00e9",
                "a=\\x",
                "a=\"x\""
            })
    void aQueryThatCannotBeForwardedAsItIsIsRefused(String query) {
        assertInstanceOf(
                RequestTarget.Refused.class,
                RequestTarget.parse("/v1/models", query),
                "query " + query);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "limit=10&after=file-1", "a=%2F%20&b=c/d?e", "x=1+2&y=a:b@c"})
    void aPlainQueryIsKeptAsSent(String query) {
        assertEquals(query, valid("/v1/files", query).query());
    }

    @org.junit.jupiter.api.Test
    void aPlainPathIsReturnedWithoutCopying() {
        String raw = "/v1/chat/completions";
        assertSame(raw, valid(raw, null).path());
        assertEquals("", valid(raw, null).query());
    }
}
