package io.ironcage.router.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.core.agent.Tenants;
import io.ironcage.router.core.config.PricingTables;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelListing} in the pipeline: what the end-to-end tests cannot easily arrange (a key
 * source that fails or hands out a fresh key, an endless list, a worker pool) against an upstream
 * that answers by provider.
 */
class ModelListingPipelineTest {
    private static final String TOKEN = "ic-models-token";
    private static final URI OPENAI = URI.create("http://127.0.0.1:1");
    private static final URI ANTHROPIC = URI.create("http://127.0.0.1:2");
    private static final ProviderKey OPENAI_KEY = ProviderKey.openAi("sk-openai-key-1", OPENAI);
    private static final ProviderKey ANTHROPIC_KEY =
            ProviderKey.anthropic("sk-ant-anthropic-key-1", ANTHROPIC);
    private static final String OPENAI_LIST =
            "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o\",\"object\":\"model\","
                    + "\"created\":1700000000,\"owned_by\":\"openai\"},"
                    + "{\"id\":\"common-id\",\"object\":\"model\",\"created\":1,"
                    + "\"owned_by\":\"system\"}]}";

    private final List<AnalyticsEvent> events = new CopyOnWriteArrayList<>();
    private final ExecutorService workers = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopWorkers() throws InterruptedException {
        workers.shutdownNow();
        assertTrue(workers.awaitTermination(5, TimeUnit.SECONDS));
    }

    /** Answers each request by the provider it goes to; records what was asked. */
    private static final class ByProvider implements HttpTransport {
        final List<Request> sent = new CopyOnWriteArrayList<>();
        final Function<Request, Response> openAi;
        final Function<Request, Response> anthropic;

        ByProvider(Function<Request, Response> openAi, Function<Request, Response> anthropic) {
            this.openAi = openAi;
            this.anthropic = anthropic;
        }

        @Override
        public Response send(Request request) {
            sent.add(request);
            return request.uri().getPort() == OPENAI.getPort()
                    ? openAi.apply(request)
                    : anthropic.apply(request);
        }

        @Override
        public StreamingResponse open(Request request) {
            throw new UnsupportedOperationException("no streams here");
        }

        @Override
        public void close() {}

        List<String> queriesTo(URI base) {
            List<String> out = new ArrayList<>();
            sent.stream()
                    .filter(r -> r.uri().getPort() == base.getPort())
                    .forEach(r -> out.add(String.valueOf(r.uri().getQuery())));
            return out;
        }
    }

