package io.ironcage.router.core.internal;

import java.nio.charset.StandardCharsets;

/** SSE events the router writes itself, in the caller's format. */
final class SseErrors {
    private static final String MESSAGE =
            "The upstream provider's stream ended before the response was complete.";

    private SseErrors() {}

    /**
     * A final event telling the caller the upstream stream broke (PRODUCT.md: a clean error event).
     */
    static byte[] upstreamBroken(ApiFormat format) {
        String event =
                format == ApiFormat.ANTHROPIC
                        ? "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\""
                                + MESSAGE
                                + "\"}}\n\n"
                        : "data: {\"error\":{\"message\":\""
                                + MESSAGE
                                + "\",\"type\":\"api_error\",\"param\":null,\"code\":\"upstream_stream_broken\"}}\n\n";
        return event.getBytes(StandardCharsets.UTF_8);
    }
}
