package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ApiKindTest {
    @Test
    void knowsTheFourBilledPaths() {
        assertEquals(ApiKind.CHAT_COMPLETIONS, ApiKind.ofPath("/v1/chat/completions"));
        assertEquals(ApiKind.RESPONSES, ApiKind.ofPath("/v1/responses"));
        assertEquals(ApiKind.EMBEDDINGS, ApiKind.ofPath("/v1/embeddings"));
        assertEquals(ApiKind.MESSAGES, ApiKind.ofPath("/v1/messages"));
    }

    @Test
    void toleratesATrailingSlashAndAQuery() {
        assertEquals(ApiKind.CHAT_COMPLETIONS, ApiKind.ofPath("/v1/chat/completions/"));
        assertEquals(ApiKind.MESSAGES, ApiKind.ofPath("/v1/messages?beta=true"));
        assertEquals(ApiKind.RESPONSES, ApiKind.ofPath("/v1/responses/?x=1"));
    }

    @Test
    void everythingElseIsOther() {
        for (String path :
                new String[] {
                    "/v1/models",
                    "/v1/completions",
                    "/v1/messages/batches",
                    "/v1/messages/count_tokens",
                    "/v1/responses/resp_123",
                    "/V1/messages",
                    "/v1/chat/completions//",
                    "/openai/v1/chat/completions",
                    "/",
                    ""
                }) {
            assertEquals(ApiKind.OTHER, ApiKind.ofPath(path), path);
        }
    }
}
