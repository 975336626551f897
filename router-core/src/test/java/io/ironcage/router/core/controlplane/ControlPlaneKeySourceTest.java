package io.ironcage.router.core.controlplane;

import static io.ironcage.router.core.controlplane.ScriptedTransport.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.core.Await;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ControlPlaneException;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.spi.HttpTransport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ControlPlaneKeySourceTest {
    private static final URI SERVER = URI.create("http://127.0.0.1:9");
    private static final String TOKEN = "ic-TOKEN-secret-4711";
    private static final String KEY = "sk-proj-KEY-secret-0815";
    private static final String OK = "{\"provider_key\":\"" + KEY + "\",\"provider\":\"openai\"}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestClock clock = new TestClock();
    private final List<ExecutorService> pools = new ArrayList<>();

    @AfterEach
    void stopPools() {
        pools.forEach(ExecutorService::shutdownNow);
    }

    private ControlPlaneKeySource source(ScriptedTransport transport, Duration ttl) {
        return ControlPlaneKeySource.builder(SERVER, TOKEN, transport)
                .clock(clock)
                .ttl(ttl)
                .timeout(Duration.ofSeconds(2))
                .build();
    }

    private static ScriptedTransport answering(String body) {
        return new ScriptedTransport(r -> json(200, body));
    }

    @Test
    void postsTheIcTokenInTheBodyAndReturnsTheKeyForItsProvider() throws Exception {
        ScriptedTransport transport = answering(OK);
        ControlPlaneKeySource keys = source(transport, Duration.ofSeconds(300));

        ProviderKey key = keys.key(ProviderType.OPENAI).orElseThrow();

        assertEquals(KEY, key.secret());
        assertEquals(ProviderType.OPENAI, key.provider());
        HttpTransport.Request sent = transport.requests().get(0);
        assertEquals("POST", sent.method());
        assertEquals(URI.create("http://127.0.0.1:9/api/v1/agents/provider-key"), sent.uri());
        JsonNode body = JSON.readTree(sent.body());
        assertEquals(TOKEN, body.get("ic_token").asText());
        assertEquals(1, body.size());
        assertTrue(sent.headers().first("authorization").isEmpty(), "no Authorization header");
        assertEquals("application/json", sent.headers().first("content-type").orElseThrow());
    }

    @Test
    void aKeyIsOnlyGivenForItsOwnProvider() {
        ControlPlaneKeySource keys =
                source(
                        answering(
                                "{\"provider_key\":\"sk-ant-x\",\"provider\":\"anthropic\","
                                        + "\"base_url\":\"http://127.0.0.1:7/\"}"),
                        Duration.ofSeconds(300));
        assertEquals(
                Set.of(ProviderType.OPENAI, ProviderType.ANTHROPIC),
                keys.providers(),
                "before the first fetch every provider may be the key's");

        assertEquals(Optional.empty(), keys.key(ProviderType.OPENAI));
        assertEquals(Set.of(ProviderType.ANTHROPIC), keys.providers());
        ProviderKey key = keys.key(ProviderType.ANTHROPIC).orElseThrow();
        assertEquals(URI.create("http://127.0.0.1:7/"), key.effectiveBaseUrl());
    }

    @Test
    void theKeyIsCachedForTheTtlOnTheClock() {
        ScriptedTransport transport = answering(OK);
        ControlPlaneKeySource keys = source(transport, Duration.ofSeconds(300));
        keys.key(ProviderType.OPENAI);
        clock.advance(Duration.ofSeconds(299));
        keys.key(ProviderType.OPENAI);
        assertEquals(1, transport.count());

        clock.advance(Duration.ofSeconds(1));
        keys.key(ProviderType.OPENAI);
        assertEquals(2, transport.count(), "fetched again once the TTL passed");
    }

    @Test
    void theKeyIsAtHandWithoutAFetchExactlyWhileItIsCachedAndFresh() {
        ScriptedTransport transport = answering(OK);
        ControlPlaneKeySource keys = source(transport, Duration.ofSeconds(300));
        assertEquals(Optional.empty(), keys.keyIfReady(ProviderType.OPENAI), "nothing fetched yet");
        assertEquals(0, transport.count(), "asking never fetches");

        ProviderKey fetched = keys.key(ProviderType.OPENAI).orElseThrow();
        assertEquals(Optional.of(fetched), keys.keyIfReady(ProviderType.OPENAI));
        assertEquals(
                Optional.empty(),
                keys.keyIfReady(ProviderType.ANTHROPIC),
                "another provider's key is never handed out");
        clock.advance(Duration.ofSeconds(299));
        assertEquals(Optional.of(fetched), keys.keyIfReady(ProviderType.OPENAI));

        clock.advance(Duration.ofSeconds(1));
        assertEquals(
                Optional.empty(),
                keys.keyIfReady(ProviderType.OPENAI),
                "the TTL passed: key() would fetch");
        keys.key(ProviderType.OPENAI);
        assertTrue(keys.keyIfReady(ProviderType.OPENAI).isPresent());
        keys.invalidate(keys.key(ProviderType.OPENAI).orElseThrow());
        assertEquals(
                Optional.empty(),
                keys.keyIfReady(ProviderType.OPENAI),
                "a rejected key is fetched again");
        assertEquals(2, transport.count());
    }

    @Test
    void aTtlOfZeroFetchesForEveryRequest() {
        ScriptedTransport transport = answering(OK);
        ControlPlaneKeySource keys = source(transport, Duration.ZERO);
        keys.key(ProviderType.OPENAI);
        keys.key(ProviderType.OPENAI);
        assertEquals(2, transport.count());
    }

    @Test
    @DisplayName("100 requests missing the cache at once make one fetch")
    void hundredConcurrentMissesMakeOneFetch() throws Exception {
        int threads = 100;
        List<Thread> callers = new ArrayList<>();
        AtomicInteger fetches = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(threads);
        ScriptedTransport transport =
                new ScriptedTransport(
                        r -> {
                            fetches.incrementAndGet();
                            // hold the fetch until every other caller waits on it: with one fetch
                            // at a time they all end up parked; a second fetch would never see that
                            awaitParked(callers, started, Thread.currentThread());
                            return json(200, OK);
                        });
        ControlPlaneKeySource keys = source(transport, Duration.ofSeconds(300));
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t = new Thread(r);
                            synchronized (callers) {
                                callers.add(t);
                            }
                            return t;
                        });
        pools.add(pool);
        List<Future<ProviderKey>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            results.add(
                    pool.submit(
                            () -> {
                                started.countDown();
                                return keys.key(ProviderType.OPENAI).orElseThrow();
                            }));
        }
        for (Future<ProviderKey> result : results) {
            assertEquals(KEY, result.get(10, TimeUnit.SECONDS).secret());
        }
        assertEquals(1, fetches.get(), "one fetch for 100 simultaneous misses");
        assertEquals(1, keys.fetchCount());
    }

    /** Waits until every caller but {@code self} is parked waiting, or 10 s pass. */
    private static void awaitParked(List<Thread> callers, CountDownLatch started, Thread self) {
        try {
            if (!started.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the callers did not start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        Await.until(
                Duration.ofSeconds(10),
                "the other callers waited on the one fetch",
                () -> {
                    List<Thread> all;
                    synchronized (callers) {
                        all = List.copyOf(callers);
                    }
                    return all.size() == 100
                            && all.stream()
                                    .filter(t -> t != self)
                                    .allMatch(t -> t.getState() == Thread.State.WAITING);
                });
    }

    @Test
    void theCachedKeyIsServedWhileARefreshIsInFlight() throws Exception {
        CountDownLatch refreshing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ScriptedTransport transport = answering(OK);
        ControlPlaneKeySource keys = source(transport, Duration.ofSeconds(60));
        keys.key(ProviderType.OPENAI);
        clock.advance(Duration.ofSeconds(61));
        transport.answer(
                r -> {
                    refreshing.countDown();
                    awaitQuietly(release);
                    return json(200, OK.replace(KEY, "sk-proj-NEW"));
                });
        ExecutorService pool = Executors.newSingleThreadExecutor();
        pools.add(pool);
        Future<ProviderKey> refresher =
                pool.submit(() -> keys.key(ProviderType.OPENAI).orElseThrow());
        assertTrue(refreshing.await(10, TimeUnit.SECONDS));

        assertEquals(KEY, keys.key(ProviderType.OPENAI).orElseThrow().secret(), "no waiting");
        assertEquals(2, transport.count(), "no second fetch while one is in flight");

        release.countDown();
        assertEquals("sk-proj-NEW", refresher.get(10, TimeUnit.SECONDS).secret());
        assertEquals("sk-proj-NEW", keys.key(ProviderType.OPENAI).orElseThrow().secret());
    }

    @Test
    void anUnreachableServerLeavesTheCachedKeyInUseUntilMaxStale() {
        ScriptedTransport transport = answering(OK);
        ControlPlaneKeySource keys =
                ControlPlaneKeySource.builder(SERVER, TOKEN, transport)
                        .clock(clock)
                        .ttl(Duration.ofSeconds(60))
                        .maxStale(Duration.ofSeconds(120))
                        .build();
        keys.key(ProviderType.OPENAI);
        transport.answer(
                r -> {
                    throw new ForwardException(
                            ForwardException.Kind.CONNECT, "127.0.0.1:9 refused", null);
                });
        clock.advance(Duration.ofSeconds(61));
        assertEquals(KEY, keys.key(ProviderType.OPENAI).orElseThrow().secret());
        assertEquals(2, transport.count());
        clock.advance(Duration.ofSeconds(10));
        keys.key(ProviderType.OPENAI);
        assertEquals(2, transport.count(), "no new attempt before the retry delay");

        clock.advance(Duration.ofSeconds(120));
        ControlPlaneException e =
                assertThrows(ControlPlaneException.class, () -> keys.key(ProviderType.OPENAI));
        assertTrue(e.isNoResponse());
        assertTrue(e.getMessage().contains("no connection to 127.0.0.1:9"), e.getMessage());
    }

    @Test
    void aRefusalDropsTheCachedKeyAtOnce() {
        ScriptedTransport transport = answering(OK);
        ControlPlaneKeySource keys = source(transport, Duration.ofSeconds(60));
        keys.key(ProviderType.OPENAI);
        transport.answer(
                r ->
                        json(
                                403,
                                "{\"error\":\"Provider key is disabled\","
                                        + "\"code\":\"NO_PROVIDER_ASSIGNED\"}"));
        clock.advance(Duration.ofSeconds(61));
        ControlPlaneException e =
                assertThrows(ControlPlaneException.class, () -> keys.key(ProviderType.OPENAI));
        assertEquals(403, e.status());
        assertEquals("Provider key is disabled", e.serverMessage());
        assertEquals(Optional.of("NO_PROVIDER_ASSIGNED"), e.code());
        assertEquals(
                Set.of(ProviderType.OPENAI, ProviderType.ANTHROPIC),
                keys.providers(),
                "the dropped key's provider is no longer known");
    }

    @Test
    void invalidateRefetchesOnceForTheRejectedKeyOnly() {
        ScriptedTransport transport = answering(OK);
        ControlPlaneKeySource keys = source(transport, Duration.ofSeconds(300));
        ProviderKey rejected = keys.key(ProviderType.OPENAI).orElseThrow();
        transport.answer(r -> json(200, OK.replace(KEY, "sk-proj-ROTATED")));

        keys.invalidate(rejected);
        assertEquals("sk-proj-ROTATED", keys.key(ProviderType.OPENAI).orElseThrow().secret());
        keys.invalidate(rejected); // a late 401 of the old key
        keys.key(ProviderType.OPENAI);
        assertEquals(2, transport.count(), "the fresh key is kept");
    }

    @Test
    void everyErrorOfTheEndpointCarriesStatusMessageAndCode() {
        String[][] cases = {
            {"400", "{\"error\":\"ic_token cannot be empty\",\"code\":\"INVALID_TOKEN\"}"},
            {"401", "{\"error\":\"Invalid IC Token\",\"code\":\"UNAUTHORIZED\"}"},
            {
                "403",
                "{\"error\":\"Agent has no provider assigned\",\"code\":\"NO_PROVIDER_ASSIGNED\"}"
            },
            {"404", "{\"error\":\"Provider key not found\",\"code\":\"PROVIDER_NOT_FOUND\"}"},
            {"500", "{\"error\":\"Database error\",\"code\":\"INTERNAL_ERROR\"}"},
            {"503", "{\"error\":\"Crypto service unavailable\",\"code\":\"CRYPTO_UNAVAILABLE\"}"},
        };
        for (String[] c : cases) {
            int status = Integer.parseInt(c[0]);
            JsonNode body = readTree(c[1]);
            ControlPlaneKeySource keys =
                    source(new ScriptedTransport(r -> json(status, c[1])), Duration.ofSeconds(1));
            ControlPlaneException e =
                    assertThrows(ControlPlaneException.class, () -> keys.key(ProviderType.OPENAI));
            assertEquals(status, e.status(), c[1]);
            assertEquals(body.get("error").asText(), e.serverMessage());
            assertEquals(Optional.of(body.get("code").asText()), e.code());
            assertNoSecret(e);
        }
    }

    @Test
    void aServerThatEchoesTheTokenHasItCutOut() {
        ControlPlaneKeySource keys =
                source(
                        new ScriptedTransport(
                                r ->
                                        json(
                                                401,
                                                "{\"error\":\"Invalid IC Token "
                                                        + TOKEN
                                                        + "\",\"code\":\"UNAUTHORIZED\"}")),
                        Duration.ofSeconds(1));
        ControlPlaneException e =
                assertThrows(ControlPlaneException.class, () -> keys.key(ProviderType.OPENAI));
        assertEquals("Invalid IC Token <redacted>", e.serverMessage());
        assertNoSecret(e);
    }

    @Test
    void malformedAnswersAreClearErrorsWithoutTheBody() {
        String[] bodies = {
            "{\"provider_key\": ",
            "[1,2]",
            "{\"provider\":\"openai\"}",
            "{\"provider_key\":\"" + KEY + "\",\"provider\":\"gemini\"}",
            "{\"provider_key\":\"" + KEY + "\",\"provider\":\"openai\",\"base_url\":\"ftp://x\"}",
            "",
        };
        for (String body : bodies) {
            ControlPlaneKeySource keys = source(answering(body), Duration.ofSeconds(1));
            ControlPlaneException e =
                    assertThrows(ControlPlaneException.class, () -> keys.key(ProviderType.OPENAI));
            assertEquals(200, e.status(), body);
            assertTrue(e.serverMessage().startsWith("the answer is malformed"), e.getMessage());
            assertNoSecret(e);
        }
    }

    @Test
    void aServerWithoutAnAnswerIsReportedWithStatusZero() {
        ControlPlaneKeySource keys =
                source(
                        new ScriptedTransport(
                                r -> {
                                    throw new ForwardException(
                                            ForwardException.Kind.TIMEOUT, "timed out", null);
                                }),
                        Duration.ofSeconds(1));
        ControlPlaneException e =
                assertThrows(ControlPlaneException.class, () -> keys.key(ProviderType.OPENAI));
        assertEquals(ControlPlaneException.NO_RESPONSE, e.status());
        assertTrue(e.getMessage().contains("within 2 s"), e.getMessage());
        assertSame(ForwardException.class, e.getCause().getClass());
    }

    @Test
    void toStringShowsNeitherTokenNorKey() {
        ControlPlaneKeySource keys = source(answering(OK), Duration.ofSeconds(1));
        keys.key(ProviderType.OPENAI);
        assertFalse(keys.toString().contains(TOKEN));
        assertFalse(keys.toString().contains(KEY));
        assertTrue(keys.toString().contains("127.0.0.1:9"));
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void assertNoSecret(Throwable e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertFalse(trace.toString().contains(TOKEN), "the IC token leaked: " + trace);
        assertFalse(trace.toString().contains(KEY), "the provider key leaked: " + trace);
    }
}
