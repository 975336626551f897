package io.ironcage.router.core.domain;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which provider a request goes to (ARCHITECTURE.md "The request path", step 3).
 *
 * <p>In order: a path prefix {@code /openai/…} or {@code /anthropic/…} (a whole path segment only);
 * else an {@code openai/} or {@code anthropic/} prefix on the model name (stripped before
 * forwarding); else the model family, case-insensitively ({@code claude…} is Anthropic; {@code
 * gpt…}, {@code o1…}, {@code o3…}, {@code o4…}, {@code chatgpt…}, {@code codex…}, {@code ft:gpt…}
 * are OpenAI); else the provider of the only configured key; else the provider whose API the path
 * is ({@link ApiPath}: {@code /v1/messages} and below are Anthropic's; chat completions, responses
 * and embeddings and below are OpenAI's). A request with no model goes by path prefix, else by the
 * path's API; a request on a path both providers have (such as {@code DELETE /v1/models/…}) with no
 * model or an unknown one goes to Anthropic when the caller sent an {@code anthropic-version}
 * header, else to OpenAI ({@code GET /v1/models} is answered from every provider instead, see
 * {@link ModelsPath}). A key is only ever sent to its own provider: when the chosen provider has no
 * key the decision is {@link NoKeyForProvider}.
 *
 * <p>Where this differs from the reference (§3.5): prefixes must be a whole segment ({@code
 * /anthropicfoo} is not a prefix), model prefixes are recognised and stripped, the family match is
 * case-insensitive and knows {@code o4}, {@code chatgpt}, {@code codex} and {@code ft:gpt}, and the
 * provider of the key decides where it may be sent.
 */
public final class ProviderRouting {
    private static final String[] OPENAI_FAMILIES = {
        "gpt", "o1", "o3", "o4", "chatgpt", "codex", "ft:gpt"
    };
    private static final String ANTHROPIC_FAMILY = "claude";

    private ProviderRouting() {}

    /**
     * A request path with any provider prefix removed.
     *
     * @param path the path to forward, starting with {@code /}
     * @param provider the provider the prefix named, if there was one
     */
    public record PathRoute(String path, Optional<ProviderType> provider) {
        /** Validates the components. */
        public PathRoute {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(provider, "provider");
        }
    }

    /**
     * A model name with any provider prefix removed.
     *
     * @param model the model to forward
     * @param provider the provider the prefix or the family named, if any
     * @param prefixStripped whether an {@code openai/} or {@code anthropic/} prefix was removed
     */
    public record ModelRoute(
            String model, Optional<ProviderType> provider, boolean prefixStripped) {
        /** Validates the components. */
        public ModelRoute {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(provider, "provider");
        }
    }

    /**
     * What the router knows about a request when it picks a provider.
     *
     * @param path the request path, without the query string
     * @param model the {@code model} of the body, if the body has one
     * @param anthropicVersionHeader whether the caller sent an {@code anthropic-version} header
     * @param configuredProviders the providers the router holds a key for
     */
    public record RouteRequest(
            String path,
            Optional<String> model,
            boolean anthropicVersionHeader,
            Set<ProviderType> configuredProviders) {
        /** Validates and copies the components. */
        public RouteRequest {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(model, "model");
            configuredProviders = Set.copyOf(configuredProviders);
        }
    }

    /** The outcome of {@link #route(RouteRequest)}. */
    public sealed interface RoutingDecision permits Routed, NoKeyForProvider {}

    /**
     * The request goes to {@code provider}.
     *
     * @param provider where the request goes; the router holds a key for it
     * @param path the path to forward, provider prefix removed
     * @param model the model to forward, provider prefix removed; empty if the request had none
     * @param modelRewritten whether {@code model} differs from what the caller sent
     */
    public record Routed(
            ProviderType provider, String path, Optional<String> model, boolean modelRewritten)
            implements RoutingDecision {
        /** Validates the components. */
        public Routed {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(model, "model");
        }
    }

    /**
     * The request belongs to a provider the router holds no key for.
     *
     * @param provider the provider the request was routed to
     */
    public record NoKeyForProvider(ProviderType provider) implements RoutingDecision {
        /** Validates the component. */
        public NoKeyForProvider {
            Objects.requireNonNull(provider, "provider");
        }

        /**
         * Returns the sentence callers see (status 400).
         *
         * @return a message naming the provider
         */
        public String message() {
            return "No "
                    + provider.id()
                    + " provider key is configured, so this request cannot be sent to "
                    + provider.id()
                    + ". Add a key for "
                    + provider.id()
                    + " or use a model of a configured provider.";
        }
    }

    /**
     * Picks the provider for a request (the rules in the class comment).
     *
     * @param request what is known about the request
     * @return where it goes, or that the router holds no key for its provider
     */
    public static RoutingDecision route(RouteRequest request) {
        PathRoute pathRoute = stripProviderPrefix(request.path());
        Optional<ModelRoute> modelRoute = request.model().map(ProviderRouting::routeModel);
        Optional<ProviderType> chosen = pathRoute.provider();
        if (chosen.isEmpty() && modelRoute.isPresent()) {
            chosen = modelRoute.get().provider();
            if (chosen.isEmpty() && request.configuredProviders().size() == 1) {
                chosen = Optional.of(request.configuredProviders().iterator().next());
            }
        }
        if (chosen.isEmpty()) {
            // a path of one provider's API goes to that provider, with or without a model
            chosen = ApiPath.of(pathRoute.path()).api();
        }
        ProviderType provider =
                chosen.orElse(
                        request.anthropicVersionHeader()
                                ? ProviderType.ANTHROPIC
                                : ProviderType.OPENAI);
        if (!request.configuredProviders().contains(provider)) {
            return new NoKeyForProvider(provider);
        }
        return new Routed(
                provider,
                pathRoute.path(),
                modelRoute.map(ModelRoute::model),
                modelRoute.map(ModelRoute::prefixStripped).orElse(false));
    }

    /**
     * Removes a leading {@code /openai} or {@code /anthropic} path segment. Only a whole segment
     * counts: {@code /anthropic} and {@code /anthropic/v1/messages} have the prefix, {@code
     * /anthropicfoo/x} does not (the reference would strip it, §3.5). A path that is only the
     * prefix becomes {@code /}.
     *
     * @param path the request path, without the query string
     * @return the remaining path and the provider the prefix named
     */
    public static PathRoute stripProviderPrefix(String path) {
        Objects.requireNonNull(path, "path");
        for (ProviderType type : ProviderType.values()) {
            String prefix = "/" + type.id();
            if (path.equals(prefix)) {
                return new PathRoute("/", Optional.of(type));
            }
            if (path.startsWith(prefix + "/")) {
                return new PathRoute(path.substring(prefix.length()), Optional.of(type));
            }
        }
        return new PathRoute(path, Optional.empty());
    }

    /**
     * Reads the provider a model name implies: an {@code openai/} or {@code anthropic/} prefix
     * (case-insensitive, removed from the returned model), else the family ({@link
     * #detectFromModelFamily(String)}).
     *
     * @param model the {@code model} of a request body
     * @return the model to forward and the provider it implies, if any
     */
    public static ModelRoute routeModel(String model) {
        Objects.requireNonNull(model, "model");
        int slash = model.indexOf('/');
        if (slash > 0) {
            Optional<ProviderType> prefixed = ProviderType.fromId(model.substring(0, slash));
            if (prefixed.isPresent()) {
                return new ModelRoute(model.substring(slash + 1), prefixed, true);
            }
        }
        return new ModelRoute(model, detectFromModelFamily(model), false);
    }

    /**
     * Detects the provider from the model family, ignoring case: {@code claude…} is Anthropic;
     * {@code gpt…}, {@code o1…}, {@code o3…}, {@code o4…}, {@code chatgpt…}, {@code codex…} and
     * {@code ft:gpt…} are OpenAI.
     *
     * @param model a model name without a provider prefix
     * @return the provider, or empty for any other family
     */
    public static Optional<ProviderType> detectFromModelFamily(String model) {
        String lower = model.toLowerCase(Locale.ROOT);
        if (lower.startsWith(ANTHROPIC_FAMILY)) {
            return Optional.of(ProviderType.ANTHROPIC);
        }
        for (String family : OPENAI_FAMILIES) {
            if (lower.startsWith(family)) {
                return Optional.of(ProviderType.OPENAI);
            }
        }
        return Optional.empty();
    }
}
