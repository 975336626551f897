package io.ironcage.router.analytics.sqlite;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/**
 * The child JVM of {@link CrashRecoveryTest}: records events into a store at a steady pace,
 * forever, printing {@code <recorded> <epoch ms>} after each group, until the parent kills it with
 * SIGKILL. Event {@code n} has timestamp {@link #BASE_MS} + n, so the parent can tell which ones
 * survived.
 */
public final class CrashChild {
    /** The timestamp of event 0. */
    static final long BASE_MS = 1_767_225_600_000L;

    /** Events recorded between two progress lines (and two short sleeps). */
    static final int GROUP = 20;

    private CrashChild() {}

    /**
     * Runs the child.
     *
     * @param args the store file and the flush interval in milliseconds
     * @throws Exception never expected; the parent reads stderr
     */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        Duration flush = Duration.ofMillis(Long.parseLong(args[1]));
        PrintStream out = System.out;
        SqliteUsageEventSink sink =
                SqliteUsageEventSink.open(
                        file, SqliteOptions.builder().flushInterval(flush).build());
        out.println("ready");
        out.flush();
        long stopAt = System.nanoTime() + Duration.ofSeconds(60).toNanos(); // if never killed
        long n = 0;
        while (System.nanoTime() < stopAt) {
            for (int i = 0; i < GROUP; i++) {
                sink.record(
                        AnalyticsEvent.of(
                                UUID.randomUUID().toString(),
                                BASE_MS + n,
                                LlmRequestCompleted.priced(
                                        LlmModelMeta.of(ProviderType.OPENAI, "gpt-4o-mini"),
                                        TokenUsage.of(10, 5),
                                        Money.ofMicros(7),
                                        RequestMeta.of(200, 3))));
                n++;
            }
            out.println(n + " " + System.currentTimeMillis());
            out.flush();
            Thread.sleep(10); // paces the writer like a stream of requests: not a wait
        }
        sink.close();
    }
}
