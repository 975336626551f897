package io.ironcage.router.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ApiKind;
import java.time.Clock;
import java.util.function.ToLongFunction;

/**
 * How a caller of one provider's API reaches another provider's: the request on the way up, the
 * answer, the error and the stream on the way back. Free of I/O; {@link
 * io.ironcage.router.core.errors.TranslationException} names a field that cannot be translated.
 */
public interface Translation {
    /**
     * Returns the provider's path the translated request goes to.
     *
     * @return e.g. {@code /v1/messages}
     */
    String upstreamPath();

    /**
     * Returns the provider's API the translated request calls, which reports the usage.
     *
     * @return the upstream API
     */
    ApiKind upstreamKind();

    /**
     * Translates the caller's request.
     *
     * @param body the caller's request
     * @param maxOutputTokensOf the output limit to give a model when the caller gave none
     * @return the provider's request
     */
    ObjectNode request(ObjectNode body, ToLongFunction<String> maxOutputTokensOf);

    /**
     * Translates the provider's whole answer back.
     *
     * @param answer the provider's answer
     * @param clock the clock for the answer's creation time
     * @return the caller's answer
     */
    ObjectNode response(ObjectNode answer, Clock clock);

    /**
     * Translates the provider's error body back.
     *
     * @param body the error body, or null when it is not JSON
     * @param status the provider's status
     * @return the caller's error body
     */
    ObjectNode error(JsonNode body, int status);

    /**
     * Starts the translation of one streamed answer.
     *
     * @param model the model the caller asked for
     * @param callerBody the caller's request
     * @param clock the clock for the stream's creation time
     * @return a translator for this stream
     */
    StreamTranslator stream(String model, ObjectNode callerBody, Clock clock);
}
