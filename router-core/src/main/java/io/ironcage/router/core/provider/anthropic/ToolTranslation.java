package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.Trees.absent;
import static io.ironcage.router.core.provider.anthropic.Trees.eachObject;
import static io.ironcage.router.core.provider.anthropic.Trees.object;
import static io.ironcage.router.core.provider.anthropic.Trees.objectField;
import static io.ironcage.router.core.provider.anthropic.Trees.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Tools both ways: the tool definitions and {@code tool_choice} of a request, and one tool call in
 * a message or an answer (OpenAI's {@code tool_calls} entry, Anthropic's {@code tool_use} block;
 * same ids, the input as a JSON string in OpenAI's {@code arguments}).
 */
final class ToolTranslation {
    /** OpenAI's string {@code tool_choice} → Anthropic's {@code tool_choice.type}. */
    private static final Map<String, String> ANTHROPIC_CHOICES =
            Map.of("auto", "auto", "none", "none", "required", "any");

    /** Anthropic's {@code tool_choice.type} → OpenAI's string {@code tool_choice}. */
    private static final Map<String, String> OPENAI_CHOICES =
            Map.of("auto", "auto", "any", "required", "none", "none");

    private ToolTranslation() {}

    /**
     * OpenAI {@code tools} (functions only), {@code tool_choice} and {@code parallel_tool_calls:
     * false} into the Anthropic request {@code out}; nothing without tools.
     */
    static void toAnthropic(ObjectNode in, ObjectNode out) {
        if (!eachTool(in, out, ToolTranslation::anthropicTool)) {
            return;
        }
        ObjectNode choice = anthropicChoice(in.get("tool_choice"));
        JsonNode parallel = in.get("parallel_tool_calls");
        if (!absent(parallel) && !Trees.bool(parallel, "parallel_tool_calls")) {
            if (choice == null) {
                choice = object().put("type", "auto");
            }
            if (!"none".equals(choice.get("type").asText())) {
                choice.put("disable_parallel_tool_use", true);
            }
        }
        if (choice != null) {
            out.set("tool_choice", choice);
        }
    }

    /**
     * Puts the translation of each of the request's {@code tools} into {@code out}'s, in order.
     *
     * @return {@code false}, with nothing put, when the request has no tools
     */
    private static boolean eachTool(
            ObjectNode in, ObjectNode out, BiFunction<ObjectNode, String, ObjectNode> translate) {
        JsonNode tools = in.get("tools");
        if (absent(tools) || tools.isEmpty()) {
            return false;
        }
        ArrayNode translated = out.putArray("tools");
        eachObject(tools, "tools", (tool, at) -> translated.add(translate.apply(tool, at)));
        return true;
    }

    private static ObjectNode anthropicTool(ObjectNode tool, String at) {
        if (!"function".equals(tool.path("type").asText())) {
            throw Trees.wrongType(at, "must be function; other tool types are not translated");
        }
        ObjectNode function = objectField(tool.get("function"), at + ".function");
        ObjectNode t = object();
        t.put("name", text(function.get("name"), at + ".function.name"));
        JsonNode description = function.get("description");
        if (!absent(description)) {
            t.put("description", text(description, at + ".function.description"));
        }
        JsonNode parameters = function.get("parameters");
        if (absent(parameters)) {
            t.putObject("input_schema").put("type", "object").putObject("properties");
        } else {
            t.set("input_schema", objectField(parameters, at + ".function.parameters").deepCopy());
        }
        return t;
    }

    private static ObjectNode anthropicChoice(JsonNode choice) {
        if (absent(choice)) {
            return null;
        }
        if (choice.isTextual() && ANTHROPIC_CHOICES.containsKey(choice.textValue())) {
            return object().put("type", ANTHROPIC_CHOICES.get(choice.textValue()));
        }
        if (choice.isObject() && "function".equals(choice.path("type").asText())) {
            String name = text(choice.path("function").get("name"), "tool_choice.function.name");
            return object().put("type", "tool").put("name", name);
        }
        throw new TranslationException(
                "tool_choice",
                "The field tool_choice must be auto, none, required or a named function.");
    }

    /**
     * Anthropic {@code tools} (custom tools only) and {@code tool_choice} (with {@code
     * disable_parallel_tool_use}) into the OpenAI request {@code out}; nothing without tools.
     */
    static void toOpenAi(ObjectNode in, ObjectNode out) {
        if (!eachTool(in, out, ToolTranslation::openAiTool)) {
            return;
        }
        JsonNode choice = in.get("tool_choice");
        if (absent(choice)) {
            return;
        }
        ObjectNode c = objectField(choice, "tool_choice");
        String type = text(c.get("type"), "tool_choice.type");
        if (OPENAI_CHOICES.containsKey(type)) {
            out.put("tool_choice", OPENAI_CHOICES.get(type));
        } else if ("tool".equals(type)) {
            out.putObject("tool_choice")
                    .put("type", "function")
                    .putObject("function")
                    .put("name", text(c.get("name"), "tool_choice.name"));
        } else {
            throw new TranslationException(
                    "tool_choice.type",
                    "The field tool_choice.type must be auto, any, tool or none.");
        }
        if (c.path("disable_parallel_tool_use").asBoolean(false)) {
            out.put("parallel_tool_calls", false);
        }
    }

    private static ObjectNode openAiTool(ObjectNode tool, String at) {
        JsonNode type = tool.get("type");
        if (!absent(type) && !"custom".equals(type.asText())) {
            throw Trees.wrongType(
                    at, "names an Anthropic server tool, which OpenAI models cannot use");
        }
        ObjectNode t = object().put("type", "function");
        ObjectNode function = t.putObject("function");
        function.put("name", text(tool.get("name"), at + ".name"));
        JsonNode description = tool.get("description");
        if (!absent(description)) {
            function.put("description", text(description, at + ".description"));
        }
        function.set(
                "parameters",
                objectField(tool.get("input_schema"), at + ".input_schema").deepCopy());
        return t;
    }

    /**
     * An Anthropic {@code tool_use} block for an OpenAI {@code tool_calls} entry at {@code at}: its
     * arguments are parsed first, then its id and name are read.
     */
    static ObjectNode toolUse(ObjectNode call, String at) {
        ObjectNode function = objectField(call.get("function"), at + ".function");
        String argumentsAt = at + ".function.arguments";
        JsonNode arguments = function.get("arguments");
        ObjectNode input =
                absent(arguments)
                        ? object()
                        : Trees.parseObject(text(arguments, argumentsAt), argumentsAt);
        ObjectNode block = object().put("type", "tool_use");
        block.put("id", text(call.get("id"), at + ".id"));
        block.put("name", text(function.get("name"), at + ".function.name"));
        block.set("input", input);
        return block;
    }

    /**
     * Adds the OpenAI {@code tool_calls} entry for an Anthropic {@code tool_use} block at {@code
     * at}.
     */
    static void addToolCall(ArrayNode calls, ObjectNode block, String at) {
        ObjectNode call = calls.addObject();
        call.put("id", text(block.get("id"), at + ".id")).put("type", "function");
        JsonNode input = block.get("input");
        call.putObject("function")
                .put("name", text(block.get("name"), at + ".name"))
                .put("arguments", Trees.write(absent(input) ? object() : input));
    }
}
