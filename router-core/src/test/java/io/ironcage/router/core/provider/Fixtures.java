package io.ironcage.router.core.provider;

import io.ironcage.router.core.domain.ApiKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads the hand-written stream fixtures next to these tests. */
final class Fixtures {
    private Fixtures() {}

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new AssertionError("missing fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a whole stream in one chunk. */
    static List<SseEvent> events(byte[] stream) {
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>(parser.feed(stream));
        events.addAll(parser.finish());
        return events;
    }

    static List<SseEvent> events(String name) {
        return events(bytes(name));
    }

    /** Feeds every event of a fixture to a new tracker. */
    static StreamUsage track(ApiKind kind, String name) {
        StreamUsage usage = StreamUsage.forKind(kind);
        events(name).forEach(usage::onEvent);
        return usage;
    }
}
