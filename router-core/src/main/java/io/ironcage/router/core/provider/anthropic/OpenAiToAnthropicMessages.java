package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.Trees.absent;
import static io.ironcage.router.core.provider.anthropic.Trees.array;
import static io.ironcage.router.core.provider.anthropic.Trees.eachObject;
import static io.ironcage.router.core.provider.anthropic.Trees.eachTyped;
import static io.ironcage.router.core.provider.anthropic.Trees.object;
import static io.ironcage.router.core.provider.anthropic.Trees.objectField;
import static io.ironcage.router.core.provider.anthropic.Trees.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code messages} of an OpenAI Chat Completions request as Anthropic turns: system and
 * developer messages become the {@code system} prompt, user parts {@code text} and {@code image}
 * blocks, assistant content and tool calls {@code text} and {@code tool_use} blocks, tool messages
 * {@code tool_result} blocks in a user turn; consecutive turns of the same role are merged.
 */
final class OpenAiToAnthropicMessages {
    private OpenAiToAnthropicMessages() {}

    /**
     * The Anthropic {@code messages} for OpenAI's; the texts of system and developer messages are
     * added to {@code system}, in order.
     */
    static ArrayNode messages(JsonNode messages, List<String> system) {
        List<Turn> turns = new ArrayList<>();
        eachObject(
                messages,
                "messages",
                (message, at) -> {
                    String role = text(message.get("role"), at + ".role");
                    switch (role) {
                        case "system":
                        case "developer":
                            system.add(systemText(message.get("content"), at + ".content"));
                            break;
                        case "user":
                            addTurn(
                                    turns,
                                    "user",
                                    userBlocks(message.get("content"), at + ".content"));
                            break;
                        case "assistant":
                            addTurn(turns, "assistant", assistantBlocks(message, at));
                            break;
                        case "tool":
                            addTurn(turns, "user", List.of(toolResult(message, at)));
                            break;
                        default:
                            throw new TranslationException(
                                    at + ".role",
                                    "The field "
                                            + at
                                            + ".role has a role the Anthropic Messages API does"
                                            + " not have; use system, developer, user, assistant"
                                            + " or tool.");
                    }
                });
        ArrayNode out = array();
        for (Turn turn : turns) {
            ObjectNode message = out.addObject();
            message.put("role", turn.role());
            if (turn.blocks().size() == 1 && isPlainText(turn.blocks().get(0))) {
                message.put("content", turn.blocks().get(0).get("text").textValue());
            } else {
                message.putArray("content").addAll(turn.blocks());
            }
        }
        return out;
    }

    private static boolean isPlainText(ObjectNode block) {
        return block.size() == 2 && "text".equals(block.path("type").asText());
    }

    /** Appends blocks to the last turn when it has the same role; turns without blocks vanish. */
    private static void addTurn(List<Turn> turns, String role, List<ObjectNode> blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
        if (last != null && last.role().equals(role)) {
            last.blocks().addAll(blocks);
        } else {
            turns.add(new Turn(role, new ArrayList<>(blocks)));
        }
    }

    private static String systemText(JsonNode content, String at) {
        if (content != null && content.isTextual()) {
            return content.textValue();
        }
        return Trees.joinedText(content, at, " in a system or developer message");
    }

    private static List<ObjectNode> userBlocks(JsonNode content, String at) {
        List<ObjectNode> blocks = new ArrayList<>();
        if (content != null && content.isTextual()) {
            addText(blocks, content.textValue());
            return blocks;
        }
        eachTyped(
                content,
                at,
                (part, partAt, type) -> {
                    if ("text".equals(type)) {
                        addText(blocks, text(part.get("text"), partAt + ".text"));
                    } else if ("image_url".equals(type)) {
                        blocks.add(image(part.get("image_url"), partAt + ".image_url"));
                    } else {
                        throw Trees.wrongType(
                                partAt,
                                "names a content part the translation to Anthropic does not"
                                        + " support; use text or image_url");
                    }
                });
        return blocks;
    }

    private static void addText(List<ObjectNode> blocks, String text) {
        if (!text.isEmpty()) {
            blocks.add(object().put("type", "text").put("text", text));
        }
    }

    private static ObjectNode image(JsonNode imageUrl, String at) {
        String url = text(objectField(imageUrl, at).get("url"), at + ".url");
        ObjectNode block = object().put("type", "image");
        ObjectNode source = block.putObject("source");
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            String header = comma < 0 ? "" : url.substring(5, comma);
            if (comma < 0 || !header.endsWith(";base64")) {
                throw new TranslationException(
                        at + ".url",
                        "The field " + at + ".url must be a base64 data URL or an http(s) URL.");
            }
            source.put("type", "base64")
                    .put("media_type", header.substring(0, header.length() - ";base64".length()))
                    .put("data", url.substring(comma + 1));
        } else if (url.startsWith("https://") || url.startsWith("http://")) {
            source.put("type", "url").put("url", url);
        } else {
            throw new TranslationException(
                    at + ".url",
                    "The field " + at + ".url must be a base64 data URL or an http(s) URL.");
        }
        return block;
    }

    private static List<ObjectNode> assistantBlocks(ObjectNode message, String at) {
        if (!absent(message.get("function_call"))) {
            throw OpenAiToAnthropic.noCounterpart(
                    at + ".function_call",
                    "legacy function calls are not translated; use tool_calls");
        }
        List<ObjectNode> blocks = new ArrayList<>();
        JsonNode content = message.get("content");
        if (content != null && content.isTextual()) {
            addText(blocks, content.textValue());
        } else if (!absent(content)) {
            eachTyped(
                    content,
                    at + ".content",
                    (part, partAt, type) -> {
                        if (!"text".equals(type) && !"refusal".equals(type)) {
                            throw Trees.wrongType(
                                    partAt, "must be text or refusal in an assistant message");
                        }
                        addText(blocks, text(part.get(type), partAt + "." + type));
                    });
        }
        JsonNode calls = message.get("tool_calls");
        if (!absent(calls)) {
            eachObject(
                    calls,
                    at + ".tool_calls",
                    (call, callAt) -> blocks.add(ToolTranslation.toolUse(call, callAt)));
        }
        return blocks;
    }

    private static ObjectNode toolResult(ObjectNode message, String at) {
        ObjectNode block = object().put("type", "tool_result");
        block.put("tool_use_id", text(message.get("tool_call_id"), at + ".tool_call_id"));
        JsonNode content = message.get("content");
        if (content != null && content.isTextual()) {
            block.put("content", content.textValue());
        } else if (!absent(content)) {
            ArrayNode blocks = block.putArray("content");
            eachObject(
                    content,
                    at + ".content",
                    (part, partAt) -> {
                        if (!"text".equals(part.path("type").asText())) {
                            throw Trees.wrongType(partAt, "must be text in a tool message");
                        }
                        blocks.addObject()
                                .put("type", "text")
                                .put("text", text(part.get("text"), partAt + ".text"));
                    });
        }
        return block;
    }

    /** One Anthropic turn being built; {@code blocks} is mutable. */
    private record Turn(String role, List<ObjectNode> blocks) {}
}
