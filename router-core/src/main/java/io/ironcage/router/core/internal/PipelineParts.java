package io.ironcage.router.core.internal;

import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetPolicy;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.provider.ProviderApi;
import io.ironcage.router.core.provider.anthropic.AnthropicApi;
import io.ironcage.router.core.provider.openai.OpenAiApi;
import io.ironcage.router.core.resilience.CircuitBreakers;
import io.ironcage.router.core.resilience.Resilience;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UsageEventSink;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The parts of the pipeline every request's stages share. Thread-safe.
 *
 * @param upstream the client for provider calls
 * @param pricing the prices
 * @param events where analytics events go
 * @param clock the only source of "now"
 * @param upstreamTimeout the whole upstream exchange; for a stream, between chunks
 * @param policy the budget policy
 * @param apis the binding of each provider's API
 * @param upstreamUris upstream URIs already parsed, by their text
 * @param resilience retries, fallbacks and circuit breakers
 * @param breakers the circuit breakers, if configured
 * @param delays runs the waits between attempts; null when there are no retries
 */
record PipelineParts(
        HttpTransport upstream,
        PricingTable pricing,
        UsageEventSink events,
        Clock clock,
        Duration upstreamTimeout,
        BudgetPolicy policy,
        Map<ProviderType, ProviderApi> apis,
        Map<String, URI> upstreamUris,
        Resilience resilience,
        Optional<CircuitBreakers> breakers,
        ScheduledExecutorService delays) {
    private static final int MAX_CACHED_URIS = 1024;

    static PipelineParts of(
            HttpTransport upstream,
            PricingTable pricing,
            UsageEventSink events,
            Clock clock,
            Duration upstreamTimeout,
            BudgetPolicy policy,
            Resilience resilience,
            ScheduledExecutorService delays) {
        return new PipelineParts(
                upstream,
                pricing,
                events,
                clock,
                upstreamTimeout,
                policy,
                Map.of(
                        ProviderType.OPENAI, new OpenAiApi(),
                        ProviderType.ANTHROPIC, new AnthropicApi()),
                new ConcurrentHashMap<>(),
                resilience,
                resilience.circuitBreaker().map(options -> new CircuitBreakers(options, clock)),
                delays);
    }

    /** The URI of an upstream request, parsed once per distinct text (a handful per provider). */
    URI uri(String text) {
        URI uri = upstreamUris.get(text);
        if (uri == null) {
            uri = URI.create(text);
            if (upstreamUris.size() < MAX_CACHED_URIS) {
                upstreamUris.put(text, uri);
            }
        }
        return uri;
    }
}
