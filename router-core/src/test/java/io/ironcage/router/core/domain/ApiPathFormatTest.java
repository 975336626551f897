package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApiPathFormatTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/v1/messages",
                "/v1/messages/",
                "/v1/messages/count_tokens",
                "/v1/messages/batches/msgbatch_1/results",
                "/v1/messages?beta=true"
            })
    void messagesAndBelowAreAnthropic(String path) {
        assertEquals(ProviderType.ANTHROPIC, ApiPath.of(path).format());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/v1/chat/completions",
                "/v1/models",
                "/v1/messagesx",
                "/v1/Messages",
                "/messages",
                "/",
                "",
                "/v1/responses",
                "/anthropic/v1/messages"
            })
    void everythingElseIsOpenAi(String path) {
        assertEquals(ProviderType.OPENAI, ApiPath.of(path).format());
    }
}
