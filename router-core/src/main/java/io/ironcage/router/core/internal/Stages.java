package io.ironcage.router.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.domain.budget.Reservation;
import io.ironcage.router.core.spi.ResponseSink;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** What every stage of the request path uses: answering, releasing, reading and writing JSON. */
final class Stages {
    /** A stage that is done. */
    static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** {@code max_tokens} of a request translated to Anthropic for a model the table lacks. */
    static final long DEFAULT_TRANSLATED_MAX_TOKENS = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Stages() {}

    static void reply(ResponseSink sink, ErrorResponse error) {
        sink.send(error.status(), error.headers(), error.body());
    }

    /** Releases a reservation not yet settled; an unpriced request holds none. */
    static void release(Reservation held) {
        if (held != null) {
            held.close();
        }
    }

    /** The failure a stage carries, without its CompletionException wrapper. */
    static Throwable unwrapped(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A stage's failure to throw again as it was thrown: unchecked, unwrapped. */
    static RuntimeException rethrown(Throwable failure) {
        Throwable cause = unwrapped(failure);
        if (cause instanceof RuntimeException) {
            return (RuntimeException) cause;
        }
        if (cause instanceof Error) {
            throw (Error) cause;
        }
        return new CompletionException(cause);
    }

    static Optional<JsonNode> readJson(byte[] body) {
        try {
            return Optional.ofNullable(JSON.readTree(body));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static JsonNode readTree(byte[] body) throws IOException {
        return JSON.readTree(body);
    }

    static byte[] writeJson(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("a parsed request could not be written back", e);
        }
    }

    /** The {@code error.message} of an upstream error body, if it has one. */
    static Optional<String> errorMessage(byte[] body) {
        return readJson(body)
                .map(j -> j.path("error").path("message"))
                .filter(JsonNode::isTextual)
                .map(JsonNode::asText);
    }
}
