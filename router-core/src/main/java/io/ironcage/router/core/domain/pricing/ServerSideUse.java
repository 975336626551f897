package io.ironcage.router.core.domain.pricing;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a request makes the provider read or do beyond its body: input the body does not hold, web
 * searches billed per call, and server tools whose fees the price table does not list.
 *
 * <p>The body bounds only the input it carries. A request that refers to stored context ({@code
 * previous_response_id}, {@code conversation}, a stored {@code prompt}, files by id or URL, PDF
 * documents, item references, containers, MCP servers) or lets the provider run server tools (web
 * search and fetch, file search, code execution) can be billed for far more input than its bytes,
 * so its worst case is the model's whole context window ({@link
 * ModelPricing#worstCaseInputTokens}).
 *
 * @param inputField the first field that makes the provider read input the body does not hold, as a
 *     path into the body (e.g. {@code previous_response_id}, {@code input[0].content[1]}), if any
 * @param webSearch whether the request lets the model search the web
 * @param webSearchCalls the most searches the request allows ({@code max_uses} of each search tool
 *     added up, else {@code max_tool_calls}), if it bounds them
 * @param webSearchBoundField the field that would bound the searches, named when they are unbounded
 *     (e.g. {@code tools[0].max_uses}); empty without web search
 * @param unpricedTool a server tool whose fees the router cannot price (code execution, file
 *     search, image generation), as a path into the body (e.g. {@code tools[2]}), if any
 */
public record ServerSideUse(
        Optional<String> inputField,
        boolean webSearch,
        OptionalLong webSearchCalls,
        String webSearchBoundField,
        Optional<String> unpricedTool) {

    /** A request that holds all its input and uses no server tool. */
    public static final ServerSideUse NONE =
            new ServerSideUse(Optional.empty(), false, OptionalLong.empty(), "", Optional.empty());

    /** Validates the components. */
    public ServerSideUse {
        Objects.requireNonNull(inputField, "inputField");
        Objects.requireNonNull(webSearchCalls, "webSearchCalls");
        Objects.requireNonNull(webSearchBoundField, "webSearchBoundField");
        Objects.requireNonNull(unpricedTool, "unpricedTool");
        if (webSearchCalls.isPresent() && webSearchCalls.getAsLong() < 0) {
            throw new IllegalArgumentException("webSearchCalls must not be negative");
        }
    }
}
