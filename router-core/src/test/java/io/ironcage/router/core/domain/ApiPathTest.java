package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiPathTest {
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({
        "/v1/messages, ANTHROPIC, MESSAGES",
        "/v1/messages/, ANTHROPIC, MESSAGES",
        "/v1/messages/count_tokens, ANTHROPIC, OTHER",
        "/v1/messages/batches/msgbatch_1, ANTHROPIC, OTHER",
        "/v1/messagesx, , OTHER",
        "/v1/chat/completions, OPENAI, CHAT_COMPLETIONS",
        "/v1/chat/completions/chatcmpl_1, OPENAI, OTHER",
        "/v1/responses/resp_1/cancel, OPENAI, OTHER",
        "/v1/responses?x=1, OPENAI, RESPONSES",
        "/v1/embeddings, OPENAI, EMBEDDINGS",
        "/v1/models, , OTHER",
        "/v1/Messages, , OTHER",
    })
    void eachPathIsClassifiedOnce(String path, ProviderType api, ApiKind kind) {
        ApiPath classified = ApiPath.of(path);
        assertEquals(new ApiPath(Optional.ofNullable(api), kind), classified);
        assertEquals(api == null ? ProviderType.OPENAI : api, classified.format());
        assertSame(classified, ApiPath.of(path), "a classification is made once, not per request");
    }
}
