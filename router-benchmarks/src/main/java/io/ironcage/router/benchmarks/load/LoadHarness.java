package io.ironcage.router.benchmarks.load;

import io.ironcage.router.core.spi.TransportProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The load harness (issue 6): one command that starts the upstream fakes, the router on each
 * transport and, when installed, nginx as a plain pass-through, all as separate processes on
 * loopback; drives each target at fixed concurrencies with plain and streamed chat completions; and
 * prints, per target and in the same run, throughput, latency p50/p99, the latency the proxy adds
 * over going direct, time to first byte, the longest gap inside a stream, and the proxy process's
 * CPU time per request and memory.
 *
 * <pre>
 * ./mvnw -B -ntp -q package -DskipTests -pl router-benchmarks -am
 * java -cp router-benchmarks/target/benchmarks.jar \
 *     io.ironcage.router.benchmarks.load.LoadHarness --runs 3 --duration 5
 * </pre>
 *
 * <p>Options (all optional): {@code --runs N} (3), {@code --duration S} (5), {@code --warmup S}
 * (2), {@code --concurrency 1,32,256}, {@code --modes plain,stream,translated}, {@code --transports
 * jdk,netty} (default: every transport on the class path), {@code --nginx on|off} (default on when
 * {@code nginx} is on the PATH; {@code apt-get install nginx-light}), {@code --router-heap 64m}
 * (the router JVM's {@code -Xmx}, default 256m), {@code --rate R} (fixed rate over all connections
 * instead of closed loop), {@code --event-delay MS} (upstream pause between SSE events, default 0),
 * {@code --resilience default,off,on} (routers with the default retries, none, or retries, a
 * fallback and a circuit breaker configured; nothing fails either way), {@code --out FILE} (also
 * write every measurement as CSV), {@code --baseline on|timeouts|on,timeouts} (also measure {@link
 * NettyBaselineMain}, a bare reactor-netty proxy: the transport's floor; with {@code timeouts},
 * with the router's idle and request-read timeouts too; with {@code raw}, {@link
 * RawNettyBaselineMain}, a plain Netty proxy with no reactor layer; default off).
 *
 * <p>Modes: {@code plain} is a ~1 KB non-streamed chat completion; {@code stream} the same with
 * {@code "stream": true} (20 SSE events); {@code translated} is the plain request for a Claude
 * model, answered by the Anthropic fake and translated (router targets only).
 */
public final class LoadHarness {
    /** The children log warnings only (slf4j-simple is on the benchmarks' class path). */
    private static final String QUIET = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn";

    private final Map<String, String> options;
    private final List<String[]> csv = new ArrayList<>();

    private LoadHarness(Map<String, String> options) {
        this.options = options;
    }

