package io.ironcage.router.benchmarks.load;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import java.io.IOException;
import java.net.URI;

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
     * @param args {@code <transport> <openai-base-url> <anthropic-base-url>}
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException(
                    "usage: RouterMain <transport> <openai-base-url> <anthropic-base-url>");
        }
        try (LlmRouter router =
                LlmRouter.builder()
                        .transport(TransportProvider.load(args[0]))
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
