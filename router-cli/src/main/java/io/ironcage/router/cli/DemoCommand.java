package io.ironcage.router.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ironcage.router.analytics.sqlite.SqliteUsageEventSink;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.errors.LlmRouterException;
import io.ironcage.router.core.errors.ServerStartException;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.TransportProvider;
import io.ironcage.router.core.spi.UsageEventSink;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.InMemoryUsageEventSink;
import io.ironcage.router.transport.jdkhttp.JdkHttpTransportProvider;
import io.ironcage.router.transport.netty.NettyTransportProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code iron-router demo}: the router in front of fake OpenAI and Anthropic providers
 * (router-testkit's {@link FakeProvider}), with a small budget; prints how to try it, sends a few
 * sample requests and shows what each cost. No network, no real keys, no cost.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = IronRouter.Version.class,
        description = {
            "Run the router in front of fake OpenAI and Anthropic providers: no network, no keys,"
                    + " no cost.",
            "Prints the base URL, the token (demo-token), a curl line and SDK snippets; sends"
                    + " sample requests (plain, streamed, Anthropic, one refused by the $0.05"
                    + " budget) and shows tokens and cost for each; then serves until Ctrl-C and"
                    + " prints a spend summary.",
            ""
        })
public final class DemoCommand implements Callable<Integer> {
    private static final Duration DEMO_GRACE = Duration.ofSeconds(5);

    /** The token the demo router accepts. */
    static final String TOKEN = "demo-token";

    /** The demo budget, $0.05. */
    static final Money BUDGET = Money.fromUsdTruncating(0.05);

    private static final String OPENAI_KEY = "sk-demo-openai-not-a-real-key";
    private static final String ANTHROPIC_KEY = "sk-ant-demo-not-a-real-key";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Option(
            names = "--port",
            defaultValue = "8787",
            paramLabel = "PORT",
            description =
                    "Port to listen on at 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 = any free"
                            + " port).")
    int port;

    @Option(
            names = "--db",
            defaultValue = "iron-router-demo.db",
            paramLabel = "FILE",
            description =
                    "SQLite file the usage events are stored in (default: ${DEFAULT-VALUE} in the"
                            + " working directory).")
    Path db;

    @Option(
            names = "--transport",
            defaultValue = NettyTransportProvider.NAME,
            paramLabel = "NAME",
            description = "The HTTP transport: netty or jdk (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(
            names = "--once",
            description = "Exit right after the sample requests instead of serving until Ctrl-C.")
    boolean once;

    private final StopSignal stop;

    /** Creates the command as the {@code iron-router} jar runs it. */
    public DemoCommand() {
        this(new StopSignal());
    }

    DemoCommand(StopSignal stop) {
        this.stop = Objects.requireNonNull(stop, "stop");
    }

    /**
     * Starts the fakes and the router, runs the samples and serves until asked to stop (or not,
     * with {@code --once}).
     *
     * @return the exit code, 0 after a clean stop
     * @throws InterruptedException if interrupted while sending the samples
     */
    @Override
    public Integer call() throws InterruptedException {
        TransportProvider chosen = transportNamed(transport);
        PrintWriter out = spec.commandLine().getOut();
        try (FakeProvider openAi = FakeProvider.openAi().requireKey(OPENAI_KEY).start();
                FakeProvider anthropic =
                        FakeProvider.anthropic().requireKey(ANTHROPIC_KEY).start()) {
            InMemoryUsageEventSink events = InMemoryUsageEventSink.create();
            SqliteUsageEventSink stored = SqliteUsageEventSink.open(db);
            LlmRouter router;
            try {
                router = startRouter(chosen, openAi, anthropic, UsageEventSink.tee(stored, events));
            } catch (RuntimeException e) {
                stored.close();
                throw e;
            }
            Runnable finish =
                    () -> {
                        router.close();
                        printSummary(out, router, events);
                        out.println(
                                "Usage events are stored in "
                                        + stored.file().toAbsolutePath()
                                        + " ("
                                        + stored.events().size()
                                        + " events so far, SQLite).");
                        out.flush();
                    };
            try {
                printIntro(out, router, chosen, openAi, anthropic);
                new Samples(out, router, events).run();
                if (once) {
                    finish.run();
                } else {
                    out.println();
                    out.println("Serving until Ctrl-C ...");
                    out.flush();
                    stop.awaitThen(DEMO_GRACE.plus(Duration.ofSeconds(10)), finish);
                }
            } finally {
                router.close();
            }
        }
        return 0;
    }

