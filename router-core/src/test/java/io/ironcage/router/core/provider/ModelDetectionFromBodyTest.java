package io.ironcage.router.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.domain.ProviderRouting;
import io.ironcage.router.core.domain.ProviderType;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The reference's body-based detection tests (llm_router_test.rs, reference §10.1): the model is
 * read from the body with {@link RequestShapes#model} and its provider from {@link
 * ProviderRouting#routeModel}.
 */
class ModelDetectionFromBodyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Optional<ProviderType> detect(String body) throws JsonProcessingException {
        JsonNode tree = JSON.readTree(body);
        return RequestShapes.model(tree).flatMap(m -> ProviderRouting.routeModel(m).provider());
    }

    @Test
    @DisplayName("test_detect_provider_from_model_claude (from a body)")
    void claudeFromABody() throws JsonProcessingException {
        assertEquals(
                Optional.of(ProviderType.ANTHROPIC),
                detect("{\"model\": \"claude-sonnet-4-20250514\", \"messages\": []}"));
    }

    @Test
    @DisplayName("test_detect_provider_from_model_no_model_field")
    void noModelField() throws JsonProcessingException {
        assertEquals(
                Optional.empty(),
                detect("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        assertEquals(Optional.empty(), detect("{\"model\": 42}"), "a non-string model is no model");
        assertEquals(Optional.empty(), detect("{\"model\": \"\"}"));
    }

    @Test
    @DisplayName(
            "test_detect_provider_from_model_invalid_json — differs: invalid JSON never reaches"
                    + " routing, it is a 400 (ARCHITECTURE.md step 2)")
    void invalidJson() {
        assertThrows(JsonProcessingException.class, () -> detect("not valid json"));
    }

    @Test
    @DisplayName(
            "test_detect_provider_from_model_empty — an empty body has no model (a POST without"
                    + " one is a 400 before routing)")
    void emptyBody() throws JsonProcessingException {
        assertEquals(Optional.empty(), detect(""));
    }
}
