package io.ironcage.router.core.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.errors.ForwardException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The circuit breakers of one router, one per provider and model, on Resilience4j's count-based
 * breaker and the router's {@link Clock} (an open breaker lets its trial call through once the
 * clock has passed {@link CircuitBreakerOptions#openFor()}; nothing runs in the background).
 *
 * <p>Every {@link #tryAcquire} that returns {@code true} is followed by exactly one of {@link
 * #succeeded}, {@link #failed} or {@link #released} (the call was not made, or its outcome says
 * nothing about the provider's health). Thread-safe.
 */
public final class CircuitBreakers {
    /** Models named by callers are unbounded: beyond this many breakers, new ones are not kept. */
    static final int MAX_BREAKERS = 10_000;

    private final CircuitBreakerConfig config;
    private final Duration openFor;
    private final ConcurrentMap<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();

    /**
     * Creates the breakers.
     *
     * @param options the failure rate, window and open time
     * @param clock the router's clock
     */
    public CircuitBreakers(CircuitBreakerOptions options, Clock clock) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(clock, "clock");
        this.openFor = options.openFor();
        this.config =
                CircuitBreakerConfig.custom()
                        .failureRateThreshold(options.failureRatePercent())
                        .slidingWindow(
                                options.window(),
                                options.window(),
                                CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .waitDurationInOpenState(options.openFor())
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .automaticTransitionFromOpenToHalfOpenEnabled(false)
                        .clock(clock)
                        .currentTimestampFunction(Clock::millis, TimeUnit.MILLISECONDS)
                        .build();
    }

    /**
     * Asks whether the model may be called now: always while its breaker is closed; not while it is
     * open; once, for the trial, when it has been open long enough.
     *
     * @param provider the provider
     * @param model the model, as sent to the provider
     * @return whether to call it
     */
    public boolean tryAcquire(ProviderType provider, String model) {
        return breaker(provider, model).map(CircuitBreaker::tryAcquirePermission).orElse(true);
    }

    /**
     * Records a call the provider answered healthily (a 2xx, or the caller's own 4xx).
     *
     * @param provider the provider
     * @param model the model
     */
    public void succeeded(ProviderType provider, String model) {
        breaker(provider, model).ifPresent(b -> b.onSuccess(0, TimeUnit.MILLISECONDS));
    }

    /**
     * Records a failed call (a 5xx, no connection, no answer in time).
     *
     * @param provider the provider
     * @param model the model
     */
    public void failed(ProviderType provider, String model) {
        breaker(provider, model).ifPresent(b -> b.onError(0, TimeUnit.MILLISECONDS, FAILURE));
    }

    /**
     * Gives back a permission whose call was not made or says nothing about health (a 429).
     *
     * @param provider the provider
     * @param model the model
     */
    public void released(ProviderType provider, String model) {
        breaker(provider, model).ifPresent(CircuitBreaker::releasePermission);
    }

    /**
     * Returns how long the model's breaker stays open at most, for a {@code Retry-After}.
     *
     * @return the open time
     */
    public Duration openFor() {
        return openFor;
    }

    /**
     * Returns whether the model's breaker is open (or half-open, its trial under way).
     *
     * @param provider the provider
     * @param model the model
     * @return whether calls are refused or limited now
     */
    public boolean isOpen(ProviderType provider, String model) {
        return breaker(provider, model)
                .map(b -> b.getState() != CircuitBreaker.State.CLOSED)
                .orElse(false);
    }

    private Optional<CircuitBreaker> breaker(ProviderType provider, String model) {
        String name = provider.id() + "/" + model;
        CircuitBreaker breaker = breakers.get(name);
        if (breaker == null) {
            if (breakers.size() >= MAX_BREAKERS) {
                return Optional.empty();
            }
            breaker = breakers.computeIfAbsent(name, n -> CircuitBreaker.of(n, config));
        }
        return Optional.of(breaker);
    }

    /** Marks a failure for Resilience4j, which counts failures by throwable; never thrown. */
    private static final ForwardException FAILURE =
            new ForwardException(ForwardException.Kind.BROKEN, "the provider failed", null);

    @Override
    public String toString() {
        return "CircuitBreakers[" + breakers.size() + " models, " + config + "]";
    }
}
