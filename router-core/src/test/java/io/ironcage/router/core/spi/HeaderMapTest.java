package io.ironcage.router.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HeaderMapTest {
    @Test
    void namesIgnoreCaseAndKeepOrderAndRepeats() {
        HeaderMap headers =
                HeaderMap.of("Content-Type", "application/json", "X-Multi", "a", "x-multi", "b");
        assertEquals(Optional.of("application/json"), headers.first("content-type"));
        assertEquals(List.of("a", "b"), headers.all("X-MULTI"));
        assertTrue(headers.contains("CONTENT-TYPE"));
        assertEquals(List.of("content-type", "x-multi"), new ArrayList<>(headers.names()));
        List<String> seen = new ArrayList<>();
        headers.forEach((name, value) -> seen.add(name + "=" + value));
        assertEquals(List.of("content-type=application/json", "x-multi=a", "x-multi=b"), seen);
        assertEquals(3, headers.size());
    }

    @Test
    void builderSetsRemovesAndCopies() {
        HeaderMap base = HeaderMap.of("a", "1", "b", "2", "a", "3");
        HeaderMap changed = base.toBuilder().set("A", "9").remove("b").build();
        assertEquals(List.of("9"), changed.all("a"));
        assertFalse(changed.contains("b"));
        assertEquals(List.of("1", "3"), base.all("a"), "the original is unchanged");
        assertEquals(HeaderMap.of("a", "1", "b", "2", "a", "3"), base);
        assertTrue(HeaderMap.empty().isEmpty());
    }

    @Test
    void toStringShowsNamesButNeverValues() {
        String text =
                HeaderMap.of("Authorization", "Bearer sk-secret", "x-api-key", "sk-ant-secret")
                        .toString();
        assertFalse(text.contains("secret"), text);
        assertTrue(text.contains("authorization"), text);
    }

    @Test
    void rejectsHeaderInjectionWithoutEchoingTheValue() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> HeaderMap.of("x-api-key", "sk-secret\r\nX-Injected: 1"));
        assertFalse(e.getMessage().contains("sk-secret"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HeaderMap.of("bad name", "v"));
        assertThrows(IllegalArgumentException.class, () -> HeaderMap.of("", "v"));
        assertThrows(IllegalArgumentException.class, () -> HeaderMap.of("odd"));
    }
}
