package io.ironcage.router.it.controlplane;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

/** Checks that secrets stay out of exceptions and log output (slf4j-simple writes to stderr). */
final class Secrets {
    private Secrets() {}

    static void assertAbsent(Throwable e, String... secrets) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertAbsent(trace.toString(), secrets);
    }

    static void assertAbsent(String text, String... secrets) {
        for (String secret : secrets) {
            assertFalse(text.contains(secret), "a secret leaked into: " + text);
        }
    }

    /** What ran and what was logged to stderr meanwhile. */
    record Captured<T>(T value, String log) {}

    static <T> Captured<T> capturingStderr(Callable<T> action) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            T value = action.call();
            return new Captured<>(value, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }

    static List<String> lines(String log) {
        return log.lines().toList();
    }
}
