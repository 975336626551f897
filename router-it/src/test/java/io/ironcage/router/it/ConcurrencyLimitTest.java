package io.ironcage.router.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.testkit.junit.StartStop;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LlmRouter.Builder#maxConcurrentRequests(int)} reaches the transport: with a limit of 2 and
 * an upstream that holds every answer, 2 requests run, 2 more wait (the queue is as long as the
 * pool) and the fifth is answered 503 at once; the waiting ones are served when the first finish.
 */
class ConcurrencyLimitTest {
    private static final String TOKEN = "ic-token-limit";

    @StartStop final FakeProvider openAi = FakeProvider.openAi();

    static Stream<TransportProvider> transports() {
        return Stream.of(new JdkHttpTransportProvider(), new NettyTransportProvider());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void theLimitAdmitsThatManyQueuesAsManyAndRefusesTheRest(TransportProvider transport)
            throws Exception {
        openAi.dispatcher(r -> FakeResponse.text("late").headersDelay(Duration.ofSeconds(3)));
        assertThrows(
                IllegalArgumentException.class, () -> LlmRouter.builder().maxConcurrentRequests(0));
        try (LlmRouter router =
                LlmRouter.builder()
                        .transport(transport)
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi("sk-limit", openAi.baseUri())))
                        .token(TOKEN)
                        .maxConcurrentRequests(2)
                        .start()) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest chat =
                    HttpRequest.newBuilder(URI.create(router.baseUrl() + "/chat/completions"))
                            .header("authorization", "Bearer " + TOKEN)
                            .header("content-type", "application/json")
                            .POST(
                                    HttpRequest.BodyPublishers.ofString(
                                            "{\"model\":\"gpt-4o-mini\",\"messages\":"
                                                    + "[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                            .build();
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                calls.add(http.sendAsync(chat, HttpResponse.BodyHandlers.ofString()));
            }
            List<Integer> statuses = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> call : calls) {
                statuses.add(call.get().statusCode());
            }
            statuses.sort(null);
            assertEquals(List.of(200, 200, 200, 200, 503), statuses);
            assertEquals(4, openAi.requestCount());
        }
    }
}
