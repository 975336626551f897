package io.ironcage.router.testkit;

import java.util.List;
import java.util.Map;

/**
 * A response ready to write: either a whole body or a list of SSE events.
 *
 * @param status the HTTP status
 * @param contentType the content type
 * @param headers extra headers
 * @param body the body; empty for a stream
 * @param events the SSE events; empty for a whole body
 */
record Rendered(
        int status,
        String contentType,
        Map<String, String> headers,
        byte[] body,
        List<SseEvent> events) {
    Rendered {
        headers = Map.copyOf(headers);
        events = List.copyOf(events);
    }

    boolean isStream() {
        return !events.isEmpty();
    }
}