    private TransportProvider transportNamed(String name) {
        switch (name) {
            case NettyTransportProvider.NAME:
                return new NettyTransportProvider();
            case JdkHttpTransportProvider.NAME:
                return new JdkHttpTransportProvider();
            default:
                throw new ParameterException(
                        spec.commandLine(),
                        "Invalid value for option '--transport': '"
                                + name
                                + "' (expected netty or jdk)");
        }
    }

    private LlmRouter startRouter(
            TransportProvider transport,
            FakeProvider openAi,
            FakeProvider anthropic,
            UsageEventSink events) {
        try {
            return LlmRouter.builder()
                    .transport(transport)
                    .providerKeys(
                            ProviderKeySource.fixed(
                                    ProviderKey.openAi(OPENAI_KEY, openAi.baseUri()),
                                    ProviderKey.anthropic(ANTHROPIC_KEY, anthropic.baseUri())))
                    .listen("127.0.0.1", port)
                    .budget(BUDGET)
                    .token(TOKEN)
                    .usageSink(events)
                    .shutdownGrace(DEMO_GRACE) // the fakes answer at once: no long streams
                    .start();
        } catch (ServerStartException e) {
            throw new LlmRouterException(
                    e.getMessage() + "; choose another port with --port N (0 = any free port).", e);
        }
    }

    private static void printIntro(
            PrintWriter out,
            LlmRouter router,
            TransportProvider transport,
            FakeProvider openAi,
            FakeProvider anthropic) {
        String base = router.baseUrl();
        out.println("Iron Router demo: fake OpenAI and Anthropic upstreams, no network, no keys.");
        out.println();
        out.println("  Base URL (OpenAI SDKs)     " + base);
        out.println("  Base URL (Anthropic SDKs)  " + router.baseUri());
        out.println("  Token                      " + TOKEN);
        out.println("  Budget                     $" + BUDGET.toUsdString(6));
        out.println(
                "  Transport                  " + transport.name() + " (--transport netty|jdk)");
        out.println(
                "  Upstreams                  fake OpenAI "
                        + openAi.baseUri()
                        + ", fake Anthropic "
                        + anthropic.baseUri());
        out.println();
        out.println("Try it:");
        out.println("  curl -s " + base + "/chat/completions \\");
        out.println(
                "    -H 'Authorization: Bearer "
                        + TOKEN
                        + "' -H 'Content-Type: application/json' \\");
        out.println(
                "    -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"Hello\"}]}'");
        out.println(
                "  Python openai     OpenAI(base_url=\"" + base + "\", api_key=\"" + TOKEN + "\")");
        out.println(
                "  Python anthropic  Anthropic(base_url=\""
                        + router.baseUri()
                        + "\", api_key=\""
                        + TOKEN
                        + "\")");
        out.println(
                "  Java openai-java  OpenAIOkHttpClient.builder().baseUrl(\""
                        + base
                        + "\").apiKey(\""
                        + TOKEN
                        + "\").build()");
        out.println();
        out.flush();
    }

    private static void printSummary(
            PrintWriter out, LlmRouter router, InMemoryUsageEventSink events) {
        List<LlmRequestCompleted> completed = events.eventsOfType(LlmRequestCompleted.class);
        Map<String, Money> byModel = new TreeMap<>();
        Map<String, Integer> countByModel = new TreeMap<>();
        for (LlmRequestCompleted c : completed) {
            byModel.merge(c.model(), c.cost(), Money::plus);
            countByModel.merge(c.model(), 1, Integer::sum);
        }
        out.println();
        out.println(
                "Spend summary: "
                        + completed.size()
                        + " billed request(s). "
                        + ServeCommand.spendSummary(router.budgetStatus())
                        + " $"
                        + router.budgetStatus().available().toUsdString(6)
                        + " left.");
        byModel.forEach(
                (model, cost) ->
                        out.printf(
                                "  %-20s %3d request(s)  $%s%n",
                                model, countByModel.get(model), cost.toUsdString(6)));
        out.flush();
    }

