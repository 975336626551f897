package io.ironcage.router.core.internal;

import static io.ironcage.router.core.RandomCases.forAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.RandomJson;
import io.ironcage.router.core.agent.DirectTenant;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.UsageEventSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The pipeline with translation over generated request bodies (issue 5, ARCHITECTURE.md "Bad
 * input"): whatever JSON an OpenAI caller sends for a Claude model, or an Anthropic caller for a
 * GPT model, streamed or not, the answer is never a 500 (nor an exception out of the handler), a
 * router error is a 4xx in the caller's own format, and no reservation is left behind. The upstream
 * is canned and always well-behaved, so every 5xx would be the router's own fault.
 *
 * <p>Bodies come from {@link RandomJson} with fixed seeds; see {@link
 * io.ironcage.router.core.RandomCases} for reproducing a failure and for exploring with other
 * seeds. Each property prints how its cases were answered, to show they reach translation.
 */
class TranslationPipelinePropertyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "ic-property-token";
    private static final HeaderMap HEADERS =
            HeaderMap.of("authorization", "Bearer " + TOKEN, "content-type", "application/json");

    private final CostController ledger = CostController.withLimit(Money.ofMicros(1L << 50));
    private final List<String> upstreamPaths = new ArrayList<>();
    private final ProxyPipeline pipeline =
            new ProxyPipeline(
                    Tenants.single(
                            TOKEN,
                            new DirectTenant(
                                    ProviderKeySource.fixed(
                                            ProviderKey.openAi(
                                                    "sk-openai-prop",
                                                    URI.create("http://127.0.0.1:1")),
                                            ProviderKey.anthropic(
                                                    "sk-ant-prop",
                                                    URI.create("http://127.0.0.1:1"))),
                                    ledger)),
                    new CannedUpstream(),
                    PricingTables.bundled(),
                    UsageEventSink.noop(),
                    Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC),
                    ProxyPipeline.Settings.of(Duration.ofSeconds(5), 10 * 1024 * 1024)
                            .withRejectUnpriced(true));

    private static final List<ObjectNode> OPENAI_REQUESTS =
            RandomJson.goldenFiles("request.openai.json");
    private static final List<ObjectNode> ANTHROPIC_REQUESTS =
            RandomJson.goldenFiles("request.anthropic.json");

    /** How the generated cases were answered, like "refused 400 whole not sent", with counts. */
    private final Map<String, Integer> outcomes = new TreeMap<>();

    /** A caller body: arbitrary, or a mutated golden request; mostly for the other provider. */
    private static ObjectNode body(RandomJson random, List<ObjectNode> golden, String otherModel) {
        ObjectNode body = random.weighted(1, 2) == 0 ? random.object(4) : random.mutated(golden);
        int dice = random.between(0, 9);
        if (dice < 8) {
            body.put("model", otherModel);
        }
        if (dice == 0) {
            body.put("stream", true);
        }
        return body;
    }

    @Test
    void anOpenAiCallerForAClaudeModelNeverGetsA500() {
        forAll(
                300,
                random -> body(random, OPENAI_REQUESTS, "claude-sonnet-4-5"),
                body -> call("/v1/chat/completions", body, false));
        System.out.println("OpenAI caller for a Claude model: " + outcomes);
    }

    @Test
    void anAnthropicCallerForAGptModelNeverGetsA500() {
        forAll(
                300,
                random -> body(random, ANTHROPIC_REQUESTS, "gpt-4o-mini"),
                body -> call("/v1/messages", body, true));
        System.out.println("Anthropic caller for a GPT model: " + outcomes);
    }

    private void call(String path, ObjectNode body, boolean anthropicCaller) {
        upstreamPaths.clear();
        CapturingSink answer = new CapturingSink();
        Blocking.handle(
                pipeline,
                new ProxyRequest(
                        "POST",
                        path,
                        "",
                        HEADERS,
                        body.toString().getBytes(StandardCharsets.UTF_8),
                        false),
                answer);
        assertTrue(answer.status() > 0, "an answer was sent");
        outcomes.merge(
                String.join(
                        " ",
                        answer.status() < 400 ? "answered" : "refused " + answer.status(),
                        answer.streamed() ? "streamed" : "whole",
                        upstreamPaths.isEmpty()
                                ? "not sent"
                                : upstreamPaths.get(0).equals(path) ? "same API" : "translated"),
                1,
                Integer::sum);
        assertNotEquals(500, answer.status(), answer.text());
        assertTrue(answer.status() < 500, "the canned upstream never fails: " + answer.text());
        assertEquals(Money.ZERO, ledger.reserved(), "no reservation is left");
        if (answer.status() >= 400) {
            JsonNode error = parse(answer.text());
            if (anthropicCaller) {
                assertEquals("error", error.path("type").asText(), answer.text());
                assertTrue(error.at("/error/message").isTextual(), answer.text());
            } else {
                assertTrue(error.at("/error/message").isTextual(), answer.text());
                assertTrue(error.at("/error/type").isTextual(), answer.text());
            }
            assertTrue(
                    upstreamPaths.isEmpty(),
                    "a refused request never went upstream: " + upstreamPaths);
        } else if (answer.streamed()) {
            String text = answer.text();
            assertTrue(
                    anthropicCaller
                            ? text.startsWith("event: message_start")
                                    && text.contains("event: message_stop")
                            : text.endsWith("data: [DONE]\n\n"),
                    text);
        } else {
            JsonNode reply = parse(answer.text());
            assertEquals(
                    anthropicCaller ? "message" : "chat.completion",
                    reply.path(anthropicCaller ? "type" : "object").asText(),
                    answer.text());
        }
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in =
                TranslationPipelinePropertyTest.class.getResourceAsStream("/translate/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Well-formed answers of each provider, plain or streamed, from the golden files. */
    private final class CannedUpstream implements HttpTransport {
        @Override
        public Response send(Request request) {
            upstreamPaths.add(request.uri().getPath());
            boolean anthropic = request.uri().getPath().equals("/v1/messages");
            return new Response(
                    200,
                    HeaderMap.of("content-type", "application/json"),
                    resource(
                            anthropic
                                    ? "single-tool-call/response.anthropic.json"
                                    : "anthropic-in-tool-round-trip/response.openai.json"));
        }

        @Override
        public StreamingResponse open(Request request) {
            upstreamPaths.add(request.uri().getPath());
            boolean anthropic = request.uri().getPath().equals("/v1/messages");
            byte[] stream =
                    resource(
                            anthropic
                                    ? "streamed-parallel-tool-calls/stream.anthropic.sse"
                                    : "anthropic-in-streamed-parallel-tool-calls/stream.openai.sse");
            Iterator<byte[]> chunks = split(stream).iterator();
            return new StreamingResponse() {
                @Override
                public int status() {
                    return 200;
                }

                @Override
                public HeaderMap headers() {
                    return HeaderMap.of("content-type", "text/event-stream");
                }

                @Override
                public Optional<byte[]> read() {
                    return chunks.hasNext() ? Optional.of(chunks.next()) : Optional.empty();
                }

                @Override
                public void close() {}
            };
        }

        /** Chunks of 37 bytes, so events and UTF-8 characters cross chunk boundaries. */
        private List<byte[]> split(byte[] all) {
            List<byte[]> out = new ArrayList<>();
            for (int i = 0; i < all.length; i += 37) {
                out.add(java.util.Arrays.copyOfRange(all, i, Math.min(all.length, i + 37)));
            }
            return out;
        }

        @Override
        public void close() {}
    }
}