    /**
     * Runs the harness.
     *
     * @param args options, see the class comment
     * @throws Exception if a process fails to start or the load cannot run
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException(
                        "options are --name value pairs, got " + Arrays.toString(args));
            }
            options.put(args[i].substring(2), args[++i]);
        }
        if (!Files.isDirectory(Path.of("/proc/self"))) {
            throw new IllegalStateException(
                    "the load harness reads CPU and memory from /proc: Linux only");
        }
        new LoadHarness(options).run();
    }

    private String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    private void run() throws Exception {
        int runs = Integer.parseInt(option("runs", "3"));
        Duration duration = Duration.ofSeconds(Long.parseLong(option("duration", "5")));
        Duration warmup = Duration.ofSeconds(Long.parseLong(option("warmup", "2")));
        int[] concurrencies =
                Arrays.stream(option("concurrency", "1,32,256").split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray();
        List<String> modes = List.of(option("modes", "plain,stream").split(","));
        double rate = Double.parseDouble(option("rate", "0"));
        String heap = option("router-heap", "256m");
        List<String> transports =
                options.containsKey("transports")
                        ? List.of(options.get("transports").split(","))
                        : ServiceLoader.load(TransportProvider.class).stream()
                                .map(p -> p.get().name())
                                .sorted()
                                .toList();
        boolean nginx =
                switch (option("nginx", onPath("nginx") ? "on" : "off")) {
                    case "on" -> true;
                    case "off" -> false;
                    default -> throw new IllegalArgumentException("--nginx is on or off");
                };

        System.out.printf(
                Locale.ROOT,
                "# load harness: %d runs x %s s (+%s s warm-up), concurrency %s, modes %s,"
                        + " transports %s, nginx %s, router -Xmx%s%s, %d cores%n",
                runs,
                duration.toSeconds(),
                warmup.toSeconds(),
                Arrays.toString(concurrencies),
                modes,
                transports,
                nginx ? "on" : "off (not installed or --nginx off)",
                heap,
                rate > 0 ? ", fixed rate " + rate + "/s" : ", closed loop",
                Runtime.getRuntime().availableProcessors());

        List<Child> children = new ArrayList<>();
        try {
            Child upstream =
                    Child.java(
                            "upstream",
                            List.of("-Xmx512m", QUIET),
                            UpstreamMain.class,
                            List.of(option("event-delay", "0")));
            children.add(upstream);
            int openAiPort = Integer.parseInt(upstream.ready[1]);
            int anthropicPort = Integer.parseInt(upstream.ready[2]);
            String openAi = "http://127.0.0.1:" + openAiPort;
            String anthropic = "http://127.0.0.1:" + anthropicPort;

            List<Proxy> targets = new ArrayList<>();
            targets.add(new Proxy("direct", openAiPort, -1, "Bearer sk-load-openai"));
            if (nginx) {
                Child n = Nginx.start(openAiPort);
                children.add(n);
                targets.add(new Proxy("nginx", n.port, n.process.pid(), "Bearer sk-load-openai"));
            }
            String baselines = option("baseline", "off");
            for (String variant : baselines.equals("off") ? new String[0] : baselines.split(",")) {
                boolean timeouts = variant.equals("timeouts");
                boolean raw = variant.equals("raw");
                if (!timeouts && !raw && !variant.equals("on") && !variant.equals("bare")) {
                    throw new IllegalArgumentException(
                            "--baseline is off, on (bare), timeouts or raw");
                }
                String name = raw ? "netty-raw" : timeouts ? "netty-baseline+t" : "netty-baseline";
                Child baseline =
                        Child.java(
                                name,
                                List.of("-Xmx" + heap, QUIET),
                                raw ? RawNettyBaselineMain.class : NettyBaselineMain.class,
                                timeouts ? List.of(openAi, "timeouts") : List.of(openAi));
                children.add(baseline);
                targets.add(
                        new Proxy(
                                name,
                                Integer.parseInt(baseline.ready[1]),
                                baseline.process.pid(),
                                "Bearer sk-load-openai"));
            }
            String[] resilience = option("resilience", "default").split(",");
            for (String transport : transports) {
                for (String variant : resilience) {
                    List<String> jvm = new ArrayList<>(List.of("-Xmx" + heap, QUIET));
                    if (options.containsKey("router-jvm")) {
                        jvm.addAll(List.of(options.get("router-jvm").trim().split("\\s+")));
                    }
                    String name =
                            "router-"
                                    + transport
                                    + (variant.equals("default") ? "" : "-r" + variant);
                    Child router =
                            Child.java(
                                    name,
                                    jvm,
                                    RouterMain.class,
                                    List.of(transport, openAi, anthropic, variant));
                    children.add(router);
                    targets.add(
                            new Proxy(
                                    name,
                                    Integer.parseInt(router.ready[1]),
                                    router.process.pid(),
                                    "Bearer " + RouterMain.TOKEN));
                }
            }

            Map<String, List<Measurement>> all = new LinkedHashMap<>();
            for (int run = 1; run <= runs; run++) {
                for (int c : concurrencies) {
                    for (String mode : modes) {
                        Map<String, Measurement> direct = new LinkedHashMap<>();
                        for (Proxy target : targets) {
                            if (mode.equals("translated") && !target.name.startsWith("router")) {
                                continue;
                            }
                            if (!mode.equals("plain") && target.name.startsWith("netty-")) {
                                continue; // it aggregates answers: plain requests only
                            }
                            Measurement m = measure(target, mode, c, warmup, duration, rate);
                            direct.put(target.name, m);
                            all.computeIfAbsent(key(c, mode, target.name), k -> new ArrayList<>())
                                    .add(m);
                            csv.add(m.csv(run, c, mode, target.name));
                            System.out.printf(
                                    Locale.ROOT,
                                    "run %d c=%d %-10s %-13s %s%n",
                                    run,
                                    c,
                                    mode,
                                    target.name,
                                    m);
                        }
                    }
                }
            }
            report(all, concurrencies, modes, targets);
            if (options.containsKey("out")) {
                writeCsv(Path.of(options.get("out")));
            }
        } finally {
            for (Child child : children) {
                child.close();
            }
        }
    }

    private static String key(int c, String mode, String target) {
        return c + "|" + mode + "|" + target;
    }

    private Measurement measure(
            Proxy target, String mode, int c, Duration warmup, Duration duration, double rate)
            throws InterruptedException {
        String headers = "Authorization: " + target.auth + "\r\n";
        String model = mode.equals("translated") ? "claude-haiku-4-5" : "gpt-4o-mini";
        byte[] body = Requests.chat(model, mode.equals("stream"));
        LoadClient.Target t =
                new LoadClient.Target(target.name, target.port, "/v1/chat/completions", headers);
        double[] cpu = new double[2];
        LoadClient.Result result =
                LoadClient.run(
                        t,
                        body,
                        c,
                        warmup,
                        duration,
                        rate,
                        new LoadClient.Window() {
                            @Override
                            public void opened() {
                                cpu[0] = target.pid > 0 ? ProcessStats.cpuSeconds(target.pid) : 0;
                            }

                            @Override
                            public void closed() {
                                cpu[1] = target.pid > 0 ? ProcessStats.cpuSeconds(target.pid) : 0;
                            }
                        });
        double cpuMicrosPerRequest =
                target.pid > 0 && result.completed() > 0
                        ? (cpu[1] - cpu[0]) * 1e6 / result.completed()
                        : Double.NaN;
        double rss = target.pid > 0 ? ProcessStats.memoryMiB(target.pid, "VmRSS") : Double.NaN;
        double peak = target.pid > 0 ? ProcessStats.memoryMiB(target.pid, "VmHWM") : Double.NaN;
        return new Measurement(result, cpuMicrosPerRequest, rss, peak);
    }

    private void report(
            Map<String, List<Measurement>> all,
            int[] concurrencies,
            List<String> modes,
            List<Proxy> targets) {
        System.out.println();
        System.out.println(
                "Medians over runs, [min-max] across runs. Latencies in ms; \"added\" is the"
                        + " target's p50/p99 minus direct's in the same run.");
        System.out.println();
        System.out.println(
                "| c | mode | target | req/s | p50 | p99 | added p50 | added p99 | TTFB p50 |"
                        + " max gap | failed | CPU µs/req | RSS MiB (peak) |");
        System.out.println("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int c : concurrencies) {
            for (String mode : modes) {
                List<Measurement> direct = all.get(key(c, mode, "direct"));
                for (Proxy target : targets) {
                    List<Measurement> ms = all.get(key(c, mode, target.name));
                    if (ms == null) {
                        continue;
                    }
                    double[] added50 = new double[ms.size()];
                    double[] added99 = new double[ms.size()];
                    for (int i = 0; i < ms.size(); i++) {
                        if (direct != null) {
                            added50[i] = ms.get(i).p50() - direct.get(i).p50();
                            added99[i] = ms.get(i).p99() - direct.get(i).p99();
                        }
                    }
                    boolean showAdded = direct != null && !target.name.equals("direct");
                    System.out.printf(
                            Locale.ROOT,
                            "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                            c,
                            mode,
                            target.name,
                            spread(
                                    ms.stream().mapToDouble(m -> m.result.throughput()).toArray(),
                                    0),
                            spread(ms.stream().mapToDouble(Measurement::p50).toArray(), 3),
                            spread(ms.stream().mapToDouble(Measurement::p99).toArray(), 3),
                            showAdded ? spread(added50, 3) : "—",
                            showAdded ? spread(added99, 3) : "—",
                            spread(ms.stream().mapToDouble(Measurement::ttfb50).toArray(), 3),
                            spread(ms.stream().mapToDouble(Measurement::maxGap).toArray(), 1),
                            (long) ms.stream().mapToLong(m -> m.result.failed()).sum(),
                            target.pid > 0
                                    ? spread(
                                            ms.stream()
                                                    .mapToDouble(m -> m.cpuMicrosPerRequest)
                                                    .toArray(),
                                            1)
                                    : "—",
                            target.pid > 0
                                    ? String.format(
                                            Locale.ROOT,
                                            "%.0f (%.0f)",
                                            ms.get(ms.size() - 1).rss,
                                            ms.get(ms.size() - 1).peak)
                                    : "—");
                }
            }
        }
    }

    private static String spread(double[] values, int decimals) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double median =
                sorted.length % 2 == 1
                        ? sorted[sorted.length / 2]
                        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        String f = "%." + decimals + "f";
        if (sorted.length == 1) {
            return String.format(Locale.ROOT, f, median);
        }
        return String.format(
                Locale.ROOT,
                f + " [" + f + "–" + f + "]",
                median,
                sorted[0],
                sorted[sorted.length - 1]);
    }

    private void writeCsv(Path file) throws IOException {
        StringBuilder sb =
                new StringBuilder(
                        "run,concurrency,mode,target,completed,failed,req_per_s,p50_ms,p99_ms,"
                                + "ttfb_p50_ms,max_gap_ms,cpu_us_per_req,rss_mib,peak_rss_mib\n");
        for (String[] row : csv) {
            sb.append(String.join(",", row)).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        System.out.println("wrote " + file);
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", command));
    }

    /** A target: loopback port, the process to measure (-1: none) and the auth header value. */
    private record Proxy(String name, int port, long pid, String auth) {}

