package io.ironcage.router.benchmarks.load;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The floor of the netty transport: the least a reactor-netty proxy does for a request, with the
 * router's setup (a server and a pooled, kept-alive client on the same colocated event loops, one
 * per core) and none of the router's work (no parsing, pricing, budget, analytics or header
 * filtering). The harness measures it as the target {@code netty-baseline} (option {@code
 * --baseline on}), so that the router's CPU per request splits into what reactor-netty costs and
 * what the router adds.
 *
 * <p>Forwards method, path, headers and body to the upstream as they came, answers with the
 * upstream's status, headers and body, aggregated (no streaming). Prints {@code READY <port>} and
 * serves until its standard input closes.
 *
 * <p>Arguments: {@code <upstream-base-url> [timeouts]}; with {@code timeouts}, the server also has
 * the router's idle timeout and request-read timeout (target {@code netty-baseline+t}).
 */
public final class NettyBaselineMain {
    private static final byte[] EMPTY = new byte[0];

    private NettyBaselineMain() {}

    /**
     * Starts the proxy.
     *
     * @param args {@code <upstream-base-url>}
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            throw new IllegalArgumentException(
                    "usage: NettyBaselineMain <upstream-base-url> [timeouts]");
        }
        boolean timeouts = args.length == 2 && args[1].equals("timeouts");
        String upstream = args[0];
        LoopResources loops =
                LoopResources.create(
                        "baseline", Math.max(1, Runtime.getRuntime().availableProcessors()), true);
        HttpClient client =
                HttpClient.create(
                                ConnectionProvider.builder("baseline").maxConnections(512).build())
                        .runOn(loops)
                        .baseUrl(upstream)
                        .keepAlive(true)
                        .compress(false)
                        .followRedirect(false)
                        .disableRetry(true);
        HttpServer configured = HttpServer.create();
        if (timeouts) {
            // the router's defaults: reactor-netty adds and removes a handler for each per request
            configured =
                    configured
                            .idleTimeout(Duration.ofSeconds(30))
                            .readTimeout(Duration.ofSeconds(60));
        }
        DisposableServer server =
                configured
                        .runOn(loops)
                        .host("127.0.0.1")
                        .port(0)
                        .handle(
                                (request, response) ->
                                        request.receive()
                                                .aggregate()
                                                .asByteArray()
                                                .defaultIfEmpty(EMPTY)
                                                .flatMap(
                                                        body ->
                                                                forward(
                                                                        client, request, body,
                                                                        response)))
                        .bindNow(Duration.ofSeconds(10));
        System.out.println("READY " + server.port());
        System.out.flush();
        while (System.in.read() >= 0) {
            // serve until the harness closes our standard input
        }
        server.disposeNow();
        loops.dispose();
    }

    private static Mono<Void> forward(
            HttpClient client,
            HttpServerRequest request,
            byte[] body,
            HttpServerResponse response) {
        return client.headers(headers -> copy(request.requestHeaders(), headers))
                .request(request.method())
                .uri(request.uri())
                .send((out, outbound) -> outbound.sendByteArray(Mono.just(body)))
                .responseSingle(
                        (answer, content) ->
                                content.asByteArray()
                                        .defaultIfEmpty(EMPTY)
                                        .flatMap(bytes -> reply(answer, bytes, response)));
    }

    private static Mono<Void> reply(
            HttpClientResponse answer, byte[] body, HttpServerResponse response) {
        response.status(answer.status());
        copy(answer.responseHeaders(), response.responseHeaders());
        return response.sendByteArray(Mono.just(body)).then();
    }

    /** Copies end-to-end headers; the length and framing are the sender's own. */
    private static void copy(HttpHeaders from, HttpHeaders to) {
        from.forEach(
                header -> {
                    String name = header.getKey();
                    if (!HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                            && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                            && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)
                            && !HttpHeaderNames.CONNECTION.contentEqualsIgnoreCase(name)) {
                        to.set(name, header.getValue());
                    }
                });
    }
}
