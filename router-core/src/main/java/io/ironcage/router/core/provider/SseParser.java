package io.ironcage.router.core.provider;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Splits one server-sent-event stream into {@link SseEvent}s as its bytes arrive, per the WHATWG
 * event-stream format, keeping every byte so the stream can be passed through unchanged.
 *
 * <p>One parser per stream; not thread-safe. Feed the body chunks in order with {@link
 * #feed(byte[])}, then call {@link #finish()} once at the end of the body. Concatenating the {@link
 * SseEvent#raw() raw} bytes of every returned event, in order, gives back exactly the bytes fed.
 *
 * <ul>
 *   <li>Lines end with {@code \n}, {@code \r\n} or {@code \r}; a {@code \r\n} split across two
 *       chunks counts once. Every blank line ends an event, so a chunk boundary inside an event, a
 *       line or a UTF-8 character changes nothing: lines are decoded only once complete.
 *   <li>{@code data:} lines are joined with {@code \n}; one space after the colon is dropped if
 *       present; a line {@code data} without a colon adds an empty line. The last {@code event:}
 *       wins. {@code id:}, {@code retry:} and unknown fields are kept in {@code raw} only. A UTF-8
 *       byte order mark at the very start is ignored. Invalid UTF-8 decodes to U+FFFD.
 *   <li>Comment lines ({@code : keep-alive}) are not fields: they stay in the {@code raw} bytes of
 *       the event they precede, and a block of comments alone (or an extra blank line) becomes an
 *       event with empty {@code data}, which callers pass through and otherwise ignore.
 *   <li>An event is returned as soon as its blank line is complete. If that blank line ends with a
 *       {@code \r} as the last byte of a chunk, a {@code \n} opening the next chunk is taken as the
 *       rest of the line ending and lands in the next event's {@code raw} (or in the one {@link
 *       #finish()} returns), so no event waits for the next chunk.
 * </ul>
 *
 * <p>Memory: the parser holds at most the bytes of the one event in progress, capped by {@code
 * maxEventBytes}.
 */
public final class SseParser {
    /** The default cap on the raw size of one event: 16 MiB. */
    public static final int DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

    private static final byte[] EMPTY = new byte[0];
    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);

    private final int maxEventBytes;

    /** The bytes of the event in progress, {@code [0, carryLength)}; all of them scanned. */
    private byte[] carry = EMPTY;

    private int carryLength;

    /** Where the incomplete line starts in {@code carry}. */
    private int lineStart;

    /** The last line ended with {@code \r} at the end of a chunk: skip one {@code \n}. */
    private boolean skipLf;

    private boolean atStreamStart = true;
    private String eventName;
    private String firstData;
    private StringBuilder moreData;
    private boolean finished;
    private boolean failed;

    /** Creates a parser with the {@link #DEFAULT_MAX_EVENT_BYTES default} event size cap. */
    public SseParser() {
        this(DEFAULT_MAX_EVENT_BYTES);
    }

    /**
     * Creates a parser with a cap on the raw size of one event.
     *
     * @param maxEventBytes the largest accepted event, in raw bytes, {@code >= 1}
     * @throws IllegalArgumentException if {@code maxEventBytes < 1}
     */
    public SseParser(int maxEventBytes) {
        if (maxEventBytes < 1) {
            throw new IllegalArgumentException(
                    "maxEventBytes must be at least 1, got " + maxEventBytes);
        }
        this.maxEventBytes = maxEventBytes;
    }

    /**
     * Consumes the next chunk of the stream.
     *
     * @param chunk the bytes, in stream order; not kept (the caller may reuse the array)
     * @return the events this chunk completed, in order; often empty
     * @throws IllegalStateException if an event grows beyond the size cap (the parser is then
     *     unusable: every later call throws too), or if {@link #finish()} was already called
     */
    public List<SseEvent> feed(byte[] chunk) {
        Objects.requireNonNull(chunk, "chunk");
        checkUsable();
        if (chunk.length == 0) {
            return List.of();
        }
        byte[] buf;
        int pos;
        if (carryLength == 0) {
            buf = chunk;
            pos = 0;
            lineStart = 0;
        } else {
            long needed = (long) carryLength + chunk.length;
            if (needed > Integer.MAX_VALUE - 8) {
                throw tooLarge(needed);
            }
            if (carry.length < needed) {
                carry =
                        Arrays.copyOf(
                                carry,
                                (int)
                                        Math.max(
                                                needed,
                                                Math.min(
                                                        2L * carry.length, Integer.MAX_VALUE - 8)));
            }
            System.arraycopy(chunk, 0, carry, carryLength, chunk.length);
            buf = carry;
            pos = carryLength;
        }
        int len = buf == chunk ? chunk.length : carryLength + chunk.length;
        int eventStart = 0;
        List<SseEvent> events = List.of();
        while (pos < len) {
            byte b = buf[pos];
            if (skipLf) {
                skipLf = false;
                if (b == '\n') {
                    pos++;
                    lineStart = pos;
                    continue;
                }
            }
            if (b != '\n' && b != '\r') {
                pos++;
                continue;
            }
            int lineEnd = pos++;
            if (b == '\r') {
                if (pos == len) {
                    skipLf = true;
                } else if (buf[pos] == '\n') {
                    pos++;
                }
            }
            if (lineEnd == lineStart) {
                if (events.isEmpty()) {
                    events = new ArrayList<>();
                }
                events.add(emit(buf, eventStart, pos));
                eventStart = pos;
            } else {
                line(buf, lineStart, lineEnd);
            }
            lineStart = pos;
        }
        keepTail(buf, chunk, eventStart, len);
        return events;
    }

    /**
     * Ends the stream: returns the event in progress, if any bytes of it arrived, even without its
     * terminating blank line (so a last {@code data: [DONE]\n} still counts). Calling it again
     * returns an empty list.
     *
     * @return the final event, or an empty list if the stream ended on an event boundary
     * @throws IllegalStateException if the parser failed on the size cap
     */
    public List<SseEvent> finish() {
        if (failed) {
            throw new IllegalStateException(
                    "the SSE parser failed earlier: an event was too large");
        }
        if (finished) {
            return List.of();
        }
        finished = true;
        if (carryLength == 0) {
            return List.of();
        }
        if (lineStart < carryLength) {
            line(carry, lineStart, carryLength);
        }
        SseEvent last = emit(carry, 0, carryLength);
        carry = EMPTY;
        carryLength = 0;
        lineStart = 0;
        return List.of(last);
    }

    private void checkUsable() {
        if (failed) {
            throw new IllegalStateException(
                    "the SSE parser failed earlier: an event was too large");
        }
        if (finished) {
            throw new IllegalStateException("the SSE stream was already finished");
        }
    }

    private IllegalStateException tooLarge(long size) {
        failed = true;
        carry = EMPTY;
        carryLength = 0;
        return new IllegalStateException(
                "an SSE event exceeds the limit of "
                        + maxEventBytes
                        + " bytes (at least "
                        + size
                        + " bytes without an end)");
    }

    /** Keeps the bytes of the unfinished event for the next chunk, in an array of our own. */
    private void keepTail(byte[] buf, byte[] chunk, int eventStart, int len) {
        int tail = len - eventStart;
        if (tail > maxEventBytes) {
            throw tooLarge(tail);
        }
        if (tail == 0) {
            carry = EMPTY;
            carryLength = 0;
            lineStart = 0;
            return;
        }
        if (buf == chunk) {
            carry = Arrays.copyOfRange(chunk, eventStart, len);
        } else if (eventStart > 0) {
            System.arraycopy(carry, eventStart, carry, 0, tail);
        }
        carryLength = tail;
        lineStart -= eventStart;
    }

    private SseEvent emit(byte[] buf, int from, int to) {
        if (to - from > maxEventBytes) {
            throw tooLarge(to - from);
        }
        String data;
        if (moreData != null) {
            data = moreData.toString();
        } else {
            data = firstData == null ? "" : firstData;
        }
        Optional<String> name =
                eventName == null || eventName.isEmpty()
                        ? Optional.empty()
                        : Optional.of(eventName);
        eventName = null;
        firstData = null;
        moreData = null;
        return new SseEvent(name, data, Arrays.copyOfRange(buf, from, to));
    }

    /** Interprets one complete, non-empty line {@code buf[from, to)}. */
    private void line(byte[] buf, int from, int to) {
        int start = from;
        if (atStreamStart) {
            atStreamStart = false;
            if (to - start >= 3
                    && buf[start] == (byte) 0xEF
                    && buf[start + 1] == (byte) 0xBB
                    && buf[start + 2] == (byte) 0xBF) {
                start += 3;
            }
        }
        if (start == to || buf[start] == ':') {
            return;
        }
        int colon = start;
        while (colon < to && buf[colon] != ':') {
            colon++;
        }
        int valueStart = colon;
        if (colon < to) {
            valueStart = colon + 1;
            if (valueStart < to && buf[valueStart] == ' ') {
                valueStart++;
            }
        }
        if (fieldIs(buf, start, colon, DATA)) {
            String value = new String(buf, valueStart, to - valueStart, StandardCharsets.UTF_8);
            if (firstData == null) {
                firstData = value;
            } else {
                if (moreData == null) {
                    moreData = new StringBuilder(firstData);
                }
                moreData.append('\n').append(value);
            }
        } else if (fieldIs(buf, start, colon, EVENT)) {
            eventName = new String(buf, valueStart, to - valueStart, StandardCharsets.UTF_8);
        }
    }

    private static boolean fieldIs(byte[] buf, int from, int to, byte[] name) {
        return Arrays.equals(buf, from, to, name, 0, name.length);
    }
}
