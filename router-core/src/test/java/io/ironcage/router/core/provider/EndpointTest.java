package io.ironcage.router.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.provider.Endpoint.Metering;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EndpointTest {
    @ParameterizedTest(name = "{0} {1} -> {2} {3}")
    @CsvSource({
        "POST, /v1/chat/completions, METERED, CHAT_COMPLETIONS",
        "POST, /v1/messages, METERED, MESSAGES",
        "POST, /v1/responses, METERED, RESPONSES",
        "POST, /v1/embeddings, METERED, EMBEDDINGS",
        // free: reads, deletions and the POSTs the providers do not bill
        "POST, /v1/messages/count_tokens, FREE, OTHER",
        "POST, /v1/responses/input_tokens, FREE, OTHER",
        "POST, /v1/moderations, FREE, OTHER",
        "POST, /v1/batches/batch_1/cancel, FREE, OTHER",
        "POST, /v1/messages/batches/msgbatch_1/cancel, FREE, OTHER",
        "POST, /v1/responses/resp_1/cancel, FREE, OTHER",
        "POST, /v1/fine_tuning/jobs/ftjob-1/cancel, FREE, OTHER",
        "POST, /v1/chat/completions/chatcmpl-1, FREE, OTHER",
        "GET, /v1/models, FREE, OTHER",
        "GET, /v1/models/gpt-4o, FREE, OTHER",
        "GET, /v1/batches/batch_1, FREE, OTHER",
        "GET, /v1/messages/batches/msgbatch_1/results, FREE, OTHER",
        "GET, /v1/files/file-1/content, FREE, OTHER",
        "GET, /v1/chat/completions, FREE, OTHER",
        "GET, /v1/responses/resp_1, FREE, OTHER",
        "HEAD, /v1/models, FREE, OTHER",
        "DELETE, /v1/files/file-1, FREE, OTHER",
        // paid, and not metered by the router
        "POST, /v1/batches, UNMETERED, OTHER",
        "POST, /v1/messages/batches, UNMETERED, OTHER",
        "POST, /v1/fine_tuning/jobs, UNMETERED, OTHER",
        "POST, /v1/vector_stores, UNMETERED, OTHER",
        "POST, /v1/vector_stores/vs_1/files, UNMETERED, OTHER",
        "POST, /v1/images/generations, UNMETERED, OTHER",
        "POST, /v1/audio/speech, UNMETERED, OTHER",
        "POST, /v1/audio/transcriptions, UNMETERED, OTHER",
        "POST, /v1/threads/thread_1/runs, UNMETERED, OTHER",
        "POST, /v1/threads/runs, UNMETERED, OTHER",
        "POST, /v1/completions, UNMETERED, OTHER",
        "POST, /v1/files, UNMETERED, OTHER",
        "POST, /v1/realtime/sessions, UNMETERED, OTHER",
        "POST, /v1/messages/count_tokens/x, UNMETERED, OTHER",
        "POST, /v1/chat/completions/chatcmpl-1/messages, UNMETERED, OTHER",
        "PUT, /v1/chat/completions, UNMETERED, OTHER",
        "PATCH, /v1/messages, UNMETERED, OTHER",
        "OPTIONS, /v1/models, UNMETERED, OTHER",
    })
    void everyPathHasOneClassification(
            String method, String path, Metering metering, ApiKind kind) {
        Endpoint endpoint = Endpoint.of(method, path);
        assertEquals(new Endpoint(metering, kind), endpoint);
        assertEquals(metering == Metering.METERED, endpoint.metered());
    }

    @Test
    void aMeteredEndpointHasAKindAndNoOtherDoes() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new Endpoint(Metering.METERED, ApiKind.OTHER));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Endpoint(Metering.FREE, ApiKind.MESSAGES));
    }
}
