package io.ironcage.router.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.ClientDisconnectedException;
import io.ironcage.router.core.ControlPlaneException;
import io.ironcage.router.core.ForwardException;
import io.ironcage.router.core.TranslationException;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.domain.ProviderRouting;
import io.ironcage.router.core.domain.ProviderRouting.NoKeyForProvider;
import io.ironcage.router.core.domain.ProviderRouting.Routed;
import io.ironcage.router.core.domain.ProviderRouting.RoutingDecision;
import io.ironcage.router.core.domain.ProviderType;
import io.ironcage.router.core.domain.TokenUsage;
import io.ironcage.router.core.domain.analytics.AnalyticsEvent;
import io.ironcage.router.core.domain.analytics.EventPayload;
import io.ironcage.router.core.domain.analytics.LlmModelMeta;
import io.ironcage.router.core.domain.analytics.LlmRequestCompleted;
import io.ironcage.router.core.domain.analytics.LlmRequestFailed;
import io.ironcage.router.core.domain.analytics.RequestMeta;
import io.ironcage.router.core.domain.budget.BudgetDecision;
import io.ironcage.router.core.domain.budget.CostController;
import io.ironcage.router.core.domain.budget.Reservation;
import io.ironcage.router.core.domain.pricing.ModelPricing;
import io.ironcage.router.core.domain.pricing.PricingTable;
import io.ironcage.router.core.domain.pricing.RequestShape;
import io.ironcage.router.core.provider.ApiKind;
import io.ironcage.router.core.provider.OpenAiStreams;
import io.ironcage.router.core.provider.RequestShapes;
import io.ironcage.router.core.provider.SseEvent;
import io.ironcage.router.core.provider.SseParser;
import io.ironcage.router.core.provider.StreamUsage;
import io.ironcage.router.core.provider.UsageExtraction;
import io.ironcage.router.core.provider.anthropic.AnthropicToOpenAi;
import io.ironcage.router.core.provider.anthropic.OpenAiToAnthropic;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.core.spi.ProxyHandler;
import io.ironcage.router.core.spi.ProxyRequest;
import io.ironcage.router.core.spi.ResponseSink;
import io.ironcage.router.core.spi.UsageEventSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path of PRODUCT.md, steps 1–9: authenticate, parse, pick the provider, price and
 * reserve, forward, relay (streams event by event), settle, record. Every reservation is released
 * on every path: it is opened in a try-with-resources block, so a path that neither commits nor
 * cancels it cancels it on the way out.
 *
 * <p>Runs on the transport's worker threads and may block (upstream call, stream relay).
 */
