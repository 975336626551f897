package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.Trees.absent;
import static io.ironcage.router.core.provider.anthropic.Trees.array;
import static io.ironcage.router.core.provider.anthropic.Trees.arrayField;
import static io.ironcage.router.core.provider.anthropic.Trees.object;
import static io.ironcage.router.core.provider.anthropic.Trees.objectField;
import static io.ironcage.router.core.provider.anthropic.Trees.text;
import static io.ironcage.router.core.provider.anthropic.Trees.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Translates an OpenAI Chat Completions request into an Anthropic Messages request. A pure function
 * over Jackson trees: no I/O, no clock, no logging; the input is never modified.
 *
 * <p>What maps to what:
 *
 * <table>
 *   <caption>OpenAI request field → Anthropic request field</caption>
 *   <tr><th>OpenAI</th><th>Anthropic</th></tr>
 *   <tr><td>{@code model}</td><td>{@code model}, as is</td></tr>
 *   <tr><td>{@code system} / {@code developer} messages (string or text parts)</td>
 *       <td>{@code system}, joined with {@code "\n"}</td></tr>
 *   <tr><td>{@code user} text and {@code image_url} parts</td>
 *       <td>{@code text} and {@code image} blocks (data URL → {@code base64}, http(s) → {@code url})</td></tr>
 *   <tr><td>{@code assistant} content and {@code tool_calls}</td><td>{@code text} and {@code tool_use} blocks</td></tr>
 *   <tr><td>{@code tool} messages</td><td>{@code tool_result} blocks in a user turn</td></tr>
 *   <tr><td>consecutive turns of the same role</td><td>one turn</td></tr>
 *   <tr><td>{@code tools}, {@code tool_choice}, {@code parallel_tool_calls: false}</td>
 *       <td>{@code tools}, {@code tool_choice}, {@code tool_choice.disable_parallel_tool_use}</td></tr>
 *   <tr><td>{@code max_tokens}, else {@code max_completion_tokens}</td>
 *       <td>{@code max_tokens}; default: the model's maximum output</td></tr>
 *   <tr><td>{@code temperature}</td><td>{@code temperature}, clamped to 0–1</td></tr>
 *   <tr><td>{@code top_p}</td><td>{@code top_p}</td></tr>
 *   <tr><td>{@code stop} (string or array)</td><td>{@code stop_sequences}</td></tr>
 *   <tr><td>{@code user}</td><td>{@code metadata.user_id}</td></tr>
 *   <tr><td>{@code stream}</td><td>{@code stream}</td></tr>
 * </table>
 *
 * <p>Dropped, because they do not change what the answer means:
 *
 * <table>
 *   <caption>OpenAI request fields that are dropped</caption>
 *   <tr><th>Field</th><th>Why it is harmless</th></tr>
 *   <tr><td>{@code presence_penalty}, {@code frequency_penalty}</td><td>sampling nudges only</td></tr>
 *   <tr><td>{@code seed}</td><td>OpenAI's determinism is best effort anyway</td></tr>
 *   <tr><td>{@code store}, {@code metadata}</td><td>OpenAI-side storage of the completion</td></tr>
 *   <tr><td>{@code service_tier}</td><td>OpenAI capacity tier</td></tr>
 *   <tr><td>{@code stream_options}</td><td>Anthropic streams always carry usage</td></tr>
 *   <tr><td>{@code prediction}</td><td>a latency optimisation; the answer is the same</td></tr>
 *   <tr><td>{@code reasoning_effort}, {@code verbosity}</td><td>effort and length hints</td></tr>
 *   <tr><td>{@code prompt_cache_key}, {@code safety_identifier}</td><td>OpenAI-side caching and abuse tracking</td></tr>
 *   <tr><td>{@code parallel_tool_calls: true}, {@code n: 1}, {@code logprobs: false},
 *       {@code response_format: text}</td><td>the defaults</td></tr>
 *   <tr><td>{@code name} on a message</td><td>a participant label</td></tr>
 * </table>
 *
 * <p>Refused with a {@link TranslationException} naming the field, because dropping them would
 * change the meaning: {@code n} &gt; 1, {@code logprobs: true}, {@code top_logprobs}, {@code
 * response_format} {@code json_object}/{@code json_schema}, {@code audio}, {@code modalities} with
 * {@code audio}, {@code functions}/{@code function_call} (legacy), a non-empty {@code logit_bias},
 * {@code web_search_options}, messages with role {@code function}, audio and file content parts,
 * and any top-level field not named above.
 */
