package io.ironcage.router.benchmarks.load;

import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import java.io.IOException;
import java.time.Duration;

/**
 * The load harness's upstream, run in its own JVM so its CPU is not charged to the router: an
 * OpenAI and an Anthropic {@link FakeProvider} that answer every request with the same short text
 * (20 SSE events when streamed), optionally waiting between events.
 *
 * <p>Prints {@code READY <openai-port> <anthropic-port>} and serves until its standard input
 * closes.
 *
 * <p>Arguments: {@code [eventDelayMillis]} (default 0).
 */
public final class UpstreamMain {
    /** A reply of 18 words: 20 SSE events in the OpenAI format (role, 18 deltas, finish). */
    static final String REPLY =
            "The sea is salty because rivers carry minerals from rocks into it over very long"
                    + " stretches of time.";

    private UpstreamMain() {}

    /**
     * Starts the fakes.
     *
     * @param args {@code [eventDelayMillis]}
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        Duration eventDelay = Duration.ofMillis(args.length > 0 ? Long.parseLong(args[0]) : 0);
        FakeResponse reply = FakeResponse.text(REPLY).usage(250, 18);
        FakeResponse answer = eventDelay.isZero() ? reply : reply.eventDelay(eventDelay);
        try (FakeProvider openAi = FakeProvider.openAi().dispatcher(request -> answer).start();
                FakeProvider anthropic =
                        FakeProvider.anthropic().dispatcher(request -> answer).start()) {
            // the fakes record every request for takeRequest(); drop them as they come, or a long
            // run fills the heap and the upstream slows down in GC
            for (FakeProvider fake : new FakeProvider[] {openAi, anthropic}) {
                Thread drain =
                        new Thread(
                                () -> {
                                    while (true) {
                                        try {
                                            fake.takeRequest(Duration.ofSeconds(1));
                                        } catch (AssertionError idle) {
                                            // nothing arrived in that second
                                        }
                                    }
                                },
                                "drain-" + fake.type());
                drain.setDaemon(true);
                drain.start();
            }
            System.out.println(
                    "READY " + openAi.baseUri().getPort() + " " + anthropic.baseUri().getPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the harness closes our standard input
            }
        }
    }
}
