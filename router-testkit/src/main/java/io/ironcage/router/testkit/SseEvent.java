package io.ironcage.router.testkit;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One server-sent event as a fake writes it.
 *
 * @param event the {@code event:} field (Anthropic names every event; OpenAI sends none)
 * @param data the {@code data:} payload, one line of JSON or {@code [DONE]}
 */
record SseEvent(Optional<String> event, String data) {
    static SseEvent data(String data) {
        return new SseEvent(Optional.empty(), data);
    }

    static SseEvent named(String event, String data) {
        return new SseEvent(Optional.of(event), data);
    }

    byte[] toBytes() {
        String text = event.map(e -> "event: " + e + "\n").orElse("") + "data: " + data + "\n\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
