package io.ironcage.router.core.domain.pricing;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a request makes the provider read or do beyond its body: input the body does not hold, web
 * searches billed per call, and work whose cost the router cannot meter.
 *
 * <p>The body bounds only the input it carries. A request that refers to stored context ({@code
 * previous_response_id}, {@code conversation}, a stored {@code prompt}, files by id or URL, PDF
 * documents, item references, containers, MCP servers) or lets the provider run server tools (web
 * search and fetch, file search, code execution) can be billed for far more input than its bytes,
 * so its worst case is the model's whole context window ({@link
 * ModelPricing#worstCaseInputTokens}).
 *
 * @param inputField the first field that makes the provider read input the body does not hold, as a
 *     path into the body (e.g. {@code previous_response_id}, {@code input[…].input_file}), if any
 * @param webSearchField the first field that lets the model search the web (a {@code web_search…}
 *     tool such as {@code tools[0]}, or {@code web_search_options}), if any
 * @param webSearchCalls the most searches the request allows ({@code max_uses} of each search tool
 *     added up, else {@code max_tool_calls}), if it bounds them
 * @param webSearchBoundField the field that would bound the searches, named when they are unbounded
 *     (e.g. {@code tools[0].max_uses}); empty without web search
 * @param unmeteredField the first field that makes the provider bill work the router cannot meter,
 *     if any: a server tool whose fees the price table does not list (code execution or
 *     interpreter, file search, image generation), a stored {@code prompt} (it may turn such tools
 *     on), or {@code background} (the answer comes before the model runs, without usage)
 */
public record ServerSideUse(
        Optional<String> inputField,
        Optional<String> webSearchField,
        OptionalLong webSearchCalls,
        String webSearchBoundField,
        Optional<String> unmeteredField) {

    /** A request that holds all its input and has the provider do nothing else. */
    public static final ServerSideUse NONE =
            new ServerSideUse(
                    Optional.empty(), Optional.empty(), OptionalLong.empty(), "", Optional.empty());

    /** Validates the components. */
    public ServerSideUse {
        Objects.requireNonNull(inputField, "inputField");
        Objects.requireNonNull(webSearchField, "webSearchField");
        Objects.requireNonNull(webSearchCalls, "webSearchCalls");
        Objects.requireNonNull(webSearchBoundField, "webSearchBoundField");
        Objects.requireNonNull(unmeteredField, "unmeteredField");
        if (webSearchCalls.isPresent() && webSearchCalls.getAsLong() < 0) {
            throw new IllegalArgumentException("webSearchCalls must not be negative");
        }
    }

    /**
     * Returns whether the request lets the model search the web.
     *
     * @return whether {@link #webSearchField()} is present
     */
    public boolean webSearch() {
        return webSearchField.isPresent();
    }

    // --- what this use costs under a model's prices; ModelPricing answers from here ---

    /**
     * An input bound raised to the model's context window when the provider reads input the body
     * does not hold: it may read up to the whole window.
     */
    long inputTokensBound(ModelPricing model, long tokens) {
        if (inputField.isPresent() && model.maxInputTokens().isPresent()) {
            return Math.max(tokens, model.maxInputTokens().getAsLong());
        }
        return tokens;
    }

    /** See {@link ModelPricing#unboundedBy(RequestShape)}. */
    Optional<String> unboundedBy(ModelPricing model) {
        if (inputField.isPresent() && model.maxInputTokens().isEmpty()) {
            return Optional.of(
                    "'"
                            + inputField.get()
                            + "' makes the provider read input the request does not hold, and"
                            + " the price table gives no context window (max_input_tokens) for"
                            + " model '"
                            + model.id()
                            + "', so the request's cost cannot be bounded under a budget. Add"
                            + " max-input-tokens to the model's entry under pricing.overrides, or"
                            + " send the content itself.");
        }
        if (webSearch() && webSearchCalls.isEmpty() && model.webSearchMicrosPerCall().isPresent()) {
            return Optional.of(
                    "Web search is billed per search, and nothing bounds how many searches this"
                            + " request may run: set '"
                            + webSearchBoundField
                            + "' so its cost can be reserved under a budget.");
        }
        return Optional.empty();
    }

    /** See {@link ModelPricing#unmeteredBy(RequestShape)}. */
    Optional<String> unmeteredBy(ModelPricing model) {
        if (unmeteredField.isPresent()) {
            return unmeteredField;
        }
        if (webSearch() && model.webSearchMicrosPerCall().isEmpty()) {
            return webSearchField;
        }
        return Optional.empty();
    }

    /** See {@link ModelPricing#toolFeeMicros(RequestShape, OptionalLong)}. */
    long toolFeeMicros(ModelPricing model, OptionalLong searchesReported) {
        if (!webSearch() || model.webSearchMicrosPerCall().isEmpty()) {
            return 0;
        }
        if (searchesReported.isEmpty()) {
            return worstCaseToolFeeMicros(model);
        }
        // what the provider reports is what it bills, as for tokens, even beyond the bound
        return Math.multiplyExact(
                searchesReported.getAsLong(), model.webSearchMicrosPerCall().getAsLong());
    }

    /** See {@link ModelPricing#worstCaseToolFeeMicros(RequestShape)}. */
    long worstCaseToolFeeMicros(ModelPricing model) {
        if (!webSearch() || model.webSearchMicrosPerCall().isEmpty() || webSearchCalls.isEmpty()) {
            return 0;
        }
        return Math.multiplyExact(
                webSearchCalls.getAsLong(), model.webSearchMicrosPerCall().getAsLong());
    }
}
