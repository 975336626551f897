package io.ironcage.router.core.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ModelEntry;
import io.ironcage.router.core.provider.ModelCatalog;
import io.ironcage.router.core.provider.ModelPage;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Anthropic's model list: {@code {"data":[{"type":"model","id","display_name","created_at"}],
 * "has_more","first_id","last_id"}}, in pages of up to {@value #PAGE_LIMIT} asked for with {@code
 * limit} and {@code after_id}. {@code created_at} is RFC 3339; every model is owned by {@code
 * anthropic}.
 */
public final class AnthropicModels implements ModelCatalog {
    /** The largest page Anthropic serves. */
    public static final int PAGE_LIMIT = 1000;

    private static final String OWNER = "anthropic";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Creates the catalog. */
    public AnthropicModels() {}

    @Override
    public String listQuery(Optional<String> afterId) {
        return "limit="
                + PAGE_LIMIT
                + afterId.map(id -> "&after_id=" + URLEncoder.encode(id, StandardCharsets.UTF_8))
                        .orElse("");
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
        JsonNode lastId = answer.path("last_id");
        Optional<String> next =
                answer.path("has_more").asBoolean(false) && lastId.isTextual()
                        ? Optional.of(lastId.asText())
                        : Optional.empty();
        return Optional.of(new ModelPage(models, next));
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
        JsonNode name = item.path("display_name");
        return Optional.of(
                new ModelEntry(
                        id,
                        name.isTextual() ? name.asText() : id,
                        epochSeconds(item.path("created_at")),
                        OWNER));
    }

    /** RFC 3339 to seconds since the epoch; 0 when missing or not a timestamp. */
    private static long epochSeconds(JsonNode createdAt) {
        if (!createdAt.isTextual()) {
            return 0;
        }
        try {
            return OffsetDateTime.parse(createdAt.asText()).toEpochSecond();
        } catch (DateTimeParseException e) {
            return 0;
        }
    }

    @Override
    public ObjectNode renderList(List<ModelEntry> models) {
        ObjectNode root = NODES.objectNode();
        ArrayNode data = root.putArray("data");
        for (ModelEntry model : models) {
            data.add(renderModel(model));
        }
        root.put("has_more", false);
        if (models.isEmpty()) {
            root.putNull("first_id");
            root.putNull("last_id");
        } else {
            root.put("first_id", models.get(0).id());
            root.put("last_id", models.get(models.size() - 1).id());
        }
        return root;
    }

    @Override
    public ObjectNode renderModel(ModelEntry model) {
        ObjectNode node = NODES.objectNode();
        node.put("type", "model");
        node.put("id", model.id());
        node.put("display_name", model.displayName());
        node.put("created_at", Instant.ofEpochSecond(model.createdEpochSeconds()).toString());
        return node;
    }

    @Override
    public ObjectNode errorFromOther(JsonNode otherProvidersError, int status) {
        return OpenAiToAnthropic.error(otherProvidersError, status);
    }
}
