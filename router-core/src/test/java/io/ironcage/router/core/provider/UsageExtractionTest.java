package io.ironcage.router.core.provider;

import static io.ironcage.router.core.TestData.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ServiceTier;
import io.ironcage.router.core.domain.TokenDetails;
import io.ironcage.router.core.domain.TokenUsage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UsageExtractionTest {
    private static final String CHAT =
            "{\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion\","
                    + "\"created\":1741569952,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Hi\",\"refusal\":null,"
                    + "\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":2006,\"completion_tokens\":300,\"total_tokens\":2306,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":1920,\"audio_tokens\":0},"
                    + "\"completion_tokens_details\":{\"reasoning_tokens\":128,\"audio_tokens\":0,"
                    + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},"
                    + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_fc9f1d7035\"}";

    private static final String RESPONSES =
            "{\"id\":\"resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41\",\"object\":\"response\","
                    + "\"created_at\":1741476777,\"status\":\"completed\",\"model\":\"gpt-4.1-2025-04-14\","
                    + "\"output\":[{\"type\":\"message\",\"id\":\"msg_1\",\"status\":\"completed\","
                    + "\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hi\","
                    + "\"annotations\":[]}]}],\"usage\":{\"input_tokens\":328,"
                    + "\"input_tokens_details\":{\"cached_tokens\":256},\"output_tokens\":52,"
                    + "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":380}}";

    private static final String EMBEDDINGS =
            "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                    + "\"embedding\":[0.0023064255,-0.009327292]}],\"model\":\"text-embedding-3-small\","
                    + "\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}";

    private static final String MESSAGES =
            "{\"id\":\"msg_013Zva2CMHLNnXjNJJKqJ2EF\",\"type\":\"message\",\"role\":\"assistant\","
                    + "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":\"text\","
                    + "\"text\":\"Hi\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                    + "\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":1200,"
                    + "\"cache_read_input_tokens\":3000,\"cache_creation\":{\"ephemeral_5m_input_tokens\":1200,"
                    + "\"ephemeral_1h_input_tokens\":0},\"output_tokens\":15,\"service_tier\":\"standard\"}}";

    /** The usage from the parsed tree, checked to be what the bytes alone give too. */
    private static Optional<TokenUsage> usage(ApiKind kind, String body) {
        Optional<TokenUsage> fromTree = UsageExtraction.fromResponse(kind, json(body));
        assertEquals(
                fromTree,
                UsageExtraction.fromResponseBytes(kind, body.getBytes(StandardCharsets.UTF_8)),
                "the bytes give what the tree gives");
        return fromTree;
    }

    @Test
    void theBytesGiveWhatAFullParseGivesOnOddBodies() {
        ObjectMapper mapper = new ObjectMapper();
        String usage = "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7}";
        String[] bodies = {
            "{" + usage + "}",
            "{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}," + usage + "}",
            "{" + usage + ",\"usage\":null}",
            "{\"choices\":[{\"message\":{" + usage + "}}]}",
            "{\"text\":\"" + usage.replace("\"", "\\\"") + "\"}",
            "{" + usage + "} trailing",
            "{" + usage + ",\"choices\":[1,2",
            "{" + usage,
            "[{" + usage + "}]",
            "\"usage\"",
            "",
            "not json",
            "{\"a\":{\"b\":[{\"c\":null}]},\"usage\":{\"prompt_tokens\":9,"
                    + "\"completion_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":4}}}",
        };
        int withUsage = 0;
        for (String body : bodies) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            Optional<TokenUsage> fromTree;
            try {
                fromTree =
                        UsageExtraction.fromResponse(
                                ApiKind.CHAT_COMPLETIONS, mapper.readTree(bytes));
            } catch (IOException e) {
                fromTree = Optional.empty();
            }
            Optional<TokenUsage> fromBytes =
                    UsageExtraction.fromResponseBytes(ApiKind.CHAT_COMPLETIONS, bytes);
            assertEquals(fromTree, fromBytes, body);
            withUsage += fromBytes.isPresent() ? 1 : 0;
        }
        assertEquals(
                of(5, 7, 0, 0),
                UsageExtraction.fromResponseBytes(
                        ApiKind.CHAT_COMPLETIONS, bodies[1].getBytes(StandardCharsets.UTF_8)),
                "the last of duplicate fields, as in a tree");
        assertEquals(4, withUsage, "bodies 1, 2, 6 and 13 carry a usable usage");
    }

    private static Optional<TokenUsage> of(long in, long out, long read, long write) {
        return Optional.of(new TokenUsage(in, out, read, write));
    }

    @Test
    void chatCompletionsSplitsCachedTokensOutOfThePrompt() {
        // 128 of the 300 completion tokens are reasoning: billed as output, kept in the details
        assertEquals(
                Optional.of(
                        new TokenUsage(
                                86,
                                300,
                                1920,
                                0,
                                new TokenDetails(0, 0, 0, 128, ServiceTier.STANDARD))),
                usage(ApiKind.CHAT_COMPLETIONS, CHAT));
    }

    @Test
    void chatCompletionsReadsAudioReasoningAndTheServiceTier() {
        String body =
                "{\"service_tier\":\"priority\",\"usage\":{\"prompt_tokens\":1000,"
                        + "\"completion_tokens\":500,\"prompt_tokens_details\":{\"cached_tokens\":200,"
                        + "\"audio_tokens\":300},\"completion_tokens_details\":{\"reasoning_tokens\":100,"
                        + "\"audio_tokens\":250}}}";
        Optional<TokenUsage> expected =
                Optional.of(
                        new TokenUsage(
                                800,
                                500,
                                200,
                                0,
                                new TokenDetails(0, 300, 250, 100, ServiceTier.PRIORITY)));
        assertEquals(expected, usage(ApiKind.CHAT_COMPLETIONS, body));
        assertEquals(
                expected,
                UsageExtraction.fromResponseBytes(
                        ApiKind.CHAT_COMPLETIONS, body.getBytes(StandardCharsets.UTF_8)));
        assertEquals(
                ServiceTier.FLEX,
                usage(
                                ApiKind.RESPONSES,
                                RESPONSES.replace("{\"id\"", "{\"service_tier\":\"flex\",\"id\""))
                        .orElseThrow()
                        .details()
                        .serviceTier());
        // "default", an unknown tier and a non-string are the standard prices
        for (String tier : new String[] {"\"default\"", "\"scale\"", "7", "null"}) {
            assertEquals(
                    ServiceTier.STANDARD,
                    usage(ApiKind.CHAT_COMPLETIONS, body.replace("\"priority\"", tier))
                            .orElseThrow()
                            .details()
                            .serviceTier(),
                    tier);
        }
    }

    @Test
    void openAiCacheWritesAreSplitOutOfTheInput() {
        // newer OpenAI models bill writing their prompt cache: input_tokens holds them too
        String body =
                "{\"usage\":{\"input_tokens\":1000,\"output_tokens\":10,\"input_tokens_details\":"
                        + "{\"cached_tokens\":300,\"cache_write_tokens\":500}}}";
        assertEquals(of(200, 10, 300, 500), usage(ApiKind.RESPONSES, body));
        assertEquals(
                Optional.empty(),
                usage(
                        ApiKind.RESPONSES,
                        body.replace("\"cache_write_tokens\":500", "\"cache_write_tokens\":701")),
                "more cached and written than the input");
    }

    @Test
    void aDetailLargerThanItsClassOrInvalidGivesNoUsage() {
        String[] bodies = {
            // audio input more than the uncached input
            "{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":5,\"audio_tokens\":6}}}",
            "{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
                    + "\"completion_tokens_details\":{\"reasoning_tokens\":6}}}",
            "{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
                    + "\"completion_tokens_details\":{\"audio_tokens\":-1}}}",
            "{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
                    + "\"completion_tokens_details\":{\"reasoning_tokens\":\"2\"}}}",
        };
        for (String body : bodies) {
            assertEquals(Optional.empty(), usage(ApiKind.CHAT_COMPLETIONS, body), body);
        }
    }

    @Test
    void messagesReadsOneHourCacheWritesAndIgnoresTheServiceTier() {
        String usage =
                "{\"usage\":{\"input_tokens\":10,\"output_tokens\":20,"
                        + "\"cache_creation_input_tokens\":1500,\"cache_read_input_tokens\":0,"
                        + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":500,"
                        + "\"ephemeral_1h_input_tokens\":1000},\"service_tier\":\"priority\"}}";
        assertEquals(
                Optional.of(
                        new TokenUsage(
                                10,
                                20,
                                0,
                                1500,
                                new TokenDetails(1000, 0, 0, 0, ServiceTier.STANDARD))),
                usage(ApiKind.MESSAGES, usage));
        // more 1-hour writes than writes: not a usage to bill from
        assertEquals(
                Optional.empty(),
                usage(
                        ApiKind.MESSAGES,
                        usage.replace(
                                "\"ephemeral_1h_input_tokens\":1000",
                                "\"ephemeral_1h_input_tokens\":1501")));
    }

    @Test
    void responsesSplitsCachedTokensOutOfTheInput() {
        assertEquals(of(72, 52, 256, 0), usage(ApiKind.RESPONSES, RESPONSES));
    }

    @Test
    void embeddingsHaveInputOnly() {
        assertEquals(of(8, 0, 0, 0), usage(ApiKind.EMBEDDINGS, EMBEDDINGS));
    }

    @Test
    void messagesAreAlreadySplit() {
        assertEquals(of(25, 15, 3000, 1200), usage(ApiKind.MESSAGES, MESSAGES));
    }

    @Test
    void missingOrNullCacheFieldsCountAsZero() {
        assertEquals(
                of(10, 5, 0, 0),
                usage(
                        ApiKind.CHAT_COMPLETIONS,
                        "{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}"));
        assertEquals(
                of(10, 5, 0, 0),
                usage(
                        ApiKind.CHAT_COMPLETIONS,
                        "{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
                                + "\"prompt_tokens_details\":null}}"));
        assertEquals(
                of(10, 5, 0, 0),
                usage(
                        ApiKind.RESPONSES,
                        "{\"usage\":{\"input_tokens\":10,\"output_tokens\":5,"
                                + "\"input_tokens_details\":{\"cached_tokens\":null}}}"));
        assertEquals(
                of(10, 5, 0, 0),
                usage(
                        ApiKind.MESSAGES,
                        "{\"usage\":{\"input_tokens\":10,\"output_tokens\":5,"
                                + "\"cache_read_input_tokens\":null}}"));
    }

    @Test
    void oddJsonGivesEmptyWithoutThrowing() {
        String[] chatBodies = {
            "{}",
            "[]",
            "\"usage\"",
            "{\"usage\":null}",
            "{\"usage\":[]}",
            "{\"usage\":{\"completion_tokens\":5}}",
            "{\"usage\":{\"prompt_tokens\":10}}",
            "{\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":5}}",
            "{\"usage\":{\"prompt_tokens\":10.0,\"completion_tokens\":5}}",
            "{\"usage\":{\"prompt_tokens\":10.5,\"completion_tokens\":5}}",
            "{\"usage\":{\"prompt_tokens\":\"10\",\"completion_tokens\":5}}",
            "{\"usage\":{\"prompt_tokens\":true,\"completion_tokens\":5}}",
            "{\"usage\":{\"prompt_tokens\":99999999999999999999999,\"completion_tokens\":5}}",
            "{\"usage\":{\"prompt_tokens\":1000000000001,\"completion_tokens\":5}}",
            "{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":-3}}}",
            "{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":11}}}",
            "{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
                    + "\"prompt_tokens_details\":7}}",
        };
        for (String body : chatBodies) {
            assertEquals(Optional.empty(), usage(ApiKind.CHAT_COMPLETIONS, body), body);
        }
        assertEquals(
                Optional.empty(),
                usage(
                        ApiKind.MESSAGES,
                        "{\"usage\":{\"input_tokens\":10,\"output_tokens\":5,"
                                + "\"cache_creation_input_tokens\":\"x\"}}"));
        assertEquals(
                Optional.empty(), usage(ApiKind.RESPONSES, "{\"usage\":{\"input_tokens\":10}}"));
        assertEquals(
                Optional.empty(), usage(ApiKind.EMBEDDINGS, "{\"usage\":{\"total_tokens\":8}}"));
        assertEquals(Optional.empty(), UsageExtraction.fromResponse(ApiKind.MESSAGES, null));
    }

    @Test
    void theLimitIsInclusive() {
        long max = UsageExtraction.MAX_TOKENS;
        assertEquals(
                of(max, 0, 0, 0),
                usage(ApiKind.EMBEDDINGS, "{\"usage\":{\"prompt_tokens\":" + max + "}}"));
    }

    @Test
    void otherApisHaveNoUsage() {
        assertEquals(Optional.empty(), usage(ApiKind.OTHER, CHAT));
        assertEquals(Optional.empty(), usage(ApiKind.OTHER, MESSAGES));
    }

    @Test
    void readsTheResponseModel() {
        assertEquals(Optional.of("gpt-4o-2024-08-06"), UsageExtraction.responseModel(json(CHAT)));
        assertEquals(
                Optional.of("claude-sonnet-4-5-20250929"),
                UsageExtraction.responseModel(json(MESSAGES)));
        assertEquals(Optional.empty(), UsageExtraction.responseModel(json("{\"model\":1}")));
        assertEquals(Optional.empty(), UsageExtraction.responseModel(json("[]")));
        assertEquals(Optional.empty(), UsageExtraction.responseModel(null));
    }
}
