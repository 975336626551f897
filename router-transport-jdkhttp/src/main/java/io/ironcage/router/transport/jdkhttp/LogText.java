package io.ironcage.router.transport.jdkhttp;

/** Text from a client made safe for a log line. */
final class LogText {
    private static final int MAX = 200;

    private LogText() {}

    /**
     * Shows control characters, backslashes and anything beyond ASCII as {@code \xNN} (code units
     * over 0xFF as {@code \\uNNNN}) and cuts the text at 200 characters, so a client cannot forge
     * log lines or fill the log.
     *
     * @param text e.g. a raw request path
     * @return the escaped text
     */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX) + 8);
        for (int i = 0; i < text.length(); i++) {
            if (out.length() >= MAX) {
                return out.append("...").toString();
            }
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                out.append(c);
            } else if (c <= 0xFF) {
                out.append(String.format("\\x%02X", (int) c));
            } else {
                out.append(String.format("\\u%04X", (int) c));
            }
        }
        return out.toString();
    }
}
