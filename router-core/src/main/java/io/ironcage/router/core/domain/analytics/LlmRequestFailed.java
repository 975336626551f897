package io.ironcage.router.core.domain.analytics;

import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.TokenUsage;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An LLM request failed: the upstream answered with an error, or the router could not get an answer
 * (reference §8.1 {@code LlmRequestFailed(LlmFailureData)}, plus ARCHITECTURE.md step 9's request
 * facts).
 *
 * <p><b>No secrets.</b> Upstream error messages can echo key fragments (OpenAI's 401 does: {@code
 * "Incorrect API key provided: sk-proj-****abcd"}). The compact constructor replaces anything that
 * looks like a provider key ({@code sk-…}) or a JWT such as an IC token ({@code eyJ….….…}) in
 * {@code errorMessage} with {@code <redacted>}, so such text never reaches a store, the control
 * server or a log line through this value.
 *
 * <p><b>Billed failures.</b> A failure usually costs nothing. A stream that breaks part-way is the
 * exception: the tokens seen were produced, so the router bills them (ARCHITECTURE.md step 8), and
 * this payload carries that bill in {@code usage} and {@code cost} (an extension of the reference,
 * whose failures have no cost), so the sum of the events' costs always equals the ledger's spend.
 *
 * @param meta the provider and model
 * @param errorCode the error's code, e.g. the upstream status as text (reference §8.7) or the
 *     router's own code such as {@code budget_exceeded}, if any
 * @param errorMessage the error's message, secrets redacted, if any
 * @param request how the request went
 * @param usage the tokens billed despite the failure; {@link TokenUsage#NONE} when nothing was
 * @param cost what the failure cost; {@link Money#ZERO} when nothing was billed
 */
public record LlmRequestFailed(
        LlmModelMeta meta,
        Optional<String> errorCode,
        Optional<String> errorMessage,
        RequestMeta request,
        TokenUsage usage,
        Money cost)
        implements EventPayload, LlmRequestPayload {
    /** This payload's {@linkplain #eventType() event type}. */
    public static final String EVENT_TYPE = "llm_request_failed";

    /** What replaces a secret in {@code errorMessage}. */
    public static final String REDACTED = "<redacted>";

    private static final Pattern SECRET =
            Pattern.compile(
                    "(?i)\\bsk-[a-z0-9_*\\-]{4,}"
                            + "|\\beyJ[a-z0-9_\\-]*\\.[a-z0-9_\\-]+\\.[a-z0-9_\\-]*"
                            + "|\\bBearer\\s+\\S+");

    /**
     * Validates the components and redacts secrets from {@code errorMessage}.
     *
     * @throws NullPointerException if a component is {@code null}
     */
    public LlmRequestFailed {
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(errorCode, "errorCode");
        Objects.requireNonNull(errorMessage, "errorMessage");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(cost, "cost");
        errorMessage = errorMessage.map(m -> SECRET.matcher(m).replaceAll(REDACTED));
    }

    /**
     * Returns a failure that cost nothing.
     *
     * @param meta the provider and model
     * @param errorCode the error's code, if any
     * @param errorMessage the error's message (secrets are redacted), if any
     * @param request how the request went
     */
    public LlmRequestFailed(
            LlmModelMeta meta,
            Optional<String> errorCode,
            Optional<String> errorMessage,
            RequestMeta request) {
        this(meta, errorCode, errorMessage, request, TokenUsage.NONE, Money.ZERO);
    }

    /**
     * Returns whether the failure was billed (a stream cut part-way).
     *
     * @return {@code true} if {@link #cost()} is not zero
     */
    public boolean billed() {
        return !cost.isZero();
    }

    /**
     * Returns the payload of a failure with a code and a message.
     *
     * @param meta the provider and model
     * @param errorCode the error's code
     * @param errorMessage the error's message (secrets are redacted)
     * @param request how the request went
     * @return the payload
     */
    public static LlmRequestFailed of(
            LlmModelMeta meta, String errorCode, String errorMessage, RequestMeta request) {
        return new LlmRequestFailed(
                meta,
                Optional.of(Objects.requireNonNull(errorCode, "errorCode")),
                Optional.of(Objects.requireNonNull(errorMessage, "errorMessage")),
                request);
    }

    /**
     * Returns the payload of a failure that was billed for what it produced: a stream cut part-way.
     *
     * @param meta the provider and model
     * @param errorCode the error's code
     * @param errorMessage the error's message (secrets are redacted)
     * @param request how the request went
     * @param usage the tokens billed
     * @param cost what they cost
     * @return the payload
     */
    public static LlmRequestFailed billed(
            LlmModelMeta meta,
            String errorCode,
            String errorMessage,
            RequestMeta request,
            TokenUsage usage,
            Money cost) {
        return new LlmRequestFailed(
                meta,
                Optional.of(Objects.requireNonNull(errorCode, "errorCode")),
                Optional.of(Objects.requireNonNull(errorMessage, "errorMessage")),
                request,
                usage,
                cost);
    }

    @Override
    public String eventType() {
        return EVENT_TYPE;
    }
}
