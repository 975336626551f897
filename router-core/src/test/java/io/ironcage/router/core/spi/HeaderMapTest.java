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
    void aBuilderKeepsWorkingAfterBuildWithoutChangingWhatItBuilt() {
        HeaderMap.Builder builder = HeaderMap.builder();
        for (int i = 0; i < 20; i++) {
            builder.add("X-" + i, "v" + i); // grows past its first arrays
        }
        HeaderMap first = builder.build();
        HeaderMap second = builder.add("x-20", "v20").remove("x-0").set("x-1", "one").build();
        HeaderMap third = builder.remove("x-2").build();
        assertEquals(20, first.size());
        assertEquals("v0", first.first("x-0").orElseThrow());
        assertEquals("v1", first.first("X-1").orElseThrow());
        assertEquals(20, second.size());
        assertFalse(second.contains("x-0"));
        assertEquals("one", second.first("x-1").orElseThrow());
        assertEquals("v2", second.first("x-2").orElseThrow());
        assertEquals(19, third.size());
        assertFalse(third.contains("x-2"));
        assertEquals(first, first.toBuilder().build());
        assertEquals(first.hashCode(), first.toBuilder().build().hashCode());
        assertFalse(first.equals(second));
        assertEquals(HeaderMap.of("a", "1"), HeaderMap.of("A", "1"), "names are lower case");
        assertEquals(HeaderMap.empty(), HeaderMap.of("a", "1").toBuilder().remove("a").build());
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
