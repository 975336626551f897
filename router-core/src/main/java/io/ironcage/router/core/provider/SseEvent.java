package io.ironcage.router.core.provider;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One server-sent event as it crossed the wire: its parsed fields and its exact bytes.
 *
 * <p>{@code raw} holds every byte of the event as received, field lines, comment lines and the
 * terminating blank line included, so writing the {@code raw} bytes of every event a {@link
 * SseParser} returns reproduces the stream byte for byte. The array is copied in and out; this
 * record compares it by content, unlike a plain record, and shows only its length in {@link
 * #toString()}.
 *
 * <p>An event with empty {@code data} (a keep-alive comment such as {@code : ping}, a stray blank
 * line, or an event whose {@code data:} field is empty) carries nothing to interpret: pass its raw
 * bytes through and otherwise ignore it.
 *
 * @param event the {@code event:} field (the last one if repeated); empty when absent or empty
 *     (Anthropic and the Responses API name every event; Chat Completions names none)
 * @param data the {@code data:} lines joined with {@code \n}; empty when there are none
 * @param raw the exact bytes of the event, including its terminating blank line when it had one
 */
public record SseEvent(Optional<String> event, String data, byte[] raw) {

    /**
     * Validates and copies the components.
     *
     * @throws NullPointerException if a component is null
     */
    public SseEvent {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(data, "data");
        raw = Objects.requireNonNull(raw, "raw").clone();
    }

    /**
     * Returns an unnamed event encoded as {@code data: <line>\n} per line of {@code data}, then a
     * blank line (each of {@code \r\n}, {@code \r} and {@code \n} in {@code data} starts a line).
     *
     * @param data the payload, e.g. one line of JSON
     * @return the event, with {@code raw} as described
     */
    public static SseEvent ofData(String data) {
        return encode(Optional.empty(), data);
    }

    /**
     * Returns a named event encoded as {@code event: <name>\n}, the {@code data:} lines as {@link
     * #ofData(String)}, then a blank line.
     *
     * @param event the event name, non-empty, without CR or LF
     * @param data the payload
     * @return the event
     * @throws IllegalArgumentException if the name is empty or contains CR or LF
     */
    public static SseEvent named(String event, String data) {
        Objects.requireNonNull(event, "event");
        if (event.isEmpty() || event.indexOf('\r') >= 0 || event.indexOf('\n') >= 0) {
            throw new IllegalArgumentException(
                    "an SSE event name must be non-empty, without CR/LF");
        }
        return encode(Optional.of(event), data);
    }

    private static SseEvent encode(Optional<String> event, String data) {
        Objects.requireNonNull(data, "data");
        StringBuilder text = new StringBuilder(data.length() + 32);
        event.ifPresent(name -> text.append("event: ").append(name).append('\n'));
        if (data.indexOf('\n') < 0 && data.indexOf('\r') < 0) {
            // one line, the usual case (compact JSON): no regex split per event
            text.append("data: ").append(data).append("\n\n");
            return new SseEvent(event, data, text.toString().getBytes(StandardCharsets.UTF_8));
        }
        String[] lines = data.split("\r\n|\r|\n", -1);
        StringBuilder joined = new StringBuilder(data.length());
        for (int i = 0; i < lines.length; i++) {
            text.append("data: ").append(lines[i]).append('\n');
            joined.append(i == 0 ? "" : "\n").append(lines[i]);
        }
        text.append('\n');
        return new SseEvent(
                event, joined.toString(), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Returns a copy of the exact bytes of the event.
     *
     * @return a fresh array
     */
    @Override
    public byte[] raw() {
        return raw.clone();
    }

    /**
     * Returns the number of raw bytes, without copying them.
     *
     * @return {@code raw().length}
     */
    public int rawLength() {
        return raw.length;
    }

    /**
     * Returns whether the event carries data to interpret.
     *
     * @return {@code true} if {@code data} is not empty
     */
    public boolean hasData() {
        return !data.isEmpty();
    }

    /**
     * Compares all components, {@code raw} by content.
     *
     * @param o the other object
     * @return whether {@code o} is an equal event
     */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SseEvent)) {
            return false;
        }
        SseEvent other = (SseEvent) o;
        return event.equals(other.event)
                && data.equals(other.data)
                && Arrays.equals(raw, other.raw);
    }

    /**
     * Hashes all components, {@code raw} by content.
     *
     * @return the hash
     */
    @Override
    public int hashCode() {
        return 31 * (31 * event.hashCode() + data.hashCode()) + Arrays.hashCode(raw);
    }

    /**
     * Shows the event name, the data and the raw length.
     *
     * @return a debugging text
     */
    @Override
    public String toString() {
        return "SseEvent[event=" + event + ", data=" + data + ", rawLength=" + raw.length + "]";
    }
}
