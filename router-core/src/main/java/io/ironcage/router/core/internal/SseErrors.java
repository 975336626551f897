package io.ironcage.router.core.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ironcage.router.core.domain.ProviderType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** SSE events the router writes itself, in the caller's format. */
final class SseErrors {
    private static final JsonFactory JSON = new JsonFactory();

    private SseErrors() {}

    /**
     * A final event telling the caller the upstream stream broke (ARCHITECTURE.md: a clean error
     * event).
     */
    static byte[] upstreamBroken(ProviderType format) {
        return event(
                format,
                "upstream_stream_broken",
                "The upstream provider's stream ended before the response was complete.");
    }

    /**
     * A final event telling the caller that an event of a translated stream could not be put into
     * its format (a provider stream that breaks the provider's own protocol).
     */
    static byte[] untranslatable(ProviderType format) {
        return event(
                format,
                "untranslatable_stream",
                "The upstream provider's stream could not be translated into this API's format.");
    }

    private static byte[] event(ProviderType format, String code, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(
                (format == ProviderType.ANTHROPIC ? "event: error\ndata: " : "data: ")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            if (format == ProviderType.ANTHROPIC) {
                json.writeStringField("type", "error");
                json.writeObjectFieldStart("error");
                json.writeStringField("type", "api_error");
                json.writeStringField("message", message);
            } else {
                json.writeObjectFieldStart("error");
                json.writeStringField("message", message);
                json.writeStringField("type", "api_error");
                json.writeNullField("param");
                json.writeStringField("code", code);
            }
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        out.writeBytes("\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
