package io.ironcage.router.core.provider.anthropic;

import static io.ironcage.router.core.provider.anthropic.Trees.absent;
import static io.ironcage.router.core.provider.anthropic.Trees.array;
import static io.ironcage.router.core.provider.anthropic.Trees.arrayField;
import static io.ironcage.router.core.provider.anthropic.Trees.eachObject;
import static io.ironcage.router.core.provider.anthropic.Trees.object;
import static io.ironcage.router.core.provider.anthropic.Trees.objectField;
import static io.ironcage.router.core.provider.anthropic.Trees.text;
import static io.ironcage.router.core.provider.anthropic.Trees.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.errors.TranslationException;
import java.util.ArrayList;
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
 *
 * <p>The messages are translated by {@code OpenAiToAnthropicMessages}, the tools by {@code
 * ToolTranslation} and error bodies by {@code ErrorTranslation}.
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
        out.set("messages", OpenAiToAnthropicMessages.messages(in.get("messages"), system));
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
            out.set("top_p", Trees.number(topP, "top_p"));
        }
        JsonNode stop = in.get("stop");
        if (!absent(stop)) {
            out.set("stop_sequences", stopSequences(stop));
        }
        JsonNode user = in.get("user");
        if (!absent(user)) {
            out.putObject("metadata").put("user_id", text(user, "user"));
        }
        ToolTranslation.toAnthropic(in, out);
        JsonNode stream = in.get("stream");
        if (!absent(stream)) {
            out.put("stream", Trees.bool(stream, "stream"));
        }
        return out;
    }

    private static void refuseUntranslatable(ObjectNode in) {
        Trees.refuseUnknownFields(
                in, HANDLED, DROPPED, "the Anthropic Messages API", "an Anthropic model");
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

    /** The error for a field that has a counterpart only at the cost of its meaning. */
    static TranslationException noCounterpart(String field, String why) {
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
        double value = Trees.number(temperature, "temperature").asDouble();
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
            eachObject(
                    calls,
                    "choices[0].message.tool_calls",
                    (call, at) -> content.add(ToolTranslation.toolUse(call, at)));
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
        ErrorTranslation.requireErrorStatus(status);
        return ErrorTranslation.toAnthropic(openAiErrorBody, status);
    }

    /**
     * Returns Anthropic's error type for an HTTP status ({@code invalid_request_error}, {@code
     * billing_error}, {@code overloaded_error}, ...), for errors in Anthropic's format.
     *
     * @param status the HTTP status
     * @return the error type
     */
    public static String errorType(int status) {
        return ErrorTranslation.anthropicType(status);
    }
}