    /** One target's window: load results plus the process's CPU and memory. */
    private record Measurement(
            LoadClient.Result result, double cpuMicrosPerRequest, double rss, double peak) {
        double p50() {
            return ms(result.percentile(result.latencies(), 50));
        }

        double p99() {
            return ms(result.percentile(result.latencies(), 99));
        }

        double ttfb50() {
            return ms(result.percentile(result.firstBytes(), 50));
        }

        double maxGap() {
            long[] gaps = result.maxGaps();
            return gaps.length == 0 ? 0 : ms(gaps[gaps.length - 1]);
        }

        private static double ms(long nanos) {
            return nanos / 1e6;
        }

        String[] csv(int run, int c, String mode, String target) {
            return new String[] {
                Integer.toString(run),
                Integer.toString(c),
                mode,
                target,
                Long.toString(result.completed()),
                Long.toString(result.failed()),
                fmt(result.throughput()),
                fmt(p50()),
                fmt(p99()),
                fmt(ttfb50()),
                fmt(maxGap()),
                fmt(cpuMicrosPerRequest),
                fmt(rss),
                fmt(peak)
            };
        }

        private static String fmt(double v) {
            return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%8.0f req/s  p50 %7.3f ms  p99 %7.3f ms  ttfb %7.3f ms  gap %6.1f ms  failed %d"
                            + "%s",
                    result.throughput(),
                    p50(),
                    p99(),
                    ttfb50(),
                    maxGap(),
                    result.failed(),
                    Double.isNaN(cpuMicrosPerRequest)
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    "  cpu %6.1f µs/req  rss %.0f MiB",
                                    cpuMicrosPerRequest,
                                    rss));
        }
    }

    /** A child process that prints {@code READY ...} once it serves. */
    static final class Child implements AutoCloseable {
        final String name;
        final Process process;
        final String[] ready;
        final int port;
        private final boolean stopsOnStdinClose;

        private Child(
                String name, Process process, String[] ready, int port, boolean stopsOnStdinClose) {
            this.name = name;
            this.process = process;
            this.ready = ready;
            this.port = port;
            this.stopsOnStdinClose = stopsOnStdinClose;
        }

        static Child java(String name, List<String> jvmArgs, Class<?> main, List<String> args)
                throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmArgs);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(main.getName());
            command.addAll(args);
            Process p =
                    new ProcessBuilder(command)
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
            BufferedReader out =
                    new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            while (line != null && !line.startsWith("READY ")) {
                System.err.println(name + ": " + line); // e.g. JFR's start-up line
                line = out.readLine();
            }
            if (line == null) {
                p.destroyForcibly();
                throw new IllegalStateException(name + " did not start: " + line);
            }
            String[] ready = line.split(" ");
            return new Child(name, p, ready, Integer.parseInt(ready[1]), true);
        }

        /** A child that stops on SIGTERM (nginx's fast shutdown). */
        static Child signalled(String name, Process process, int port) {
            return new Child(
                    name, process, new String[] {"READY", Integer.toString(port)}, port, false);
        }

        @Override
        public void close() {
            try {
                process.getOutputStream().close(); // our Java children stop when stdin closes
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!stopsOnStdinClose) {
                process.destroy();
            }
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroy);
                    process.destroy();
                    process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
