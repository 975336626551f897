package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelsPathTest {
    @Test
    void theListAndOneModelAreModelsRequests() {
        assertEquals(
                Optional.of(new ModelsPath(Optional.empty())), ModelsPath.of("GET", "/v1/models"));
        assertEquals(
                Optional.of(new ModelsPath(Optional.of("gpt-4o"))),
                ModelsPath.of("GET", "/v1/models/gpt-4o"));
        assertEquals(
                Optional.of(new ModelsPath(Optional.of("openai/gpt-4o"))),
                ModelsPath.of("GET", "/v1/models/openai/gpt-4o"),
                "a model prefix is kept for routing");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/openai/v1/models",
                "/anthropic/v1/models/claude-x",
                "/v1/modelsx",
                "/v1/models/",
                "/v2/models",
                "/v1/files"
            })
    void anyOtherPathIsForwardedAsItIs(String path) {
        assertEquals(Optional.empty(), ModelsPath.of("GET", path));
    }

    @Test
    void onlyAGetIsAnsweredByTheRouter() {
        assertEquals(Optional.empty(), ModelsPath.of("DELETE", "/v1/models/ft:gpt-4o:me"));
        assertEquals(Optional.empty(), ModelsPath.of("POST", "/v1/models"));
        assertEquals(Optional.empty(), ModelsPath.of("HEAD", "/v1/models"));
    }

    @Test
    void anAnthropicVersionOrXApiKeyHeaderMeansTheCallerSpeaksAnthropic() {
        assertEquals(ProviderType.ANTHROPIC, ModelsPath.callerFormat(true, false));
        assertEquals(ProviderType.ANTHROPIC, ModelsPath.callerFormat(false, true));
        assertEquals(ProviderType.OPENAI, ModelsPath.callerFormat(false, false));
    }
}
