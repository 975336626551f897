package io.ironcage.router.core.provider.openai;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.provider.ProviderApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The counted bound holds against what OpenAI bills as input, and is much tighter than the bytes.
 *
 * <p>Anchored to published numbers: the OpenAI cookbook's notebook "How to count tokens with
 * tiktoken" prints, for its example messages and for its weather-tool example, the {@code
 * prompt_tokens} the OpenAI API reported for several models; those are the fixtures below. For a
 * wider corpus (prose, code, JSON, CJK, emoji, mixed; chats with names, tools and tool calls;
 * Responses input; embeddings) the "billed" count is the notebook's method ({@code
 * num_tokens_from_messages}, {@code num_tokens_for_tools}), re-computed here independently.
 */
class TokenBoundCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EncodingRegistry ENCODINGS = Encodings.newLazyEncodingRegistry();
    private static final ProviderApi OPENAI = new OpenAiApi();

    /** The notebook's example conversation (section 6). */
    private static final String COOKBOOK_MESSAGES =
            "[{\"role\":\"system\",\"content\":\"You are a helpful, pattern-following assistant"
                    + " that translates corporate jargon into plain English.\"},"
                    + "{\"role\":\"system\",\"name\":\"example_user\",\"content\":\"New synergies"
                    + " will help drive top-line growth.\"},"
                    + "{\"role\":\"system\",\"name\":\"example_assistant\",\"content\":\"Things"
                    + " working well together will increase revenue.\"},"
                    + "{\"role\":\"system\",\"name\":\"example_user\",\"content\":\"Let's circle"
                    + " back when we have more bandwidth to touch base on opportunities for"
                    + " increased leverage.\"},"
                    + "{\"role\":\"system\",\"name\":\"example_assistant\",\"content\":\"Let's"
                    + " talk later when we're less busy about how to do better.\"},"
                    + "{\"role\":\"user\",\"content\":\"This late pivot means we don't have time to"
                    + " boil the ocean for the client deliverable.\"}]";

    /** The notebook's weather tool and conversation (section 7). */
    private static final String COOKBOOK_TOOLS =
            "[{\"type\":\"function\",\"function\":{\"name\":\"get_current_weather\","
                    + "\"description\":\"Get the current weather in a given location\","
                    + "\"parameters\":{\"type\":\"object\",\"properties\":{"
                    + "\"location\":{\"type\":\"string\",\"description\":\"The city and state,"
                    + " e.g. San Francisco, CA\"},"
                    + "\"unit\":{\"type\":\"string\",\"description\":\"The unit of temperature to"
                    + " return\",\"enum\":[\"celsius\",\"fahrenheit\"]}},"
                    + "\"required\":[\"location\"]}}}]";

    private static final String COOKBOOK_TOOL_MESSAGES =
            "[{\"role\":\"system\",\"content\":\"You are a helpful assistant that can answer to"
                    + " questions about the weather.\"},"
                    + "{\"role\":\"user\",\"content\":\"What's the weather like in San"
                    + " Francisco?\"}]";

    /** The most the notebook's method counted above the API (gpt-3.5-turbo-0301's framing). */
    private static final long METHOD_OVERCOUNT = 2;

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long bound(ApiKind kind, String model, JsonNode body) {
        return OPENAI.inputTokenBound(kind, model, body)
                .orElseThrow(() -> new AssertionError("no bound for " + body));
    }

    // --- the API-reported counts the notebook prints ---

    @ParameterizedTest(name = "{0}: {1} prompt tokens reported")
    @CsvSource({
        "gpt-3.5-turbo-0613,129",
        "gpt-3.5-turbo,127",
        "gpt-3.5-turbo,129",
        "gpt-4-0314,129",
        "gpt-4-0613,129",
        "gpt-4,129",
        "gpt-4o,124",
        "gpt-4o-mini,124"
    })
    void theCookbookConversationIsBoundedWithinTheMargin(String model, long reported) {
        ObjectNode body = JSON.createObjectNode().put("model", model);
        body.set("messages", json(COOKBOOK_MESSAGES));
        body.put("temperature", 0).put("max_tokens", 1);
        long bound = bound(ApiKind.CHAT_COMPLETIONS, model, body);
        System.out.printf(
                "cookbook %s %s: reported %d, bound %d (%.3f)%n",
                body.has("tools") ? "tools" : "messages",
                model,
                reported,
                bound,
                (double) bound / reported);
        assertTrue(bound >= reported, model + ": bound " + bound + " < reported " + reported);
        long margin = OpenAiTokenCounter.withMargin(reported) - reported;
        assertTrue(
                bound - reported <= margin + METHOD_OVERCOUNT,
                model + ": bound " + bound + " is more than the margin above " + reported);
    }

    @ParameterizedTest(name = "{0}: {1} prompt tokens reported")
    @CsvSource({"gpt-3.5-turbo,105", "gpt-4,105", "gpt-4o,101", "gpt-4o-mini,101"})
    void theCookbookToolRequestIsBounded(String model, long reported) {
        ObjectNode body = JSON.createObjectNode().put("model", model);
        body.set("messages", json(COOKBOOK_TOOL_MESSAGES));
        body.set("tools", json(COOKBOOK_TOOLS));
        body.put("temperature", 0);
        long bound = bound(ApiKind.CHAT_COMPLETIONS, model, body);
        System.out.printf(
                "cookbook %s %s: reported %d, bound %d (%.3f)%n",
                body.has("tools") ? "tools" : "messages",
                model,
                reported,
                bound,
                (double) bound / reported);
        assertTrue(bound >= reported, model + ": bound " + bound + " < reported " + reported);
        // the tool's JSON holds more syntax than OpenAI's rendering of it: looser, still far
        // below the body's bytes
        assertTrue(bound <= 2 * reported, model + ": bound " + bound);
        assertTrue(
                bound * 3 < body.toString().getBytes(StandardCharsets.UTF_8).length,
                model + ": bound " + bound + " not under a third of the bytes");
    }

    // --- the wider corpus, against the notebook's method ---

    private static String text(String name) {
        try (InputStream in = TokenBoundCorpusTest.class.getResourceAsStream("/tokens/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One corpus request and what the notebook's method says it is billed. */
    private record Case(String name, ApiKind kind, String model, ObjectNode body, long billed) {
        long bytes() {
            return body.toString().getBytes(StandardCharsets.UTF_8).length;
        }
    }

    private static Encoding encoding(String model) {
        return ENCODINGS.getEncoding(OpenAiTokenCounter.encodingOf(model).orElseThrow());
    }

    private static long tokens(Encoding encoding, String text) {
        return encoding.countTokensOrdinary(text);
    }

    /**
     * {@code num_tokens_from_messages}: 3 per message, every string value, 1 per name, 3 for the
     * reply; text parts by their text; a tool call by its name and arguments.
     */
    private static long messagesMethod(Encoding encoding, JsonNode messages) {
        long count = 3;
        for (JsonNode message : messages) {
            count += 3;
            for (Map.Entry<String, JsonNode> field : message.properties()) {
                JsonNode value = field.getValue();
                if (field.getKey().equals("type")) {
                    continue;
                }
                if (value.isTextual()) {
                    count += tokens(encoding, value.textValue());
                    count += field.getKey().equals("name") ? 1 : 0;
                } else if (field.getKey().equals("content") && value.isArray()) {
                    for (JsonNode part : value) {
                        if (part.has("text")) {
                            count += tokens(encoding, part.get("text").textValue());
                        }
                    }
                } else if (field.getKey().equals("tool_calls")) {
                    for (JsonNode call : value) {
                        count += tokens(encoding, call.path("function").path("name").asText());
                        count += tokens(encoding, call.path("function").path("arguments").asText());
                    }
                }
            }
        }
        return count;
    }

    /** {@code num_tokens_for_tools}' function part, with gpt-4o's constants. */
    private static long toolsMethod(Encoding encoding, JsonNode tools) {
        long count = 0;
        for (JsonNode tool : tools) {
            JsonNode function = tool.get("function");
            count += 7;
            count +=
                    tokens(
                            encoding,
                            function.get("name").asText() + ":" + strip(function, "description"));
            JsonNode properties = function.path("parameters").path("properties");
            if (properties.size() > 0) {
                count += 3;
                for (Map.Entry<String, JsonNode> property : properties.properties()) {
                    count += 3;
                    JsonNode schema = property.getValue();
                    if (schema.has("enum")) {
                        count -= 3;
                        for (JsonNode item : schema.get("enum")) {
                            count += 3 + tokens(encoding, item.asText());
                        }
                    }
                    count +=
                            tokens(
                                    encoding,
                                    property.getKey()
                                            + ":"
                                            + schema.path("type").asText()
                                            + ":"
                                            + strip(schema, "description"));
                }
            }
        }
        return count + 12;
    }

    private static String strip(JsonNode node, String field) {
        String text = node.path(field).asText();
        return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    }

    private static ObjectNode message(String role, String content) {
        return JSON.createObjectNode().put("role", role).put("content", content);
    }

    private static Case chat(String name, String model, ArrayNode messages, JsonNode tools) {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", 512);
        body.set("messages", messages);
        Encoding encoding = encoding(model);
        long billed = messagesMethod(encoding, messages);
        if (tools != null) {
            body.set("tools", tools);
            billed += toolsMethod(encoding, tools);
        }
        return new Case(name, ApiKind.CHAT_COMPLETIONS, model, body, billed);
    }

    private static ArrayNode array(JsonNode... nodes) {
        ArrayNode array = JSON.createArrayNode();
        for (JsonNode node : nodes) {
            array.add(node);
        }
        return array;
    }

    private static final String[] TEXTS = {
        "prose.txt", "code.txt", "data.json", "cjk.txt", "emoji.txt"
    };

    private static List<Case> corpus() {
        List<Case> cases = new ArrayList<>();
        String mixed = text("prose.txt") + "\n\n" + text("cjk.txt") + "\n" + text("emoji.txt");
        for (String model : new String[] {"gpt-4o", "gpt-4", "gpt-5-mini"}) {
            for (String name : TEXTS) {
                cases.add(
                        chat(
                                name + " as one message, " + model,
                                model,
                                array(message("user", text(name))),
                                null));
            }
            cases.add(chat("mixed, " + model, model, array(message("user", mixed)), null));
            ObjectNode named = message("user", "Can you review this?");
            named.put("name", "reviewer_bot");
            cases.add(
                    chat(
                            "a conversation, " + model,
                            model,
                            array(
                                    message("system", "You are a careful code reviewer."),
                                    named,
                                    message("user", text("code.txt")),
                                    message("assistant", text("prose.txt")),
                                    message("user", "Now the data: " + text("data.json")),
                                    message("assistant", "要点：" + text("cjk.txt")),
                                    message("user", text("emoji.txt"))),
                            null));
        }
        ArrayNode tools =
                (ArrayNode)
                        json(
                                "[{\"type\":\"function\",\"function\":{\"name\":\"search_orders\","
                                        + "\"description\":\"Find orders by customer, status or"
                                        + " date range.\",\"parameters\":{\"type\":\"object\","
                                        + "\"properties\":{\"customer_id\":{\"type\":\"string\","
                                        + "\"description\":\"The customer's id, e.g."
                                        + " cus_8812.\"},\"status\":{\"type\":\"string\","
                                        + "\"description\":\"Order status.\",\"enum\":[\"pending\","
                                        + "\"shipped\",\"cancelled\",\"refunded\"]},\"from\":{"
                                        + "\"type\":\"string\",\"description\":\"ISO date, inclusive."
                                        + "\"}},\"required\":[\"customer_id\"]}}},{\"type\":"
                                        + "\"function\",\"function\":{\"name\":\"refund\","
                                        + "\"description\":\"Refund an order in full or in part.\","
                                        + "\"parameters\":{\"type\":\"object\",\"properties\":{"
                                        + "\"order_id\":{\"type\":\"string\",\"description\":"
                                        + "\"The order.\"},\"amount\":{\"type\":\"number\","
                                        + "\"description\":\"Amount in the order's currency.\"}}}}}]");
        cases.add(
                chat(
                        "a chat with tools, gpt-4o",
                        "gpt-4o",
                        array(
                                message("system", "You help the support team with orders."),
                                message("user", "Refund Marta's pending order, please.")),
                        tools));
        ObjectNode assistant = JSON.createObjectNode().put("role", "assistant");
        assistant.putNull("content");
        assistant.set(
                "tool_calls",
                json(
                        "[{\"id\":\"call_Xk2v9QeTz1\",\"type\":\"function\",\"function\":{"
                                + "\"name\":\"search_orders\",\"arguments\":\"{\\\"customer_id\\\":"
                                + "\\\"cus_8812\\\",\\\"status\\\":\\\"pending\\\"}\"}}]"));
        ObjectNode result =
                JSON.createObjectNode()
                        .put("role", "tool")
                        .put("tool_call_id", "call_Xk2v9QeTz1")
                        .put("content", text("data.json"));
        cases.add(
                chat(
                        "a tool round trip, gpt-4.1",
                        "gpt-4.1",
                        array(
                                message("system", "You help the support team with orders."),
                                message("user", "Refund Marta's pending order, please."),
                                assistant,
                                result),
                        tools));
        ObjectNode parts = JSON.createObjectNode().put("role", "user");
        parts.set(
                "content",
                json(
                        "[{\"type\":\"text\",\"text\":"
                                + JSON.valueToTree(text("prose.txt"))
                                + "},{\"type\":\"text\",\"text\":"
                                + JSON.valueToTree(text("emoji.txt"))
                                + "}]"));
        cases.add(chat("content parts, o4-mini", "o4-mini", array(parts), null));

        // Responses: instructions and input are messages to the notebook's method
        Encoding o200k = encoding("gpt-4.1");
        ObjectNode responses =
                JSON.createObjectNode()
                        .put("model", "gpt-4.1")
                        .put("instructions", "Answer in the language of the question.")
                        .put("input", text("cjk.txt"));
        cases.add(
                new Case(
                        "responses, string input",
                        ApiKind.RESPONSES,
                        "gpt-4.1",
                        responses,
                        messagesMethod(
                                o200k,
                                array(
                                        message(
                                                "developer",
                                                "Answer in the language of the question."),
                                        message("user", text("cjk.txt"))))));
        ArrayNode items =
                array(
                        message("user", text("code.txt")),
                        message("assistant", text("prose.txt")),
                        message("user", text("emoji.txt")));
        ObjectNode itemsBody = JSON.createObjectNode().put("model", "o3");
        itemsBody.set("input", items);
        cases.add(
                new Case(
                        "responses, message items",
                        ApiKind.RESPONSES,
                        "o3",
                        itemsBody,
                        messagesMethod(o200k, items)));

        // embeddings: exactly the tokens of each input, or the token ids given
        Encoding cl100k = encoding("text-embedding-3-small");
        ArrayNode inputs = JSON.createArrayNode();
        long embedded = 0;
        for (String name : TEXTS) {
            inputs.add(text(name));
            embedded += tokens(cl100k, text(name));
        }
        ObjectNode embeddings = JSON.createObjectNode().put("model", "text-embedding-3-small");
        embeddings.set("input", inputs);
        cases.add(
                new Case(
                        "embeddings, strings",
                        ApiKind.EMBEDDINGS,
                        "text-embedding-3-small",
                        embeddings,
                        embedded));
        ArrayNode ids = JSON.createArrayNode();
        for (int i = 0; i < 4; i++) {
            ArrayNode row = ids.addArray();
            for (int t : cl100k.encodeOrdinary(text(TEXTS[i])).toArray()) {
                row.add(t);
            }
        }
        ObjectNode tokenIds = JSON.createObjectNode().put("model", "text-embedding-ada-002");
        tokenIds.set("input", ids);
        long idCount = 0;
        for (JsonNode row : ids) {
            idCount += row.size();
        }
        cases.add(
                new Case(
                        "embeddings, token ids",
                        ApiKind.EMBEDDINGS,
                        "text-embedding-ada-002",
                        tokenIds,
                        idCount));
        return cases;
    }

    @Test
    void everyCorpusRequestIsBoundedAndMuchTighterThanItsBytes() {
        double lowest = Double.MAX_VALUE;
        double highest = 0;
        StringBuilder table = new StringBuilder();
        for (Case c : corpus()) {
            long bound = bound(c.kind(), c.model(), c.body());
            assertTrue(
                    bound >= c.billed(), c.name() + ": bound " + bound + " < billed " + c.billed());
            // plain text is within the margin; tool definitions and tool calls are counted as
            // their JSON, which holds more syntax than OpenAI's rendering of them
            boolean tooling = c.body().has("tools");
            double tightness = tooling ? 1.6 : 1.0;
            assertTrue(
                    bound <= tightness * OpenAiTokenCounter.withMargin(c.billed()) + 8,
                    c.name() + ": bound " + bound + " too loose for billed " + c.billed());
            assertTrue(
                    bound < c.bytes(),
                    c.name() + ": bound " + bound + " not under the bytes " + c.bytes());
            double ratio = (double) bound / c.billed();
            lowest = Math.min(lowest, ratio);
            highest = Math.max(highest, ratio);
            table.append(
                    String.format(
                            "%-40s billed %6d  bound %6d  bytes %6d  bound/billed %.3f"
                                    + "  bound/bytes %.3f%n",
                            c.name(),
                            c.billed(),
                            bound,
                            c.bytes(),
                            ratio,
                            (double) bound / c.bytes()));
        }
        table.append(String.format("bound/billed: min %.3f, max %.3f%n", lowest, highest));
        System.out.print(table);
        assertTrue(lowest >= 1.0);
    }

    @Test
    void proseIsBoundedByLessThanFourTenthsOfItsBytes() {
        for (String model : new String[] {"gpt-4o", "gpt-4"}) {
            Case prose = chat("prose", model, array(message("user", text("prose.txt"))), null);
            long bound = bound(prose.kind(), model, prose.body());
            assertTrue(
                    bound <= 0.4 * prose.bytes(),
                    model + ": bound " + bound + " of " + prose.bytes() + " bytes");
        }
    }
}