public final class OpenAiToAnthropic {
    private static final Set<String> DROPPED =
            Set.of(
                    "presence_penalty",
                    "frequency_penalty",
                    "seed",
                    "store",
                    "metadata",
                    "service_tier",
                    "stream_options",
                    "prediction",
                    "reasoning_effort",
                    "verbosity",
                    "prompt_cache_key",
                    "safety_identifier");

    private static final Set<String> HANDLED =
            Set.of(
                    "model",
                    "messages",
                    "max_tokens",
                    "max_completion_tokens",
                    "temperature",
                    "top_p",
                    "stop",
                    "user",
                    "stream",
                    "tools",
                    "tool_choice",
                    "parallel_tool_calls",
                    "n",
                    "logprobs",
                    "top_logprobs",
                    "response_format",
                    "modalities",
                    "logit_bias");

    private OpenAiToAnthropic() {}

    /**
     * Translates a Chat Completions request body into a Messages request body.
     *
     * @param openAiChatRequest the OpenAI request; not modified
     * @param maxOutputTokensOfModel the {@code max_tokens} to use when the request sets none, by
     *     model name (the caller backs it with the pricing table, and 4096 for unknown models)
     * @return a new Anthropic Messages request
     * @throws TranslationException naming the field, when a field has the wrong shape or no
     *     counterpart that keeps the request's meaning
     */
    public static ObjectNode request(
            ObjectNode openAiChatRequest, ToLongFunction<String> maxOutputTokensOfModel) {
        Objects.requireNonNull(openAiChatRequest, "openAiChatRequest");
        Objects.requireNonNull(maxOutputTokensOfModel, "maxOutputTokensOfModel");
        ObjectNode in = openAiChatRequest;
        refuseUntranslatable(in);

        ObjectNode out = object();
        String model = text(in.get("model"), "model");
        out.put("model", model);

        List<String> system = new ArrayList<>();
        out.set("messages", messages(arrayField(in.get("messages"), "messages"), system));
        if (!system.isEmpty()) {
            out.put("system", String.join("\n", system));
        }
        out.put("max_tokens", maxTokens(in, model, maxOutputTokensOfModel));

        JsonNode temperature = in.get("temperature");
        if (!absent(temperature)) {
            out.set("temperature", clampedTemperature(temperature));
        }
        JsonNode topP = in.get("top_p");
        if (!absent(topP)) {
            if (!topP.isNumber()) {
                throw new TranslationException("top_p", "The field top_p must be a number.");
            }
            out.set("top_p", topP);
        }
        JsonNode stop = in.get("stop");
        if (!absent(stop)) {
            out.set("stop_sequences", stopSequences(stop));
        }
        JsonNode user = in.get("user");
        if (!absent(user)) {
            out.putObject("metadata").put("user_id", text(user, "user"));
        }
        tools(in, out);
        JsonNode stream = in.get("stream");
        if (!absent(stream)) {
            if (!stream.isBoolean()) {
                throw new TranslationException("stream", "The field stream must be a boolean.");
            }
            out.put("stream", stream.booleanValue());
        }
        return out;
    }

