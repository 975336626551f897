package io.ironcage.router.it;

import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** What the parameterised end-to-end tests share: both transports, and a raw JSON POST. */
final class RawCalls {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private RawCalls() {}

    /** A {@code @MethodSource}: each transport, by name, as a supplier of a new provider. */
    static Stream<Arguments> transports() {
        return Stream.of(
                Arguments.of("netty", (Supplier<TransportProvider>) NettyTransportProvider::new),
                Arguments.of(
                        "jdkhttp", (Supplier<TransportProvider>) JdkHttpTransportProvider::new));
    }

    /**
     * POSTs a JSON body with the router token as a bearer token and an {@code anthropic-version}
     * (which OpenAI paths ignore).
     */
    static HttpResponse<String> post(URI base, String token, String path, String body) {
        HttpRequest request =
                HttpRequest.newBuilder(base.resolve(path))
                        .timeout(Duration.ofSeconds(10))
                        .header("content-type", "application/json")
                        .header("authorization", "Bearer " + token)
                        .header("anthropic-version", "2023-06-01")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
