package io.ironcage.router.core.resilience;

import io.ironcage.router.core.domain.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * When and how the router tries a model again ({@code retries:} in router.yaml). An attempt is
 * retried only before any byte of its answer reached the caller (for a stream: before its status
 * line), and only for an answer {@link #retryOn()} lists: a status the provider answered, {@code
 * connect} (no connection could be made) or {@code timeout} (no answer within the upstream
 * timeout). The caller's own mistakes (a 4xx other than 408, 409 and 429), budget refusals and
 * translation refusals are never retried.
 *
 * @param maxAttempts attempts per model, the first included; 1 means no retry; 1–10
 * @param initialBackoff the ceiling of the first wait; waits grow exponentially with full jitter
 * @param maxBackoff the largest ceiling
 * @param retryOnStatus the provider statuses retried: 408, 409, 429 or 500–599
 * @param retryOnConnect whether a connection that could not be made is retried
 * @param retryOnTimeout whether a provider that did not answer in time is retried
 * @param maxRetryAfter the longest {@code Retry-After} the router waits for; a longer one moves on
 *     to the next fallback (or answers the caller) at once
 */
public record RetryOptions(
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        Set<Integer> retryOnStatus,
        boolean retryOnConnect,
        boolean retryOnTimeout,
        Duration maxRetryAfter) {
    /** The most attempts per model a configuration may ask for. */
    public static final int MAX_ATTEMPTS = 10;

    /** The default {@code retry-on}: the answers of a provider that is busy or briefly down. */
    public static final List<String> DEFAULT_RETRY_ON =
            List.of("429", "500", "502", "503", "504", "529", "connect", "timeout");

    /**
     * The defaults: 3 attempts per model, waits from 250 ms up to 8 s, on {@link
     * #DEFAULT_RETRY_ON}, a {@code Retry-After} up to 30 s waited for.
     */
    public static final RetryOptions DEFAULTS =
            RetryOptions.of(3, Duration.ofMillis(250), Duration.ofSeconds(8), DEFAULT_RETRY_ON)
                    .withMaxRetryAfter(Duration.ofSeconds(30));

    /** No retries: each model is tried once. */
    public static final RetryOptions NONE = DEFAULTS.withMaxAttempts(1);

    /**
     * Validates and copies the components.
     *
     * @throws IllegalArgumentException if a value is out of its range
     */
    public RetryOptions {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
            throw new IllegalArgumentException(
                    "max-attempts must be between 1 and " + MAX_ATTEMPTS + ", got " + maxAttempts);
        }
        Backoff.exponential(initialBackoff, maxBackoff); // validates the pair
        if (maxRetryAfter.isNegative()) {
            throw new IllegalArgumentException("max-retry-after must not be negative");
        }
        retryOnStatus = Set.copyOf(new TreeSet<>(retryOnStatus));
        for (int status : retryOnStatus) {
            requireRetryable(status);
        }
    }

    /**
     * Options from router.yaml's shape: the {@code retry-on} list as written.
     *
     * @param maxAttempts attempts per model, the first included
     * @param initialBackoff the ceiling of the first wait
     * @param maxBackoff the largest ceiling
     * @param retryOn statuses ({@code "429"}) and the words {@code connect} and {@code timeout}
     * @return the options, with a {@code max-retry-after} of 30 s
     * @throws IllegalArgumentException naming an entry that is neither
     */
    public static RetryOptions of(
            int maxAttempts, Duration initialBackoff, Duration maxBackoff, List<String> retryOn) {
        Set<Integer> statuses = new TreeSet<>();
        boolean connect = false;
        boolean timeout = false;
        for (String entry : retryOn) {
            String word = entry.trim().toLowerCase(Locale.ROOT);
            if (word.equals("connect")) {
                connect = true;
            } else if (word.equals("timeout")) {
                timeout = true;
            } else if (word.matches("\\d{3}")) {
                statuses.add(requireRetryable(Integer.parseInt(word)));
            } else {
                throw new IllegalArgumentException(
                        "retry-on lists '"
                                + entry
                                + "'; list HTTP statuses (429, 500–599, 408, 409), connect and"
                                + " timeout");
            }
        }
        return new RetryOptions(
                maxAttempts,
                initialBackoff,
                maxBackoff,
                statuses,
                connect,
                timeout,
                Duration.ofSeconds(30));
    }

    private static int requireRetryable(int status) {
        if (status != 408 && status != 409 && status != 429 && (status < 500 || status > 599)) {
            throw new IllegalArgumentException(
                    "retry-on lists "
                            + status
                            + ", which is never retried: the caller's own mistake (a 4xx other"
                            + " than 408, 409 and 429) would fail again");
        }
        return status;
    }

    /**
     * Returns these options with another number of attempts per model.
     *
     * @param attempts attempts per model, the first included; 1–10
     * @return the new options
     */
    public RetryOptions withMaxAttempts(int attempts) {
        return new RetryOptions(
                attempts,
                initialBackoff,
                maxBackoff,
                retryOnStatus,
                retryOnConnect,
                retryOnTimeout,
                maxRetryAfter);
    }

    /**
     * Returns these options with another longest {@code Retry-After} waited for.
     *
     * @param longest the longest wait; not negative
     * @return the new options
     */
    public RetryOptions withMaxRetryAfter(Duration longest) {
        return new RetryOptions(
                maxAttempts,
                initialBackoff,
                maxBackoff,
                retryOnStatus,
                retryOnConnect,
                retryOnTimeout,
                longest);
    }

    /**
     * Returns whether an attempt's answer with this provider status is tried again.
     *
     * @param status the provider's status
     * @return whether {@link #retryOnStatus()} lists it
     */
    public boolean retries(int status) {
        return retryOnStatus.contains(status);
    }

    /**
     * Returns the waits between attempts: exponential with full jitter, capped.
     *
     * @return the backoff
     */
    public Backoff backoff() {
        return Backoff.exponential(initialBackoff, maxBackoff);
    }

    /**
     * Returns {@code retry-on} as router.yaml writes it.
     *
     * @return the statuses, then {@code connect} and {@code timeout} if retried
     */
    public List<String> retryOn() {
        List<String> out = new ArrayList<>();
        for (int status : new TreeSet<>(retryOnStatus)) {
            out.add(String.valueOf(status));
        }
        if (retryOnConnect) {
            out.add("connect");
        }
        if (retryOnTimeout) {
            out.add("timeout");
        }
        return List.copyOf(out);
    }
}
