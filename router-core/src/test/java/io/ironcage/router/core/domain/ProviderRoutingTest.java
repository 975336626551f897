package io.ironcage.router.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ironcage.router.core.domain.ProviderRouting.NoKeyForProvider;
import io.ironcage.router.core.domain.ProviderRouting.PathRoute;
import io.ironcage.router.core.domain.ProviderRouting.RouteRequest;
import io.ironcage.router.core.domain.ProviderRouting.Routed;
import io.ironcage.router.core.domain.ProviderRouting.RoutingDecision;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProviderRoutingTest {
    private static final Set<ProviderType> BOTH = EnumSet.allOf(ProviderType.class);

    private static Optional<ProviderType> family(String model) {
        return ProviderRouting.routeModel(model).provider();
    }

    private static PathRoute strip(String path) {
        return ProviderRouting.stripProviderPrefix(path);
    }

    /** The reference's llm_router_test.rs (reference §10.1), ported name by name. */
    @Nested
    class ReferenceLlmRouterTest {
        @Test
        @DisplayName("test_detect_provider_from_key_anthropic")
        void detectProviderFromKeyAnthropic() {
            assertEquals(ProviderType.ANTHROPIC, ProviderType.ofKey("sk-ant-api03-xxx"));
            assertEquals(ProviderType.ANTHROPIC, ProviderType.ofKey("sk-ant-abc123"));
        }

        @Test
        @DisplayName("test_detect_provider_from_key_openai")
        void detectProviderFromKeyOpenAi() {
            assertEquals(ProviderType.OPENAI, ProviderType.ofKey("sk-proj-xxx"));
            assertEquals(ProviderType.OPENAI, ProviderType.ofKey("sk-abc123"));
        }

        @Test
        @DisplayName("test_detect_provider_from_key_unknown_defaults_to_openai")
        void detectProviderFromKeyUnknownDefaultsToOpenAi() {
            assertEquals(ProviderType.OPENAI, ProviderType.ofKey("unknown-key"));
            assertEquals(ProviderType.OPENAI, ProviderType.ofKey(""));
        }

        @Test
        @DisplayName("test_strip_provider_prefix_anthropic")
        void stripProviderPrefixAnthropic() {
            assertEquals(
                    new PathRoute("/v1/messages", Optional.of(ProviderType.ANTHROPIC)),
                    strip("/anthropic/v1/messages"));
        }

        @Test
        @DisplayName("test_strip_provider_prefix_anthropic_root")
        void stripProviderPrefixAnthropicRoot() {
            assertEquals(
                    new PathRoute("/", Optional.of(ProviderType.ANTHROPIC)), strip("/anthropic"));
        }

        @Test
        @DisplayName("test_strip_provider_prefix_openai")
        void stripProviderPrefixOpenAi() {
            assertEquals(
                    new PathRoute("/v1/chat/completions", Optional.of(ProviderType.OPENAI)),
                    strip("/openai/v1/chat/completions"));
        }

        @Test
        @DisplayName("test_strip_provider_prefix_openai_root")
        void stripProviderPrefixOpenAiRoot() {
            assertEquals(new PathRoute("/", Optional.of(ProviderType.OPENAI)), strip("/openai"));
        }

        @Test
        @DisplayName("test_strip_provider_prefix_no_prefix")
        void stripProviderPrefixNoPrefix() {
            assertEquals(
                    new PathRoute("/v1/chat/completions", Optional.empty()),
                    strip("/v1/chat/completions"));
        }

        @Test
        @DisplayName("test_strip_provider_prefix_root")
        void stripProviderPrefixRoot() {
            assertEquals(new PathRoute("/", Optional.empty()), strip("/"));
        }

        @Test
        @DisplayName("test_detect_provider_from_model_claude")
        void detectProviderFromModelClaude() {
            assertEquals(Optional.of(ProviderType.ANTHROPIC), family("claude-sonnet-4-20250514"));
        }

        @Test
        @DisplayName("test_detect_provider_from_model_claude_variants")
        void detectProviderFromModelClaudeVariants() {
            assertEquals(Optional.of(ProviderType.ANTHROPIC), family("claude-3-opus-20240229"));
            assertEquals(Optional.of(ProviderType.ANTHROPIC), family("claude-3-haiku-20240307"));
        }

        @Test
        @DisplayName("test_detect_provider_from_model_gpt")
        void detectProviderFromModelGpt() {
            assertEquals(Optional.of(ProviderType.OPENAI), family("gpt-5-nano"));
        }

        @Test
        @DisplayName("test_detect_provider_from_model_gpt_variants")
        void detectProviderFromModelGptVariants() {
            assertEquals(Optional.of(ProviderType.OPENAI), family("gpt-4o"));
            assertEquals(Optional.of(ProviderType.OPENAI), family("gpt-4o-mini"));
            assertEquals(Optional.of(ProviderType.OPENAI), family("gpt-3.5-turbo"));
        }

        @Test
        @DisplayName("test_detect_provider_from_model_o1_o3")
        void detectProviderFromModelO1O3() {
            assertEquals(Optional.of(ProviderType.OPENAI), family("o1-preview"));
            assertEquals(Optional.of(ProviderType.OPENAI), family("o3-mini"));
        }

        @Test
        @DisplayName("test_detect_provider_from_model_unknown")
        void detectProviderFromModelUnknown() {
            assertEquals(Optional.empty(), family("llama-3.1-70b"));
        }
    }

    /** Each case where ARCHITECTURE.md step 3 deliberately differs from reference §3.5. */
    @Nested
    class DifferencesFromReference {
        @Test
        @DisplayName(
                "differs: a path prefix must be a whole segment (reference strips /anthropicfoo)")
        void prefixMustBeWholeSegment() {
            assertEquals(
                    new PathRoute("/anthropicfoo/x", Optional.empty()), strip("/anthropicfoo/x"));
            assertEquals(new PathRoute("/openaix/v1", Optional.empty()), strip("/openaix/v1"));
            assertEquals(new PathRoute("/", Optional.of(ProviderType.OPENAI)), strip("/openai/"));
        }

        @Test
        @DisplayName("differs: a provider prefix on the model is recognised and stripped")
        void modelPrefixIsStripped() {
            ProviderRouting.ModelRoute openAi = ProviderRouting.routeModel("openai/gpt-4o");
            assertEquals("gpt-4o", openAi.model());
            assertEquals(Optional.of(ProviderType.OPENAI), openAi.provider());
            assertTrue(openAi.prefixStripped());

            ProviderRouting.ModelRoute anthropic =
                    ProviderRouting.routeModel("Anthropic/claude-sonnet-4-5");
            assertEquals("claude-sonnet-4-5", anthropic.model());
            assertEquals(Optional.of(ProviderType.ANTHROPIC), anthropic.provider());
        }

        @Test
        @DisplayName("differs: the prefix decides even when the family says otherwise")
        void modelPrefixBeatsFamily() {
            ProviderRouting.ModelRoute route =
                    ProviderRouting.routeModel("anthropic/gpt-lookalike");
            assertEquals(Optional.of(ProviderType.ANTHROPIC), route.provider());
            assertEquals("gpt-lookalike", route.model());
        }

        @Test
        @DisplayName("a slash that is not a provider prefix is kept and the family still decides")
        void otherSlashesAreKept() {
            ProviderRouting.ModelRoute route = ProviderRouting.routeModel("meta/llama-3");
            assertEquals("meta/llama-3", route.model());
            assertEquals(Optional.empty(), route.provider());
            assertFalse(route.prefixStripped());
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "o4-mini",
                    "codex-mini-latest",
                    "chatgpt-4o-latest",
                    "ft:gpt-4o-mini-2024-07-18:org::abc",
                    "GPT-4o",
                    "O3-mini"
                })
        @DisplayName("differs: OpenAI families the reference does not match, and any case")
        void moreOpenAiFamilies(String model) {
            assertEquals(Optional.of(ProviderType.OPENAI), family(model));
        }

        @ParameterizedTest
        @ValueSource(strings = {"Claude-3-Opus", "CLAUDE-sonnet-4-5"})
        @DisplayName("differs: the Claude family matches in any case")
        void claudeInAnyCase(String model) {
            assertEquals(Optional.of(ProviderType.ANTHROPIC), family(model));
        }
    }

    @Nested
    class Route {
        private RoutingDecision route(
                String path, String model, boolean anthropicHeader, Set<ProviderType> keys) {
            return ProviderRouting.route(
                    new RouteRequest(path, Optional.ofNullable(model), anthropicHeader, keys));
        }

        @Test
        void pathPrefixBeatsModelFamily() {
            assertEquals(
                    new Routed(
                            ProviderType.OPENAI,
                            "/v1/chat/completions",
                            Optional.of("claude-3"),
                            false),
                    route("/openai/v1/chat/completions", "claude-3", false, BOTH));
        }

        @Test
        void modelPrefixIsStrippedForForwarding() {
            assertEquals(
                    new Routed(
                            ProviderType.ANTHROPIC,
                            "/v1/messages",
                            Optional.of("claude-sonnet-4-5"),
                            true),
                    route("/v1/messages", "anthropic/claude-sonnet-4-5", false, BOTH));
        }

        @Test
        void familyDecidesWithoutPrefix() {
            assertEquals(
                    new Routed(
                            ProviderType.ANTHROPIC,
                            "/v1/chat/completions",
                            Optional.of("claude-haiku-4-5"),
                            false),
                    route("/v1/chat/completions", "claude-haiku-4-5", false, BOTH));
        }

        @Test
        void unknownFamilyGoesToTheOnlyConfiguredKey() {
            assertEquals(
                    ProviderType.ANTHROPIC,
                    ((Routed)
                                    route(
                                            "/v1/chat/completions",
                                            "my-model",
                                            false,
                                            Set.of(ProviderType.ANTHROPIC)))
                            .provider());
            assertEquals(
                    ProviderType.OPENAI,
                    ((Routed) route("/v1/messages", "my-model", true, Set.of(ProviderType.OPENAI)))
                            .provider());
        }

        @Test
        void unknownFamilyWithSeveralKeysFollowsTheApiOfThePath() {
            assertEquals(
                    ProviderType.ANTHROPIC,
                    ((Routed) route("/v1/messages", "my-model", false, BOTH)).provider());
            assertEquals(
                    ProviderType.OPENAI,
                    ((Routed) route("/v1/chat/completions", "my-model", true, BOTH)).provider());
            assertEquals(
                    ProviderType.OPENAI,
                    ((Routed) route("/v1/embeddings", "my-embedder", false, BOTH)).provider());
        }

        @Test
        void unknownFamilyOnASharedPathFollowsTheNoModelRule() {
            assertEquals(
                    ProviderType.ANTHROPIC,
                    ((Routed) route("/v1/models/x", "my-model", true, BOTH)).provider());
            assertEquals(
                    ProviderType.OPENAI,
                    ((Routed) route("/v1/models/x", "my-model", false, BOTH)).provider());
        }

        @Test
        void noModelOnAProvidersApiGoesToThatProvider() {
            assertEquals(
                    ProviderType.ANTHROPIC,
                    ((Routed) route("/v1/messages/batches", null, false, BOTH)).provider());
            assertEquals(
                    ProviderType.OPENAI,
                    ((Routed) route("/v1/responses/resp_1", null, true, BOTH)).provider());
            assertEquals(
                    ProviderType.OPENAI,
                    ((Routed) route("/openai/v1/messages/batches", null, true, BOTH)).provider(),
                    "a path prefix still decides first");
        }

        @Test
        void noModelGoesByPrefixThenHeaderThenOpenAi() {
            assertEquals(
                    new Routed(ProviderType.ANTHROPIC, "/v1/models", Optional.empty(), false),
                    route("/anthropic/v1/models", null, false, BOTH));
            assertEquals(
                    ProviderType.ANTHROPIC,
                    ((Routed) route("/v1/models", null, true, BOTH)).provider());
            assertEquals(
                    ProviderType.OPENAI,
                    ((Routed) route("/v1/models", null, false, BOTH)).provider());
        }

        @Test
        @DisplayName(
                "differs: a key is only sent to its own provider (reference sends its one key anywhere)")
        void keyIsOnlySentToItsOwnProvider() {
            RoutingDecision decision =
                    route(
                            "/v1/chat/completions",
                            "claude-sonnet-4-5",
                            false,
                            Set.of(ProviderType.OPENAI));
            assertEquals(new NoKeyForProvider(ProviderType.ANTHROPIC), decision);
            String message = ((NoKeyForProvider) decision).message();
            assertTrue(message.contains("anthropic"), message);

            assertEquals(
                    new NoKeyForProvider(ProviderType.OPENAI),
                    route("/v1/models", null, false, Set.of(ProviderType.ANTHROPIC)));
            assertEquals(
                    new NoKeyForProvider(ProviderType.OPENAI),
                    route("/v1/chat/completions", "gpt-4o", false, Set.of()));
        }
    }
}