    /** The sample requests, sent with java.net.http and printed one line each. */
    private static final class Samples {
        private final PrintWriter out;
        private final LlmRouter router;
        private final InMemoryUsageEventSink events;
        private final HttpClient http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();

        Samples(PrintWriter out, LlmRouter router, InMemoryUsageEventSink events) {
            this.out = out;
            this.router = router;
            this.events = events;
        }

        void run() throws InterruptedException {
            out.println("Sample requests (costs from the router's usage events):");
            out.printf(
                    "  %-22s %-18s %6s  %-22s %s%n",
                    "request", "model", "status", "tokens", "cost");
            openAi("chat", "gpt-4o-mini", "Say hello to Iron Router.", false);
            openAi("chat, streamed", "gpt-4o-mini", "Count to five.", true);
            anthropic("message (Anthropic)", 256);
            openAi("chat → Claude", "claude-haiku-4-5", "Translate me, please.", false);
            anthropic("over budget", 64_000);
            out.println(
                    "  (the last one asks for up to 64000 output tokens: its worst case, about"
                            + " $0.96, exceeds what is left of the budget, so the router refuses"
                            + " it before sending anything)");
            out.flush();
        }

        private void openAi(String label, String model, String prompt, boolean stream)
                throws InterruptedException {
            String body =
                    "{\"model\":\""
                            + model
                            + "\",\"max_tokens\":256,\"stream\":"
                            + stream
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                            + prompt
                            + "\"}]}";
            send(
                    label,
                    model,
                    HttpRequest.newBuilder(URI.create(router.baseUrl() + "/chat/completions"))
                            .header("authorization", "Bearer " + TOKEN),
                    body);
        }

        private void anthropic(String label, int maxTokens) throws InterruptedException {
            String body =
                    "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":"
                            + maxTokens
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Write a haiku"
                            + " about budgets.\"}]}";
            send(
                    label,
                    "claude-sonnet-4-5",
                    HttpRequest.newBuilder(router.baseUri().resolve("/v1/messages"))
                            .header("x-api-key", TOKEN)
                            .header("anthropic-version", "2023-06-01"),
                    body);
        }

        private void send(String label, String model, HttpRequest.Builder request, String body)
                throws InterruptedException {
            int before = events.eventsOfType(LlmRequestCompleted.class).size();
            HttpResponse<String> response;
            try {
                response =
                        http.send(
                                request.header("content-type", "application/json")
                                        .timeout(Duration.ofSeconds(30))
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                out.printf("  %-22s %-18s %6s  %s%n", label, model, "-", "failed: " + e);
                return;
            }
            int status = response.statusCode();
            if (status / 100 == 2) {
                Optional<LlmRequestCompleted> event = completedAfter(before);
                out.printf(
                        "  %-22s %-18s %6d  %-22s %s%n",
                        label,
                        model,
                        status,
                        event.map(
                                        e ->
                                                e.usage().inputTokens()
                                                        + " in, "
                                                        + e.usage().outputTokens()
                                                        + " out")
                                .orElse("?"),
                        event.map(e -> "$" + e.cost().toUsdString(6)).orElse("?"));
            } else {
                out.printf(
                        "  %-22s %-18s %6d  %s%n",
                        label, model, status, "refused: " + errorMessage(response.body()));
            }
        }

        /**
         * The request's event: the router records it when it settles, before the response
         * completes, so it is there once the response has been read.
         */
        private Optional<LlmRequestCompleted> completedAfter(int before) {
            List<LlmRequestCompleted> completed = events.eventsOfType(LlmRequestCompleted.class);
            return completed.size() > before
                    ? Optional.of(completed.get(completed.size() - 1))
                    : Optional.empty();
        }

        private static String errorMessage(String body) {
            try {
                JsonNode message = JSON.readTree(body).path("error").path("message");
                return message.isTextual() ? message.asText() : body;
            } catch (IOException e) {
                return body;
            }
        }
    }
}