    private static void refuseUntranslatable(ObjectNode in) {
        Iterator<String> names = in.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!HANDLED.contains(name) && !DROPPED.contains(name)) {
                throw new TranslationException(
                        name,
                        "The field "
                                + name
                                + " has no counterpart in the Anthropic Messages API, so the"
                                + " request cannot be sent to an Anthropic model.");
            }
        }
        JsonNode n = in.get("n");
        if (!absent(n) && !(n.isIntegralNumber() && n.asLong() == 1)) {
            throw noCounterpart("n", "Anthropic models return exactly one choice (n must be 1)");
        }
        JsonNode logprobs = in.get("logprobs");
        if (!absent(logprobs) && !(logprobs.isBoolean() && !logprobs.booleanValue())) {
            throw noCounterpart("logprobs", "Anthropic models do not return log probabilities");
        }
        if (!absent(in.get("top_logprobs"))) {
            throw noCounterpart("top_logprobs", "Anthropic models do not return log probabilities");
        }
        JsonNode format = in.get("response_format");
        if (!absent(format) && !"text".equals(format.path("type").asText())) {
            throw noCounterpart(
                    "response_format",
                    "Anthropic models have no JSON mode or JSON schema output format");
        }
        JsonNode modalities = in.get("modalities");
        if (!absent(modalities)) {
            for (JsonNode m : arrayField(modalities, "modalities")) {
                if (!"text".equals(m.asText())) {
                    throw noCounterpart("modalities", "Anthropic models answer in text only");
                }
            }
        }
        JsonNode logitBias = in.get("logit_bias");
        if (!absent(logitBias) && !(logitBias.isObject() && logitBias.isEmpty())) {
            throw noCounterpart("logit_bias", "Anthropic models take no token biases");
        }
    }

    private static TranslationException noCounterpart(String field, String why) {
        return new TranslationException(
                field,
                "The field "
                        + field
                        + " cannot be translated: "
                        + why
                        + ", so the request cannot be sent to an Anthropic model.");
    }

    private static long maxTokens(
            ObjectNode in, String model, ToLongFunction<String> maxOutputTokensOfModel) {
        for (String field : List.of("max_tokens", "max_completion_tokens")) {
            JsonNode value = in.get(field);
            if (!absent(value)) {
                if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 1) {
                    throw new TranslationException(
                            field, "The field " + field + " must be a positive integer.");
                }
                return value.asLong();
            }
        }
        return maxOutputTokensOfModel.applyAsLong(model);
    }

    private static JsonNode clampedTemperature(JsonNode temperature) {
        if (!temperature.isNumber()) {
            throw new TranslationException(
                    "temperature", "The field temperature must be a number.");
        }
        double value = temperature.asDouble();
        if (value > 1) {
            return Trees.object().numberNode(1);
        }
        if (value < 0) {
            return Trees.object().numberNode(0);
        }
        return temperature;
    }

    private static ArrayNode stopSequences(JsonNode stop) {
        ArrayNode out = array();
        if (stop.isTextual()) {
            out.add(stop.textValue());
            return out;
        }
        ArrayNode all = arrayField(stop, "stop");
        for (int i = 0; i < all.size(); i++) {
            out.add(text(all.get(i), "stop[" + i + "]"));
        }
        return out;
    }

    private static ArrayNode messages(ArrayNode messages, List<String> system) {
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            String at = "messages[" + i + "]";
            ObjectNode message = objectField(messages.get(i), at);
            String role = text(message.get("role"), at + ".role");
            switch (role) {
                case "system":
                case "developer":
                    system.add(systemText(message.get("content"), at + ".content"));
                    break;
                case "user":
                    addTurn(turns, "user", userBlocks(message.get("content"), at + ".content"));
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
                                    + ".role has a role the Anthropic Messages API does not"
                                    + " have; use system, developer, user, assistant or tool.");
            }
        }
        ArrayNode out = array();
        for (Turn turn : turns) {
            ObjectNode message = out.addObject();
            message.put("role", turn.role);
            if (turn.blocks.size() == 1 && isPlainText(turn.blocks.get(0))) {
                message.put("content", turn.blocks.get(0).get("text").textValue());
            } else {
                message.putArray("content").addAll(turn.blocks);
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
        if (last != null && last.role.equals(role)) {
            last.blocks.addAll(blocks);
        } else {
            turns.add(new Turn(role, new ArrayList<>(blocks)));
        }
    }

    private static String systemText(JsonNode content, String at) {
        if (content != null && content.isTextual()) {
            return content.textValue();
        }
        ArrayNode parts = arrayField(content, at);
        List<String> texts = new ArrayList<>();
        for (int j = 0; j < parts.size(); j++) {
            String partAt = at + "[" + j + "]";
            ObjectNode part = objectField(parts.get(j), partAt);
            if (!"text".equals(part.path("type").asText())) {
                throw new TranslationException(
                        partAt + ".type",
                        "The field "
                                + partAt
                                + ".type must be text in a system or developer message.");
            }
            texts.add(text(part.get("text"), partAt + ".text"));
        }
        return String.join("\n", texts);
    }

    private static List<ObjectNode> userBlocks(JsonNode content, String at) {
        List<ObjectNode> blocks = new ArrayList<>();
        if (content != null && content.isTextual()) {
            addText(blocks, content.textValue());
            return blocks;
        }
        ArrayNode parts = arrayField(content, at);
        for (int j = 0; j < parts.size(); j++) {
            String partAt = at + "[" + j + "]";
            ObjectNode part = objectField(parts.get(j), partAt);
            String type = text(part.get("type"), partAt + ".type");
            if ("text".equals(type)) {
                addText(blocks, text(part.get("text"), partAt + ".text"));
            } else if ("image_url".equals(type)) {
                blocks.add(image(part.get("image_url"), partAt + ".image_url"));
            } else {
                throw new TranslationException(
                        partAt + ".type",
                        "The field "
                                + partAt
                                + ".type names a content part the translation to Anthropic does"
                                + " not support; use text or image_url.");
            }
        }
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
            throw noCounterpart(
                    at + ".function_call",
                    "legacy function calls are not translated; use tool_calls");
        }
        List<ObjectNode> blocks = new ArrayList<>();
        JsonNode content = message.get("content");
        if (content != null && content.isTextual()) {
            addText(blocks, content.textValue());
        } else if (!absent(content)) {
            ArrayNode parts = arrayField(content, at + ".content");
            for (int j = 0; j < parts.size(); j++) {
                String partAt = at + ".content[" + j + "]";
                ObjectNode part = objectField(parts.get(j), partAt);
                String type = text(part.get("type"), partAt + ".type");
                if ("text".equals(type) || "refusal".equals(type)) {
                    addText(blocks, text(part.get(type), partAt + "." + type));
                } else {
                    throw new TranslationException(
                            partAt + ".type",
                            "The field "
                                    + partAt
                                    + ".type must be text or refusal in an assistant message.");
                }
            }
        }
        JsonNode calls = message.get("tool_calls");
        if (!absent(calls)) {
            ArrayNode all = arrayField(calls, at + ".tool_calls");
            for (int k = 0; k < all.size(); k++) {
                String callAt = at + ".tool_calls[" + k + "]";
                ObjectNode call = objectField(all.get(k), callAt);
                ObjectNode function = objectField(call.get("function"), callAt + ".function");
                String argumentsAt = callAt + ".function.arguments";
                JsonNode arguments = function.get("arguments");
                ObjectNode input =
                        absent(arguments)
                                ? object()
                                : Trees.parseObject(text(arguments, argumentsAt), argumentsAt);
                ObjectNode block = object().put("type", "tool_use");
                block.put("id", text(call.get("id"), callAt + ".id"));
                block.put("name", text(function.get("name"), callAt + ".function.name"));
                block.set("input", input);
                blocks.add(block);
            }
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
            ArrayNode parts = arrayField(content, at + ".content");
            ArrayNode blocks = block.putArray("content");
            for (int j = 0; j < parts.size(); j++) {
                String partAt = at + ".content[" + j + "]";
                ObjectNode part = objectField(parts.get(j), partAt);
                if (!"text".equals(part.path("type").asText())) {
                    throw new TranslationException(
                            partAt + ".type",
                            "The field " + partAt + ".type must be text in a tool message.");
                }
                blocks.addObject()
                        .put("type", "text")
                        .put("text", text(part.get("text"), partAt + ".text"));
            }
        }
        return block;
    }

    private static void tools(ObjectNode in, ObjectNode out) {
        JsonNode tools = in.get("tools");
        if (absent(tools) || tools.isEmpty()) {
            return;
        }
        ArrayNode all = arrayField(tools, "tools");
        ArrayNode translated = out.putArray("tools");
        for (int i = 0; i < all.size(); i++) {
            String at = "tools[" + i + "]";
            ObjectNode tool = objectField(all.get(i), at);
            if (!"function".equals(tool.path("type").asText())) {
                throw new TranslationException(
                        at + ".type",
                        "The field "
                                + at
                                + ".type must be function; other tool types are not translated.");
            }
            ObjectNode function = objectField(tool.get("function"), at + ".function");
            ObjectNode t = translated.addObject();
            t.put("name", text(function.get("name"), at + ".function.name"));
            JsonNode description = function.get("description");
            if (!absent(description)) {
                t.put("description", text(description, at + ".function.description"));
            }
            JsonNode parameters = function.get("parameters");
            if (absent(parameters)) {
                t.putObject("input_schema").put("type", "object").putObject("properties");
            } else {
                t.set(
                        "input_schema",
                        objectField(parameters, at + ".function.parameters").deepCopy());
            }
        }
        ObjectNode choice = toolChoice(in.get("tool_choice"));
        JsonNode parallel = in.get("parallel_tool_calls");
        if (!absent(parallel)) {
            if (!parallel.isBoolean()) {
                throw new TranslationException(
                        "parallel_tool_calls", "The field parallel_tool_calls must be a boolean.");
            }
            if (!parallel.booleanValue()) {
                if (choice == null) {
                    choice = object().put("type", "auto");
                }
                if (!"none".equals(choice.get("type").asText())) {
                    choice.put("disable_parallel_tool_use", true);
                }
            }
        }
        if (choice != null) {
            out.set("tool_choice", choice);
        }
    }

    private static final Map<String, String> CHOICES =
            Map.of("auto", "auto", "none", "none", "required", "any");

    private static ObjectNode toolChoice(JsonNode choice) {
        if (absent(choice)) {
            return null;
        }
        if (choice.isTextual() && CHOICES.containsKey(choice.textValue())) {
            return object().put("type", CHOICES.get(choice.textValue()));
        }
        if (choice.isObject() && "function".equals(choice.path("type").asText())) {
            String name = text(choice.path("function").get("name"), "tool_choice.function.name");
            return object().put("type", "tool").put("name", name);
        }
        throw new TranslationException(
                "tool_choice",
                "The field tool_choice must be auto, none, required or a named function.");
    }

    private static final Map<String, String> STOP_REASONS =
            Map.of(
                    "stop", "end_turn",
                    "length", "max_tokens",
                    "tool_calls", "tool_use",
                    "function_call", "tool_use",
                    "content_filter", "refusal");

    /**
     * Translates a Chat Completions response body (for an Anthropic-format caller of an OpenAI
     * model) into a Messages response body: the first choice's text and refusal become {@code text}
     * blocks, its {@code tool_calls} {@code tool_use} blocks with the same ids; {@code
     * finish_reason} {@code stop} → {@code end_turn}, {@code length} → {@code max_tokens}, {@code
     * tool_calls} → {@code tool_use}, {@code content_filter} → {@code refusal}; usage {@code
     * input_tokens} = prompt − cached, {@code cache_read_input_tokens} = cached, {@code
     * output_tokens} = completion.
     *
     * @param openAiCompletion the OpenAI {@code chat.completion}; not modified
     * @param messageId the Anthropic {@code id} to give the message, e.g. {@code msg_…}
     * @return a new Anthropic message
     * @throws TranslationException naming the field, when the response has the wrong shape
     */
    public static ObjectNode response(ObjectNode openAiCompletion, String messageId) {
        Objects.requireNonNull(openAiCompletion, "openAiCompletion");
        Objects.requireNonNull(messageId, "messageId");
        ArrayNode choices = arrayField(openAiCompletion.get("choices"), "choices");
        if (choices.isEmpty()) {
            throw new TranslationException("choices", "The field choices must hold one choice.");
        }
        ObjectNode choice = objectField(choices.get(0), "choices[0]");
        ObjectNode message = objectField(choice.get("message"), "choices[0].message");

        ObjectNode out = object();
        out.put("id", messageId).put("type", "message").put("role", "assistant");
        JsonNode model = openAiCompletion.get("model");
        out.put("model", absent(model) ? "" : text(model, "model"));
        ArrayNode content = out.putArray("content");
        JsonNode text = message.get("content");
        if (!absent(text) && !text(text, "choices[0].message.content").isEmpty()) {
            content.addObject().put("type", "text").put("text", text.textValue());
        }
        JsonNode refusal = message.get("refusal");
        boolean refused = !absent(refusal);
        if (refused) {
            content.addObject()
                    .put("type", "text")
                    .put("text", text(refusal, "choices[0].message.refusal"));
        }
        JsonNode calls = message.get("tool_calls");
        if (!absent(calls)) {
            ArrayNode all = arrayField(calls, "choices[0].message.tool_calls");
            for (int k = 0; k < all.size(); k++) {
                String at = "choices[0].message.tool_calls[" + k + "]";
                ObjectNode call = objectField(all.get(k), at);
                ObjectNode function = objectField(call.get("function"), at + ".function");
                JsonNode arguments = function.get("arguments");
                ObjectNode block = content.addObject().put("type", "tool_use");
                block.put("id", text(call.get("id"), at + ".id"));
                block.put("name", text(function.get("name"), at + ".function.name"));
                block.set(
                        "input",
                        absent(arguments)
                                ? object()
                                : Trees.parseObject(
                                        text(arguments, at + ".function.arguments"),
                                        at + ".function.arguments"));
            }
        }
        JsonNode finish = choice.get("finish_reason");
        String stopReason =
                refused ? "refusal" : absent(finish) ? "end_turn" : stopReason(finish.asText());
        out.put("stop_reason", stopReason).putNull("stop_sequence");

        JsonNode usage = openAiCompletion.get("usage");
        long prompt = tokens(usage, "usage.", "prompt_tokens");
        long completion = tokens(usage, "usage.", "completion_tokens");
        long cached =
                usage == null
                        ? 0
                        : tokens(
                                usage.get("prompt_tokens_details"),
                                "usage.prompt_tokens_details.",
                                "cached_tokens");
        ObjectNode u = out.putObject("usage");
        u.put("input_tokens", Math.max(0, prompt - cached))
                .put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", cached)
                .put("output_tokens", completion);
        return out;
    }

    /** Anthropic's {@code stop_reason} for an OpenAI {@code finish_reason}. */
    static String stopReason(String finishReason) {
        return STOP_REASONS.getOrDefault(finishReason, "end_turn");
    }

    /**
     * Translates an OpenAI error body into an Anthropic error body, for an Anthropic-format caller
     * of an OpenAI model. Never throws on odd input: a body without an error message gets one that
     * names the status.
     *
     * <p>The Anthropic {@code type} follows the status, as Anthropic's own types do: 400 {@code
     * invalid_request_error}, 401 {@code authentication_error}, 403 {@code permission_error}, 404
     * {@code not_found_error}, 413 {@code request_too_large}, 429 {@code rate_limit_error}, 529
     * {@code overloaded_error}, 504 {@code timeout_error}, other 4xx {@code invalid_request_error},
     * other 5xx {@code api_error}.
     *
     * @param openAiErrorBody the upstream body, normally {@code
     *     {"error":{"message","type","param","code"}}}; any JSON, or {@code null}
     * @param status the upstream HTTP status, 400–599
     * @return a new {@code {"type":"error","error":{"type","message"}}}
     * @throws IllegalArgumentException if the status is not 400–599
     */
    public static ObjectNode error(JsonNode openAiErrorBody, int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status is 400-599, got " + status);
        }
        return errorObject(openAiErrorBody, status);
    }

    /**
     * The Anthropic error body for an OpenAI error body; {@code status} 0 for an error chunk inside
     * a stream, where OpenAI's {@code type} and {@code code} decide.
     */
    static ObjectNode errorObject(JsonNode openAiErrorBody, int status) {
        JsonNode error = openAiErrorBody == null ? null : openAiErrorBody.get("error");
        String message =
                Trees.textOr(
                        error,
                        "message",
                        status == 0
                                ? "The OpenAI API reported an error in the stream."
                                : "The OpenAI API answered " + status + ".");
        String type;
        if (status != 0) {
            type = anthropicType(status);
        } else {
            String openAiType = Trees.textOr(error, "type", "");
            String code = Trees.textOr(error, "code", "");
            if ("rate_limit_exceeded".equals(code)
                    || "requests".equals(openAiType)
                    || "tokens".equals(openAiType)) {
                type = "rate_limit_error";
            } else if ("invalid_request_error".equals(openAiType)) {
                type = "invalid_request_error";
            } else {
                type = "api_error";
            }
        }
        ObjectNode out = object().put("type", "error");
        out.putObject("error").put("type", type).put("message", message);
        return out;
    }

    private static String anthropicType(int status) {
        switch (status) {
            case 400:
                return "invalid_request_error";
            case 401:
                return "authentication_error";
            case 403:
                return "permission_error";
            case 404:
                return "not_found_error";
            case 413:
                return "request_too_large";
            case 429:
                return "rate_limit_error";
            case 504:
                return "timeout_error";
            case 529:
                return "overloaded_error";
            default:
                return status < 500 ? "invalid_request_error" : "api_error";
        }
    }

    /** One Anthropic turn being built. */
    private static final class Turn {
        final String role;
        final List<ObjectNode> blocks;

        Turn(String role, List<ObjectNode> blocks) {
            this.role = role;
            this.blocks = blocks;
        }
    }
}
