package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.Trees.absent;
import static io.ironcage.router.core.provider.anthropic.Trees.eachObject;
import static io.ironcage.router.core.provider.anthropic.Trees.eachTyped;
import static io.ironcage.router.core.provider.anthropic.Trees.object;
import static io.ironcage.router.core.provider.anthropic.Trees.objectField;
import static io.ironcage.router.core.provider.anthropic.Trees.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;

/**
 * The {@code system} prompt and {@code messages} of an Anthropic Messages request as OpenAI Chat
 * Completions messages: the prompt becomes a first {@code system} message, {@code text} and {@code
 * image} blocks {@code text} and {@code image_url} parts, assistant {@code tool_use} blocks {@code
 * tool_calls}, and each user {@code tool_result} block a {@code tool} message before the turn's
 * other content; {@code thinking} blocks of earlier turns are dropped.
 */
final class AnthropicToOpenAiMessages {
    private AnthropicToOpenAiMessages() {}

    /** Adds the OpenAI messages for the request's {@code system} and {@code messages}. */
    static void messages(ObjectNode in, ArrayNode messages) {
        JsonNode system = in.get("system");
        if (!absent(system)) {
            String prompt =
                    system.isTextual()
                            ? system.textValue()
                            : Trees.joinedText(system, "system", "");
            if (!prompt.isEmpty()) {
                messages.addObject().put("role", "system").put("content", prompt);
            }
        }
        eachObject(
                in.get("messages"),
                "messages",
                (turn, at) -> {
                    String role = text(turn.get("role"), at + ".role");
                    if ("user".equals(role)) {
                        userTurn(turn.get("content"), at + ".content", messages);
                    } else if ("assistant".equals(role)) {
                        assistantTurn(turn.get("content"), at + ".content", messages);
                    } else {
                        throw new TranslationException(
                                at + ".role",
                                "The field " + at + ".role must be user or assistant.");
                    }
                });
    }

    private static void userTurn(JsonNode content, String at, ArrayNode messages) {
        if (content != null && content.isTextual()) {
            messages.addObject().put("role", "user").put("content", content.textValue());
            return;
        }
        ArrayNode parts = Trees.array();
        eachTyped(
                content,
                at,
                (block, blockAt, type) -> {
                    if ("tool_result".equals(type)) {
                        messages.add(toolMessage(block, blockAt));
                    } else if ("text".equals(type)) {
                        parts.addObject()
                                .put("type", "text")
                                .put("text", text(block.get("text"), blockAt + ".text"));
                    } else if ("image".equals(type)) {
                        parts.add(imagePart(block.get("source"), blockAt + ".source"));
                    } else {
                        throw unsupported(blockAt, "text, image or tool_result");
                    }
                });
        if (parts.isEmpty()) {
            return;
        }
        ObjectNode user = messages.addObject().put("role", "user");
        if (parts.size() == 1 && "text".equals(parts.get(0).get("type").asText())) {
            user.put("content", parts.get(0).get("text").textValue());
        } else {
            user.set("content", parts);
        }
    }

    private static TranslationException unsupported(String at, String use) {
        return Trees.wrongType(
                at, "names a content block the translation to OpenAI does not support; use " + use);
    }

    private static ObjectNode toolMessage(ObjectNode block, String at) {
        ObjectNode tool = object().put("role", "tool");
        tool.put("tool_call_id", text(block.get("tool_use_id"), at + ".tool_use_id"));
        JsonNode result = block.get("content");
        if (absent(result)) {
            tool.put("content", "");
        } else if (result.isTextual()) {
            tool.put("content", result.textValue());
        } else {
            tool.put("content", Trees.joinedText(result, at + ".content", ""));
        }
        return tool;
    }

    private static ObjectNode imagePart(JsonNode source, String at) {
        ObjectNode src = objectField(source, at);
        String type = text(src.get("type"), at + ".type");
        String url;
        if ("base64".equals(type)) {
            url =
                    "data:"
                            + text(src.get("media_type"), at + ".media_type")
                            + ";base64,"
                            + text(src.get("data"), at + ".data");
        } else if ("url".equals(type)) {
            url = text(src.get("url"), at + ".url");
        } else {
            throw Trees.wrongType(at, "must be base64 or url");
        }
        ObjectNode part = object().put("type", "image_url");
        part.putObject("image_url").put("url", url);
        return part;
    }

    private static void assistantTurn(JsonNode content, String at, ArrayNode messages) {
        ObjectNode assistant = object().put("role", "assistant");
        if (content != null && content.isTextual()) {
            messages.add(assistant.put("content", content.textValue()));
            return;
        }
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Trees.array();
        eachTyped(
                content,
                at,
                (block, blockAt, type) -> {
                    if ("text".equals(type)) {
                        text.append(text(block.get("text"), blockAt + ".text"));
                    } else if ("tool_use".equals(type)) {
                        ToolTranslation.addToolCall(calls, block, blockAt);
                    } else if (!"thinking".equals(type) && !"redacted_thinking".equals(type)) {
                        throw unsupported(blockAt, "text or tool_use");
                    }
                });
        if (text.length() > 0) {
            assistant.put("content", text.toString());
        } else {
            assistant.putNull("content");
        }
        if (!calls.isEmpty()) {
            assistant.set("tool_calls", calls);
        }
        if (text.length() > 0 || !calls.isEmpty()) {
            messages.add(assistant);
        }
    }
}
