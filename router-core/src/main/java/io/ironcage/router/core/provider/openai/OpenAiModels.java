package io.ironcage.router.core.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ModelEntry;
import io.ironcage.router.core.provider.ModelCatalog;
import io.ironcage.router.core.provider.ModelPage;
import io.ironcage.router.core.provider.anthropic.AnthropicToOpenAi;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * OpenAI's model list: {@code
 * {"object":"list","data":[{"id","object":"model","created","owned_by"}]}}, one page, no cursor. A
 * model of OpenAI's has no display name: its id stands in.
 */
public final class OpenAiModels implements ModelCatalog {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Creates the catalog. */
    public OpenAiModels() {}

    @Override
    public String listQuery(Optional<String> afterId) {
        return ""; // OpenAI answers the whole list at once
    }

    @Override
    public Optional<ModelPage> page(JsonNode answer) {
        JsonNode data = answer == null ? null : answer.get("data");
        if (data == null || !data.isArray()) {
            return Optional.empty();
        }
        List<ModelEntry> models = new ArrayList<>();
        for (JsonNode item : data) {
            entry(item).ifPresent(models::add);
        }
        return Optional.of(new ModelPage(models, Optional.empty()));
    }

    @Override
    public Optional<ModelEntry> model(JsonNode answer) {
        return entry(answer);
    }

    private static Optional<ModelEntry> entry(JsonNode item) {
        if (item == null || !item.path("id").isTextual()) {
            return Optional.empty();
        }
        String id = item.get("id").asText();
        JsonNode owner = item.path("owned_by");
        return Optional.of(
                new ModelEntry(
                        id,
                        id,
                        item.path("created").canConvertToLong() ? item.get("created").asLong() : 0,
                        owner.isTextual() ? owner.asText() : "openai"));
    }

    @Override
    public ObjectNode renderList(List<ModelEntry> models) {
        ObjectNode root = NODES.objectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (ModelEntry model : models) {
            data.add(renderModel(model));
        }
        return root;
    }

    @Override
    public ObjectNode renderModel(ModelEntry model) {
        ObjectNode node = NODES.objectNode();
        node.put("id", model.id());
        node.put("object", "model");
        node.put("created", model.createdEpochSeconds());
        node.put("owned_by", model.ownedBy());
        return node;
    }

    @Override
    public ObjectNode errorFromOther(JsonNode otherProvidersError, int status) {
        return AnthropicToOpenAi.error(otherProvidersError, status);
    }
}
