package io.ironcage.router.core.errors;

import java.util.Objects;

/**
 * A configuration ({@code router.yaml}) that cannot be used: the file is missing or unreadable, is
 * not valid YAML, has an unknown key, a value of the wrong type or out of range, or refers to an
 * environment variable that is not set.
 *
 * <p>The message names the source, the line and the full key path, e.g. {@code router.yaml, line
 * 12, budget.limit-usd: the budget must be a finite, non-negative number of dollars, got -1.0.} It
 * never contains a secret: a bad provider key or token is described, not shown.
 */
public class ConfigException extends LlmRouterException {
    private static final long serialVersionUID = 1L;

    /** The {@link #line()} of a problem that has no line (a missing file). */
    public static final int NO_LINE = 0;

    private final String key;
    private final int line;

    /**
     * Creates an exception.
     *
     * @param source where the configuration came from, e.g. a file name
     * @param key the full key path ({@code budget.limit-usd}), or {@code ""} for the whole file
     * @param line the 1-based line, or {@link #NO_LINE}
     * @param problem what is wrong, as a sentence; never a secret
     */
    public ConfigException(String source, String key, int line, String problem) {
        this(source, key, line, problem, null);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param source where the configuration came from, e.g. a file name
     * @param key the full key path ({@code budget.limit-usd}), or {@code ""} for the whole file
     * @param line the 1-based line, or {@link #NO_LINE}
     * @param problem what is wrong, as a sentence; never a secret
     * @param cause the underlying failure, or {@code null}; its message must hold no secret either
     */
    public ConfigException(String source, String key, int line, String problem, Throwable cause) {
        super(message(source, key, line, problem), cause);
        this.key = key;
        this.line = line;
    }

    private static String message(String source, String key, int line, String problem) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(problem, "problem");
        if (line < 0) {
            throw new IllegalArgumentException("line must not be negative, got " + line);
        }
        return source
                + (line == NO_LINE ? "" : ", line " + line)
                + (key.isEmpty() ? "" : ", " + key)
                + ": "
                + problem;
    }

    /**
     * Returns the full path of the key at fault.
     *
     * @return e.g. {@code budget.limit-usd}; {@code ""} when the problem is the whole file
     */
    public String key() {
        return key;
    }

    /**
     * Returns the line of the problem.
     *
     * @return the 1-based line, or {@link #NO_LINE} when there is none
     */
    public int line() {
        return line;
    }
}
