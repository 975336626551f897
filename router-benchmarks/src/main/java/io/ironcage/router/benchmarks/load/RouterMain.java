package io.ironcage.router.benchmarks.load;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.resilience.CircuitBreakerOptions;
import io.ironcage.router.core.resilience.RetryOptions;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * The router under load, in its own JVM so the harness can read its CPU time and memory from {@code
 * /proc}: an {@link LlmRouter} on the named transport in front of the given upstreams, with a
 * budget large enough never to refuse (so the ledger is exercised on every request) and the no-op
 * analytics sink.
 *
 * <p>Prints {@code READY <port>} and serves until its standard input closes.
 *
 * <p>Arguments: {@code <transport> <openai-base-url> <anthropic-base-url>}.
 */
public final class RouterMain {
    /** The token the harness presents. */
    static final String TOKEN = "ic-load-harness";

    private RouterMain() {}

    /**
     * Starts the router.
     *
     * @param args {@code <transport> <openai-base-url> <anthropic-base-url> [default|off|on]}: the
     *     last, the resilience settings (the default retries, none, or retries with a fallback and
     *     a circuit breaker)
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 3 && args.length != 4) {
            throw new IllegalArgumentException(
                    "usage: RouterMain <transport> <openai-base-url> <anthropic-base-url>"
                            + " [default|off|on]");
        }
        String resilience = args.length == 4 ? args[3] : "default";
        LlmRouter.Builder builder = LlmRouter.builder();
        if (resilience.equals("off")) {
            builder.retries(RetryOptions.NONE);
        } else if (resilience.equals("on")) {
            builder.fallbacks(Map.of("gpt-4o-mini", List.of("gpt-4o")))
                    .circuitBreaker(CircuitBreakerOptions.DEFAULTS);
        }
        try (LlmRouter router =
                builder.transport(TransportProvider.load(args[0]))
                        .providerKeys(
                                ProviderKeySource.fixed(
                                        ProviderKey.openAi("sk-load-openai", URI.create(args[1])),
                                        ProviderKey.anthropic("sk-ant-load", URI.create(args[2]))))
                        .token(TOKEN)
                        .budget(Money.ofMicros(1_000_000_000_000L))
                        .start()) {
            System.out.println("READY " + router.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the harness closes our standard input
            }
        }
    }
}
