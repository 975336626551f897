package io.ironcage.router.core.internal;

import static io.ironcage.router.core.internal.Stages.errorMessage;
import static io.ironcage.router.core.internal.Stages.release;
import static io.ironcage.router.core.internal.Stages.reply;

import io.ironcage.router.core.domain.budget.Reservation;
import io.ironcage.router.core.errors.ForwardException;
import io.ironcage.router.core.errors.TranslationException;
import io.ironcage.router.core.provider.SseEvent;
import io.ironcage.router.core.provider.SseParser;
import io.ironcage.router.core.provider.StreamTranslator;
import io.ironcage.router.core.provider.StreamUsage;
import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.HttpTransport;
import io.ironcage.router.core.spi.ResponseSink;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay of a streamed answer, event by event: metered from the upstream's own events,
 * translated event by event when the caller speaks the other API, read to its end to bill it when
 * the caller has left, and billed from what was seen when it breaks.
 */
final class StreamRelay {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyPipeline.class);

    private StreamRelay() {}

    /**
     * Relays a stream event by event, metering the upstream's own events; a translated stream is
     * written in the caller's format, each upstream event's translation in one flushed write.
     */
    static void relayStream(
            Call call,
            ResponseSink sink,
            HttpTransport.Request upstreamRequest,
            Reservation held,
            boolean dropUsageChunk,
            StreamTranslator translator) {
        HttpTransport.StreamingResponse response;
        try {
            response = UpstreamCall.openWithFreshKeyOn401(call, upstreamRequest);
        } catch (ForwardException e) {
            UpstreamCall.failed(call, sink, e, held);
            return;
        }
        try (response) {
            int status = response.status();
            if (status < 200 || status > 299) {
                release(held); // nothing to bill: released before the caller has the answer
                StreamRelay.relayStreamError(call, sink, response);
                return;
            }
            HeaderMap headers =
                    call.scrubber.scrub(ForwardedHeaders.downstream(response.headers()));
            if (translator != null) {
                headers =
                        headers.toBuilder()
                                .set("content-type", "text/event-stream; charset=utf-8")
                                .build();
            }
            ResponseSink.ResponseStream out = sink.stream(status, headers);
            SseParser parser = new SseParser();
            StreamUsage usage = call.api.streamUsage(UpstreamCall.upstreamKind(call));
            boolean broken = false;
            boolean untranslatable = false;
            try {
                while (true) {
                    Optional<byte[]> chunk = response.read();
                    List<SseEvent> parsed =
                            chunk.isPresent() ? parser.feed(chunk.get()) : parser.finish();
                    for (SseEvent event : parsed) {
                        usage.onEvent(event);
                        if (translator == null) {
                            out =
                                    StreamRelay.relay(
                                            call,
                                            out,
                                            // the stream's last, unfinished event may
                                            // end inside a key
                                            chunk.isPresent()
                                                    ? call.scrubber.scrub(event.raw())
                                                    : call.scrubber.scrubCut(event.raw()),
                                            dropUsageChunk,
                                            event);
                        } else if (out != null) {
                            try {
                                out =
                                        StreamRelay.relay(
                                                call,
                                                out,
                                                call.scrubber.scrub(
                                                        StreamRelay.raw(translator.onEvent(event))),
                                                false,
                                                null);
                            } catch (TranslationException e) {
                                untranslatable = true;
                                LOG.warn(
                                        "a {} stream event could not be translated ({}):"
                                                + " ending the caller's stream, billing from"
                                                + " the upstream",
                                        call.routed.provider().id(),
                                        e.field());
                                out =
                                        StreamRelay.relayRaw(
                                                out, SseErrors.untranslatable(call.format()));
                                if (out != null) {
                                    out.close(); // the caller is done; read on only to bill
                                    out = null;
                                }
                            }
                        }
                    }
                    if (chunk.isEmpty() || (out == null && usage.usage().isPresent())) {
                        break; // the end, or the client is gone and the bill is known
                    }
                }
                if (translator != null
                        && out != null
                        && !untranslatable
                        && !translator.finished()) {
                    // the caller's client needs its format's own end; a bare EOF is a break
                    broken = true;
                    LOG.warn(
                            "upstream stream of {} ended before its end marker: billing from"
                                    + " what was seen",
                            call.routed.provider().id());
                    out = StreamRelay.relayRaw(out, SseErrors.upstreamBroken(call.format()));
                }
            } catch (ForwardException | IllegalStateException e) {
                broken = true;
                LOG.warn(
                        "upstream stream of {} ended early ({}): billing from what was seen",
                        call.routed.provider().id(),
                        e instanceof ForwardException
                                ? ((ForwardException) e).kind()
                                : e.getClass().getSimpleName());
                if (!untranslatable) {
                    out = StreamRelay.relayRaw(out, SseErrors.upstreamBroken(call.format()));
                }
            }
            try {
                Settlement.settle(
                        call,
                        held,
                        usage.usage(),
                        usage.inputUsageSeen(),
                        usage.outputBytesSeen(),
                        broken || untranslatable ? 502 : status,
                        response.headers(),
                        untranslatable
                                ? "The upstream stream could not be translated; billed from"
                                        + " the upstream's usage."
                                : "The upstream stream broke before it completed; billed"
                                        + " from what was seen.");
            } finally {
                if (out != null) {
                    out.close();
                }
            }
        }
    }

    static byte[] raw(List<SseEvent> translated) {
        if (translated.size() == 1) {
            return translated.get(0).raw();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (SseEvent event : translated) {
            bytes.writeBytes(event.raw());
        }
        return bytes.toByteArray();
    }

    /** Writes bytes unless the client is gone; returns the stream, or null once gone. */
    static ResponseSink.ResponseStream relayRaw(ResponseSink.ResponseStream out, byte[] bytes) {
        return out != null && out.write(bytes) ? out : null;
    }

    /**
     * Writes one event's bytes (nothing when empty) unless the client is gone, or, with {@code
     * dropUsageChunk}, {@code event} is the usage-only chunk; returns the stream, or null once
     * gone.
     */
    static ResponseSink.ResponseStream relay(
            Call call,
            ResponseSink.ResponseStream out,
            byte[] bytes,
            boolean dropUsageChunk,
            SseEvent event) {
        if (out == null
                || bytes.length == 0
                || (dropUsageChunk && call.api.isUsageOnlyEvent(event))) {
            return out;
        }
        if (!out.write(bytes)) {
            LOG.debug("client left a stream mid-way; reading on to bill it: {}", call.request);
            return null;
        }
        if (call.firstByteMs.isEmpty()) {
            call.firstByteMs = OptionalLong.of(call.parts.clock().millis() - call.startedMs);
        }
        return out;
    }

    static void relayStreamError(
            Call call, ResponseSink sink, HttpTransport.StreamingResponse response) {
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
            // recorded before the caller has the answer, as a success is settled first
            Settlement.recordFailure(
                    call, status, "upstream_auth_failed", Optional.empty(), response.headers());
            reply(sink, ErrorResponses.upstreamAuthFailed(call.format(), status));
            return;
        }
        byte[] clean = call.scrubber.scrubCut(body.toByteArray());
        call.upstreamError = status;
        Settlement.recordFailure(
                call, status, String.valueOf(status), errorMessage(clean), response.headers());
        if (call.translation != null) {
            reply(sink, WholeAnswer.translatedError(call, status, response.headers(), clean));
        } else {
            sink.send(
                    status,
                    call.scrubber.scrub(ForwardedHeaders.downstream(response.headers())),
                    clean);
        }
    }
}
