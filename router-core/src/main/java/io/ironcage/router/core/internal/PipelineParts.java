package io.ironcage.router.core.internal;

import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.budget.BudgetPolicy;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.provider.ProviderApi;
import io.ironcage.router.core.provider.anthropic.AnthropicApi;
import io.ironcage.router.core.provider.openai.OpenAiApi;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.UsageEventSink;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The parts of the pipeline every request's stages share. Thread-safe. */
final class PipelineParts {
    private static final int MAX_CACHED_URIS = 1024;

    final HttpTransport upstream;
    final PricingTable pricing;
    final UsageEventSink events;
    final Clock clock;

    /** The whole upstream exchange; for a stream, between chunks. */
    final Duration upstreamTimeout;

    final BudgetPolicy policy;

    /** The binding of each provider's API. */
    final Map<ProviderType, ProviderApi> apis =
            Map.of(
                    ProviderType.OPENAI,
                    new OpenAiApi(),
                    ProviderType.ANTHROPIC,
                    new AnthropicApi());

    /** Upstream URIs already parsed, by their text: a handful of paths per provider in practice. */
    private final Map<String, URI> upstreamUris = new ConcurrentHashMap<>();

    PipelineParts(
            HttpTransport upstream,
            PricingTable pricing,
            UsageEventSink events,
            Clock clock,
            Duration upstreamTimeout,
            BudgetPolicy policy) {
        this.upstream = upstream;
        this.pricing = pricing;
        this.events = events;
        this.clock = clock;
        this.upstreamTimeout = upstreamTimeout;
        this.policy = policy;
    }

    /** The URI of an upstream request, parsed once per distinct text. */
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
