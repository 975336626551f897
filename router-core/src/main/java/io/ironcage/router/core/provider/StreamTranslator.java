package io.ironcage.router.core.provider;

import io.ironcage.router.core.errors.TranslationException;
import java.util.List;

/**
 * The translation of one streamed answer from the provider's event format into the caller's: one
 * instance per stream, fed the upstream's events in order. Implementations are free of I/O and not
 * thread-safe.
 */
public interface StreamTranslator {
    /**
     * Translates the next upstream event.
     *
     * @param event the event, as {@link io.ironcage.router.core.provider.SseParser} returned it
     * @return the caller's events for it, in order; often empty
     * @throws TranslationException when the event cannot be translated; the stream should then end
     *     with an error event in the caller's format
     */
    List<SseEvent> onEvent(SseEvent event);

    /**
     * Returns whether the caller has had the stream's final event (its format's end, or an error
     * event). A stream whose upstream ends before this was cut short.
     *
     * @return {@code true} once the translated stream is complete
     */
    boolean finished();
}
