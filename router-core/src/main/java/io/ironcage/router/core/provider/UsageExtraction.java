package io.ironcage.router.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import io.ironcage.router.core.domain.ApiKind;
import io.ironcage.router.core.domain.ServiceTier;
import io.ironcage.router.core.domain.TokenDetails;
import io.ironcage.router.core.domain.TokenUsage;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the token usage a provider reports in a whole (non-streamed) JSON response, split into the
 * four non-overlapping {@link TokenUsage} classes.
 *
 * <table>
 *   <caption>Where each kind reports usage (all under the top-level {@code usage} object)</caption>
 *   <tr><th>Kind</th><th>input</th><th>output</th><th>cache read</th><th>cache write</th></tr>
 *   <tr><td>{@link ApiKind#CHAT_COMPLETIONS}</td><td>{@code prompt_tokens} − cache read − cache
 *       write</td><td>{@code completion_tokens}</td><td>{@code prompt_tokens_details.cached_tokens}</td>
 *       <td>{@code prompt_tokens_details.cache_write_tokens}</td></tr>
 *   <tr><td>{@link ApiKind#RESPONSES}</td><td>{@code input_tokens} − cache read − cache write</td>
 *       <td>{@code output_tokens}</td><td>{@code input_tokens_details.cached_tokens}</td>
 *       <td>{@code input_tokens_details.cache_write_tokens}</td></tr>
 *   <tr><td>{@link ApiKind#EMBEDDINGS}</td><td>{@code prompt_tokens}</td><td>0</td><td>0</td>
 *       <td>0</td></tr>
 *   <tr><td>{@link ApiKind#MESSAGES}</td><td>{@code input_tokens}</td><td>{@code output_tokens}</td>
 *       <td>{@code cache_read_input_tokens}</td><td>{@code cache_creation_input_tokens}</td></tr>
 * </table>
 *
 * <p>OpenAI's input counts include the cached and cache-written tokens, so they are subtracted;
 * Anthropic's already exclude cache reads and writes. Reasoning tokens are part of the output
 * counts on both. Beyond the four classes, {@link TokenDetails} gets OpenAI's audio tokens ({@code
 * audio_tokens} of both details objects), reasoning tokens ({@code reasoning_tokens} of the output
 * details) and the answer's top-level {@code service_tier}, and Anthropic's 1-hour cache writes
 * ({@code cache_creation.ephemeral_1h_input_tokens}); a detail larger than the class it is part of
 * gives empty, as cached tokens larger than the input do.
 *
 * <p>Never throws on odd JSON. The rules, the same for streamed usage ({@link StreamUsage}):
 *
 * <ul>
 *   <li>a <em>required</em> count (the input and output columns' fields; only {@code prompt_tokens}
 *       for embeddings) that is missing, {@code null}, or not valid gives empty;
 *   <li>a <em>cache</em> count (and the {@code *_details} object holding it) that is missing or
 *       {@code null} counts as 0 — older models and API versions omit them;
 *   <li>valid means a JSON integer (not {@code 12.0}, not {@code "12"}) from 0 to {@link
 *       #MAX_TOKENS}; any present count that is not valid, or a details field that is present but
 *       not an object, gives empty rather than a guess;
 *   <li>OpenAI cached tokens greater than the input count they are part of give empty.
 * </ul>
 *
 * <p>An empty result means "the provider did not report a usable usage": the caller decides how to
 * bill (for example from its reservation). {@link ApiKind#OTHER} always gives empty.
 */
public final class UsageExtraction {
    /**
     * The largest token count accepted: 10<sup>12</sup>. Far above any real request (context
     * windows are millions of tokens at most), and small enough that sums of counts and their cost
     * in micro-dollars stay far from {@code long} overflow.
     */
    public static final long MAX_TOKENS = 1_000_000_000_000L;

    /** The top-level field in which OpenAI answers say which tier served them. */
    static final String SERVICE_TIER = "service_tier";

    /** {@link #count} result for a field that is missing or {@code null}. */
    static final long MISSING = -1;

    /** {@link #count} result for a field that is present but not a valid count. */
    static final long INVALID = -2;

    private UsageExtraction() {}

    /**
     * Reads the usage of a whole JSON response.
     *
     * @param kind the API the response came from
     * @param responseBody the parsed response body (any JSON; {@code null} gives empty)
     * @return the usage, or empty if the response carries no usable usage (see the class comment)
     */
    public static Optional<TokenUsage> fromResponse(ApiKind kind, JsonNode responseBody) {
        Objects.requireNonNull(kind, "kind");
        if (responseBody == null || !responseBody.isObject()) {
            return Optional.empty();
        }
        return fromUsageObject(kind, responseBody.get("usage"))
                .map(usage -> servedAt(kind, usage, responseBody.get(SERVICE_TIER)));
    }

    /**
     * Reads the usage of a whole JSON response from its bytes, parsing only its top-level {@code
     * usage} object: the same result as {@link #fromResponse(ApiKind, JsonNode)} on the parsed
     * body, without building a tree of the rest (the answer's text, which may be long).
     *
     * @param kind the API the response came from
     * @param responseBody the response body as received
     * @return the usage, or empty if the response carries no usable usage (see the class comment)
     */
    public static Optional<TokenUsage> fromResponseBytes(ApiKind kind, byte[] responseBody) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(responseBody, "responseBody");
        return Json.topLevelField(responseBody, "usage")
                .flatMap(usage -> fromUsageObject(kind, usage))
                .map(
                        usage ->
                                reportsServiceTier(kind)
                                        ? servedAt(
                                                kind,
                                                usage,
                                                Json.topLevelField(responseBody, SERVICE_TIER)
                                                        .orElse(null))
                                        : usage);
    }

    /** Whether answers of this kind say at their top level which tier served them. */
    static boolean reportsServiceTier(ApiKind kind) {
        return kind == ApiKind.CHAT_COMPLETIONS || kind == ApiKind.RESPONSES;
    }

    /**
     * Applies the {@code service_tier} an OpenAI answer reports at its top level (a chunk, a
     * completion, a response) to its usage. Anthropic's {@code usage.service_tier} is not read: its
     * priority tier is a capacity commitment billed at the standard token prices, and its batch
     * tier is only reached through the batches API, which is forwarded unmetered.
     *
     * @param kind the API the answer came from
     * @param usage the usage read from the answer
     * @param tier the answer's {@code service_tier}, {@code null} when absent
     * @return the usage with the tier in its details
     */
    static TokenUsage servedAt(ApiKind kind, TokenUsage usage, JsonNode tier) {
        if (!reportsServiceTier(kind) || tier == null || !tier.isTextual()) {
            return usage;
        }
        return usage.withDetails(
                usage.details().withServiceTier(ServiceTier.ofReported(tier.textValue())));
    }

    /**
     * Returns the model a response names, which may be more specific than the requested one (e.g.
     * {@code gpt-4o-2024-08-06} for {@code gpt-4o}).
     *
     * @param responseBody the parsed response body (any JSON; {@code null} gives empty)
     * @return the top-level {@code model} string, or empty if absent, empty or not a string
     */
    public static Optional<String> responseModel(JsonNode responseBody) {
        return RequestShapes.model(responseBody);
    }

    /** Reads a {@code usage} object in the format of {@code kind}; see the class comment. */
    static Optional<TokenUsage> fromUsageObject(ApiKind kind, JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return Optional.empty();
        }
        switch (kind) {
            case CHAT_COMPLETIONS:
                return openAi(
                        usage,
                        "prompt_tokens",
                        "completion_tokens",
                        "prompt_tokens_details",
                        "completion_tokens_details");
            case RESPONSES:
                return openAi(
                        usage,
                        "input_tokens",
                        "output_tokens",
                        "input_tokens_details",
                        "output_tokens_details");
            case EMBEDDINGS:
                long prompt = count(usage, "prompt_tokens");
                return prompt < 0 ? Optional.empty() : Optional.of(TokenUsage.of(prompt, 0));
            case MESSAGES:
                return anthropic(usage);
            default:
                return Optional.empty();
        }
    }

    private static Optional<TokenUsage> openAi(
            JsonNode usage,
            String inputField,
            String outputField,
            String inputDetails,
            String outputDetails) {
        long input = count(usage, inputField);
        long output = count(usage, outputField);
        long cached = nestedCount(usage, inputDetails, "cached_tokens");
        long written = nestedCount(usage, inputDetails, "cache_write_tokens");
        long audioIn = nestedCount(usage, inputDetails, "audio_tokens");
        long reasoning = nestedCount(usage, outputDetails, "reasoning_tokens");
        long audioOut = nestedCount(usage, outputDetails, "audio_tokens");
        if (input < 0
                || output < 0
                || cached == INVALID
                || written == INVALID
                || audioIn == INVALID
                || reasoning == INVALID
                || audioOut == INVALID) {
            return Optional.empty();
        }
        long cacheRead = Math.max(cached, 0);
        long cacheWrite = Math.max(written, 0);
        if (cacheRead > input || cacheWrite > input - cacheRead) {
            return Optional.empty();
        }
        long plain = input - cacheRead - cacheWrite;
        if (Math.max(audioIn, 0) > plain
                || Math.max(reasoning, 0) > output
                || Math.max(audioOut, 0) > output) {
            return Optional.empty();
        }
        TokenDetails details =
                new TokenDetails(
                        0,
                        Math.max(audioIn, 0),
                        Math.max(audioOut, 0),
                        Math.max(reasoning, 0),
                        ServiceTier.STANDARD);
        return Optional.of(new TokenUsage(plain, output, cacheRead, cacheWrite, details));
    }

    private static Optional<TokenUsage> anthropic(JsonNode usage) {
        long input = count(usage, "input_tokens");
        long output = count(usage, "output_tokens");
        long cacheRead = count(usage, "cache_read_input_tokens");
        long cacheWrite = count(usage, "cache_creation_input_tokens");
        long oneHour = oneHourCacheWrites(usage);
        if (input < 0
                || output < 0
                || cacheRead == INVALID
                || cacheWrite == INVALID
                || oneHour == INVALID
                || Math.max(oneHour, 0) > Math.max(cacheWrite, 0)) {
            return Optional.empty();
        }
        TokenDetails details =
                oneHour > 0
                        ? new TokenDetails(oneHour, 0, 0, 0, ServiceTier.STANDARD)
                        : TokenDetails.NONE;
        return Optional.of(
                new TokenUsage(
                        input, output, Math.max(cacheRead, 0), Math.max(cacheWrite, 0), details));
    }

    /**
     * Anthropic's {@code usage.cache_creation.ephemeral_1h_input_tokens}: the part of {@code
     * cache_creation_input_tokens} written with the 1-hour TTL ({@link #MISSING} when absent).
     */
    static long oneHourCacheWrites(JsonNode usage) {
        return nestedCount(usage, "cache_creation", "ephemeral_1h_input_tokens");
    }

    /**
     * Reads {@code object.details.field}: {@link #MISSING} if {@code details} or the field is
     * missing or null, {@link #INVALID} if {@code details} is not an object or the field is not a
     * valid count.
     */
    static long nestedCount(JsonNode object, String details, String field) {
        JsonNode holder = object.get(details);
        if (holder == null || holder.isNull()) {
            return MISSING;
        }
        return holder.isObject() ? count(holder, field) : INVALID;
    }

    /**
     * Reads a token count: the value, {@link #MISSING} if the field is missing or null, {@link
     * #INVALID} if it is not an integer from 0 to {@link #MAX_TOKENS}.
     */
    static long count(JsonNode object, String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return MISSING;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            return INVALID;
        }
        long n = value.longValue();
        return n < 0 || n > MAX_TOKENS ? INVALID : n;
    }

    /**
     * Reads how many web searches a whole answer reports: Anthropic's {@code
     * usage.server_tool_use.web_search_requests}, else the number of {@code web_search_call} items
     * in a Responses answer's {@code output}.
     *
     * @param responseBody the parsed answer ({@code null} gives empty)
     * @return the count, or empty when the answer does not report searches
     */
    public static OptionalLong webSearchRequests(JsonNode responseBody) {
        if (responseBody == null || !responseBody.isObject()) {
            return OptionalLong.empty();
        }
        JsonNode reported =
                responseBody.path("usage").path("server_tool_use").path("web_search_requests");
        if (reported.isIntegralNumber()
                && reported.canConvertToLong()
                && reported.longValue() >= 0
                && reported.longValue() <= MAX_TOKENS) {
            return OptionalLong.of(reported.longValue());
        }
        JsonNode output = responseBody.get("output");
        if (output == null || !output.isArray()) {
            return OptionalLong.empty();
        }
        long calls = 0;
        for (JsonNode item : output) {
            if ("web_search_call".equals(item.path("type").asText())) {
                calls++;
            }
        }
        return OptionalLong.of(calls);
    }
}