public final class ProxyPipeline implements ProxyHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyPipeline.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] HEALTH = "LlmRouter OK".getBytes(StandardCharsets.UTF_8);
    private static final HeaderMap TEXT = HeaderMap.of("content-type", "text/plain; charset=utf-8");

    /** All header names and values of a request together; real SDK requests use about 1 KiB. */
    static final int MAX_HEADER_BYTES = 32 * 1024;

    /** {@code max_tokens} of a request translated to Anthropic for a model the table lacks. */
    static final long DEFAULT_TRANSLATED_MAX_TOKENS = 4096;

    private final ProviderKeySource keys;
    private final HttpTransport upstream;
    private final CostController ledger;
    private final PricingTable pricing;
    private final UsageEventSink events;
    private final Clock clock;
    private final PipelineSettings settings;
    private final long maxRequestBodyBytes;
    private final byte[] bearerToken;
    private final byte[] plainToken;

    /**
     * Creates the pipeline.
     *
     * @param keys where provider keys come from
     * @param upstream the client for provider calls
     * @param ledger the budget
     * @param pricing the prices
     * @param events where analytics events go
     * @param clock the only source of "now"
     * @param settings token, timeouts, unpriced policy
     * @param maxRequestBodyBytes the body limit, named in the 413 message
     */
    public ProxyPipeline(
            ProviderKeySource keys,
            HttpTransport upstream,
            CostController ledger,
            PricingTable pricing,
            UsageEventSink events,
            Clock clock,
            PipelineSettings settings,
            long maxRequestBodyBytes) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.pricing = Objects.requireNonNull(pricing, "pricing");
        this.events = Objects.requireNonNull(events, "events");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.maxRequestBodyBytes = maxRequestBodyBytes;
        this.bearerToken = ("Bearer " + settings.token()).getBytes(StandardCharsets.UTF_8);
        this.plainToken = settings.token().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(ProxyRequest request, ResponseSink sink) {
        if ("/".equals(request.path())) {
            sink.send(200, TEXT, HEALTH); // health check, reference §3.2
            return;
        }
        ProviderRouting.PathRoute pathRoute = ProviderRouting.stripProviderPrefix(request.path());
        ApiFormat format = ApiFormat.ofPath(pathRoute.path());
        if (headerBytes(request.headers()) > MAX_HEADER_BYTES) {
            reply(sink, ErrorResponses.headersTooLarge(format, MAX_HEADER_BYTES));
            return;
        }
        if (!authorized(request.headers())) {
            reply(sink, ErrorResponses.unauthorized(format));
            return;
        }
        if (request.bodyTooLarge()) {
            reply(sink, ErrorResponses.payloadTooLarge(format, maxRequestBodyBytes));
            return;
        }
        if (!pathRoute.path().startsWith("/v1/")) {
            reply(sink, ErrorResponses.notFound(format, pathRoute.path()));
            return;
        }
        if (request.bodyLength() > 0 && !jsonContentType(request.headers())) {
            reply(
                    sink,
                    ErrorResponses.badRequest(
                            format,
                            "The request body must be JSON, sent with Content-Type:"
                                    + " application/json.",
                            null));
            return;
        }
        try {
            new Call(request, format, ApiKind.ofPath(pathRoute.path())).run(sink);
        } catch (ClientDisconnectedException e) {
            LOG.debug("client went away before the answer was sent: {}", request);
        }
    }

    /** Constant time in the token's content: no early exit on the first differing byte. */
    private boolean authorized(HeaderMap headers) {
        boolean ok = false;
        for (String value : headers.all("authorization")) {
            ok |= MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), bearerToken);
        }
        for (String value : headers.all("x-api-key")) {
            ok |= MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), plainToken);
        }
        return ok;
    }

    private static long headerBytes(HeaderMap headers) {
        long[] total = {0};
        headers.forEach((name, value) -> total[0] += name.length() + value.length() + 4);
        return total[0];
    }

    /** A body is JSON unless the caller says otherwise (a missing Content-Type is tolerated). */
    private static boolean jsonContentType(HeaderMap headers) {
        Optional<String> type = headers.first("content-type");
        return type.isEmpty() || type.get().toLowerCase(java.util.Locale.ROOT).contains("json");
    }

    private static void reply(ResponseSink sink, ErrorResponse error) {
        sink.send(error.status(), error.headers(), error.body());
    }

    /** One request's way through the pipeline. */
    private final class Call {
        private final ProxyRequest request;
        private final ApiFormat format;
        private final ApiKind kind;
        private final long startedMs;
        private Routed routed;
        private ProviderKey key;
        private Optional<ModelPricing> price = Optional.empty();
        private RequestShape shape;
        private boolean stream;
        private boolean translated;
        private OptionalLong firstByteMs = OptionalLong.empty();

        Call(ProxyRequest request, ApiFormat format, ApiKind kind) {
            this.request = request;
            this.format = format;
            this.kind = kind;
            this.startedMs = clock.millis();
        }

        void run(ResponseSink sink) {
            ObjectNode body = null;
            if (request.bodyLength() > 0) {
                JsonNode parsed;
                try {
                    parsed = JSON.readTree(request.body());
                } catch (IOException e) {
                    reply(sink, ErrorResponses.invalidJson(format));
                    return;
                }
                if (!(parsed instanceof ObjectNode)) {
                    reply(
                            sink,
                            ErrorResponses.badRequest(
                                    format, "The request body must be a JSON object.", null));
                    return;
                }
                body = (ObjectNode) parsed;
            }
            Optional<String> model = body == null ? Optional.empty() : RequestShapes.model(body);
            if (kind != ApiKind.OTHER && model.isEmpty()) {
                reply(sink, ErrorResponses.missingModel(format));
                return;
            }
            RoutingDecision decision =
                    ProviderRouting.route(
                            new ProviderRouting.RouteRequest(
                                    request.path(),
                                    model,
                                    request.headers().contains("anthropic-version"),
                                    keys.providers()));
            if (decision instanceof NoKeyForProvider) {
                reply(sink, ErrorResponses.noKeyForProvider(format, (NoKeyForProvider) decision));
                return;
            }
            routed = (Routed) decision;
            stream = body != null && body.path("stream").asBoolean(false);
            if (needsTranslation(kind, routed.provider())) {
                boolean translatable = kind == ApiKind.CHAT_COMPLETIONS || kind == ApiKind.MESSAGES;
                if (!translatable || stream) {
                    reply(
                            sink,
                            ErrorResponses.badRequest(
                                    format,
                                    "Model '"
                                            + routed.model().orElse("")
                                            + "' belongs to "
                                            + routed.provider().id()
                                            + ", but this request uses the other provider's API ("
                                            + request.path()
                                            + "). "
                                            + (translatable
                                                    ? "Streamed requests are not translated"
                                                            + " yet: send it without \"stream\": true,"
                                                            + " or call "
                                                            + routed.provider().id()
                                                            + "'s own endpoint."
                                                    : "This API has no counterpart at "
                                                            + routed.provider().id()
                                                            + ": use a model of the API you call."),
                                    translatable ? "stream" : "model"));
                    return;
                }
                translated = true;
            }
            try {
                key = keys.key(routed.provider()).orElse(null);
            } catch (ControlPlaneException e) {
                reply(sink, ErrorResponses.controlPlane(format, e));
                return;
            }
            if (key == null) {
                reply(
                        sink,
                        ErrorResponses.noKeyForProvider(
                                format, new NoKeyForProvider(routed.provider())));
                return;
            }
            Reservation reservation = null;
            price = routed.model().flatMap(pricing::find);
            if (price.isPresent()) {
                shape = RequestShapes.of(body, request.bodyLength());
                BudgetDecision check = ledger.check();
                if (check instanceof BudgetDecision.Refusal) {
                    reply(sink, ErrorResponses.budget(format, (BudgetDecision.Refusal) check));
                    return;
                }
                BudgetDecision reserved = ledger.reserve(price.get().worstCase(shape));
                if (reserved instanceof BudgetDecision.Refusal) {
                    reply(sink, ErrorResponses.budget(format, (BudgetDecision.Refusal) reserved));
                    return;
                }
                reservation = ((BudgetDecision.Granted) reserved).reservation();
            } else if (model.isPresent()
                    && settings.rejectUnpriced()
                    && ledger.limit().isPresent()) {
                reply(sink, ErrorResponses.unpricedModel(format, routed.model().orElse("")));
                return;
            }
            try (Reservation held = reservation) {
                forward(sink, body, held);
            }
        }

        private boolean needsTranslation(ApiKind kind, ProviderType provider) {
            if (provider == ProviderType.ANTHROPIC) {
                return kind == ApiKind.CHAT_COMPLETIONS
                        || kind == ApiKind.RESPONSES
                        || kind == ApiKind.EMBEDDINGS;
            }
            return kind == ApiKind.MESSAGES;
        }

        private void forward(ResponseSink sink, ObjectNode body, Reservation reservation) {
            byte[] upstreamBody = request.body();
            String upstreamPath = routed.path();
            boolean dropUsageChunk = false;
            if (body != null) {
                ObjectNode rewritten = null;
                if (routed.modelRewritten()) {
                    rewritten = body.deepCopy();
                    rewritten.put("model", routed.model().orElseThrow());
                }
                if (translated) {
                    try {
                        rewritten = translateRequest(rewritten != null ? rewritten : body);
                    } catch (TranslationException e) {
                        reply(sink, ErrorResponses.badRequest(format, e.getMessage(), e.field()));
                        return;
                    }
                    upstreamPath =
                            routed.provider() == ProviderType.ANTHROPIC
                                    ? "/v1/messages"
                                    : "/v1/chat/completions";
                }
                if (stream
                        && kind == ApiKind.CHAT_COMPLETIONS
                        && !OpenAiStreams.callerAskedForUsage(body)) {
                    rewritten =
                            OpenAiStreams.withUsageRequested(rewritten != null ? rewritten : body);
                    dropUsageChunk = true;
                }
                if (rewritten != null) {
                    upstreamBody = writeJson(rewritten);
                }
            }
            HttpTransport.Request call =
                    new HttpTransport.Request(
                            request.method(),
                            upstreamUri(upstreamPath),
                            ForwardedHeaders.upstream(
                                    request.headers(), key, upstreamBody.length > 0),
                            upstreamBody,
                            settings.upstreamTimeout());
            if (stream) {
                relayStream(sink, call, reservation, dropUsageChunk);
            } else {
                relayWhole(sink, call, reservation);
            }
        }

        /** The provider's API kind: what the upstream speaks, translated or not. */
        private ApiKind upstreamKind() {
            if (!translated) {
                return kind;
            }
            return routed.provider() == ProviderType.ANTHROPIC
                    ? ApiKind.MESSAGES
                    : ApiKind.CHAT_COMPLETIONS;
        }

        private ObjectNode translateRequest(ObjectNode body) {
            if (routed.provider() == ProviderType.ANTHROPIC) {
                return OpenAiToAnthropic.request(
                        body,
                        model ->
                                pricing.find(model)
                                        .map(ModelPricing::effectiveMaxOutputTokens)
                                        .orElse(DEFAULT_TRANSLATED_MAX_TOKENS));
            }
            return AnthropicToOpenAi.request(body);
        }

        /** The upstream's 2xx answer in the caller's format. */
        private byte[] translateResponse(Optional<JsonNode> parsed) {
            Optional<JsonNode> json = parsed.filter(JsonNode::isObject);
            if (json.isEmpty()) {
                throw new TranslationException("", "The provider's answer is not a JSON object.");
            }
            ObjectNode answer = (ObjectNode) json.get();
            ObjectNode out =
                    routed.provider() == ProviderType.ANTHROPIC
                            ? AnthropicToOpenAi.response(
                                    answer,
                                    "chatcmpl-" + UUID.randomUUID(),
                                    clock.instant().getEpochSecond())
                            : OpenAiToAnthropic.response(answer, "msg_" + UUID.randomUUID());
            return writeJson(out);
        }

        private URI upstreamUri(String path) {
            String base = key.effectiveBaseUrl().toString();
            if (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            String query = request.query().isEmpty() ? "" : "?" + request.query();
            return URI.create(base + path + query);
        }

        private void relayWhole(ResponseSink sink, HttpTransport.Request call, Reservation held) {
            HttpTransport.Response response;
            try {
                response = upstream.send(call);
            } catch (ForwardException e) {
                upstreamFailed(sink, e);
                return;
            }
            int status = response.status();
            byte[] body = response.body();
            if (status == 401 || status == 403) {
                reply(sink, ErrorResponses.upstreamAuthFailed(format, status));
                recordFailure(status, "upstream_auth_failed", Optional.empty(), response.headers());
                return;
            }
            if (status >= 200 && status <= 299) {
                // settled before the caller has the answer, so spend is current when a call returns
                Optional<JsonNode> json = readJson(body);
                Optional<TokenUsage> usage =
                        json.flatMap(j -> UsageExtraction.fromResponse(upstreamKind(), j));
                settle(held, usage, Optional.empty(), 0, status, response.headers());
                if (translated) {
                    try {
                        body = translateResponse(json);
                    } catch (TranslationException e) {
                        LOG.warn(
                                "a {} answer could not be translated back", routed.provider().id());
                        reply(
                                sink,
                                ErrorResponses.upstreamUntranslatable(
                                        format, routed.provider().id()));
                        return;
                    }
                }
            } else {
                recordFailure(
                        status, String.valueOf(status), errorMessage(body), response.headers());
                if (translated) {
                    reply(
                            sink,
                            ErrorResponses.upstreamError(
                                    format,
                                    status,
                                    errorMessage(body)
                                            .orElse(
                                                    "The "
                                                            + routed.provider().id()
                                                            + " API answered "
                                                            + status
                                                            + ".")));
                    return;
                }
            }
            HeaderMap headers = ForwardedHeaders.downstream(response.headers());
            if (translated) {
                headers = headers.toBuilder().set("content-type", "application/json").build();
            }
            try {
                sink.send(status, headers, body);
            } catch (ClientDisconnectedException e) {
                LOG.debug("client went away before the answer was sent: {}", request);
            }
        }

        private void relayStream(
                ResponseSink sink,
                HttpTransport.Request call,
                Reservation held,
                boolean dropUsageChunk) {
            HttpTransport.StreamingResponse response;
            try {
                response = upstream.open(call);
            } catch (ForwardException e) {
                upstreamFailed(sink, e);
                return;
            }
            try (response) {
                int status = response.status();
                if (status < 200 || status > 299) {
                    relayStreamError(sink, response);
                    return;
                }
                ResponseSink.ResponseStream out;
                try {
                    out = sink.stream(status, ForwardedHeaders.downstream(response.headers()));
                } catch (ClientDisconnectedException e) {
                    out = null;
                }
                SseParser parser = new SseParser();
                StreamUsage usage = StreamUsage.forKind(kind);
                boolean broken = false;
                try {
                    while (true) {
                        Optional<byte[]> chunk = response.read();
                        List<SseEvent> parsed =
                                chunk.isPresent() ? parser.feed(chunk.get()) : parser.finish();
                        for (SseEvent event : parsed) {
                            usage.onEvent(event);
                            out = relay(out, event, dropUsageChunk);
                        }
                        if (chunk.isEmpty() || (out == null && usage.usage().isPresent())) {
                            break; // the end, or the client is gone and the bill is known
                        }
                    }
                } catch (ForwardException | IllegalStateException e) {
                    broken = true;
                    LOG.warn(
                            "upstream stream of {} ended early ({}): billing from what was seen",
                            routed.provider().id(),
                            e instanceof ForwardException
                                    ? ((ForwardException) e).kind()
                                    : e.getClass().getSimpleName());
                    out = relayRaw(out, SseErrors.upstreamBroken(format));
                }
                try {
                    settle(
                            held,
                            usage.usage(),
                            usage.inputUsageSeen(),
                            usage.outputBytesSeen(),
                            broken ? 502 : status,
                            response.headers());
                } finally {
                    if (out != null) {
                        out.close();
                    }
                }
            }
        }

        /** Writes bytes unless the client is gone; returns the stream, or null once gone. */
        private ResponseSink.ResponseStream relayRaw(
                ResponseSink.ResponseStream out, byte[] bytes) {
            if (out == null) {
                return null;
            }
            try {
                out.write(bytes);
                return out;
            } catch (ClientDisconnectedException e) {
                return null;
            }
        }

        /** Writes one event unless the client is gone; returns the stream, or null once gone. */
        private ResponseSink.ResponseStream relay(
                ResponseSink.ResponseStream out, SseEvent event, boolean dropUsageChunk) {
            if (out == null || (dropUsageChunk && OpenAiStreams.isUsageOnlyChunk(event))) {
                return out;
            }
            try {
                out.write(event.raw());
                if (firstByteMs.isEmpty()) {
                    firstByteMs = OptionalLong.of(clock.millis() - startedMs);
                }
                return out;
            } catch (ClientDisconnectedException e) {
                LOG.debug("client left a stream mid-way; reading on to bill it: {}", request);
                return null;
            }
        }

        private void relayStreamError(ResponseSink sink, HttpTransport.StreamingResponse response) {
            int status = response.status();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            try {
                for (Optional<byte[]> chunk = response.read();
                        chunk.isPresent();
                        chunk = response.read()) {
                    body.writeBytes(chunk.get());
                }
            } catch (ForwardException e) {
                LOG.debug("upstream error body cut short: {}", e.kind());
            }
            if (status == 401 || status == 403) {
                reply(sink, ErrorResponses.upstreamAuthFailed(format, status));
                recordFailure(status, "upstream_auth_failed", Optional.empty(), response.headers());
                return;
            }
            sink.send(status, ForwardedHeaders.downstream(response.headers()), body.toByteArray());
            recordFailure(
                    status,
                    String.valueOf(status),
                    errorMessage(body.toByteArray()),
                    response.headers());
        }

        private void upstreamFailed(ResponseSink sink, ForwardException e) {
            String host = key.effectiveBaseUrl().getHost();
            boolean timeout = e.kind() == ForwardException.Kind.TIMEOUT;
            LOG.warn("{} upstream {} failed: {}", routed.provider().id(), host, e.kind());
            reply(
                    sink,
                    timeout
                            ? ErrorResponses.upstreamTimeout(format, host)
                            : ErrorResponses.upstreamUnreachable(format, host));
            recordFailure(
                    timeout ? 504 : 502,
                    timeout ? "upstream_timeout" : "upstream_unreachable",
                    Optional.empty(),
                    HeaderMap.empty());
        }

        /**
         * Commits the real cost: from the provider's usage, else (a stream cut short, a body
         * without usage) from what was seen, bounded by the worst case of the input.
         */
        private void settle(
                Reservation held,
                Optional<TokenUsage> usage,
                Optional<TokenUsage> inputSeen,
                long outputBytesSeen,
                int status,
                HeaderMap upstreamHeaders) {
            LlmModelMeta meta = LlmModelMeta.of(routed.provider(), routed.model().orElse(""));
            RequestMeta requestMeta = requestMeta(status, upstreamHeaders);
            if (price.isEmpty()) {
                if (routed.model().isPresent() && status >= 200 && status <= 299) {
                    record(
                            LlmRequestCompleted.unpriced(
                                    meta, usage.orElse(TokenUsage.NONE), requestMeta));
                }
                return;
            }
            TokenUsage billed = usage.orElseGet(() -> fromWhatWasSeen(inputSeen, outputBytesSeen));
            if (usage.isEmpty()) {
                LOG.warn(
                        "no usage reported for a {} request to {}; billing from what was seen",
                        routed.model().orElse(""),
                        routed.provider().id());
            }
            Money cost = price.get().cost(billed);
            held.commit(cost);
            if (status >= 200 && status <= 299) {
                record(LlmRequestCompleted.priced(meta, billed, cost, requestMeta));
            } else {
                record(
                        LlmRequestFailed.of(
                                meta,
                                String.valueOf(status),
                                "The upstream stream broke before it completed; billed from what"
                                        + " was seen.",
                                requestMeta));
            }
        }

        /**
         * The bill of a response without usage: the input the stream reported, else the worst-case
         * input bound; output as the UTF-8 bytes of the text seen (at least one byte per token).
         */
        private TokenUsage fromWhatWasSeen(Optional<TokenUsage> inputSeen, long outputBytesSeen) {
            TokenUsage input =
                    inputSeen.orElseGet(
                            () ->
                                    TokenUsage.of(
                                            price.orElseThrow().worstCaseInputTokens(shape), 0));
            return new TokenUsage(
                    input.inputTokens(),
                    outputBytesSeen,
                    input.cacheReadTokens(),
                    input.cacheWriteTokens());
        }

        private void recordFailure(
                int status, String code, Optional<String> message, HeaderMap upstreamHeaders) {
            if (routed.model().isEmpty()) {
                return;
            }
            LlmModelMeta meta = LlmModelMeta.of(routed.provider(), routed.model().get());
            record(
                    new LlmRequestFailed(
                            meta,
                            Optional.of(code),
                            message,
                            requestMeta(status, upstreamHeaders)));
        }

        private RequestMeta requestMeta(int status, HeaderMap upstreamHeaders) {
            Optional<String> requestId =
                    upstreamHeaders
                            .first("x-request-id")
                            .or(() -> upstreamHeaders.first("request-id"))
                            .filter(id -> !id.isBlank());
            long latency = Math.max(0, clock.millis() - startedMs);
            OptionalLong ttfb =
                    firstByteMs.isPresent() && firstByteMs.getAsLong() <= latency
                            ? firstByteMs
                            : OptionalLong.empty();
            return new RequestMeta(requestId, latency, ttfb, stream, translated, status);
        }

        private void record(EventPayload payload) {
            long now = clock.millis();
            try {
                events.record(AnalyticsEvent.of(AnalyticsEvent.newEventId(now), now, payload));
            } catch (RuntimeException e) {
                LOG.warn(
                        "an analytics event could not be recorded: {}",
                        e.getClass().getSimpleName());
            }
        }
    }

    private static Optional<JsonNode> readJson(byte[] body) {
        try {
            return Optional.ofNullable(JSON.readTree(body));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static byte[] writeJson(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("a parsed request could not be written back", e);
        }
    }

    /** The {@code error.message} of an upstream error body, if it has one. */
    private static Optional<String> errorMessage(byte[] body) {
        return readJson(body)
                .map(j -> j.path("error").path("message"))
                .filter(JsonNode::isTextual)
                .map(JsonNode::asText);
    }
}
