package io.ironcage.router.core.spi;

/** Texts the SPI's values show: reason phrases, and request paths made safe for a log line. */
final class TransportStatus {
    private TransportStatus() {}

    /**
     * A raw path as a log line may show it: control characters, backslashes and anything outside
     * printable ASCII as a hex escape (backslash, x or u, hex digits), so a path cannot forge a
     * line or send escape sequences to a terminal; at most 256 characters.
     */
    static String printable(String path) {
        int shown = Math.min(path.length(), 256);
        StringBuilder out = null;
        for (int i = 0; i < shown; i++) {
            char c = path.charAt(i);
            boolean plain = c >= 0x20 && c < 0x7f && c != '\\';
            if (plain && out == null) {
                continue;
            }
            if (out == null) {
                out = new StringBuilder(shown + 16).append(path, 0, i);
            }
            if (plain) {
                out.append(c);
            } else if (c < 0x100) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        String text = out == null ? path.substring(0, shown) : out.toString();
        return shown < path.length() ? text + "..." : text;
    }

    /** The reason phrase of a status a transport may answer on its own. */
    static String reason(int status) {
        switch (status) {
            case 400:
                return "Bad request";
            case 408:
                return "Request timeout";
            case 413:
                return "Payload too large";
            case 414:
                return "URI too long";
            case 431:
                return "Request header fields too large";
            case 503:
                return "Service unavailable";
            default:
                return "Error " + status;
        }
    }
}
