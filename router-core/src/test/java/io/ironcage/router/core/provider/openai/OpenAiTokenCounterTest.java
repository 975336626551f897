package io.ironcage.router.core.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.provider.ProviderApi;
import io.ironcage.router.core.provider.anthropic.AnthropicApi;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Hand-checked counts of the OpenAI input-token bound, and where it leaves the byte bound. */
class OpenAiTokenCounterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Encoding O200K =
            Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    private static final Encoding CL100K =
            Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

    private final ProviderApi openAi = new OpenAiApi();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private OptionalLong chat(String model, String body) {
        return openAi.inputTokenBound(ApiKind.CHAT_COMPLETIONS, model, json(body));
    }

    /** The bound of a count: 5% rounded up, plus 16. */
    private static OptionalLong bound(long count) {
        return OptionalLong.of(count + (count * 5 + 99) / 100 + 16);
    }

    @Test
    void theEncodingsCountAsTheCookbookShows() {
        // "hello" and " world" are one token each in both encodings
        assertEquals(2, O200K.countTokensOrdinary("hello world"));
        assertEquals(2, CL100K.countTokensOrdinary("hello world"));
        // the cookbook's examples: t|ik|token| is| great|! and the Japanese birthday wish
        assertEquals(6, CL100K.countTokensOrdinary("tiktoken is great!"));
        assertEquals(9, CL100K.countTokensOrdinary("お誕生日おめでとう"));
        assertEquals(8, O200K.countTokensOrdinary("お誕生日おめでとう"));
        assertEquals(7, CL100K.countTokensOrdinary("2 + 2 = 4"));
    }

    @ParameterizedTest
    @CsvSource({
        "gpt-4o,O200K_BASE",
        "gpt-4o-mini-2024-07-18,O200K_BASE",
        "openai/gpt-4o-2024-08-06,O200K_BASE",
        "gpt-4.1-nano,O200K_BASE",
        "gpt-4.5-preview,O200K_BASE",
        "gpt-5,O200K_BASE",
        "gpt-5.1-codex,O200K_BASE",
        "o1,O200K_BASE",
        "o3-mini,O200K_BASE",
        "o4-mini-2025-04-16,O200K_BASE",
        "chatgpt-4o-latest,O200K_BASE",
        "codex-mini-latest,O200K_BASE",
        "ft:gpt-4o-mini-2024-07-18:acme::abc123,O200K_BASE",
        "gpt-4,CL100K_BASE",
        "gpt-4-0613,CL100K_BASE",
        "gpt-4-turbo,CL100K_BASE",
        "gpt-3.5-turbo-0125,CL100K_BASE",
        "text-embedding-3-small,CL100K_BASE",
        "text-embedding-ada-002,CL100K_BASE"
    })
    void modelsMapToTheirEncoding(String model, EncodingType type) {
        assertEquals(Optional.of(type), OpenAiTokenCounter.encodingOf(model));
    }

    @ParameterizedTest
    @CsvSource({
        "claude-sonnet-4-5",
        "anthropic/claude-3-5-haiku-20241022",
        "gpt-4.6-experimental",
        "gpt-40",
        "davinci-002",
        "llama-3.1-70b",
        // frames each message with 4 tokens: many short messages would pass the margin
        "gpt-3.5-turbo-0301",
        "''"
    })
    void otherModelsHaveNoEncodingSoTheBytesBoundThem(String model) {
        assertEquals(Optional.empty(), OpenAiTokenCounter.encodingOf(model));
        assertEquals(
                OptionalLong.empty(),
                chat(model, "{\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}"));
    }

    @Test
    void anthropicHasNoTokenizerBinding() {
        String body =
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}";
        assertEquals(
                OptionalLong.empty(),
                new AnthropicApi()
                        .inputTokenBound(ApiKind.MESSAGES, "claude-sonnet-4-5", json(body)));
        assertEquals(
                OptionalLong.empty(),
                openAi.inputTokenBound(ApiKind.MESSAGES, "gpt-4o", json(body)),
                "a Messages body is not counted");
    }

    @Test
    void oneMessageIsItsFramingRoleTextAndThePriming() {
        // 3 framing + "user" 1 + "hello world" 2 + 3 priming = 9
        assertEquals(
                bound(9),
                chat(
                        "gpt-4o",
                        "{\"model\":\"gpt-4o\",\"max_tokens\":5,\"temperature\":0,\"stream\":true,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}"));
        assertEquals(bound(9), OptionalLong.of(OpenAiTokenCounter.withMargin(9)));
        assertEquals(26, OpenAiTokenCounter.withMargin(9), "9 + ⌈0.45⌉ + 16");
        assertEquals(16, OpenAiTokenCounter.withMargin(0));
        assertEquals(1_000 + 50 + 16, OpenAiTokenCounter.withMargin(1_000));
    }

    @Test
    void aNameAddsItsTokensAndOneMore() {
        // 3 + "system" 1 + "example_user" (example|_user: 2) + 1 + "hello world" 2, + 3 priming
        assertEquals(2, O200K.countTokensOrdinary("example_user"));
        assertEquals(
                bound(3 + 1 + 2 + 1 + 2 + 3),
                chat(
                        "gpt-4o",
                        "{\"messages\":[{\"role\":\"system\",\"name\":\"example_user\","
                                + "\"content\":\"hello world\"}]}"));
    }

    @Test
    void contentPartsCountTheirTextAndImagesAreLeftToTheAllowance() {
        String dataUrl = "data:image/png;base64," + "iVBORw0KGgo".repeat(500);
        String body =
                "{\"messages\":[{\"role\":\"user\",\"content\":["
                        + "{\"type\":\"text\",\"text\":\"hello world\"},"
                        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\""
                        + dataUrl
                        + "\",\"detail\":\"high\"}}]}]}";
        // 3 + "user" 1 + (1 + 2) for the text part + 1 for the image part, + 3: the image's
        // base64 is not tokenized (the worst case adds its allowance)
        assertEquals(bound(3 + 1 + 3 + 1 + 3), chat("gpt-4o", body));
    }

    @Test
    void audioFilesAndEarlierAudioAnswersAreLeftToTheBytes() {
        assertEquals(
                OptionalLong.empty(),
                chat(
                        "gpt-4o-audio-preview",
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\","
                                + "\"input_audio\":{\"data\":\"UklGRg==\",\"format\":\"wav\"}}]}]}"));
        assertEquals(
                OptionalLong.empty(),
                chat(
                        "gpt-4o",
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\","
                                + "\"file\":{\"file_id\":\"file-1\"}}]}]}"));
        assertEquals(
                OptionalLong.empty(),
                chat(
                        "gpt-4o-audio-preview",
                        "{\"messages\":[{\"role\":\"assistant\",\"audio\":{\"id\":\"audio_1\"}}]}"));
        // a non-text part carrying a "text" (an audio part with its transcript) is billed for more
        // than that text
        assertEquals(
                OptionalLong.empty(),
                chat(
                        "gpt-4o-audio-preview",
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\","
                                + "\"text\":\"\",\"input_audio\":{\"data\":\"UklGRg==\"}}]}]}"));
        assertEquals(OptionalLong.empty(), chat("gpt-4o", "{\"messages\":\"hi\"}"));
        assertEquals(OptionalLong.empty(), chat("gpt-4o", "{\"model\":\"gpt-4o\"}"));
        assertEquals(
                OptionalLong.empty(),
                openAi.inputTokenBound(ApiKind.CHAT_COMPLETIONS, "gpt-4o", json("[1,2]")));
    }

    @Test
    void toolCallsAndToolResultsCountTheirJsonAndFraming() {
        String calls =
                "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\","
                        + "\"arguments\":\"{}\"}}]";
        String body =
                "{\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
                        + calls
                        + "},{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"42\"}]}";
        long assistant = 3 + 1 + O200K.countTokensOrdinary(json(calls).toString()) + 3;
        long tool = 3 + 1 + O200K.countTokensOrdinary("call_1") + 1;
        assertEquals(bound(assistant + tool + 3), chat("gpt-4o", body));
    }

    @Test
    void toolDefinitionsCountTheirJsonAndTheCookbooksFunctionConstants() {
        String tools =
                "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":"
                        + "\"Weather now\",\"parameters\":{\"type\":\"object\",\"properties\":{"
                        + "\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\","
                        + "\"enum\":[\"c\",\"f\"]}}}}}]";
        String body =
                "{\"model\":\"gpt-4o\",\"tools\":"
                        + tools
                        + ",\"parallel_tool_calls\":false,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}";
        // JSON tokens + 12 per field + 10 per function + 3 + 2 × 3 per property + 2 × 3 per enum
        long definitions = O200K.countTokensOrdinary(json(tools).toString()) + 12 + 10 + 9 + 6;
        assertEquals(bound(9 + definitions), chat("gpt-4o", body));
    }

    @Test
    void unknownTopLevelFieldsAreCountedAsTheirJsonNotIgnored() {
        String format =
                "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"answer\",\"schema\":"
                        + "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}}}";
        String body =
                "{\"response_format\":"
                        + format
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}";
        long schema = O200K.countTokensOrdinary(json(format).toString()) + 12 + 3 + 3;
        assertEquals(bound(9 + schema), chat("gpt-4o", body));
    }

    @Test
    void theResponsesApiCountsInstructionsAndInput() {
        OptionalLong plain =
                openAi.inputTokenBound(
                        ApiKind.RESPONSES,
                        "gpt-4.1",
                        json(
                                "{\"model\":\"gpt-4.1\",\"instructions\":\"hello world\","
                                        + "\"input\":\"hello world\",\"max_output_tokens\":9}"));
        // (3 + 1 + 2) for each of instructions and input, + 3 priming
        assertEquals(bound(6 + 6 + 3), plain);
        OptionalLong items =
                openAi.inputTokenBound(
                        ApiKind.RESPONSES,
                        "gpt-4.1",
                        json(
                                "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":"
                                        + "\"input_text\",\"text\":\"hello world\"},{\"type\":"
                                        + "\"input_image\",\"image_url\":\"https://x/y.png\"}]}]}"));
        // 3 + "user" 1 + (1 + 2) + 1, + 3
        assertEquals(bound(3 + 1 + 3 + 1 + 3), items);
        assertEquals(
                OptionalLong.empty(),
                openAi.inputTokenBound(
                        ApiKind.RESPONSES,
                        "o3",
                        json(
                                "{\"input\":[{\"type\":\"reasoning\",\"id\":\"rs_1\","
                                        + "\"encrypted_content\":\"gAAAA\",\"summary\":[]}]}")),
                "reasoning items are billed as the reasoning they hold, not as their bytes");
    }

    @Test
    void embeddingsCountTextExactlyAndTokenArraysByTheirLength() {
        assertEquals(
                bound(2),
                openAi.inputTokenBound(
                        ApiKind.EMBEDDINGS,
                        "text-embedding-3-small",
                        json("{\"input\":\"hello world\",\"dimensions\":256}")));
        assertEquals(
                bound(2 + 6),
                openAi.inputTokenBound(
                        ApiKind.EMBEDDINGS,
                        "text-embedding-3-small",
                        json("{\"input\":[\"hello world\",\"tiktoken is great!\"]}")));
        assertEquals(
                bound(4),
                openAi.inputTokenBound(
                        ApiKind.EMBEDDINGS,
                        "text-embedding-ada-002",
                        json("{\"input\":[9906,1917,0,220]}")));
        assertEquals(
                bound(5),
                openAi.inputTokenBound(
                        ApiKind.EMBEDDINGS,
                        "text-embedding-3-large",
                        json("{\"input\":[[9906,1917],[0,220,1]]}")));
        assertEquals(
                OptionalLong.empty(),
                openAi.inputTokenBound(
                        ApiKind.EMBEDDINGS,
                        "text-embedding-3-small",
                        json("{\"input\":[{\"text\":\"hello\"}]}")));
        assertEquals(
                OptionalLong.empty(),
                openAi.inputTokenBound(
                        ApiKind.EMBEDDINGS,
                        "text-embedding-3-small",
                        json("{\"input\":[[1,\"two\"]]}")));
    }

    @Test
    void aCallerTypedSpecialTokenIsCountedAsOrdinaryText() {
        // OpenAI reads "<|endoftext|>" in a message as text: several ordinary tokens, not one
        long text = O200K.countTokensOrdinary("<|endoftext|>");
        assertTrue(text > 1, "ordinary: " + text);
        assertEquals(
                bound(3 + 1 + text + 3),
                chat(
                        "gpt-4o",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"<|endoftext|>\"}]}"));
    }
}
