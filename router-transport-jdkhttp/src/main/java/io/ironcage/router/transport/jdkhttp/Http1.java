package io.ironcage.router.transport.jdkhttp;

import io.ironcage.router.core.spi.EarlyAnswer;
import io.ironcage.router.core.spi.HeaderMap;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * How the server writes an answer's head (as the netty transport does, so both give the caller the
 * same bytes): the handler's headers as given but {@code content-length}, {@code transfer-encoding}
 * and {@code connection}, which the transport sets itself; a {@code date} when absent; {@code
 * connection: close} when the connection ends after the answer.
 */
final class Http1 {
    /** The interim answer to {@code Expect: 100-continue}. */
    static final byte[] CONTINUE =
            "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** The body of a streamed answer is chunked. */
    static final long CHUNKED = -1;

    /** The body of a streamed answer ends with the connection (an HTTP/1.0 client). */
    static final long UNTIL_CLOSE = -2;

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
                    .withZone(ZoneOffset.UTC);

    private static volatile Cached date = new Cached(-1, "");

    private Http1() {}

    /**
     * The status line and headers of an answer.
     *
     * @param status the status
     * @param given the handler's headers
     * @param length the body's length, {@link #CHUNKED} or {@link #UNTIL_CLOSE}
     * @param close whether the connection ends after the answer
     * @return the bytes, ending with the empty line
     */
    static byte[] head(int status, HeaderMap given, long length, boolean close) {
        StringBuilder head = new StringBuilder(256);
        head.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        given.forEach(
                (name, value) -> {
                    if (!name.equals("content-length")
                            && !name.equals("transfer-encoding")
                            && !(close && name.equals("connection"))) {
                        head.append(name).append(": ").append(value).append("\r\n");
                    }
                });
        if (!given.contains("date")) {
            head.append("date: ").append(now()).append("\r\n");
        }
        if (close) {
            head.append("connection: close\r\n");
        }
        if (length == CHUNKED) {
            head.append("transfer-encoding: chunked\r\n");
        } else if (length >= 0 && status >= 200 && status != 204 && status != 304) {
            head.append("content-length: ").append(length).append("\r\n");
        }
        head.append("\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A whole answer the server gives by itself, after which the connection closes.
     *
     * @param answer the answer
     * @param headRequest whether it answers a HEAD request (no body then)
     * @return the bytes
     */
    static byte[] whole(EarlyAnswer answer, boolean headRequest) {
        byte[] body = answer.body();
        byte[] head = head(answer.status(), answer.headers(), body.length, true);
        if (headRequest || !hasBody(answer.status())) {
            return head;
        }
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /** Whether an answer with this status carries a body. */
    static boolean hasBody(int status) {
        return status >= 200 && status != 204 && status != 304;
    }

    /** The current time as an HTTP date, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
    static String now() {
        long second = System.currentTimeMillis() / 1000;
        Cached cached = date;
        if (cached.second() != second) {
            cached = new Cached(second, IMF_FIXDATE.format(Instant.ofEpochSecond(second)));
            date = cached;
        }
        return cached.text();
    }

    /** The date of one second, formatted once. */
    private record Cached(long second, String text) {}

    /** The reason phrase of a status. */
    static String reason(int status) {
        switch (status) {
            case 100:
                return "Continue";
            case 200:
                return "OK";
            case 201:
                return "Created";
            case 202:
                return "Accepted";
            case 204:
                return "No Content";
            case 206:
                return "Partial Content";
            case 301:
                return "Moved Permanently";
            case 302:
                return "Found";
            case 304:
                return "Not Modified";
            case 307:
                return "Temporary Redirect";
            case 308:
                return "Permanent Redirect";
            case 400:
                return "Bad Request";
            case 401:
                return "Unauthorized";
            case 402:
                return "Payment Required";
            case 403:
                return "Forbidden";
            case 404:
                return "Not Found";
            case 405:
                return "Method Not Allowed";
            case 408:
                return "Request Timeout";
            case 409:
                return "Conflict";
            case 413:
                return "Request Entity Too Large";
            case 414:
                return "Request-URI Too Long";
            case 415:
                return "Unsupported Media Type";
            case 422:
                return "Unprocessable Entity";
            case 429:
                return "Too Many Requests";
            case 431:
                return "Request Header Fields Too Large";
            case 500:
                return "Internal Server Error";
            case 501:
                return "Not Implemented";
            case 502:
                return "Bad Gateway";
            case 503:
                return "Service Unavailable";
            case 504:
                return "Gateway Timeout";
            case 529:
                return "Overloaded";
            default:
                return status < 200
                        ? "Informational"
                        : status < 300
                                ? "Success"
                                : status < 400
                                        ? "Redirection"
                                        : status < 500 ? "Client Error" : "Server Error";
        }
    }
}