    private static HttpTransport.Response json(int status, String body) {
        return new HttpTransport.Response(
                status,
                HeaderMap.of("content-type", "application/json"),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private static String anthropicPage(String id, boolean more) {
        return "{\"data\":[{\"type\":\"model\",\"id\":\""
                + id
                + "\",\"display_name\":\"Claude\",\"created_at\":\"2025-01-01T00:00:00+00:00\"}],"
                + "\"has_more\":"
                + more
                + ",\"first_id\":\""
                + id
                + "\",\"last_id\":\""
                + id
                + "\"}";
    }

    private ProxyPipeline pipeline(HttpTransport upstream, ProviderKeySource keys) {
        return pipeline(upstream, keys, Duration.ofSeconds(5));
    }

    private ProxyPipeline pipeline(
            HttpTransport upstream, ProviderKeySource keys, Duration upstreamTimeout) {
        return new ProxyPipeline(
                Tenants.single(
                        TOKEN,
                        new DirectTenantForTest(keys, CostController.withLimit(Money.ofMicros(1)))),
                upstream,
                PricingTables.bundled(),
                new ListSink(events),
                Clock.systemUTC(),
                ProxyPipeline.Settings.of(upstreamTimeout, 1024 * 1024));
    }

    private static ProxyRequest list(String... headers) {
        return new ProxyRequest(
                "GET",
                "/v1/models",
                "",
                HeaderMap.of(
                        headers.length > 0
                                ? headers
                                : new String[] {"authorization", "Bearer " + TOKEN}),
                null,
                false);
    }

    private static CapturingSink blocking(ProxyPipeline pipeline, ProxyRequest request) {
        CapturingSink sink = new CapturingSink();
        Blocking.handle(pipeline, request, sink);
        return sink;
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.path("data").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    @Test
    void anIdBothProvidersListIsShownOnceAndAnthropicsTimestampIsConverted() {
        ByProvider upstream =
                new ByProvider(
                        r -> json(200, OPENAI_LIST),
                        r -> json(200, anthropicPage("common-id", false)));
        CapturingSink sink =
                blocking(
                        pipeline(upstream, ProviderKeySource.fixed(OPENAI_KEY, ANTHROPIC_KEY)),
                        list());
        assertEquals(200, sink.status(), sink.text());
        assertEquals(List.of("gpt-4o", "common-id"), ids(sink.json()));
        assertEquals("system", sink.json().at("/data/1/owned_by").asText(), "the caller's own");

        CapturingSink anthropicCaller =
                blocking(
                        pipeline(upstream, ProviderKeySource.fixed(OPENAI_KEY, ANTHROPIC_KEY)),
                        list("x-api-key", TOKEN));
        assertEquals(List.of("common-id", "gpt-4o"), ids(anthropicCaller.json()));
        assertEquals(
                "2025-01-01T00:00:00Z", anthropicCaller.json().at("/data/0/created_at").asText());
        assertEquals("Claude", anthropicCaller.json().at("/data/0/display_name").asText());
        assertEquals(
                "2023-11-14T22:13:20Z", anthropicCaller.json().at("/data/1/created_at").asText());
        assertEquals(List.of(), events, "a free request records no usage event");
    }

    @Test
    void anEndlessListIsCutAfterTheLastPageTheRouterAsksFor() {
        int[] served = {0};
        ByProvider upstream =
                new ByProvider(
                        r -> json(200, "{\"object\":\"list\",\"data\":[]}"),
                        r -> json(200, anthropicPage("claude-" + ++served[0], true)));
        CapturingSink sink =
                blocking(
                        pipeline(upstream, ProviderKeySource.fixed(OPENAI_KEY, ANTHROPIC_KEY)),
                        list());
        assertEquals(200, sink.status(), sink.text());
        assertEquals(ModelListing.MAX_PAGES, ids(sink.json()).size());
        List<String> queries = upstream.queriesTo(ANTHROPIC);
        assertEquals(ModelListing.MAX_PAGES, queries.size());
        assertEquals("limit=1000", queries.get(0));
        assertEquals("limit=1000&after_id=claude-1", queries.get(1));
    }

    @Test
    void aProviderWhosePagesOutlastOneUpstreamTimeoutIsMissing() {
        // each page comes within the 1 s timeout of one request, but ten of them would not
        ByProvider upstream =
                new ByProvider(
                        r -> json(200, OPENAI_LIST),
                        r -> {
                            try {
                                Thread.sleep(400); // the slow provider under test
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return json(200, anthropicPage("claude-" + r.uri().getQuery(), true));
                        });
        CapturingSink sink =
                blocking(
                        pipeline(
                                upstream,
                                ProviderKeySource.fixed(OPENAI_KEY, ANTHROPIC_KEY),
                                Duration.ofSeconds(1)),
                        list());
        assertEquals(200, sink.status(), sink.text());
        assertEquals(List.of("gpt-4o", "common-id"), ids(sink.json()), "OpenAI's list only");
        assertEquals(
                "anthropic", sink.headers().first("x-iron-router-models-partial").orElseThrow());
        int asked = upstream.queriesTo(ANTHROPIC).size();
        assertTrue(asked < ModelListing.MAX_PAGES, "cut by the deadline, not by the page cap");
    }

    @Test
    void aKeyTheControlPlaneCannotGiveMakesThatProviderMissingOnly() {
        ProviderKeySource keys =
                new ProviderKeySource() {
                    @Override
                    public Set<ProviderType> providers() {
                        return EnumSet.allOf(ProviderType.class);
                    }

                    @Override
                    public Optional<ProviderKey> key(ProviderType provider) {
                        if (provider == ProviderType.ANTHROPIC) {
                            throw new ControlPlaneException(503, "unavailable");
                        }
                        return Optional.of(OPENAI_KEY);
                    }
                };
        ByProvider upstream = new ByProvider(r -> json(200, OPENAI_LIST), r -> json(500, "{}"));
        ProxyPipeline pipeline = pipeline(upstream, keys);
        // on a worker pool: no key is at hand, so the fetch moves off the calling thread
        CapturingSink sink = new CapturingSink();
        pipeline.handle(list(), sink, workers).toCompletableFuture().join();
        assertEquals(200, sink.status(), sink.text());
        assertEquals(List.of("gpt-4o", "common-id"), ids(sink.json()));
        assertEquals("anthropic", sink.headers().first(ModelListing.PARTIAL_HEADER).orElseThrow());
        assertTrue(upstream.queriesTo(ANTHROPIC).isEmpty(), "nothing sent without a key");
    }

    @Test
    void a401IsRetriedOnceWithAFreshKeyAndThenTheListIsWhole() {
        ProviderKey fresh = ProviderKey.anthropic("sk-ant-fresh-key-22", ANTHROPIC);
        ProviderKeySource keys =
                new ProviderKeySource() {
                    private volatile ProviderKey anthropic = ANTHROPIC_KEY;

                    @Override
                    public Set<ProviderType> providers() {
                        return EnumSet.allOf(ProviderType.class);
                    }

                    @Override
                    public Optional<ProviderKey> key(ProviderType provider) {
                        return Optional.of(
                                provider == ProviderType.OPENAI ? OPENAI_KEY : anthropic);
                    }

                    @Override
                    public Optional<ProviderKey> keyIfReady(ProviderType provider) {
                        return key(provider);
                    }

                    @Override
                    public void invalidate(ProviderKey rejected) {
                        anthropic = fresh;
                    }
                };
        ByProvider upstream =
                new ByProvider(
                        r -> json(200, OPENAI_LIST),
                        r ->
                                r.headers().first("x-api-key").orElse("").equals(fresh.secret())
                                        ? json(200, anthropicPage("claude-x", false))
                                        : json(
                                                401,
                                                "{\"error\":\"" + ANTHROPIC_KEY.secret() + "\"}"));
        CapturingSink sink = new CapturingSink();
        pipeline(upstream, keys).handle(list(), sink, workers).toCompletableFuture().join();
        assertEquals(200, sink.status(), sink.text());
        assertEquals(List.of("gpt-4o", "common-id", "claude-x"), ids(sink.json()));
        assertTrue(sink.headers().first(ModelListing.PARTIAL_HEADER).isEmpty());
        assertEquals(2, upstream.queriesTo(ANTHROPIC).size());
        assertFalse(sink.text().contains(ANTHROPIC_KEY.secret()));
    }
}
