package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.spi.HeaderMap;
import io.ironcage.router.core.spi.RequestHead;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads one request's line and headers strictly (RFC 9112), as their bytes arrive: each call looks
 * only at the bytes it has not seen, so a head trickled in byte by byte costs no more than one sent
 * at once. Refuses, with the status to answer:
 *
 * <ul>
 *   <li>400: a line not ended by CR LF (a bare CR or a bare LF), a malformed request line or
 *       header, a method or header name that is not a token, a request target with a character a
 *       URI may not hold (a space, a control character, a backslash, ...), a control character in a
 *       header value, a header folded over two lines, whitespace between a header name and its
 *       colon, a {@code Content-Length} that is not digits or that differs from another, a {@code
 *       Transfer-Encoding} other than exactly {@code chunked}, or with a {@code Content-Length}, or
 *       in HTTP/1.0, a version other than HTTP/1.0 or HTTP/1.1;
 *   <li>414: a request line over {@value #MAX_REQUEST_LINE} bytes;
 *   <li>431: headers over {@value #MAX_HEADER_BYTES} bytes or {@value #MAX_HEADERS} fields.
 * </ul>
 *
 * <p>A bare CR or LF ending a line, a signed length, two lengths or a length with a chunked body
 * are how one request is smuggled inside another past a proxy that reads the framing differently,
 * so none is tolerated. Offsets are relative to the first byte of the head, so the buffer holding
 * it may move between calls. Not thread-safe: one per connection, reset for each request.
 */
final class RequestHeadParser {
    /** The longest request line, as on the netty transport. */
    static final int MAX_REQUEST_LINE = 64 * 1024;

    /**
     * The most header bytes, as on the netty transport: the router refuses more than 32 KiB of
     * headers anyway, and a connection that has not authenticated holds no more than this.
     */
    static final int MAX_HEADER_BYTES = 64 * 1024;

    /** The most header fields, as on the netty transport. */
    static final int MAX_HEADERS = 200;

    /** The most bytes a head may take in all (with its line ends and a few empty lines before). */
    static final int MAX_HEAD_BYTES = MAX_REQUEST_LINE + MAX_HEADER_BYTES + 1024;

    /** What a call found. */
    enum Outcome {
        /** The head is not complete yet. */
        MORE,
        /** The head is complete: see {@link #head()}. */
        DONE,
        /** The head is refused: see {@link #refusal()}. */
        REFUSED
    }

    /** RFC 9110 token characters. */
    private static final boolean[] TOKEN = new boolean[256];

    /** What a request target may hold: RFC 3986 characters, {@code %} and {@code #}. */
    private static final boolean[] TARGET = new boolean[256];

    static {
        for (int c = 0; c < 128; c++) {
            boolean alphaNum =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            TOKEN[c] = alphaNum || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            TARGET[c] = alphaNum || "-._~!$&'()*+,;=:@/?#%[]".indexOf(c) >= 0;
        }
    }

    private int scanned; // the next byte to look at
    private int lineStart; // where the current line starts
    private int headersStart = -1; // just after the request line; -1 until it is read
    private int end; // just after the empty line ending the head
    private String method;
    private String path;
    private String query;
    private boolean http10;
    private final List<String> names = new ArrayList<>();
    private final List<String> values = new ArrayList<>();
    private int refusal;
    private ParsedHead head;

    /** Forgets the last request, for the next one on the connection. */
    void reset() {
        scanned = 0;
        lineStart = 0;
        headersStart = -1;
        end = 0;
        method = null;
        path = null;
        query = null;
        http10 = false;
        names.clear();
        values.clear();
        refusal = 0;
        head = null;
    }

    /**
     * Looks at what has arrived of the head.
     *
     * @param data the buffer
     * @param base where the head starts in it
     * @param length how many bytes of the head (and maybe of what follows) it holds from {@code
     *     base}
     * @return whether the head is complete, refused, or needs more bytes
     */
    Outcome scan(byte[] data, int base, int length) {
        while (scanned < length) {
            byte b = data[base + scanned];
            if (b == '\n') {
                return refuse(400); // a bare LF
            }
            if (b == '\r') {
                if (scanned + 1 == length) {
                    break; // whether LF follows is not known yet
                }
                if (data[base + scanned + 1] != '\n') {
                    return refuse(400); // a bare CR
                }
                int lineEnd = scanned;
                scanned += 2;
                Outcome outcome = line(data, base + lineStart, base + lineEnd);
                lineStart = scanned;
                if (outcome != Outcome.MORE) {
                    return outcome;
                }
                continue;
            }
            scanned++;
            if (headersStart < 0 && scanned > MAX_REQUEST_LINE) {
                return refuse(414);
            }
            if (headersStart >= 0 && scanned - headersStart > MAX_HEADER_BYTES) {
                return refuse(431);
            }
        }
        return Outcome.MORE;
    }

    /** The head, once {@link #scan} returned {@link Outcome#DONE}. */
    ParsedHead head() {
        return head;
    }

    /** The status to answer, once {@link #scan} returned {@link Outcome#REFUSED}. */
    int refusal() {
        return refusal;
    }

    /** How many bytes the head took, once {@link #scan} returned {@link Outcome#DONE}. */
    int length() {
        return end;
    }

    /** Whether a byte of the head has arrived (an empty line before the request line counts). */
    boolean started() {
        return scanned > 0;
    }

    /** The raw path, once the request line is read. */
    Optional<String> path() {
        return Optional.ofNullable(path);
    }

    private Outcome line(byte[] data, int start, int stop) {
        if (headersStart < 0) {
            if (start == stop) {
                return Outcome.MORE; // an empty line before the request line is ignored
            }
            headersStart = scanned;
            return requestLine(data, start, stop);
        }
        if (start == stop) {
            end = scanned;
            return complete();
        }
        if (names.size() == MAX_HEADERS) {
            return refuse(431);
        }
        if (data[start] == ' ' || data[start] == '\t') {
            return refuse(400); // obs-fold: a header continued on the next line
        }
        int colon = start;
        while (colon < stop && TOKEN[data[colon] & 0xFF]) {
            colon++;
        }
        if (colon == start || colon == stop || data[colon] != ':') {
            return refuse(400); // not a token, or whitespace before the colon
        }
        int from = colon + 1;
        int to = stop;
        while (from < to && (data[from] == ' ' || data[from] == '\t')) {
            from++;
        }
        while (to > from && (data[to - 1] == ' ' || data[to - 1] == '\t')) {
            to--;
        }
        for (int i = from; i < to; i++) {
            int c = data[i] & 0xFF;
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                return refuse(400); // a control character
            }
        }
        names.add(ascii(data, start, colon).toLowerCase(Locale.ROOT));
        values.add(new String(data, from, to - from, StandardCharsets.ISO_8859_1));
        return Outcome.MORE;
    }

    private Outcome requestLine(byte[] data, int start, int stop) {
        int firstSpace = indexOf(data, start, stop, (byte) ' ');
        int secondSpace = firstSpace < 0 ? -1 : indexOf(data, firstSpace + 1, stop, (byte) ' ');
        if (firstSpace <= start || secondSpace < 0 || secondSpace == firstSpace + 1) {
            return refuse(400);
        }
        String target =
                new String(
                        data,
                        firstSpace + 1,
                        secondSpace - firstSpace - 1,
                        StandardCharsets.ISO_8859_1);
        String[] split = RequestHead.splitTarget(target);
        path = split[0];
        query = split[1];
        for (int i = start; i < firstSpace; i++) {
            if (!TOKEN[data[i] & 0xFF]) {
                return refuse(400);
            }
        }
        for (int i = firstSpace + 1; i < secondSpace; i++) {
            if (!TARGET[data[i] & 0xFF]) {
                return refuse(400);
            }
        }
        String version = ascii(data, secondSpace + 1, stop);
        if (version.equals("HTTP/1.0")) {
            http10 = true;
        } else if (!version.equals("HTTP/1.1")) {
            return refuse(400);
        }
        method = ascii(data, start, firstSpace).toUpperCase(Locale.ROOT);
        return Outcome.MORE;
    }

    /** The head is all here: checks how its body is framed. */
    private Outcome complete() {
        List<String> encodings = all("transfer-encoding");
        List<String> lengths = all("content-length");
        long contentLength = 0;
        boolean chunked = false;
        if (!encodings.isEmpty()) {
            if (http10 || !lengths.isEmpty()) {
                return refuse(400); // RFC 9112 §6.1: the framing would be ambiguous
            }
            if (encodings.size() != 1 || !encodings.get(0).equalsIgnoreCase("chunked")) {
                return refuse(400);
            }
            chunked = true;
        } else if (!lengths.isEmpty()) {
            // one Content-Length of digits only: a list or a repeat, even of equal values, is
            // refused, as netty refuses it, so both servers frame every body alike
            contentLength = lengths.size() == 1 ? digits(lengths.get(0).strip()) : -1;
            if (contentLength < 0) {
                return refuse(400);
            }
        }
        HeaderMap.Builder headers = HeaderMap.builder();
        for (int i = 0; i < names.size(); i++) {
            headers.add(names.get(i), values.get(i));
        }
        boolean close = http10;
        boolean expectContinue = false;
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals("connection")) {
                for (String option : values.get(i).split(",")) {
                    close |= option.strip().equalsIgnoreCase("close");
                }
            } else if (names.get(i).equals("expect")) {
                expectContinue |= values.get(i).equalsIgnoreCase("100-continue");
            }
        }
        head =
                new ParsedHead(
                        method,
                        path,
                        query,
                        headers.build(),
                        http10,
                        chunked ? -1 : contentLength,
                        !close,
                        expectContinue && !http10);
        return Outcome.DONE;
    }

    private List<String> all(String name) {
        List<String> found = new ArrayList<>(1);
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(name)) {
                found.add(values.get(i));
            }
        }
        return found;
    }

    /** A non-negative decimal number of at most 18 digits, or -1. */
    private static long digits(String text) {
        if (text.isEmpty() || text.length() > 18) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private Outcome refuse(int status) {
        refusal = status;
        return Outcome.REFUSED;
    }

    private static int indexOf(byte[] data, int from, int to, byte wanted) {
        for (int i = from; i < to; i++) {
            if (data[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private static String ascii(byte[] data, int from, int to) {
        return new String(data, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /**
     * A complete, valid request head.
     *
     * @param method the method, upper case
     * @param path the raw path
     * @param query the raw query, or empty
     * @param headers the headers
     * @param http10 whether the request is HTTP/1.0
     * @param contentLength the body's length; -1 for a chunked body
     * @param keepAlive whether the connection may serve another request after this one
     * @param expectContinue whether the client waits for {@code 100 Continue} before its body
     */
    record ParsedHead(
            String method,
            String path,
            String query,
            HeaderMap headers,
            boolean http10,
            long contentLength,
            boolean keepAlive,
            boolean expectContinue) {
        boolean chunked() {
            return contentLength < 0;
        }

        boolean isHead() {
            return method.equals("HEAD");
        }

        RequestHead toRequestHead() {
            return new RequestHead(method, path, query, headers);
        }

        /** Shows method and path only: headers may hold secrets. */
        @Override
        public String toString() {
            return method + " " + RequestHead.printable(path);
        }
    }
}
