package io.ironcage.router.transport.netty;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The {@code Date} header's value (RFC 9110 IMF-fixdate), formatted at most once a second. */
final class HttpDates {
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
                    .withZone(ZoneOffset.UTC);

    private static volatile Cached cached = new Cached(-1, "");

    private HttpDates() {}

    /** Returns the current time as an HTTP date, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
    static String now() {
        long second = System.currentTimeMillis() / 1000;
        Cached current = cached;
        if (current.second != second) {
            current = new Cached(second, IMF_FIXDATE.format(Instant.ofEpochSecond(second)));
            cached = current;
        }
        return current.text;
    }

    private static final class Cached {
        final long second;
        final String text;

        Cached(long second, String text) {
            this.second = second;
            this.text = text;
        }
    }
}
